"""Pages of foundation review: the reviewer's queue, an application, a funded item (with its
receipts and the disbursement), the fund's overview and audit export, its calls and review
rules; the organiser's funding page, application and funded-item forms; the public accountability page and report downloads.
Every rule is in services/selectors; refusals are shown on the page."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import permissions
from core.errors import ApplicationError, NotFound
from core.errors import PermissionDenied as AppPermissionDenied
from core.forms import apply_error

from . import report as report_files
from . import selectors, services
from .apis import receipt_response
from .forms import (
    ApplicationDecisionForm,
    ApplicationForm,
    CallForm,
    CloseCallForm,
    DecisionForm,
    DisburseForm,
    ItemForm,
    MilestoneForm,
    MilestoneReportForm,
    PolicyForm,
    to_fen,
)
from .models import Application, FundedItem


def _status(form_or_forms, refused: ApplicationError | None = None) -> int:
    """400 for invalid input, the refusal's own status (403, 409...) when a service said no."""
    if refused is not None:
        return refused.status
    forms = form_or_forms if isinstance(form_or_forms, list | tuple) else [form_or_forms]
    return 400 if any(f is not None and f.is_bound and f.errors for f in forms) else 200


def _or_404(fn, *args, **kwargs):
    """Page versions of the permission-checked fetches: a refusal is a plain 404/403 page."""
    try:
        return fn(*args, **kwargs)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    except AppPermissionDenied as exc:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(str(exc.message)) from exc


# --- Reviewer pages --------------------------------------------------------------------------------


@login_required
def queue(request):
    """评审队列: what waits for the funds this person reviews."""
    _or_404(permissions.require, request.user, "review.review_any", None, _("只有慈善基金的评审可以查看评审队列。"))
    funds = list(selectors.reviewer_funds(user=request.user))
    fund_id = request.GET.get("fund") or (funds[0].pk if funds else None)
    if fund_id is None:
        return render(request, "review/queue.html", {"funds": funds, "fund": None})
    fund = _or_404(selectors.fund_access, user=request.user, fund_id=fund_id)
    items = list(selectors.pending_items(fund=fund))
    return render(
        request,
        "review/queue.html",
        {
            "funds": funds,
            "fund": fund,
            "applications": list(selectors.pending_applications(fund=fund)),
            "items_to_review": [i for i in items if i.status == FundedItem.Status.SUBMITTED],
            "items_to_disburse": [i for i in items if i.status == FundedItem.Status.APPROVED],
            "policy": selectors.fund_policy(fund=fund),
        },
    )


@login_required
def application(request, application_id: int):
    """配捐申请: the application with its campaign, needs, partners and history; reviewers decide
    here, the organiser edits it here when changes were asked for."""
    app = _or_404(selectors.application_access, user=request.user, application_id=application_id)
    is_reviewer = permissions.may(request.user, "review.review_fund", app.fund)
    may_edit = permissions.may(request.user, "review.apply", app.campaign)
    decision_form = edit_form = None
    if is_reviewer and app.status == Application.Status.SUBMITTED and app.submitted_by_id != request.user.pk:
        decision_form = ApplicationDecisionForm(request.POST if request.POST.get("form") == "decide" else None)
    if may_edit and app.status == Application.Status.CHANGES_REQUESTED:
        initial = {"ask_yuan": app.ask_fen / 100, "statement": app.statement}
        initial.update({f"answer_{i}": a for i, a in enumerate(app.answers)})
        edit_form = ApplicationForm(
            request.POST if request.POST.get("form") == "edit" else None, questions=app.call.questions, initial=initial
        )
    refused = None
    if request.method == "POST":
        form = decision_form if request.POST.get("form") == "decide" else edit_form
        if form is None:
            messages.error(request, _("这份申请现在不能这样操作。"))
            return redirect("review:application", application_id=app.pk)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if form is decision_form:
                    services.application_decide(
                        actor=request.user,
                        application_id=app.pk,
                        decision=d["decision"],
                        reason=d["reason"],
                        conditions=d["conditions"],
                        cap_fen=to_fen(d["cap_yuan"]),
                    )
                    messages.success(request, _("评审意见已记录。"))
                else:
                    services.application_resubmit(
                        actor=request.user,
                        application_id=app.pk,
                        ask_fen=to_fen(d["ask_yuan"]),
                        statement=d["statement"],
                        answers=form.answers(),
                    )
                    messages.success(request, _("申请已重新提交，请等待评审。"))
            except ApplicationError as exc:
                apply_error(request, form, exc)
                refused = exc
            else:
                return redirect("review:application", application_id=app.pk)
    context = selectors.application_detail(application=app)
    context.update(
        {"decision_form": decision_form, "edit_form": edit_form, "is_reviewer": is_reviewer, "may_edit": may_edit}
    )
    return render(request, "review/application.html", context, status=_status([decision_form, edit_form], refused))


