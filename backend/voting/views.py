"""Ballot pages: list, ballot with its voting form, results, receipt check, organiser create/edit
and assisted voting. Thin: each calls one service or selector."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import permissions as perms
from accounts.models import AssistanceConsent
from accounts.permissions import roles_of
from core.errors import ApplicationError, NotFound
from core.forms import apply_error
from network.models import Community

from . import selectors, services
from .forms import BallotForm, ReceiptForm, choices_from_post
from .models import Ballot


def _get(request, ballot_id: int) -> Ballot:
    try:
        return selectors.ballot_get(user=request.user, ballot_id=ballot_id)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def ballot_list(request):
    status = request.GET.get("status") or None
    if status not in Ballot.Status.values:
        status = None
    qs = selectors.ballot_list(user=request.user, status=status)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    may_create = bool(roles_of(request.user).organiser_communities or roles_of(request.user).is_admin)
    return render(
        request,
        "voting/list.html",
        {"page": page, "status": status, "statuses": Ballot.Status.choices, "may_create": may_create},
    )


def _ballot_context(request, ballot: Ballot, **extra) -> dict:
    user = request.user
    context = {
        "ballot": ballot,
        "options": list(ballot.options.all()),
        "accepting": selectors.ballot_is_accepting(ballot=ballot),
        "has_voted": selectors.has_voted(user=user, ballot=ballot),
        "may_vote": perms.may(user, "ballot.vote", ballot),
        "may_manage": perms.may(user, "ballot.manage", ballot),
        "may_assist": perms.may(user, "ballot.assist", ballot),
        "results_visible": selectors.results_visible(user=user, ballot=ballot),
        "turnout": selectors.ballot_turnout(ballot=ballot),
        "eligible": selectors.ballot_eligible_count(ballot=ballot)
        if perms.may(user, "ballot.view_eligible", ballot)
        else None,
        "rank_choices": range(1, len(ballot.options.all()) + 1),
        "score_choices": range(0, 6),
        "posted": {},
        "prefill": _prefill(ballot, extra.get("posted")),
    }
    context.update(extra)
    return context


def _prefill(ballot: Ballot, post) -> dict:
    """What the person had chosen, to show again when their paper was refused."""
    if not post:
        return {"checked": set(), "values": {}}
    values = {}
    for o in ballot.options.all():
        value = post.get(f"rank_{o.pk}") or post.get(f"score_{o.pk}") or ""
        if value:
            values[o.pk] = value
    checked = set(post.getlist("options"))
    if post.get("option"):
        checked.add(post.get("option"))
    return {"checked": checked, "values": values}


def ballot_detail(request, ballot_id: int):
    ballot = _get(request, ballot_id)
    return render(request, "voting/detail.html", _ballot_context(request, ballot))


@login_required
@require_POST
def ballot_vote(request, ballot_id: int):
    ballot = _get(request, ballot_id)
    try:
        receipt = services.vote_cast(
            voter=request.user,
            ballot_id=ballot.pk,
            choices=choices_from_post(ballot, request.POST),
            receipt=request.POST.get("receipt", ""),
        )
    except ApplicationError as exc:
        return render(
            request,
            "voting/detail.html",
            _ballot_context(request, ballot, vote_error=exc, posted=request.POST),
            status=exc.status,
        )
    return render(request, "voting/receipt.html", {"ballot": ballot, "receipt": receipt})


@login_required
def ballot_assist(request, ballot_id: int):
    """代为投票: an organiser votes for a resident who gave consent."""
    ballot = _get(request, ballot_id)
    if not perms.may(request.user, "ballot.assist", ballot):
        messages.error(request, _("只有本社区的社区工作者可以代为投票。"))
        return redirect("voting:detail", ballot.pk)
    consents = AssistanceConsent.objects.select_related("resident", "community").filter(
        organiser=request.user, community__in=ballot.communities.all()
    )
    context = _ballot_context(request, ballot, consents=consents)
    if request.method == "POST":
        consent = consents.filter(pk=request.POST.get("consent") or 0).first()
        try:
            if consent is None:
                raise ApplicationError(_("请选择一条代为参与同意记录。"), fields={"consent": [_("请选择。")]})
            receipt = services.vote_cast_assisted(
                organiser=request.user,
                ballot_id=ballot.pk,
                voter_id=consent.resident_id,
                consent_id=consent.pk,
                choices=choices_from_post(ballot, request.POST),
                receipt=request.POST.get("receipt", ""),
            )
        except ApplicationError as exc:
            context.update(vote_error=exc, posted=request.POST, prefill=_prefill(ballot, request.POST))
            return render(request, "voting/assist.html", context, status=exc.status)
        return render(
            request, "voting/receipt.html", {"ballot": ballot, "receipt": receipt, "assisted_for": consent.resident}
        )
    return render(request, "voting/assist.html", context)


def ballot_results(request, ballot_id: int):
    ballot = _get(request, ballot_id)
    try:
        result = selectors.ballot_visible_result(user=request.user, ballot=ballot)
    except ApplicationError as exc:
        messages.info(request, str(exc.message))
        return redirect("voting:detail", ballot.pk)
    labels = {o.pk: o.label for o in ballot.options.all()}
    return render(
        request,
        "voting/results.html",
        {"ballot": ballot, "result": result, "labels": labels, "chart": _chart(ballot, result, labels)},
    )


def _chart(ballot: Ballot, result: dict, labels: dict[int, str]) -> dict:
    """Bar widths (percent) for the results page."""
    winners = set(result.get("winners", []))
    if ballot.method == Ballot.Method.SCORE:
        bars = [
            {
                "label": o["label"],
                "value": o["mean"],
                "count": o["count"],
                "pct": round((o["mean"] or 0) * 20),
                "winner": o["id"] in winners,
            }
            for o in result.get("options", [])
        ]
        return {"bars": bars}
    if ballot.method == Ballot.Method.RANKED:
        rounds = []
        for rd in result.get("rounds", []):
            counting = sum(c["votes"] for c in rd["counts"]) or 1
            rounds.append(
                {
                    "round": rd["round"],
                    "exhausted": rd["exhausted"],
                    "eliminated": labels.get(rd["eliminated"]) if rd["eliminated"] else "",
                    "bars": [
                        {
                            "label": labels.get(c["id"], "?"),
                            "value": c["votes"],
                            "pct": round(100 * c["votes"] / counting),
                            "winner": c["id"] in winners and rd is result["rounds"][-1],
                        }
                        for c in rd["counts"]
                    ],
                }
            )
        return {"rounds": rounds}
    top = max((o["votes"] for o in result.get("options", [])), default=0) or 1
    bars = [
        {
            "label": o["label"],
            "value": o["votes"],
            "pct": round(100 * o["votes"] / top),
            "winner": o["id"] in winners,
            "cost_fen": o.get("cost_fen"),
            "funded": o.get("funded"),
        }
        for o in result.get("options", [])
    ]
    chart = {"bars": bars}
    if ballot.method == Ballot.Method.BUDGET and result.get("budget_fen"):
        chart["spent_pct"] = round(100 * result["spent_fen"] / result["budget_fen"])
    return chart


def ballot_receipts(request, ballot_id: int):
    """Check a receipt code, and (once published) the list of papers by check code."""
    ballot = _get(request, ballot_id)
    form = ReceiptForm(request.POST or None)
    paper = None
    if request.method == "POST" and form.is_valid():
        try:
            cast = selectors.receipt_lookup(ballot=ballot, receipt=form.cleaned_data["receipt"])
        except ApplicationError as exc:
            apply_error(request, form, exc)
        else:
            paper = {
                "check_code": cast.check_code,
                "lines": selectors.describe_choices(ballot=ballot, choices=cast.choices),
            }
    papers = None
    if ballot.status == Ballot.Status.PUBLISHED:
        page = Paginator(selectors.receipt_list(ballot=ballot), 50).get_page(request.GET.get("page"))
        papers = {
            "page": page,
            "rows": [
                {"check_code": c.check_code, "lines": selectors.describe_choices(ballot=ballot, choices=c.choices)}
                for c in page
            ],
        }
    return render(request, "voting/receipts.html", {"ballot": ballot, "form": form, "paper": paper, "papers": papers})


def _organiser_communities(user):
    r = roles_of(user)
    qs = Community.objects.all() if r.is_admin else Community.objects.filter(pk__in=r.organiser_communities)
    return qs.order_by("name")


@login_required
def ballot_create(request):
    communities = _organiser_communities(request.user)
    if not communities.exists():
        messages.error(request, _("只有社区工作者可以发起投票。"))
        return redirect("voting:list")
    form = BallotForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        try:
            ballot = services.ballot_create(actor=request.user, **form.service_kwargs())
        except ApplicationError as exc:
            apply_error(request, form, exc, renamed=BALLOT_FORM_FIELDS)
        else:
            messages.success(request, _("投票草稿已保存，到开始时间会自动开放。"))
            return redirect("voting:detail", ballot.pk)
    return render(request, "voting/edit.html", {"form": form, "ballot": None})


@login_required
def ballot_edit(request, ballot_id: int):
    ballot = _get(request, ballot_id)
    if not perms.may(request.user, "ballot.manage", ballot) or ballot.status != Ballot.Status.DRAFT:
        messages.error(request, _("只有草稿可以修改，且需要所有相关社区的社区工作者。"))
        return redirect("voting:detail", ballot.pk)
    initial = BallotForm.initial_for(ballot)
    form = BallotForm(request.POST or None, initial=initial, communities=_organiser_communities(request.user))
    if request.method == "POST" and form.is_valid():
        changes = form.service_kwargs()
        options = form.options_for(ballot)
        if options is None:
            changes.pop("options")
        else:
            changes["options"] = options
        try:
            services.ballot_update(actor=request.user, ballot_id=ballot.pk, **changes)
        except ApplicationError as exc:
            apply_error(request, form, exc, renamed=BALLOT_FORM_FIELDS)
        else:
            messages.success(request, _("已保存修改。"))
            return redirect("voting:detail", ballot.pk)
    return render(request, "voting/edit.html", {"form": form, "ballot": ballot})


# A ballot service's field names as the ballot form has them.
BALLOT_FORM_FIELDS = {"options": "options_text", "budget_fen": "budget_yuan", "community_ids": "communities"}


@login_required
@require_POST
def ballot_publish(request, ballot_id: int):
    try:
        services.ballot_publish(actor=request.user, ballot_id=ballot_id)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("voting:detail", ballot_id)
    messages.success(request, _("结果已公布。"))
    return redirect("voting:results", ballot_id)
