"""Pages: give money to a campaign, follow a payment, refund it, and the public accounts of a
campaign and of a charity fund (with CSV)."""

import csv
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import may
from campaigns.models import Campaign, Dimension
from campaigns.selectors import campaign_get
from core.errors import ApplicationError, NotFound
from core.forms import apply_error
from core.ids import parse_id
from network.models import CharityFund

from . import checkout, matching, payments, selectors
from .apis import MatchedGivingThrottle
from .forms import (
    CardForm,
    GiveForm,
    PoolApprovalForm,
    PoolCreateForm,
    PoolRulesForm,
    PoolTopUpForm,
    RefundForm,
    yuan_to_fen,
)
from .models import LedgerEntry, Payment
from .templatetags.funding_tags import yuan


def _not_found(request, message):
    return render(request, "funding/not_found.html", {"message": message}, status=404)


def _show_error(request, form, exc: ApplicationError, renamed: dict[str, str] | None = None) -> None:
    """Field messages inline; a refused card (declined, or Stripe out of reach) next to the card."""
    if not exc.fields and isinstance(exc, payments.PaymentDeclined | payments.PaymentUnavailable):
        exc = ApplicationError(exc.message, code=exc.code, fields={"payment_method": [exc.message]})
    apply_error(request, form, exc, renamed=renamed)


def _stripe_context(request) -> dict:
    return {
        "stripe_js_url": checkout.stripe_js_url(),
        "stripe_config": checkout.browser_config(language=request.LANGUAGE_CODE),
        "stripe_test_mode": checkout.test_mode(),
    }