@login_required
def item(request, item_id: int):
    """资金使用申请: receipts, decisions, the disbursement; organisers resubmit here."""
    it = _or_404(selectors.item_access, user=request.user, item_id=item_id)
    is_reviewer = permissions.may(request.user, "review.review_fund", it.fund)
    may_edit = permissions.may(request.user, "review.edit_item", it)
    action = request.POST.get("form")
    decision_form = disburse_form = edit_form = None
    disburse_conflict = None
    disbursers: list = []
    if is_reviewer and it.status == FundedItem.Status.SUBMITTED and it.submitted_by_id != request.user.pk:
        decision_form = DecisionForm(request.POST if action == "decide" else None)
    if is_reviewer and it.status == FundedItem.Status.APPROVED:
        disburse_conflict = selectors.item_disburse_conflict(user=request.user, item=it)
        # A posted disbursement always reaches the service, whose refusal is the one shown; the
        # form itself is only offered to reviewers who may record it.
        if disburse_conflict is None or action == "disburse":
            disburse_form = DisburseForm(request.POST if action == "disburse" else None)
        if disburse_conflict is not None:
            disbursers = selectors.item_disbursers(item=it)
    if may_edit and it.status == FundedItem.Status.CHANGES_REQUESTED:
        initial = {
            "need": it.need_id,
            "description": it.description,
            "amount_yuan": it.amount_fen / 100,
            "payee": it.payee,
            "spent_on": it.spent_on,
        }
        needs = list(it.campaign.needs.all())
        edit_form = ItemForm(
            request.POST if action == "edit" else None,
            request.FILES if action == "edit" else None,
            needs=needs,
            initial=initial,
        )
    refused = None
    if request.method == "POST":
        form = {"decide": decision_form, "disburse": disburse_form, "edit": edit_form}.get(action)
        if form is None:
            messages.error(request, _("这笔支出现在不能这样操作。"))
            return redirect("review:item", item_id=it.pk)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if form is decision_form:
                    services.item_decide(actor=request.user, item_id=it.pk, decision=d["decision"], reason=d["reason"])
                    messages.success(request, _("审核意见已记录。"))
                elif form is disburse_form:
                    services.item_disburse(
                        actor=request.user, item_id=it.pk, transfer_reference=d["transfer_reference"]
                    )
                    messages.success(request, _("拨付已登记，台账已记账。"))
                else:
                    services.item_resubmit(
                        actor=request.user,
                        item_id=it.pk,
                        need_id=d["need"],
                        description=d["description"],
                        amount_fen=to_fen(d["amount_yuan"]),
                        payee=d["payee"],
                        spent_on=d["spent_on"],
                        receipts=d["receipts"],
                    )
                    messages.success(request, _("已重新提交，请等待审核。"))
            except ApplicationError as exc:
                apply_error(request, form, exc)
                refused = exc
            else:
                return redirect("review:item", item_id=it.pk)
    context = selectors.item_detail(item=it)
    context.update(
        {
            "decision_form": decision_form,
            "disburse_form": disburse_form if disburse_conflict is None else None,
            "disburse_conflict": disburse_conflict,
            "disbursers": disbursers,
            "edit_form": edit_form,
            "is_reviewer": is_reviewer,
            "available_fen": selectors.campaign_pool_balance(
                campaign_id=it.campaign_id, pool_id=it.application.call.pool_id
            )
            if is_reviewer
            else None,
        }
    )
    return render(
        request, "review/item.html", context, status=_status([decision_form, disburse_form, edit_form], refused)
    )


