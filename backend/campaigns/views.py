"""Server-rendered pages. Each view reads through selectors or writes through one service."""

import csv

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import may, require, roles_of
from core.errors import ApplicationError, NotFound
from core.forms import apply_error
from core.ids import parse_id
from network.models import Community

from . import selectors, services
from .forms import (
    PLEDGE_FORMS,
    CampaignForm,
    DashboardFilterForm,
    NeedForm,
    OfflineMoneyForm,
    ProgressUpdateForm,
    ShiftForm,
    yuan_to_fen,
)
from .models import BeneficiaryTag, Campaign, Dimension, Need, Pledge


def _organised_communities(user):
    r = roles_of(user)
    return Community.objects.all() if r.is_admin else Community.objects.filter(pk__in=r.organiser_communities)


def campaign_list(request):
    filters = {k: request.GET.get(k) or None for k in ("community", "dimension", "status", "tag", "partner")}
    if filters["community"] and parse_id(filters["community"]) is None:
        filters["community"] = None
    qs = selectors.campaign_list(user=request.user, filters=filters)
    page = Paginator(qs, 12).get_page(request.GET.get("page"))
    return render(
        request,
        "campaigns/list.html",
        {
            "page": page,
            "filters": filters,
            "communities": Community.objects.all(),
            "dimensions": Dimension.choices,
            "statuses": Campaign.Status.choices,
            "tags": BeneficiaryTag.choices,
            "partners": selectors.partner_choices(user=request.user),
            "may_create": request.user.is_authenticated and _organised_communities(request.user).exists(),
        },
    )


def _give_url(campaign_id: int, need_id: int) -> str:
    """The online giving page for a money need ("" while online giving is not installed)."""
    try:
        return f"{reverse('funding:give', args=[campaign_id])}?need={need_id}"
    except NoReverseMatch:
        return ""


def _pledge_forms(campaign, shifts, bound_need=None, bound_form=None):
    forms = {}
    for need in campaign.needs.all():
        if bound_need is not None and need.pk == bound_need:
            forms[need.pk] = bound_form
            continue
        cls = PLEDGE_FORMS.get(need.dimension)
        if cls is None:
            forms[need.pk] = None
            continue
        kwargs = {"prefix": f"n{need.pk}"}
        if need.dimension == Dimension.PEOPLE:
            kwargs["shifts"] = [
                s for s in shifts if s.need_id == need.pk and not s.is_full and s.starts_at > timezone.now()
            ]
        forms[need.pk] = cls(**kwargs)
    return forms


def campaign_detail(request, campaign_id: int, bound_need=None, bound_form=None):
    try:
        campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
    except NotFound as exc:
        return render(request, "campaigns/not_found.html", {"message": exc.message}, status=404)
    shifts = selectors.campaign_open_shifts(campaign=campaign)
    forms = _pledge_forms(campaign, shifts, bound_need, bound_form)
    manage = may(request.user, "campaign.manage", campaign)
    has_money = any(n.dimension == Dimension.MONEY for n in campaign.needs.all())
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "progress": selectors.campaign_progress(campaign),
            "needs": [
                (n, forms[n.pk], _give_url(campaign.pk, n.pk) if n.dimension == Dimension.MONEY else "")
                for n in campaign.needs.all()
            ],
            "money_panel": has_money and apps.is_installed("funding"),
            "recent": selectors.campaign_recent_pledges(campaign=campaign),
            "ideas": selectors.campaign_ideas_and_proposals(campaign=campaign),
            "updates": campaign.updates.prefetch_related("photos")[:10],
            "manage": manage,
            "approve": may(request.user, "campaign.approve", campaign),
            "update_form": ProgressUpdateForm() if manage else None,
            "following": request.user.is_authenticated and campaign.follows.filter(user=request.user).exists(),
        },
        status=400 if bound_form is not None else 200,
    )