@login_required
def give(request, campaign_id: int):
    try:
        campaign = campaign_get(user=request.user, campaign_id=campaign_id)
    except NotFound as exc:
        return _not_found(request, exc.message)
    needs = [n for n in campaign.needs.all() if n.dimension == Dimension.MONEY]
    flow = payments.payment_flow_for(campaign)
    ask_consent = flow == Payment.Flow.SAVE_METHOD
    initial = {"idempotency_key": uuid.uuid4().hex, "need": request.GET.get("need")}
    form = GiveForm(request.POST or None, needs=needs, ask_consent=ask_consent, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if not MatchedGivingThrottle().allow_request(request, None):
            messages.error(request, _("捐款太频繁了，请稍等一分钟再试。"))
            status = 429
        elif form.is_valid():
            d = form.cleaned_data
            try:
                payment, _replayed = payments.online_pledge_start(
                    user=request.user,
                    need_id=d["need"],
                    amount_fen=yuan_to_fen(d["amount_yuan"]),
                    currency="cny",
                    idempotency_key=d["idempotency_key"],
                    payment_method=d["payment_method"],
                    anonymous=d["anonymous"],
                    consent_to_charge_later=d.get("consent_to_charge_later", False),
                    message=d["message"],
                )
            except ApplicationError as exc:
                _show_error(
                    request, form, exc, renamed={"amount_fen": "amount_yuan", "consent": "consent_to_charge_later"}
                )
                # Whatever was stored for this attempt has failed; the next one is a new payment.
                form.data = form.data.copy()
                form.data["idempotency_key"] = uuid.uuid4().hex
            else:
                return redirect("funding:payment", payment_id=payment.pk)
    return render(
        request,
        "funding/give.html",
        {
            "campaign": campaign,
            "form": form,
            "flow": flow,
            "open": campaign.status == Campaign.Status.LIVE and bool(needs),
            "pools": selectors.campaign_pools(campaign_id=campaign.pk),
            **_stripe_context(request),
        },
        status=status,
    )


@login_required
def payment_detail(request, payment_id: int):
    try:
        payment = payments.payment_access(user=request.user, payment_id=payment_id)
    except ApplicationError as exc:
        return _not_found(request, exc.message)
    campaign = Campaign.objects.filter(pk=payment.campaign_id).first()
    own = payment.user_id == request.user.pk
    if request.method == "POST" and own and "check" in request.POST:
        # Stripe.js has finished with the donor's bank: ask Stripe, not the browser, how it went.
        checkout.payment_check(user=request.user, payment_id=payment.pk)
        return redirect("funding:payment", payment_id=payment.pk)
    if request.method == "GET" and own and payment.status == Payment.Status.PROCESSING:
        # The page reloads itself while it waits; each time Stripe is asked too, so a late or
        # lost webhook does not keep the donor looking at "处理中".
        checkout.payment_check(user=request.user, payment_id=payment.pk, reload=True)
        payment.refresh_from_db()
    card_form = CardForm(request.POST or None) if own and payment.status == Payment.Status.RECOVERING else None
    if request.method == "POST" and card_form is not None and card_form.is_valid():
        try:
            payments.payment_update_card(
                user=request.user, payment_id=payment.pk, payment_method=card_form.cleaned_data["payment_method"]
            )
        except ApplicationError as exc:
            _show_error(request, card_form, exc)
        else:
            messages.success(request, _("扣款成功，谢谢您的支持！"))
            return redirect("funding:payment", payment_id=payment.pk)
    action_secret = checkout.payment_action_secret(user=request.user, payment_id=payment.pk) if own else ""
    can_refund = campaign is not None and may(request.user, "funding.refund", campaign)
    can_withdraw = own and payments.payment_withdrawable(payment, waiting_for_donor=bool(action_secret))
    return render(
        request,
        "funding/payment.html",
        {
            "payment": payment,
            "campaign": campaign,
            "own": own,
            "card_form": card_form,
            "refund_form": RefundForm() if can_refund and payment.refundable_fen else None,
            "refunds": payment.refunds.all(),
            "matched_fen": payments.active_match_total(pledge_id=payment.pledge_id),
            "action_secret": action_secret,
            "can_withdraw": can_withdraw,
            **(_stripe_context(request) if card_form is not None or action_secret else {}),
        },
        status=400 if card_form is not None and card_form.is_bound else 200,
    )


@login_required
@require_POST
def refund(request, payment_id: int):
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            payments.refund_request(
                actor=request.user,
                payment_id=payment_id,
                amount_fen=yuan_to_fen(form.cleaned_data["amount_yuan"]),
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            messages.error(request, " ".join([str(exc.message)] + [str(m) for v in exc.fields.values() for m in v]))
        else:
            messages.success(request, _("退款已提交，正在处理。"))
    else:
        messages.error(request, _("请填写退款金额和原因。"))
    return redirect("funding:payment", payment_id=payment_id)


@login_required
def withdraw(request, payment_id: int):
    """The donor withdraws a gift whose money has not been taken: a confirmation step (GET), then
    the withdrawal (POST)."""
    try:
        payment = payments.payment_access(user=request.user, payment_id=payment_id)
    except ApplicationError as exc:
        return _not_found(request, exc.message)
    if not may(request.user, "funding.withdraw", payment):
        message = _("只有捐款人本人可以撤回捐款；已扣款的捐款由社区工作者办理退款。")
        return render(request, "funding/not_found.html", {"message": message}, status=403)
    if request.method == "POST":
        try:
            payments.payment_withdraw(user=request.user, payment_id=payment.pk)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("捐款已撤回，没有扣款。"))
        return redirect("funding:payment", payment_id=payment.pk)
    campaign = Campaign.objects.filter(pk=payment.campaign_id).first()
    return render(request, "funding/withdraw_confirm.html", {"payment": payment, "campaign": campaign})


@login_required
def pledge_payment(request, pledge_id: int):
    """From 我的认筹 to the payment page of one's own online gift."""
    payment = selectors.payment_of_pledge(user=request.user, pledge_id=pledge_id)
    if payment is None:
        return _not_found(request, _("找不到这笔支付。"))
    return redirect("funding:payment", payment_id=payment.pk)


# --- public accounts (公开账目) --------------------------------------------------------------------

KIND_LABELS = {
    **dict(LedgerEntry.Kind.choices),
    "match_withdrawn": _("配捐撤回"),
    "fee_covered": _("平台承担手续费"),
}


def _label(report_or_rows):
    rows = report_or_rows["rows"] if isinstance(report_or_rows, dict) else report_or_rows
    for row in rows:
        row["label"] = KIND_LABELS.get(row["kind"], row["kind"])
    return report_or_rows


def campaign_money(request, campaign_id: int):
    try:
        campaign = campaign_get(user=request.user, campaign_id=campaign_id)
    except NotFound as exc:
        return _not_found(request, exc.message)
    report = selectors.campaign_transparency(campaign_id=campaign.pk)
    _label(report["rows"])
    # Refunds Stripe refused: the money is still held; the campaign's organisers settle them by hand.
    failed = (
        list(selectors.failed_refunds(campaign_id=campaign.pk))
        if may(request.user, "funding.view_payments", campaign)
        else []
    )
    return render(
        request,
        "funding/campaign_money.html",
        {
            "campaign": campaign,
            "report": report,
            "tiers": _tier_rows(report["matches_by_tier"]),
            "money": selectors.money_summary(campaign_id=campaign.pk),
            "failed_refunds": failed,
        },
    )


def _tier_rows(by_tier: dict[str, int]) -> list[tuple[str, int]]:
    from .models import MatchingPool

    labels = dict(MatchingPool.Tier.choices)
    return [(labels[t], by_tier.get(t, 0)) for t in labels]


def _csv_response(filename: str, header: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # so spreadsheet programs read the Chinese text as UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


def _entry_rows(report_rows):
    for row in report_rows:
        e = row["entry"]
        yield [
            e.seq,
            e.occurred_at.isoformat(),
            str(KIND_LABELS.get(row["kind"], row["kind"])),
            yuan(row["amount_fen"]),
            e.currency,
            e.pool.name if e.pool_id else "",
            e.pool.get_tier_display() if e.pool_id else "",
            e.reference,
            e.memo,
            e.hash,
        ]


CSV_HEADER = ["seq", "time", "kind", "amount_yuan", "currency", "pool", "tier", "reference", "memo", "hash"]


def campaign_money_csv(request, campaign_id: int):
    try:
        campaign = campaign_get(user=request.user, campaign_id=campaign_id)
    except NotFound as exc:
        return _not_found(request, exc.message)
    report = selectors.campaign_transparency(campaign_id=campaign.pk)
    return _csv_response(f"campaign-{campaign.pk}-ledger.csv", CSV_HEADER, _entry_rows(report["rows"]))


def fund_money(request, fund_id: int):
    fund = CharityFund.objects.filter(pk=fund_id).first()
    if fund is None:
        return _not_found(request, _("找不到这个慈善基金。"))
    return render(
        request,
        "funding/fund_money.html",
        {"fund": fund, "report": _label(selectors.fund_transparency(fund_id=fund.pk))},
    )


def fund_money_csv(request, fund_id: int):
    fund = CharityFund.objects.filter(pk=fund_id).first()
    if fund is None:
        return _not_found(request, _("找不到这个慈善基金。"))
    report = selectors.fund_transparency(fund_id=fund.pk)
    return _csv_response(f"fund-{fund.pk}-ledger.csv", CSV_HEADER, _entry_rows(report["rows"]))


# --- pools (配捐池管理) ----------------------------------------------------------------------------


@login_required
def pools(request):
    """The pools a person manages: approve campaigns into them, or take them out."""
    managed = selectors.pools_managed_by(user=request.user)
    campaigns = list(selectors.campaigns_open_for_pools()[:200])
    bound_pool = None
    status = 200
    if request.method == "POST":
        bound_pool = request.POST.get("pool", "")
        form = PoolApprovalForm(request.POST, campaigns=campaigns)
        status = 400
        pool_id = parse_id(bound_pool)
        if pool_id is None:
            messages.error(request, _("请选择配捐池。"))
        elif form.is_valid():
            cap = form.cleaned_data["cap_override_yuan"]
            try:
                matching.pool_approve_campaign(
                    actor=request.user,
                    pool_id=pool_id,
                    campaign_id=form.cleaned_data["campaign"],
                    cap_override_fen=yuan_to_fen(cap) if cap is not None else None,
                )
            except ApplicationError as exc:
                apply_error(request, form, exc)
            else:
                messages.success(request, _("已批准入池。"))
                return redirect("funding:pools")
    forms = []
    for pool in managed:
        if request.method == "POST" and bound_pool == str(pool.pk):
            forms.append((pool, form))
        else:
            forms.append((pool, PoolApprovalForm(campaigns=campaigns, auto_id=f"id_pool{pool.pk}_%s")))
    # Whoever manages no pool sees every pool, read-only; managers see their own to work on.
    everyone = [] if managed else list(selectors.pool_list())
    return render(
        request,
        "funding/pools.html",
        {"pools": forms, "everyone": everyone, "may_create": may(request.user, "funding.create_pool")},
        status=status,
    )


def _pool_form_page(request, form, *, step: str, title: str, submit: str, pool=None, status: int = 200):
    return render(
        request,
        "funding/pool_form.html",
        {"form": form, "step": step, "title": title, "submit": submit, "pool": pool},
        status=status,
    )


@login_required
def pool_create(request):
    """Open a new pool (新建配捐池) for a funder the person manages."""
    if not may(request.user, "funding.create_pool"):
        message = _("只有配捐方的管理人员可以设立配捐池。")
        return render(request, "funding/not_found.html", {"message": message}, status=403)
    form = PoolCreateForm(request.POST or None, funders=selectors.pool_funder_choices(user=request.user))
    if request.method == "POST" and form.is_valid():
        values = form.service_values()
        try:
            pool = matching.pool_create(actor=request.user, **values)
        except ApplicationError as exc:
            apply_error(request, form, exc, renamed=form.service_to_form())
        else:
            messages.success(request, _("配捐池“%(name)s”已设立，预算已记入资金台账。") % {"name": pool.name})
            return redirect("funding:pools")
    return _pool_form_page(
        request,
        form,
        step="create",
        title=_("新建配捐池"),
        submit=_("设立配捐池"),
        status=400 if form.is_bound else 200,
    )


def _managed_pool(request, pool_id: int):
    try:
        return matching.pool_access(user=request.user, pool_id=pool_id), None
    except ApplicationError as exc:
        return None, render(request, "funding/not_found.html", {"message": exc.message}, status=exc.status)


@login_required
def pool_edit(request, pool_id: int):
    """Change a pool's rules; matches already made keep their amounts."""
    pool, refused = _managed_pool(request, pool_id)
    if refused:
        return refused
    form = PoolRulesForm(request.POST or None, initial=PoolRulesForm.initial_for(pool))
    if request.method == "POST" and form.is_valid():
        try:
            matching.pool_update(actor=request.user, pool_id=pool.pk, changes=form.service_values())
        except ApplicationError as exc:
            apply_error(request, form, exc, renamed=form.service_to_form())
        else:
            messages.success(request, _("配捐规则已保存，只对今后的捐款生效。"))
            return redirect("funding:pools")
    return _pool_form_page(
        request,
        form,
        step="edit",
        title=_("编辑配捐池：%(name)s") % {"name": pool.name},
        submit=_("保存"),
        pool=pool,
        status=400 if form.is_bound else 200,
    )


@login_required
def pool_top_up(request, pool_id: int):
    """Add to a pool's budget (追加预算); the ledger records it."""
    pool, refused = _managed_pool(request, pool_id)
    if refused:
        return refused
    form = PoolTopUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            matching.pool_top_up(
                actor=request.user,
                pool_id=pool.pk,
                amount_fen=yuan_to_fen(form.cleaned_data["amount_yuan"]),
                currency=pool.currency,
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            apply_error(request, form, exc, renamed={"amount_fen": "amount_yuan"})
        else:
            messages.success(request, _("预算已追加，并记入资金台账。"))
            return redirect("funding:pools")
    return _pool_form_page(
        request,
        form,
        step="top_up",
        title=_("追加预算：%(name)s") % {"name": pool.name},
        submit=_("追加预算"),
        pool=pool,
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def pool_set_active(request, pool_id: int, active: bool):
    try:
        matching.pool_set_active(actor=request.user, pool_id=pool_id, active=active)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        if active:
            messages.success(request, _("配捐池已恢复配捐。"))
        else:
            messages.success(request, _("配捐池已暂停：不再新增配捐，已预留的配捐随行动结果处理。"))
    return redirect("funding:pools")


@login_required
@require_POST
def pool_revoke(request, pool_id: int, campaign_id: int):
    try:
        matching.pool_revoke_campaign(actor=request.user, pool_id=pool_id, campaign_id=campaign_id)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已移出配捐池，已有的配捐不受影响。"))
    return redirect("funding:pools")