@login_required
def receipt(request, receipt_id: int):
    r = _or_404(selectors.receipt_access, user=request.user, receipt_id=receipt_id)
    return receipt_response(r)


@login_required
def overview(request, fund_id: int):
    """基金概览: figures and bars a reviewer would rather look at than read, the fund's calls
    (open, upcoming, closed) and its review rules."""
    fund = _or_404(selectors.fund_access, user=request.user, fund_id=fund_id)
    context = selectors.fund_overview(fund=fund)
    context["recent_events"] = list(selectors.audit_list(fund=fund)[:20])
    context["calls"] = selectors.fund_calls(fund=fund)
    context["policy"] = selectors.fund_policy(fund=fund)
    return render(request, "review/overview.html", context)


# A service's amount field (fen) as the call pages ask for it (yuan).
CALL_YUAN_FIELDS = {"max_ask_fen": "max_ask_yuan"}


def _call_values(d: dict) -> dict:
    return {
        "title": d["title"],
        "description": d["description"],
        "tags": d["tags"],
        "townships": d["townships"],
        "partner_kinds": d["partner_kinds"],
        "max_ask_fen": to_fen(d["max_ask_yuan"]),
        "questions": d["questions"],
        "opens_at": d["opens_at"],
        "closes_at": d["closes_at"],
    }


@login_required
def call_new(request, fund_id: int):
    """发布申报指南 on one of the fund's charity pools that has none yet."""
    fund = _or_404(selectors.fund_access, user=request.user, fund_id=fund_id)
    pools = selectors.pools_without_call(fund=fund)
    form = CallForm(request.POST or None, pools=pools, townships=selectors.townships())
    refused = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            pool = selectors.pool_get(pool_id=d["pool"])
            services.call_create(actor=request.user, pool=pool, **_call_values(d))
        except ApplicationError as exc:
            apply_error(request, form, exc, renamed=CALL_YUAN_FIELDS)
            refused = exc
        else:
            messages.success(request, _("申报指南已发布。"))
            return redirect("review:overview", fund_id=fund.pk)
    return render(
        request, "review/call_form.html", {"fund": fund, "form": form, "pools": pools}, status=_status(form, refused)
    )


@login_required
def call_edit(request, call_id: int):
    """修改申报指南 while it has not closed, or close it early (提前结束征集)."""
    call = _or_404(selectors.call_manage_access, user=request.user, call_id=call_id)
    applied = selectors.call_application_count(call=call)
    phase = call.phase()
    action = request.POST.get("form")
    form = close_form = None
    if phase != "closed":
        form = CallForm(
            request.POST if action == "edit" else None,
            townships=selectors.townships(),
            locked=applied > 0,
            initial=CallForm.initial_from(call),
        )
        close_form = CloseCallForm(request.POST if action == "close" else None)
    refused = None
    if request.method == "POST":
        target = {"edit": form, "close": close_form}.get(action)
        if target is None:
            messages.error(request, _("这个申报指南已经结束，不能再修改。"))
            return redirect("review:call", call_id=call.pk)
        if target.is_valid():
            d = target.cleaned_data
            try:
                if target is form:
                    services.call_update(actor=request.user, call_id=call.pk, **_call_values(d))
                    messages.success(request, _("申报指南已保存。"))
                else:
                    services.call_close(actor=request.user, call_id=call.pk, reason=d["reason"])
                    messages.success(request, _("已结束征集，不再接受新申请。已提交的申请照常评审。"))
            except ApplicationError as exc:
                apply_error(request, target, exc, renamed=CALL_YUAN_FIELDS)
                refused = exc
            else:
                return redirect("review:overview", fund_id=call.fund_id)
    return render(
        request,
        "review/call_edit.html",
        {"call": call, "fund": call.fund, "phase": phase, "applied": applied, "form": form, "close_form": close_form},
        status=_status([form, close_form], refused),
    )