@login_required
@require_POST
def pledge_create(request, need_id: int):
    need = Need.objects.select_related("campaign").filter(pk=need_id).first()
    if need is None:
        return render(request, "campaigns/not_found.html", {"message": _("找不到这项需求。")}, status=404)
    if need.dimension == Dimension.MONEY:
        messages.error(request, _("捐款请在“我要捐款”页面完成，付款成功后才计入认筹。"))
        give_url = _give_url(need.campaign_id, need.pk)
        return redirect(give_url) if give_url else redirect("campaigns:detail", campaign_id=need.campaign_id)
    cls = PLEDGE_FORMS[need.dimension]
    kwargs = {"prefix": f"n{need.pk}"}
    if need.dimension == Dimension.PEOPLE:
        kwargs["shifts"] = list(need.shifts.all())
    form = cls(request.POST, **kwargs)
    if form.is_valid():
        fields = form.service_fields()
        try:
            services.pledge_create(
                user=request.user,
                need=need,
                anonymous=form.cleaned_data["anonymous"],
                idempotency_key=request.POST.get("idempotency_key", "")[:64],
                **fields,
            )
        except ApplicationError as exc:
            apply_error(request, form, exc, renamed=YUAN_FIELDS)
        else:
            messages.success(request, _("谢谢您！认筹已提交，社区工作者确认后会通知您。"))
            return redirect("campaigns:my_pledges")
    return campaign_detail(request, need.campaign_id, bound_need=need.pk, bound_form=form)


# A service's money fields (fen) as the pages ask for them (yuan).
YUAN_FIELDS = {"amount_fen": "amount_yuan", "budget_fen": "budget_yuan", "estimated_value_fen": "estimated_value_yuan"}


@login_required
@require_POST
def campaign_transition(request, campaign_id: int):
    try:
        campaign = services.campaign_transition(
            actor=request.user,
            campaign_id=campaign_id,
            to=request.POST.get("to", ""),
            reason=request.POST.get("reason", ""),
        )
    except ApplicationError as exc:
        apply_error(request, None, exc)
    else:
        messages.success(request, _("状态已更新为“%(s)s”。") % {"s": campaign.get_status_display()})
    return redirect("campaigns:detail", campaign_id=campaign_id)


@login_required
@require_POST
def campaign_follow(request, campaign_id: int):
    try:
        services.campaign_follow(user=request.user, campaign_id=campaign_id, follow=request.POST.get("follow") != "0")
    except ApplicationError as exc:
        apply_error(request, None, exc)
    return redirect("campaigns:detail", campaign_id=campaign_id)


@login_required
@require_POST
def progress_update(request, campaign_id: int):
    form = ProgressUpdateForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.progress_update_post(
                actor=request.user,
                campaign_id=campaign_id,
                body=form.cleaned_data["body"],
                photos=request.FILES.getlist("photos"),
            )
        except ApplicationError as exc:
            apply_error(request, None, exc)
        else:
            messages.success(request, _("进展已发布，关注者会收到通知。"))
    else:
        messages.error(request, _("请写下这次的进展。"))
    return redirect("campaigns:detail", campaign_id=campaign_id)


@login_required
@require_POST
def idea_endorse(request, pledge_id: int):
    try:
        pledge = services.idea_endorse(user=request.user, pledge_id=pledge_id)
    except ApplicationError as exc:
        apply_error(request, None, exc)
        pledge = Pledge.objects.filter(pk=pledge_id).first()
    return redirect("campaigns:detail", campaign_id=pledge.campaign_id) if pledge else redirect("campaigns:list")


def _campaign_form_initial(campaign):
    parts = list(campaign.partners.all())
    return {
        "title": campaign.title,
        "story": campaign.story,
        "communities": [c.pk for c in campaign.communities.all()],
        "starts_at": timezone.localtime(campaign.starts_at),
        "deadline": timezone.localtime(campaign.deadline),
        "money_mode": campaign.money_mode,
        "tags": [t.tag for t in campaign.tags.all()],
        "stations": [p.station_id for p in parts if p.station_id],
        "organisations": [p.organisation_id for p in parts if p.organisation_id],
        "funds": [p.fund_id for p in parts if p.fund_id],
        "teams": [p.team_id for p in parts if p.team_id],
    }


def _problem_to_solve(request):
    """The problem named by `?problem=<id>` (the campaign will solve it), or None."""
    problem_id = parse_id(request.GET.get("problem", ""))
    if problem_id is None:
        return None
    try:
        from problems.selectors import problem_detail
    except ImportError:
        return None
    return problem_detail(problem_id=problem_id)


