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
from network.models import CharityFund

from . import matching, payments, selectors
from .apis import MatchedGivingThrottle
from .forms import CardForm, GiveForm, PoolApprovalForm, RefundForm, yuan_to_fen
from .models import LedgerEntry, Payment
from .templatetags.funding_tags import yuan


def _not_found(request, message):
    return render(request, "funding/not_found.html", {"message": message}, status=404)


def _card(data) -> payments.TestCard:
    return payments.TestCard(
        number=data["card_number"].replace(" ", ""),
        exp_month=data["exp_month"],
        exp_year=data["exp_year"],
        cvc=data["cvc"],
    )


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
                    card=_card(d),
                    anonymous=d["anonymous"],
                    consent_to_charge_later=d.get("consent_to_charge_later", False),
                    message=d["message"],
                )
            except ApplicationError as exc:
                if "amount_fen" in exc.fields:
                    exc.fields["amount_yuan"] = exc.fields.pop("amount_fen")
                if "consent" in exc.fields:
                    exc.fields["consent_to_charge_later"] = exc.fields.pop("consent")
                apply_error(request, form, exc)
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
    card_form = CardForm(request.POST or None) if own and payment.status == Payment.Status.RECOVERING else None
    if request.method == "POST" and card_form is not None and card_form.is_valid():
        try:
            payments.payment_update_card(user=request.user, payment_id=payment.pk, card=_card(card_form.cleaned_data))
        except ApplicationError as exc:
            apply_error(request, card_form, exc)
        else:
            messages.success(request, _("扣款成功，谢谢您的支持！"))
            return redirect("funding:payment", payment_id=payment.pk)
    can_refund = campaign is not None and may(request.user, "funding.refund", campaign)
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


# --- public accounts (公开账目) --------------------------------------------------------------------

KIND_LABELS = {**dict(LedgerEntry.Kind.choices), "match_withdrawn": _("配捐撤回")}


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
    return render(
        request,
        "funding/campaign_money.html",
        {
            "campaign": campaign,
            "report": report,
            "tiers": _tier_rows(report["matches_by_tier"]),
            "money": selectors.money_summary(campaign_id=campaign.pk),
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
        if not bound_pool.isdigit():
            messages.error(request, _("请选择配捐池。"))
        elif form.is_valid():
            cap = form.cleaned_data["cap_override_yuan"]
            try:
                matching.pool_approve_campaign(
                    actor=request.user,
                    pool_id=int(bound_pool),
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
    return render(request, "funding/pools.html", {"pools": forms}, status=status)


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