@login_required
def policy_edit(request, fund_id: int):
    """评审规则: when two different reviewers must approve, explained in plain words."""
    fund = _or_404(selectors.fund_access, user=request.user, fund_id=fund_id)
    policy = selectors.fund_policy(fund=fund)
    form = PolicyForm(request.POST or None, initial=PolicyForm.initial_from(policy))
    refused = None
    if request.method == "POST" and form.is_valid():
        try:
            services.fund_policy_set(
                actor=request.user,
                fund=fund,
                application_two_approvals_above_fen=form.threshold_fen("application"),
                item_two_approvals_above_fen=form.threshold_fen("item"),
            )
        except ApplicationError as exc:
            apply_error(
                request,
                form,
                exc,
                renamed={
                    "application_two_approvals_above_fen": "application_above_yuan",
                    "item_two_approvals_above_fen": "item_above_yuan",
                },
            )
            refused = exc
        else:
            messages.success(request, _("评审规则已保存，从现在起的评审按新规则执行。"))
            return redirect("review:overview", fund_id=fund.pk)
    return render(
        request,
        "review/policy.html",
        {"fund": fund, "form": form, "reviewer_count": selectors.fund_reviewer_count(fund=fund)},
        status=_status(form, refused),
    )


@login_required
def audit_csv(request, fund_id: int):
    fund = _or_404(selectors.fund_access, user=request.user, fund_id=fund_id)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([_(h) for h in selectors.AUDIT_CSV_HEADER])
    writer.writerows(selectors.audit_csv_rows(selectors.audit_list(fund=fund)))
    response = HttpResponse(("\ufeff" + buf.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-fund-{fund.pk}.csv"'
    return response


# --- Organiser pages -------------------------------------------------------------------------------


@login_required
def my_campaigns(request):
    """配捐与支出: the organiser's campaigns, each with its applications to funds."""
    _or_404(permissions.require, request.user, "community.organise_any", None, _("只有社区工作者可以查看。"))
    return render(
        request, "review/my_campaigns.html", {"campaigns": list(selectors.organiser_campaigns(user=request.user))}
    )


@login_required
def campaign_funding(request, campaign_id: int):
    """配捐与支出: a campaign's applications, funded items and the calls it may apply to."""
    campaign = _or_404(selectors.public_campaign, user=request.user, campaign_id=campaign_id)
    _or_404(permissions.require, request.user, "review.apply", campaign, _("只有本行动的社区工作者可以查看。"))
    return render(
        request,
        "review/campaign_funding.html",
        {
            "campaign": campaign,
            "applications": selectors.campaign_applications(user=request.user, campaign=campaign),
            "items": selectors.campaign_items(user=request.user, campaign=campaign),
            "calls": selectors.open_calls(campaign=campaign),
        },
    )


@login_required
def apply(request, campaign_id: int, call_id: int):
    campaign = _or_404(selectors.public_campaign, user=request.user, campaign_id=campaign_id)
    _or_404(permissions.require, request.user, "review.apply", campaign, _("只有本行动的社区工作者可以申请配捐。"))
    call = _or_404(selectors.call_get, call_id=call_id)
    form = ApplicationForm(request.POST or None, questions=call.questions)
    refused = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            app = services.application_submit(
                actor=request.user,
                call_id=call.pk,
                campaign_id=campaign.pk,
                ask_fen=to_fen(d["ask_yuan"]),
                statement=d["statement"],
                answers=form.answers(),
            )
        except ApplicationError as exc:
            apply_error(request, form, exc)
            refused = exc
        else:
            messages.success(request, _("申请已提交，基金评审决定后您会收到通知。"))
            return redirect("review:application", application_id=app.pk)
    return render(
        request, "review/apply.html", {"campaign": campaign, "call": call, "form": form}, status=_status(form, refused)
    )


@login_required
def item_new(request, application_id: int):
    """提交资金使用申请, with receipt upload."""
    app = _or_404(selectors.application_access, user=request.user, application_id=application_id)
    _or_404(
        permissions.require, request.user, "review.submit_item", app.campaign, _("只有本行动的社区工作者可以提交。")
    )
    form = ItemForm(request.POST or None, request.FILES or None, needs=list(app.campaign.needs.all()))
    refused = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            it = services.item_submit(
                actor=request.user,
                application_id=app.pk,
                need_id=d["need"],
                description=d["description"],
                amount_fen=to_fen(d["amount_yuan"]),
                payee=d["payee"],
                spent_on=d["spent_on"],
                receipts=d["receipts"],
            )
        except ApplicationError as exc:
            apply_error(request, form, exc)
            refused = exc
        else:
            messages.success(request, _("已提交，基金评审审核后您会收到通知。"))
            return redirect("review:item", item_id=it.pk)
    return render(request, "review/item_new.html", {"application": app, "form": form}, status=_status(form, refused))


# --- Public accountability -------------------------------------------------------------------------


def accountability(request, campaign_id: int):
    """公开问责: milestones with photos and the campaign's report, for everyone."""
    campaign = _or_404(selectors.public_campaign, user=request.user, campaign_id=campaign_id)
    may_manage = permissions.may(request.user, "review.manage_milestones", campaign)
    needs = list(campaign.needs.all())
    action = request.POST.get("form") if may_manage else None
    milestone_form = MilestoneForm(request.POST if action == "milestone" else None, needs=needs) if may_manage else None
    milestones = selectors.milestones_of(campaign=campaign)
    report_form = (
        MilestoneReportForm(
            request.POST if action == "report" else None,
            request.FILES if action == "report" else None,
            milestones=milestones,
        )
        if may_manage and milestones
        else None
    )
    refused = None
    if request.method == "POST":
        if not may_manage:
            _or_404(permissions.require, request.user, "review.manage_milestones", campaign)
        form = milestone_form if action == "milestone" else report_form
        if form is None:
            messages.error(request, _("请先添加里程碑。"))
            return redirect("review:accountability", campaign_id=campaign.pk)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if form is milestone_form:
                    services.milestone_create(
                        actor=request.user,
                        campaign_id=campaign.pk,
                        title=d["title"],
                        need_id=d["need"],
                        description=d["description"],
                        due_on=d["due_on"],
                    )
                else:
                    services.milestone_report(
                        actor=request.user,
                        milestone_id=d["milestone"],
                        percent_done=d["percent_done"],
                        body=d["body"],
                        photos=d["photos"],
                    )
            except ApplicationError as exc:
                apply_error(request, form, exc)
                refused = exc
            else:
                messages.success(request, _("已保存。"))
                return redirect("review:accountability", campaign_id=campaign.pk)
    return render(
        request,
        "review/accountability.html",
        {
            "campaign": campaign,
            "milestones": milestones,
            "report": selectors.campaign_report(campaign=campaign),
            "may_manage": may_manage,
            "milestone_form": milestone_form,
            "report_form": report_form,
        },
        status=_status([milestone_form, report_form], refused),
    )


def report_download(request, campaign_id: int, fmt: str):
    campaign = _or_404(selectors.public_campaign, user=request.user, campaign_id=campaign_id)
    report = selectors.campaign_report(campaign=campaign)
    if fmt == "pdf":
        response = HttpResponse(report_files.report_pdf(report), content_type="application/pdf")
    else:
        response = HttpResponse(report_files.report_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-report.{fmt}"'
    return response