@login_required
def campaign_create(request):
    communities = _organised_communities(request.user)
    if not communities.exists():
        return render(
            request, "campaigns/not_found.html", {"message": _("只有社区工作者可以发起众筹行动。")}, status=403
        )
    problem = _problem_to_solve(request)
    if request.method == "GET" and request.GET.get("problem") and problem is None:
        messages.error(request, _("找不到要解决的问题，这个行动将不关联问题。"))
    initial = {}
    if problem is not None:
        initial = {"title": problem.title, "communities": [problem.community_id]}
    form = CampaignForm(request.POST or None, request.FILES or None, communities=communities, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user,
                title=d["title"],
                story=d["story"],
                community_ids=[c.pk for c in d["communities"]],
                starts_at=d["starts_at"],
                deadline=d["deadline"],
                money_mode=d["money_mode"],
                tags=d["tags"],
                partners=form.partners(),
                cover=d.get("cover"),
                problem_id=problem.pk if problem is not None else None,
            )
        except ApplicationError as exc:
            apply_error(request, form, exc)
        else:
            messages.success(request, _("草稿已保存。下一步：添加需求。"))
            return redirect("campaigns:needs", campaign_id=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "campaign": None, "problem": problem})


@login_required
def campaign_edit(request, campaign_id: int):
    try:
        campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
        require(request.user, "campaign.manage", campaign)
    except ApplicationError as exc:
        return render(request, "campaigns/not_found.html", {"message": exc.message}, status=exc.status)
    form = CampaignForm(
        request.POST or None,
        request.FILES or None,
        communities=campaign.communities.all(),
        initial=_campaign_form_initial(campaign),
    )
    form.fields["communities"].disabled = True
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        editable = campaign.status in services.EDITABLE
        try:
            services.campaign_update(
                actor=request.user,
                campaign_id=campaign.pk,
                title=d["title"] if editable else None,
                story=d["story"],
                starts_at=d["starts_at"] if editable else None,
                deadline=d["deadline"] if editable else None,
                money_mode=d["money_mode"] if editable else None,
                tags=d["tags"] if editable else None,
                partners=form.partners() if editable else None,
                cover=d.get("cover"),
            )
        except ApplicationError as exc:
            apply_error(request, form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/form.html", {"form": form, "campaign": campaign})


@login_required
def campaign_needs(request, campaign_id: int):
    """需求编辑: add / remove needs, shifts for people needs, offline money records."""
    try:
        campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
        require(request.user, "campaign.manage", campaign)
    except ApplicationError as exc:
        return render(request, "campaigns/not_found.html", {"message": exc.message}, status=exc.status)
    need_form = NeedForm(initial={"required": True})
    needs = list(campaign.needs.all())
    shift_forms = {n.pk: ShiftForm(prefix=f"s{n.pk}") for n in needs if n.dimension == Dimension.PEOPLE}
    offline_forms = {n.pk: OfflineMoneyForm(prefix=f"m{n.pk}") for n in needs if n.dimension == Dimension.MONEY}
    target = request.POST.get("form")
    need_id = parse_id(request.POST.get("need", "")) or 0
    bound = None
    if request.method == "POST":
        try:
            if target == "need":
                need_form = bound = NeedForm(request.POST)
                if need_form.is_valid():
                    d = need_form.cleaned_data
                    services.need_create(
                        actor=request.user, campaign_id=campaign.pk, dimension=d["dimension"], title=d["title"],
                        target=need_form.target_value(), unit=d["unit"], description=d["description"],
                        required=d["required"], allow_over_pledge=d["allow_over_pledge"], skills=d["skills"],
                    )  # fmt: skip
                    messages.success(request, _("需求已添加。"))
                    return redirect("campaigns:needs", campaign_id=campaign.pk)
            elif target == "delete":
                services.need_delete(actor=request.user, need_id=need_id)
                messages.success(request, _("需求已删除。"))
                return redirect("campaigns:needs", campaign_id=campaign.pk)
            elif target == "shift" and need_id in shift_forms:
                shift_forms[need_id] = bound = ShiftForm(request.POST, prefix=f"s{need_id}")
                if bound.is_valid():
                    services.shift_create(actor=request.user, need_id=need_id, **bound.cleaned_data)
                    messages.success(request, _("班次已添加。"))
                    return redirect("campaigns:needs", campaign_id=campaign.pk)
            elif target == "offline" and need_id in offline_forms:
                offline_forms[need_id] = bound = OfflineMoneyForm(request.POST, request.FILES, prefix=f"m{need_id}")
                if bound.is_valid():
                    d = bound.cleaned_data
                    services.pledge_record_offline(
                        actor=request.user, need_id=need_id, amount_fen=yuan_to_fen(d["amount_yuan"]),
                        evidence=d["evidence"], contributor_name=d["contributor_name"], anonymous=d["anonymous"], note=d["note"],
                    )  # fmt: skip
                    messages.success(request, _("线下捐款已登记。"))
                    return redirect("campaigns:needs", campaign_id=campaign.pk)
            else:
                messages.error(request, _("找不到这项需求。"))
        except ApplicationError as exc:
            apply_error(request, bound, exc, renamed=YUAN_FIELDS)
    return render(
        request,
        "campaigns/needs.html",
        {
            "campaign": campaign,
            "needs": needs,
            "editable": campaign.status in services.EDITABLE,
            "need_form": need_form,
            "people_needs": [(n, shift_forms[n.pk]) for n in needs if n.pk in shift_forms],
            "money_needs": [(n, offline_forms[n.pk]) for n in needs if n.pk in offline_forms],
            "shifts": selectors.campaign_open_shifts(campaign=campaign),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def roster(request, campaign_id: int):
    """志愿者排班: shifts with their volunteers; sign in / sign out."""
    try:
        campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
        require(request.user, "campaign.manage", campaign)
    except ApplicationError as exc:
        return render(request, "campaigns/not_found.html", {"message": exc.message}, status=exc.status)
    if request.method == "POST":
        try:
            services.shift_sign(
                actor=request.user, pledge_id=int(request.POST.get("pledge", 0)), event=request.POST.get("event", "")
            )
        except ApplicationError as exc:
            apply_error(request, None, exc)
        else:
            messages.success(request, _("已登记。"))
        return redirect("campaigns:roster", campaign_id=campaign.pk)
    return render(
        request, "campaigns/roster.html", {"campaign": campaign, "shifts": selectors.shift_roster(campaign=campaign)}
    )


@login_required
def my_pledges(request):
    page = Paginator(selectors.pledges_of(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "campaigns/my_pledges.html", {"page": page, "funding": apps.is_installed("funding")})


@login_required
@require_POST
def pledge_cancel(request, pledge_id: int):
    try:
        services.pledge_cancel(actor=request.user, pledge_id=pledge_id)
    except ApplicationError as exc:
        apply_error(request, None, exc)
    else:
        messages.success(request, _("认筹已取消。"))
    return redirect("campaigns:my_pledges")


def _dashboard_filters(request):
    campaigns = list(selectors.managed_campaigns(user=request.user))
    form = DashboardFilterForm(request.GET or None, campaigns=campaigns)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, filters


@login_required
def dashboard(request):
    """认筹管理: every pledge across the organiser's campaigns, with bulk actions."""
    if not roles_of(request.user).organiser_communities and not roles_of(request.user).is_admin:
        return render(request, "campaigns/not_found.html", {"message": _("只有社区工作者可以管理认筹。")}, status=403)
    if request.method == "POST":
        ids = [i for i in map(parse_id, request.POST.getlist("pledge")) if i is not None]
        try:
            result = services.pledges_bulk(
                actor=request.user,
                pledge_ids=ids,
                action=request.POST.get("action", ""),
                reason=request.POST.get("reason", ""),
            )
        except ApplicationError as exc:
            apply_error(request, None, exc)
        else:
            messages.success(request, _("已处理 %(n)s 条。") % {"n": len(result["done"])})
            for pid, msg in result["refused"].items():
                messages.error(request, _("第 %(id)s 条未处理：%(msg)s") % {"id": pid, "msg": msg})
        return redirect(request.get_full_path())
    form, filters = _dashboard_filters(request)
    page = Paginator(selectors.managed_pledges(user=request.user, filters=filters), 50).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    filtered = any(value for _key, values in query.lists() for value in values)
    return render(
        request,
        "campaigns/dashboard.html",
        {"form": form, "page": page, "query": query.urlencode(), "filtered": filtered},
    )


@login_required
def dashboard_csv(request):
    if not roles_of(request.user).organiser_communities and not roles_of(request.user).is_admin:
        return HttpResponse(_("只有社区工作者可以导出认筹。"), status=403)
    _form, filters = _dashboard_filters(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="pledges.csv"'
    response.write("\ufeff")  # BOM: spreadsheet programs then read the Chinese text as UTF-8
    writer = csv.writer(response)
    writer.writerow([_(label) for _key, label in selectors.CSV_COLUMNS])
    writer.writerows(selectors.pledge_csv_rows(selectors.managed_pledges(user=request.user, filters=filters)))
    return response
