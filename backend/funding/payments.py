"""Online payment of money pledges (在线支付), and what happens to the money when a campaign closes.

Flows, chosen by the campaign's money mode when the donor pays:

- keep-what-you-raise: charge at once (`charge_now`);
- all-or-nothing closing within FUNDING_AUTHORISE_MAX_DAYS: authorise now, capture on success,
  cancel on failure (`authorise`; card holds expire after about a week);
- all-or-nothing closing later: save the card with the donor's consent (SetupIntent) and charge
  it off-session on success (`save_method`); nothing is charged on failure.

A pledge is confirmed only on Stripe's word: a signed webhook, or our own server asking Stripe
(the backstop for lost webhooks), never the browser. Every transition goes through
`_apply_intent_state`, which reads the *current* state of the intent from Stripe rather than
trusting the event that prompted it, so events in any order, twice or replayed, end in the same
state.
"""

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any, TypeVar

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from accounts import permissions
from campaigns import services as campaign_services
from campaigns.models import Campaign, Dimension, Need, Pledge
from core.errors import ApplicationError, Conflict, NotFound
from live.services import publish

from . import ledger, matching
from .gateway import GatewayError, IntentResult, get_gateway
from .models import CampaignSettlement, LedgerEntry, Match, Payment, Refund, WebhookEvent

logger = logging.getLogger(__name__)
T = TypeVar("T")

PS = Payment.Status
WEBHOOK_TOLERANCE_SECONDS = 300


class PaymentDeclined(ApplicationError):
    status = 402
    default_code = "card_declined"


class PaymentUnavailable(ApplicationError):
    status = 503
    default_code = "payment_unavailable"


@dataclass(frozen=True)
class TestCard:
    """A card typed into the demo payment form (test mode only; production uses Stripe.js)."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str


# Why a card was declined, in the donor's language, by Stripe's `decline_code` or error `code`.
# Stripe's own message is English, so it is never shown; unknown reasons get the general message.
DECLINE_REASONS = {
    "insufficient_funds": gettext_lazy("卡内余额不足。"),
    "expired_card": gettext_lazy("这张卡已过期。"),
    "incorrect_cvc": gettext_lazy("安全码不正确。"),
    "invalid_cvc": gettext_lazy("安全码不正确。"),
    "incorrect_number": gettext_lazy("卡号不正确，请检查。"),
    "invalid_number": gettext_lazy("卡号不正确，请检查。"),
    "lost_card": gettext_lazy("这张卡不能使用。"),
    "stolen_card": gettext_lazy("这张卡不能使用。"),
    "card_not_supported": gettext_lazy("这张卡不支持这种付款。"),
    "processing_error": gettext_lazy("银行处理时出错。"),
}


def declined(exc: GatewayError) -> PaymentDeclined:
    """The donor-facing error for a declined card."""
    reason = DECLINE_REASONS.get(exc.decline_code) or DECLINE_REASONS.get(exc.code)
    if reason is None:
        return PaymentDeclined(_("银行卡被拒绝，请换一张卡再试。"))
    return PaymentDeclined(_("银行卡被拒绝：%(reason)s请换一张卡再试。") % {"reason": reason})


def _invalid(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, fields={field: [message]})


def payment_flow_for(campaign: Campaign, now: dt.datetime | None = None) -> str:
    now = now or timezone.now()
    if campaign.money_mode == Campaign.MoneyMode.KEEP_WHAT_YOU_RAISE:
        return Payment.Flow.CHARGE_NOW
    if campaign.deadline - now > dt.timedelta(days=settings.FUNDING_AUTHORISE_MAX_DAYS):
        return Payment.Flow.SAVE_METHOD
    return Payment.Flow.AUTHORISE


def _fingerprint(*, need_id: int, amount_fen: int, currency: str, anonymous: bool) -> str:
    raw = f"{need_id}|{amount_fen}|{currency}|{int(anonymous)}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_card(card: TestCard | None, payment_method: str) -> None:
    if payment_method:
        if not payment_method.startswith("pm_") or len(payment_method) > 100:
            raise _invalid("payment_method", _("支付方式无效。"))
        return
    if card is None:
        raise _invalid("card_number", _("请填写银行卡信息。"))
    if not settings.STRIPE_SECRET_KEY.startswith("sk_test_"):
        raise _invalid("card_number", _("正式环境请通过安全支付页面填写银行卡。"))
    errors: dict[str, list[str]] = {}
    if not (card.number.isdigit() and len(card.number) == 16):
        errors["card_number"] = [_("卡号应为 16 位数字。")]
    if not 1 <= card.exp_month <= 12:
        errors["exp_month"] = [_("月份应在 1 到 12 之间。")]
    if not 2019 <= card.exp_year <= 2099:
        errors["exp_year"] = [_("请填写四位年份。")]
    if not (card.cvc.isdigit() and len(card.cvc) == 3):
        errors["cvc"] = [_("安全码应为 3 位数字。")]
    if errors:
        raise ApplicationError(_("请检查银行卡信息。"), fields=errors)


def online_pledge_start(
    *,
    user: Any,
    need_id: int,
    amount_fen: Any,
    currency: str,
    idempotency_key: str,
    card: TestCard | None = None,
    payment_method: str = "",
    anonymous: bool = False,
    consent_to_charge_later: bool = False,
    message: str = "",
) -> tuple[Payment, bool]:
    """Pledge money to a need and pay for it online. Returns (payment, replayed).

    The same `idempotency_key` from the same person returns the first payment (`replayed`);
    with different content it is refused. Only the request that stored the payment talks to
    Stripe, so twenty identical requests at once make one pledge and one PaymentIntent.
    The pledge stays pending until Stripe confirms the money.
    """
    permissions.require(user, "campaign.pledge", None, _("请先登录再捐款。"))
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise _invalid("idempotency_key", _("缺少或过长的 Idempotency-Key（1 到 64 个字符）。"))
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise _invalid("amount_fen", _("金额必须大于 0。"))
    if amount_fen > settings.FUNDING_MAX_PLEDGE_FEN:
        raise _invalid(
            "amount_fen",
            _("单笔在线捐款不能超过 %(max)s 元。") % {"max": settings.FUNDING_MAX_PLEDGE_FEN // 100},
        )
    currency = (currency or "").lower()
    fingerprint = _fingerprint(need_id=need_id, amount_fen=amount_fen, currency=currency, anonymous=anonymous)
    existing = Payment.objects.filter(user=user, idempotency_key=key).first()
    if existing is not None:
        return _replay(existing, fingerprint), True

    need = Need.objects.select_related("campaign").filter(pk=need_id).first()
    if need is None:
        raise NotFound(_("找不到这项需求。"))
    if need.dimension != Dimension.MONEY:
        raise _invalid("need", _("只有“筹资金”的需求可以在线捐款。"))
    if currency != need.currency:
        raise _invalid("currency", _("币种不正确。"))
    _check_card(card, payment_method)
    flow = payment_flow_for(need.campaign)
    if flow == Payment.Flow.SAVE_METHOD and not consent_to_charge_later:
        raise _invalid("consent", _("请勾选同意：行动成功后再从这张卡扣款。"))
    try:
        with transaction.atomic():
            pledge = campaign_services.pledge_create(
                user=user,
                need=need,
                amount_fen=amount_fen,
                currency=currency,
                anonymous=anonymous,
                idempotency_key=key,
                online_payment=True,
                body=(message or "")[:500],
            )
            payment = Payment.objects.create(
                pledge_id=pledge.pk,
                campaign_id=need.campaign_id,
                user=user,
                amount_fen=amount_fen,
                currency=currency,
                flow=flow,
                idempotency_key=key,
                request_fingerprint=fingerprint,
                charge_consent_at=timezone.now() if flow == Payment.Flow.SAVE_METHOD else None,
            )
    except IntegrityError:
        existing = Payment.objects.filter(user=user, idempotency_key=key).first()
        if existing is None:
            raise
        return _replay(existing, fingerprint), True
    _begin(payment, card=card, payment_method=payment_method)
    payment.refresh_from_db()
    return payment, False


def _replay(existing: Payment, fingerprint: str) -> Payment:
    if existing.request_fingerprint != fingerprint:
        raise Conflict(_("这个 Idempotency-Key 已用于另一笔捐款。"), code="idempotency_key_reused")
    return existing


# Marks a processing payment whose first talk with Stripe was cut short by an outage; the sync job
# repeats the same calls with the same keys (`payment_resume`).
RESUME_CODE = "gateway_unavailable"


def _begin(payment: Payment, *, card: TestCard | None, payment_method: str) -> None:
    """Talk to Stripe for a freshly stored payment. Every call's idempotency key derives from the
    payment row, so a retry of any step reuses what Stripe already made.

    A decline fails the payment. An outage (Stripe unreachable or erring) does not: Stripe may
    have made the charge before the connection dropped, so the payment stays processing, marked
    `RESUME_CODE`, and `payment_resume` (the sync job) repeats the calls with the same keys."""
    try:
        _stripe_calls(payment, card=card, payment_method=payment_method)
    except GatewayError as exc:
        if exc.retryable:
            Payment.objects.filter(pk=payment.pk, status=PS.PROCESSING).update(failure_code=RESUME_CODE)
            raise PaymentUnavailable(
                _("支付服务响应较慢，这笔捐款正在处理中，结果将在几分钟内确认，请不要重复付款。"),
                code="payment_processing",
            ) from exc
        payment_fail(payment_id=payment.pk, code=exc.code or "error")
        if exc.declined:
            raise declined(exc) from exc
        raise PaymentUnavailable(_("支付服务暂时无法连接，您的卡未被扣款，请稍后再试。")) from exc


def _stripe_calls(payment: Payment, *, card: TestCard | None, payment_method: str) -> IntentResult | str:
    """The Stripe calls that start a payment, each with a key derived from the payment row.
    Returns the intent, or the SetupIntent's status."""
    gw = get_gateway()
    meta = {"payment": str(payment.pk), "pledge": str(payment.pledge_id), "campaign": str(payment.campaign_id)}
    prefix = f"payment-{payment.pk}"
    if payment_method:
        Payment.objects.filter(pk=payment.pk).update(stripe_payment_method_id=payment_method)
    customer = gw.create_customer(key=f"{prefix}-customer", metadata=meta)
    Payment.objects.filter(pk=payment.pk).update(stripe_customer_id=customer)
    if not payment_method:
        payment_method = gw.create_test_card(
            number=card.number, exp_month=card.exp_month, exp_year=card.exp_year, cvc=card.cvc, key=f"{prefix}-card"
        )
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_method_id=payment_method)
    gw.attach_method(payment_method=payment_method, customer=customer, key=f"{prefix}-attach")
    if payment.flow == Payment.Flow.SAVE_METHOD:
        setup_id = gw.create_setup(customer=customer, key=f"{prefix}-setup", metadata=meta)
        Payment.objects.filter(pk=payment.pk).update(stripe_setup_intent_id=setup_id)
        return gw.confirm_setup(setup_id=setup_id, payment_method=payment_method, key=f"{prefix}-setup-confirm")
    intent = gw.create_intent(
        amount=payment.amount_fen,
        currency=payment.currency,
        customer=customer,
        payment_method=payment_method,
        manual_capture=payment.flow == Payment.Flow.AUTHORISE,
        off_session=False,
        key=f"{prefix}-intent",
        metadata=meta,
    )
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id=intent.id)
    return intent


def payment_resume(*, payment_id: int) -> str:
    """Repeat the Stripe calls of a payment whose start was cut short by an outage, with the same
    idempotency keys, so Stripe returns what it already made (or makes it now), and apply the
    result. Without a stored card (the outage came before it) nothing was charged: it fails."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status != PS.PROCESSING or payment.failure_code != RESUME_CODE:
        return "skipped"
    if not payment.stripe_payment_method_id:
        return payment_fail(payment_id=payment.pk, code="abandoned")
    try:
        result = _stripe_calls(payment, card=None, payment_method=payment.stripe_payment_method_id)
    except GatewayError as exc:
        if exc.retryable:
            raise
        return payment_fail(payment_id=payment.pk, code=exc.code or "error")
    Payment.objects.filter(pk=payment.pk, failure_code=RESUME_CODE).update(failure_code="")
    if isinstance(result, IntentResult):
        return payment_apply_intent(payment_id=payment.pk, intent=result)
    return payment_apply_setup(payment_id=payment.pk, status=result)


# --- Transitions ----------------------------------------------------------------------------------


def _lock(payment_id: int) -> Payment:
    payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(_("找不到这笔支付。"))
    return payment


def _settlement(campaign_id: int) -> str | None:
    return CampaignSettlement.objects.filter(campaign_id=campaign_id).values_list("outcome", flat=True).first()


def _money_mode(campaign_id: int) -> str:
    return Campaign.objects.filter(pk=campaign_id).values_list("money_mode", flat=True).first() or ""


def _announce(campaign_id: int) -> None:
    from .selectors import money_summary

    publish(f"campaign.{campaign_id}", "money", money_summary(campaign_id=campaign_id))


def _secure(payment: Payment, to: str) -> None:
    """The money is secured (held, saved or paid): confirm the pledge and add the matches.
    Precondition: the payment row is locked (then the chain head, then the pledge; see lock_chain).

    The settlement is read under the payment's lock. `campaign_settle` locks every payment of
    the campaign before it writes the settlement, so either the close ran entirely before (and
    is read here) or it waits for this transaction and then sees this payment's new status.
    Stripe's word after a failed or cancelled close adds no match: a hold is cancelled at
    Stripe, a saved card is cancelled at once (no charge, the pledge dropped)."""
    from . import tasks

    ledger.lock_chain()
    outcome = _settlement(payment.campaign_id)
    all_or_nothing = _money_mode(payment.campaign_id) == Campaign.MoneyMode.ALL_OR_NOTHING
    closed_without_success = outcome in (CampaignSettlement.Outcome.FAILED, CampaignSettlement.Outcome.CANCELLED)
    if closed_without_success and to == PS.METHOD_SAVED:
        payment.status = PS.CANCELLED
        payment.save(update_fields=["status", "updated_at"])
        campaign_services.pledge_drop(pledge_id=payment.pledge_id, reason=gettext_noop("行动未成功，未扣款"))
        return
    payment.status = to
    payment.save(update_fields=["status", "updated_at"])
    if closed_without_success and to == PS.AUTHORISED:
        tasks.cancel_payment.delay_on_commit(payment.pk)
        return
    pledge_status = Pledge.objects.filter(pk=payment.pledge_id).values_list("status", flat=True).first()
    if pledge_status == Pledge.Status.PENDING:
        campaign_services.pledge_confirm(actor=None, pledge_id=payment.pledge_id, source="payment")
    if to == PS.SUCCEEDED and pledge_status in (Pledge.Status.PENDING, Pledge.Status.CONFIRMED):
        # The money has arrived: the pledge is fulfilled (兑现), as goods received are.
        campaign_services.pledge_fulfil(actor=None, pledge_id=payment.pledge_id, source="payment")
    if closed_without_success:
        return
    matching.match_allocate(
        pledge_id=payment.pledge_id,
        campaign_id=payment.campaign_id,
        donor_id=payment.user_id,
        amount_fen=payment.amount_fen,
        currency=payment.currency,
        hold_until_success=all_or_nothing,
    )
    if outcome != CampaignSettlement.Outcome.SUCCEEDED:
        return
    if to == PS.SUCCEEDED:
        matching.match_commit(pledge_ids=[payment.pledge_id])
    else:
        # Stripe's word came after the campaign closed: finish this payment the way the close did.
        task = tasks.capture_payment if to == PS.AUTHORISED else tasks.charge_saved_method
        task.delay_on_commit(payment.pk)


def _post_donation(payment: Payment) -> None:
    ledger.ledger_post(
        kind=LedgerEntry.Kind.DONATION,
        lines=ledger.transfer(
            debit=ledger.campaign_donations(payment.campaign_id), credit=ledger.DONORS, amount_fen=payment.amount_fen
        ),
        currency=payment.currency,
        campaign_id=payment.campaign_id,
        pledge_id=payment.pledge_id,
        reference=f"payment:{payment.pk}",
    )


def _to_succeeded(payment: Payment) -> str:
    from . import tasks

    if payment.status in (PS.SUCCEEDED, PS.REFUNDED):
        return "already"
    if (
        payment.status in (PS.FAILED, PS.CANCELLED)
        or _settlement(payment.campaign_id) == CampaignSettlement.Outcome.CANCELLED
    ):
        return _refund_late_success(payment)
    _post_donation(payment)
    payment.recovery_until = None
    payment.save(update_fields=["recovery_until"])
    _secure(payment, PS.SUCCEEDED)
    tasks.record_payment_fee.delay_on_commit(payment.pk)
    return "succeeded"


def _refund_late_success(payment: Payment) -> str:
    """Stripe took money for a payment we had given up on (its pledge was dropped, or the
    campaign was cancelled meanwhile): book what arrived, refund all of it and tell the donor.
    Precondition: the payment row is locked and not yet succeeded, so this runs once."""
    from accounts.services import notification_send

    from . import tasks

    ledger.lock_chain()
    _post_donation(payment)
    payment.status = PS.SUCCEEDED
    payment.recovery_until = None
    payment.save(update_fields=["status", "recovery_until", "stripe_payment_intent_id", "updated_at"])
    # Stored in the source language whatever language this runs in; shown translated.
    reason = gettext_noop("捐款在撤销后才到账，已自动全额退回")
    if Pledge.objects.filter(pk=payment.pledge_id, status=Pledge.Status.PENDING).exists():
        campaign_services.pledge_drop(pledge_id=payment.pledge_id, reason=reason)
    refund = Refund.objects.create(payment=payment, amount_fen=payment.amount_fen, reason=reason, requested_by=None)
    tasks.refund_payment.delay_on_commit(refund.pk)
    tasks.record_payment_fee.delay_on_commit(payment.pk)
    with translation.override(payment.user.preferred_language):
        notification_send(
            user=payment.user,
            kind="payment_late_refund",
            title=_("您的一笔捐款在撤销后才到账，将全额退回"),
            body=_("%(amount)s 元将原路退回您的银行卡。") % {"amount": f"{payment.amount_fen / 100:.2f}"},
            url=f"/funding/payments/{payment.pk}/",
        )
    logger.warning("payment %s succeeded at Stripe after we gave it up; refund %s queued", payment.pk, refund.pk)
    return "late_refund"


def _to_secured_hold(payment: Payment, to: str) -> str:
    if payment.status != PS.PROCESSING:
        return "already"
    _secure(payment, to)
    return to


def _to_failed(payment: Payment, code: str) -> str:
    if payment.status != PS.PROCESSING:
        return "already"
    payment.status = PS.FAILED
    payment.failure_code = code[:100]
    payment.save(update_fields=["status", "failure_code", "updated_at"])
    campaign_services.pledge_drop(pledge_id=payment.pledge_id, reason=gettext_noop("支付未成功"))
    return "failed"


def _to_cancelled(payment: Payment, reason: str) -> str:
    """The intent was cancelled. A hold cancelled at Stripe while the campaign is still open
    (the authorisation expired, the issuer or the dashboard cancelled it) has no money behind
    it any more: the pledge leaves the counts and the donor is told they may give again. After
    a successful close the donor gets the recovery window instead, as for a declined capture."""
    if payment.status not in (PS.PROCESSING, PS.AUTHORISED, PS.METHOD_SAVED):
        return "already"
    was = payment.status
    outcome = _settlement(payment.campaign_id)
    if was == PS.AUTHORISED and outcome == CampaignSettlement.Outcome.SUCCEEDED:
        return _start_recovery(payment, code="authorisation_canceled")
    payment.status = PS.CANCELLED
    payment.save(update_fields=["status", "updated_at"])
    matching.match_release(pledge_ids=[payment.pledge_id], reason=reason)
    pledge_status = Pledge.objects.filter(pk=payment.pledge_id).values_list("status", flat=True).first()
    if pledge_status == Pledge.Status.PENDING:
        campaign_services.pledge_drop(pledge_id=payment.pledge_id, reason=reason)
    elif outcome is None and was in (PS.AUTHORISED, PS.METHOD_SAVED):
        _drop_confirmed(payment.pledge_id)
        _notify_lapsed(payment)
    return "cancelled"


def _notify_lapsed(payment: Payment) -> None:
    from accounts.services import notification_send

    with translation.override(payment.user.preferred_language):
        notification_send(
            user=payment.user,
            kind="payment_hold_cancelled",
            title=_("您的捐款预授权已被取消，这笔认筹已撤销"),
            body=_("银行卡上的 %(amount)s 元预授权已失效，未扣款。行动仍在进行，您可以再次捐款。")
            % {"amount": f"{payment.amount_fen / 100:.2f}"},
            url=f"/campaigns/{payment.campaign_id}/",
        )


def _apply_intent_state(payment: Payment, intent: IntentResult) -> str:
    """Move a locked payment to where Stripe says its intent is. Only ever forward."""
    if (
        payment.stripe_payment_intent_id
        and intent.id != payment.stripe_payment_intent_id
        and payment.status not in (PS.METHOD_SAVED, PS.RECOVERING)
    ):
        return "other_intent"
    if intent.status == "succeeded":
        if intent.id != payment.stripe_payment_intent_id:
            payment.stripe_payment_intent_id = intent.id
            payment.save(update_fields=["stripe_payment_intent_id"])
        return _to_succeeded(payment)
    if intent.status == "requires_capture":
        return _to_secured_hold(payment, PS.AUTHORISED)
    if intent.status == "canceled":
        return _to_cancelled(payment, gettext_noop("预授权已取消"))
    if intent.status == "requires_payment_method":
        return _to_failed(payment, "declined")
    return "pending"


def payment_apply_intent(*, payment_id: int, intent: IntentResult) -> str:
    with transaction.atomic():
        payment = _lock(payment_id)
        outcome = _apply_intent_state(payment, intent)
        _announce(payment.campaign_id)
    return outcome


def payment_apply_setup(*, payment_id: int, status: str) -> str:
    with transaction.atomic():
        payment = _lock(payment_id)
        outcome = _apply_setup_state(payment, status)
        _announce(payment.campaign_id)
    return outcome


def _apply_setup_state(payment: Payment, status: str) -> str:
    """Move a locked payment to where Stripe says its SetupIntent is. A SetupIntent back at
    `requires_payment_method` after we confirmed it was refused (a failed 3-D Secure, a
    declined check): the card was not saved, so the payment fails. One cut short by an outage
    before its confirmation is left to `payment_resume`."""
    if status == "succeeded":
        return _to_secured_hold(payment, PS.METHOD_SAVED)
    if status == "canceled":
        return _to_failed(payment, "setup_canceled")
    if status == "requires_payment_method" and payment.failure_code != RESUME_CODE:
        return _to_failed(payment, "setup_failed")
    return "pending"


def payment_fail(*, payment_id: int, code: str) -> str:
    """Stripe refused the card before any money was secured: drop the pending pledge."""
    with transaction.atomic():
        payment = _lock(payment_id)
        return _to_failed(payment, code)


def payment_refresh(*, payment_id: int) -> str:
    """Ask Stripe where this payment stands and apply it (backstop for a lost webhook)."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        return "gone"
    if payment.status == PS.PROCESSING and payment.failure_code == RESUME_CODE:
        return payment_resume(payment_id=payment.pk)
    gw = get_gateway()
    given_up = payment.status == PS.PROCESSING and payment.created_at <= timezone.now() - dt.timedelta(
        minutes=settings.FUNDING_VERIFICATION_MINUTES
    )
    if payment.stripe_payment_intent_id:
        intent = gw.retrieve_intent(payment.stripe_payment_intent_id)
        if given_up and intent.status in WAITING_FOR_DONOR:
            return _give_up_verification(payment, gw)
        return payment_apply_intent(payment_id=payment.pk, intent=intent)
    if payment.stripe_setup_intent_id:
        status = gw.retrieve_setup(payment.stripe_setup_intent_id)
        if given_up and status in WAITING_FOR_DONOR:
            # A SetupIntent moves no money; once failed here, the card is never charged.
            return payment_fail(payment_id=payment.pk, code="verification_abandoned")
        return payment_apply_setup(payment_id=payment.pk, status=status)
    return "pending"


# Intent states in which Stripe waits for the donor (the bank's verification not finished).
WAITING_FOR_DONOR = {"requires_action", "requires_confirmation"}


def _give_up_verification(payment: Payment, gw: Any) -> str:
    """The donor never finished the bank's verification: cancel the PaymentIntent at Stripe so it
    can no longer take money, then drop the pledge. If the donor finished at the last moment,
    Stripe refuses the cancel and the intent's real state is applied instead."""
    try:
        intent = gw.cancel_intent(intent_id=payment.stripe_payment_intent_id, key=f"payment-{payment.pk}-abandon")
    except GatewayError:
        return payment_apply_intent(payment_id=payment.pk, intent=gw.retrieve_intent(payment.stripe_payment_intent_id))
    if intent.status != "canceled":
        return payment_apply_intent(payment_id=payment.pk, intent=intent)
    return payment_fail(payment_id=payment.pk, code="verification_abandoned")


# --- The donor withdraws (撤回) ----------------------------------------------------------------------

# Marks a payment the donor withdrew (`failure_code`), so a second request is told so.
WITHDRAWN_CODE = "withdrawn"
WITHDRAW_REASON = gettext_noop("捐款人已撤回这笔捐款，未扣款")


def payment_withdrawable(payment: Payment, *, waiting_for_donor: bool = False) -> bool:
    """Whether the donor may still withdraw this payment (for display; the service decides).
    `waiting_for_donor`: a processing payment's PaymentIntent or SetupIntent waits for the bank's
    verification."""
    if payment.status == PS.PROCESSING:
        if not (waiting_for_donor and (payment.stripe_payment_intent_id or payment.stripe_setup_intent_id)):
            return False
    elif payment.status not in (PS.AUTHORISED, PS.METHOD_SAVED):
        return False
    return _campaign_open(payment.campaign_id)


def _campaign_open(campaign_id: int) -> bool:
    campaign = Campaign.objects.filter(pk=campaign_id).only("status", "deadline").first()
    return (
        campaign is not None
        and campaign.status == Campaign.Status.LIVE
        and campaign.deadline > timezone.now()
        and _settlement(campaign_id) is None
    )


def payment_withdraw(*, user: Any, payment_id: int) -> Payment:
    """The donor takes back a gift of an all-or-nothing campaign whose money has not been taken
    (撤回): a hold (authorised) or a bank verification left unfinished (processing, the
    PaymentIntent or SetupIntent `requires_action`) is cancelled at Stripe (key
    `payment-<id>-withdraw`); a saved card moves no money, so the payment is only marked
    cancelled. The pledge is dropped, its matches go back to their pools and the donor is
    notified. Only the donor, only while the campaign is open and not settled. Paid money comes
    back only as a refund, which the campaign's organisers make.

    The payment row is locked first and kept during the Stripe call, so the close (which locks
    every payment of the campaign before it settles) either settled before — and this is refused
    — or waits and then finds the payment cancelled."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(_("找不到这笔支付。"))
    permissions.require(
        user, "funding.withdraw", payment, _("只有捐款人本人可以撤回捐款；已扣款的捐款由社区工作者办理退款。")
    )
    changed = False
    with transaction.atomic():
        payment = _lock(payment_id)
        _refuse_withdrawal(payment)
        if payment.status != PS.METHOD_SAVED:
            gw, key = get_gateway(), f"payment-{payment.pk}-withdraw"
            if payment.stripe_payment_intent_id:
                intent_id = payment.stripe_payment_intent_id
                intent = _cancel_at_stripe(
                    payment,
                    retrieve=partial(gw.retrieve_intent, intent_id),
                    cancel=partial(gw.cancel_intent, intent_id=intent_id, key=key),
                    status_of=attrgetter("status"),
                )
                status, apply_state = intent.status, partial(_apply_intent_state, payment, intent)
            else:  # a card being saved (SetupIntent) whose verification is unfinished
                setup_id = payment.stripe_setup_intent_id
                status = _cancel_at_stripe(
                    payment,
                    retrieve=partial(gw.retrieve_setup, setup_id),
                    cancel=partial(gw.cancel_setup, setup_id=setup_id, key=key),
                    status_of=str,
                )
                apply_state = partial(_apply_setup_state, payment, status)
            if status != "canceled":
                # The donor finished the bank's verification meanwhile: Stripe's word stands.
                apply_state()
                _announce(payment.campaign_id)
                changed = True
        if not changed:
            _withdraw(payment)
    if changed:
        raise Conflict(_("这笔捐款的状态刚刚有了变化，未能撤回，请刷新页面后再看。"), code="payment_changed")
    payment.refresh_from_db()
    return payment


def _refuse_withdrawal(payment: Payment) -> None:
    """Raise unless the locked payment may be withdrawn now."""
    if payment.status == PS.CANCELLED and payment.failure_code == WITHDRAWN_CODE:
        raise Conflict(_("这笔捐款已经撤回了。"), code="already_withdrawn")
    if payment.status == PS.SUCCEEDED:
        raise Conflict(_("这笔捐款已经扣款，不能撤回。如需退回，请联系本行动的社区工作者办理退款。"), code="use_refund")
    if not _campaign_open(payment.campaign_id):
        raise Conflict(_("行动已经结束，不能再撤回捐款。"), code="campaign_closed")
    if (
        payment.status == PS.PROCESSING
        and (payment.stripe_payment_intent_id or payment.stripe_setup_intent_id)
        and payment.failure_code != RESUME_CODE
    ):
        return  # whether the bank waits for the donor is asked of Stripe (_cancel_at_stripe)
    if payment.status == PS.PROCESSING:
        raise Conflict(_("这笔捐款正在等待支付机构确认，请稍后再试。"), code="payment_processing")
    if payment.status not in (PS.AUTHORISED, PS.METHOD_SAVED):
        raise Conflict(_("这笔捐款没有可以撤回的款项。"), code="nothing_to_withdraw")


def _cancel_at_stripe(
    payment: Payment, *, retrieve: Callable[[], T], cancel: Callable[[], T], status_of: Callable[[T], str]
) -> T:
    """Cancel the payment's PaymentIntent or SetupIntent at Stripe and return what Stripe answers.
    A processing payment is cancelled only while the bank waits for the donor; if Stripe refuses
    (the donor finished meanwhile), the object's real state is returned. Stripe out of reach:
    503, nothing changed."""
    try:
        if payment.status == PS.PROCESSING:
            current = retrieve()
            if status_of(current) not in WAITING_FOR_DONOR:
                if status_of(current) == "processing":
                    raise Conflict(_("这笔捐款正在等待支付机构确认，请稍后再试。"), code="payment_processing")
                return current
        try:
            return cancel()
        except GatewayError as exc:
            if exc.retryable:
                raise
            return retrieve()
    except GatewayError as exc:
        raise PaymentUnavailable(_("支付服务暂时无法连接，请稍后再试。")) from exc


def _withdraw(payment: Payment) -> None:
    """Cancel a locked payment the donor withdrew: release its matches, drop the pledge, tell the
    donor and announce the new totals. Lock order: payment, chain head, then the pledge."""
    from accounts.services import notification_send

    ledger.lock_chain()
    payment.status = PS.CANCELLED
    payment.failure_code = WITHDRAWN_CODE
    payment.save(update_fields=["status", "failure_code", "updated_at"])
    matching.match_release(pledge_ids=[payment.pledge_id], reason=WITHDRAW_REASON)
    campaign_services.pledge_drop(pledge_id=payment.pledge_id, reason=WITHDRAW_REASON)
    with translation.override(payment.user.preferred_language):
        notification_send(
            user=payment.user,
            kind="payment_withdrawn",
            title=_("您已撤回一笔 %(amount)s 元的捐款") % {"amount": f"{payment.amount_fen / 100:.2f}"},
            body=_("没有扣款，银行卡上的预授权（如有）已解除。行动仍在进行，您可以随时再次捐款。"),
            url=f"/funding/payments/{payment.pk}/",
        )
    _announce(payment.campaign_id)


# --- Webhooks -------------------------------------------------------------------------------------

INTENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.amount_capturable_updated",
    "payment_intent.processing",
}
SETUP_EVENTS = {"setup_intent.succeeded", "setup_intent.setup_failed", "setup_intent.canceled"}
REFUND_EVENTS = {"charge.refund.updated", "refund.updated", "refund.failed"}


def webhook_receive(*, payload: bytes, signature: str) -> str:
    """Verify and process one Stripe event. Returns what happened (for the log and the tests).

    A forged or stale signature raises ApplicationError (400). Each event id is stored with
    a unique constraint in the same transaction as its effect, so a replay does nothing. The
    handler reads the object's current state from Stripe, so the order of events does not matter.
    A Stripe outage while reading raises PaymentUnavailable (503) and Stripe delivers again later.
    """
    try:
        event = stripe.Webhook.construct_event(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise ApplicationError(_("回调签名无效。"), code="bad_signature") from exc
    event_id, event_type = event.id, event.type
    obj = event.data.object.to_dict()
    object_id = str(obj.get("id") or "")
    if WebhookEvent.objects.filter(stripe_event_id=event_id).exists():
        return "duplicate"

    apply = None
    payment = None
    if event_type in INTENT_EVENTS:
        payment = Payment.objects.filter(stripe_payment_intent_id=object_id).first()
        if payment is None:
            # The webhook may beat our own write of the intent's id; the metadata names the payment.
            payment_id = str((obj.get("metadata") or {}).get("payment", ""))
            payment = (
                Payment.objects.filter(pk=int(payment_id)).first()
                if payment_id.isascii() and payment_id.isdigit()
                else None
            )
        if payment is not None:
            try:
                intent = get_gateway().retrieve_intent(object_id)
            except GatewayError as exc:
                raise PaymentUnavailable(_("支付服务暂时无法连接。")) from exc

            def apply(payment_id=payment.pk, intent=intent) -> str:
                return _apply_intent_state(_lock(payment_id), intent)

    elif event_type in SETUP_EVENTS:
        payment = Payment.objects.filter(stripe_setup_intent_id=object_id).first()
        if payment is not None:
            try:
                setup_status = get_gateway().retrieve_setup(object_id)
            except GatewayError as exc:
                raise PaymentUnavailable(_("支付服务暂时无法连接。")) from exc

            def apply(payment_id=payment.pk, setup_status=setup_status) -> str:
                return _apply_setup_state(_lock(payment_id), setup_status)

    elif event_type in REFUND_EVENTS:
        refund = Refund.objects.select_related("payment").filter(stripe_refund_id=object_id).first()
        if refund is None:
            refund_id = str((obj.get("metadata") or {}).get("refund", ""))
            refund = (
                Refund.objects.select_related("payment").filter(pk=int(refund_id)).first()
                if refund_id.isascii() and refund_id.isdigit()
                else None
            )
        if refund is not None:
            payment = refund.payment
            try:
                stripe_refund_id, refund_status = get_gateway().retrieve_refund(object_id)
            except GatewayError as exc:
                raise PaymentUnavailable(_("支付服务暂时无法连接。")) from exc

            def apply(refund_id=refund.pk, stripe_refund_id=stripe_refund_id, refund_status=refund_status) -> str:
                return refund_apply(refund_id=refund_id, stripe_refund_id=stripe_refund_id, status=refund_status)

    with transaction.atomic():
        # Only the event's own row answers "already processed"; any other integrity error while
        # applying it propagates (500), the whole transaction rolls back and Stripe delivers again.
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    stripe_event_id=event_id, type=event_type, object_id=object_id[:100]
                )
        except IntegrityError:
            return "duplicate"
        outcome = apply() if apply is not None else "ignored"
        record.outcome = outcome[:50]
        record.save(update_fields=["outcome"])
        if apply is not None and payment is not None:
            _announce(payment.campaign_id)
    return outcome


# --- Closing a campaign -------------------------------------------------------------------------------


def campaign_settle(*, campaign_id: int, outcome: str) -> bool:
    """Settle the money of a closed campaign once (结算). Returns False when already settled.

    Success: commit reserved matches of paid pledges and of recorded cash; capture holds and
    charge saved cards (as tasks). Failure: all-or-nothing — release every match, cancel every
    hold, charge nothing; keep-what-you-raise — release only the conditional matches, the
    donations stand. Cancelled (a live campaign called off): release every match, cancel every
    hold and saved card, and refund every paid donation in full (as refund tasks), whatever the
    money mode.
    """
    from . import tasks

    if outcome not in CampaignSettlement.Outcome.values:
        raise ApplicationError(_("未知的结算结果。"))
    mode = _money_mode(campaign_id)
    cancelled = outcome == CampaignSettlement.Outcome.CANCELLED
    try:
        with transaction.atomic():
            # Every payment row of the campaign, then the chain head (lock order, see
            # ledger.lock_chain), and only then the settlement and the statuses: a webhook that
            # secures a payment meanwhile either finished before (its status is read here) or
            # waits and then reads this settlement (see _secure).
            locked = list(Payment.objects.select_for_update().filter(campaign_id=campaign_id).order_by("pk"))
            ledger.lock_chain()
            CampaignSettlement.objects.create(campaign_id=campaign_id, outcome=outcome)

            def with_status(status: str) -> list[Payment]:
                return [p for p in locked if p.status == status]

            if outcome != CampaignSettlement.Outcome.SUCCEEDED and (
                cancelled or mode == Campaign.MoneyMode.ALL_OR_NOTHING
            ):
                saved = [p.pk for p in with_status(PS.METHOD_SAVED)]
                Payment.objects.filter(pk__in=saved).update(status=PS.CANCELLED, updated_at=timezone.now())
            if cancelled:
                matching.match_release(campaign_id=campaign_id, reason=_("行动已取消"))
                _refund_cancelled(campaign_id, with_status(PS.SUCCEEDED))
                for payment in with_status(PS.AUTHORISED):
                    tasks.cancel_payment.delay_on_commit(payment.pk)
            elif outcome == CampaignSettlement.Outcome.SUCCEEDED:
                paid = [p.pledge_id for p in with_status(PS.SUCCEEDED)]
                paid += list(
                    Pledge.objects.filter(
                        campaign_id=campaign_id,
                        source=Pledge.Source.OFFLINE,
                        status__in=[Pledge.Status.CONFIRMED, Pledge.Status.FULFILLED],
                    ).values_list("pk", flat=True)
                )
                if paid:
                    matching.match_commit(pledge_ids=paid)
                for payment in with_status(PS.AUTHORISED):
                    tasks.capture_payment.delay_on_commit(payment.pk)
                for payment in with_status(PS.METHOD_SAVED):
                    tasks.charge_saved_method.delay_on_commit(payment.pk)
            elif mode == Campaign.MoneyMode.ALL_OR_NOTHING:
                matching.match_release(campaign_id=campaign_id, reason=_("行动未达成"))
                for payment in with_status(PS.AUTHORISED):
                    tasks.cancel_payment.delay_on_commit(payment.pk)
            else:
                matching.match_release(campaign_id=campaign_id, reason=_("行动未达成"), only_reserved=True)
            CampaignSettlement.objects.filter(campaign_id=campaign_id).update(finished_at=timezone.now())
            _announce(campaign_id)
    except IntegrityError:
        return False
    return True


def _refund_cancelled(campaign_id: int, locked: list[Payment]) -> None:
    """Refund every paid donation of a cancelled campaign in full and tell each donor.
    Precondition: the payments are locked. A donation whose money was already paid out (拨付)
    cannot go back: it is left standing and logged for the organisers (see refund_request)."""
    ledger.lock_chain()
    for payment in locked:
        _refund_rest_cancelled(payment)


def _refund_rest_cancelled(payment: Payment) -> Refund | None:
    """Refund what is left of one paid donation of a cancelled campaign and tell the donor.
    A payment with a refund still pending is skipped here; when that refund completes,
    refund_complete calls this again for the remainder (a new Refund row, its own key).
    Precondition: the payment row and then the chain head are locked."""
    from accounts.services import notification_send

    from . import tasks

    campaign_id = payment.campaign_id
    if payment.status != PS.SUCCEEDED or payment.refundable_fen <= 0:
        return None
    if Refund.objects.filter(payment=payment, status=Refund.Status.PENDING).exists():
        return None
    amount = payment.refundable_fen
    available = refundable_balance(campaign_id=campaign_id)
    if _campaign_cost(payment, amount) > available:
        logger.error(
            "payment %s of cancelled campaign %s not refunded: only %s fen undisbursed",
            payment.pk,
            campaign_id,
            available,
        )
        return None
    refund = Refund.objects.create(
        payment=payment, amount_fen=amount, reason=gettext_noop("行动已取消，捐款全额退回"), requested_by=None
    )
    tasks.refund_payment.delay_on_commit(refund.pk)
    title = Campaign.objects.filter(pk=campaign_id).values_list("title", flat=True).first() or f"#{campaign_id}"
    with translation.override(payment.user.preferred_language):
        notification_send(
            user=payment.user,
            kind="payment_refund_cancelled",
            title=_("“%(campaign)s”已取消，您的捐款将全额退回") % {"campaign": title},
            body=_("%(amount)s 元将原路退回您的银行卡。") % {"amount": f"{amount / 100:.2f}"},
            url=f"/funding/payments/{payment.pk}/",
        )
    return refund


def _campaign_cost(payment: Payment, amount_fen: int) -> int:
    """What refunding `amount_fen` of a payment takes out of its campaign's donations account:
    the amount, less the fee the platform covers when the refund is the last of it."""
    full = amount_fen >= payment.amount_fen - payment.refunded_fen
    return amount_fen - (payment.fee_fen or 0) if full else amount_fen


def refundable_balance(*, campaign_id: int) -> int:
    """Donations a campaign still holds undisbursed, less refunds already on their way.
    Precondition for a decision on it: the chain head is locked (disbursements take it too)."""
    pending = sum(
        _campaign_cost(refund.payment, refund.amount_fen)
        for refund in Refund.objects.select_related("payment").filter(
            payment__campaign_id=campaign_id, status=Refund.Status.PENDING
        )
    )
    return ledger.balance_of(ledger.campaign_donations(campaign_id)) - pending


def payment_capture(*, payment_id: int) -> str:
    """Capture an authorised hold (成功后扣款). Safe to repeat: the key is the payment's."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status != PS.AUTHORISED:
        return "skipped"
    try:
        intent = get_gateway().capture_intent(
            intent_id=payment.stripe_payment_intent_id, key=f"payment-{payment.pk}-capture"
        )
    except GatewayError as exc:
        if exc.retryable:
            raise
        return payment_start_recovery(payment_id=payment.pk, code=exc.code or "capture_failed")
    return payment_apply_intent(payment_id=payment.pk, intent=intent)


def payment_cancel_hold(*, payment_id: int) -> str:
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.status not in (PS.AUTHORISED, PS.PROCESSING) or not payment.stripe_payment_intent_id:
        return "skipped"
    intent = get_gateway().cancel_intent(intent_id=payment.stripe_payment_intent_id, key=f"payment-{payment.pk}-cancel")
    return payment_apply_intent(payment_id=payment.pk, intent=intent)


def payment_charge_saved(*, payment_id: int) -> str:
    """Charge a saved card off-session after success. Each attempt has its own key, so a retried
    task repeats the same attempt and a recovery attempt (a new card) makes a new one."""
    with transaction.atomic():
        payment = _lock(payment_id)
        if payment.status not in (PS.METHOD_SAVED, PS.RECOVERING):
            return "skipped"
        attempt = payment.charge_attempts + 1
    try:
        intent = get_gateway().create_intent(
            amount=payment.amount_fen,
            currency=payment.currency,
            customer=payment.stripe_customer_id,
            payment_method=payment.stripe_payment_method_id,
            manual_capture=False,
            off_session=True,
            key=f"payment-{payment.pk}-charge-{attempt}",
            metadata={"payment": str(payment.pk), "pledge": str(payment.pledge_id), "attempt": str(attempt)},
        )
    except GatewayError as exc:
        if exc.retryable:
            raise
        Payment.objects.filter(pk=payment.pk).update(charge_attempts=attempt)
        return payment_start_recovery(payment_id=payment.pk, code=exc.code or "declined")
    Payment.objects.filter(pk=payment.pk).update(charge_attempts=attempt)
    return payment_apply_intent(payment_id=payment.pk, intent=intent)


def payment_start_recovery(*, payment_id: int, code: str) -> str:
    """A charge at close was declined: give the donor FUNDING_RECOVERY_DAYS to fix it."""
    with transaction.atomic():
        payment = _lock(payment_id)
        if payment.status not in (PS.AUTHORISED, PS.METHOD_SAVED, PS.RECOVERING):
            return "skipped"
        return _start_recovery(payment, code=code)


def _start_recovery(payment: Payment, *, code: str) -> str:
    """Precondition: the payment row is locked and authorised, saved or recovering."""
    from accounts.services import notification_send

    now = timezone.now()
    first = payment.status != PS.RECOVERING
    payment.status = PS.RECOVERING
    payment.failure_code = code[:100]
    if first:
        payment.recovery_until = now + dt.timedelta(days=settings.FUNDING_RECOVERY_DAYS)
        payment.reminders_sent = 1
        payment.last_reminded_at = now
    payment.save()
    with translation.override(payment.user.preferred_language):
        notification_send(
            user=payment.user,
            kind="payment_recovery",
            title=_("您的捐款扣款未成功，请更新银行卡"),
            body=_("请在 %(until)s 前更新银行卡，否则这笔认筹将被撤销。")
            % {"until": timezone.localtime(payment.recovery_until).strftime("%Y-%m-%d %H:%M")},
            url=f"/funding/payments/{payment.pk}/",
        )
    return "recovering"


def payment_update_card(*, user: Any, payment_id: int, card: TestCard | None = None, payment_method: str = "") -> str:
    """The donor gives a new card during recovery; it is charged at once."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.user_id != user.pk:
        raise NotFound(_("找不到这笔支付。"))
    if payment.status != PS.RECOVERING:
        raise Conflict(_("这笔捐款现在不需要更新银行卡。"), code="wrong_status")
    _check_card(card, payment_method)
    gw = get_gateway()
    # Every new card gets its own attempt number before it reaches Stripe, so its keys (card,
    # attach, then the charge) are never those of an earlier card.
    if not Payment.objects.filter(pk=payment.pk, status=PS.RECOVERING).update(charge_attempts=F("charge_attempts") + 1):
        raise Conflict(_("这笔捐款现在不需要更新银行卡。"), code="wrong_status")
    attempt = Payment.objects.filter(pk=payment.pk).values_list("charge_attempts", flat=True).get()
    try:
        if not payment_method:
            payment_method = gw.create_test_card(
                number=card.number,
                exp_month=card.exp_month,
                exp_year=card.exp_year,
                cvc=card.cvc,
                key=f"payment-{payment.pk}-card-{attempt}",
            )
        gw.attach_method(
            payment_method=payment_method,
            customer=payment.stripe_customer_id,
            key=f"payment-{payment.pk}-attach-{attempt}",
        )
    except GatewayError as exc:
        if exc.declined:
            raise declined(exc) from exc
        raise PaymentUnavailable(_("支付服务暂时无法连接，请稍后再试。")) from exc
    Payment.objects.filter(pk=payment.pk, status=PS.RECOVERING).update(stripe_payment_method_id=payment_method)
    try:
        outcome = payment_charge_saved(payment_id=payment.pk)
    except GatewayError as exc:
        raise PaymentUnavailable(_("支付服务暂时无法连接，请稍后再试。")) from exc
    if outcome == "recovering":
        raise PaymentDeclined(_("这张卡扣款未成功，请换一张卡再试。"))
    return outcome


def payments_run_recovery(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Daily reminders during the recovery window; when it ends, the pledge is dropped."""
    from accounts.services import notification_send

    now = now or timezone.now()
    reminded = dropped = 0
    for payment_id in Payment.objects.filter(status=PS.RECOVERING).values_list("pk", flat=True):
        with transaction.atomic():
            payment = _lock(payment_id)
            if payment.status != PS.RECOVERING:
                continue
            if payment.recovery_until and payment.recovery_until <= now:
                payment.status = PS.FAILED
                payment.save(update_fields=["status", "updated_at"])
                matching.match_release(pledge_ids=[payment.pledge_id], reason=_("扣款未成功"))
                _drop_confirmed(payment.pledge_id)
                _announce(payment.campaign_id)
                dropped += 1
            elif payment.last_reminded_at is None or now - payment.last_reminded_at >= dt.timedelta(hours=24):
                Payment.objects.filter(pk=payment.pk).update(
                    reminders_sent=F("reminders_sent") + 1, last_reminded_at=now
                )
                with translation.override(payment.user.preferred_language):
                    notification_send(
                        user=payment.user,
                        kind="payment_recovery",
                        title=_("提醒：您的捐款扣款未成功，请更新银行卡"),
                        url=f"/funding/payments/{payment.pk}/",
                    )
                reminded += 1
    return {"reminded": reminded, "dropped": dropped}


def _drop_confirmed(pledge_id: int) -> None:
    """Take a pledge whose money never arrived out of the counts."""
    try:
        with transaction.atomic():
            campaign_services.pledge_drop(pledge_id=pledge_id, reason=gettext_noop("扣款未成功"))
    except Conflict:
        logger.warning("pledge %s could not be dropped by the campaigns app", pledge_id)


# --- Refunds -------------------------------------------------------------------------------------------


def refund_request(*, actor: Any, payment_id: int, amount_fen: Any, reason: str) -> Refund:
    """An organiser of the campaign (or an admin) refunds part or all of a paid pledge (退款).

    Never more than is refundable; while one refund is pending a second is refused (also by a
    partial unique constraint). The Stripe call runs as a task after commit.
    """
    from . import tasks

    reason = (reason or "").strip()
    with transaction.atomic():
        payment = _lock(payment_id)
        campaign = Campaign.objects.filter(pk=payment.campaign_id).first()
        if campaign is None:
            raise NotFound(_("找不到这个众筹行动。"))
        permissions.require(actor, "funding.refund", campaign, _("只有本行动所属社区的社区工作者或管理员可以退款。"))
        if not reason:
            raise _invalid("reason", _("请写明退款原因。"))
        if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
            raise _invalid("amount_fen", _("金额必须大于 0。"))
        if payment.status != PS.SUCCEEDED:
            raise Conflict(_("这笔捐款还没有到账，不能退款。"), code="not_paid")
        if Refund.objects.filter(payment=payment, status=Refund.Status.PENDING).exists():
            raise Conflict(_("这笔捐款已有一笔退款正在处理。"), code="refund_pending")
        if amount_fen > payment.refundable_fen:
            raise _invalid("amount_fen", _("最多可退 %(max)s 元。") % {"max": f"{payment.refundable_fen / 100:.2f}"})
        ledger.lock_chain()
        available = refundable_balance(campaign_id=payment.campaign_id)
        if _campaign_cost(payment, amount_fen) > available:
            message = _("已拨付的钱不能退回：这个行动尚未拨付的捐款只有 %(available)s 元，不够退 %(amount)s 元。") % {
                "available": f"{max(available, 0) / 100:.2f}",
                "amount": f"{amount_fen / 100:.2f}",
            }
            raise Conflict(message, code="already_disbursed", fields={"amount_fen": [message]})
        try:
            with transaction.atomic():
                refund = Refund.objects.create(
                    payment=payment, amount_fen=amount_fen, reason=reason[:300], requested_by=actor
                )
        except IntegrityError as exc:
            raise Conflict(_("这笔捐款已有一笔退款正在处理。"), code="refund_pending") from exc
        tasks.refund_payment.delay_on_commit(refund.pk)
    return refund


def refund_execute(*, refund_id: int) -> str:
    """Send a pending refund to Stripe and record the result. Repeats are harmless: the Stripe
    key is the refund's, a refund Stripe already holds (reported pending) is only read again,
    and recording is a conditional update from pending. The sync job calls this for refunds
    still pending after a while (a lost webhook or task)."""
    refund = Refund.objects.select_related("payment").filter(pk=refund_id).first()
    if refund is None or refund.status != Refund.Status.PENDING:
        return "skipped"
    payment = refund.payment
    if refund.stripe_refund_id:  # Stripe has it already: read where it stands
        stripe_id, status = get_gateway().retrieve_refund(refund.stripe_refund_id)
        return refund_apply(refund_id=refund.pk, stripe_refund_id=stripe_id, status=status)
    try:
        stripe_id, status = get_gateway().refund(
            intent_id=payment.stripe_payment_intent_id,
            amount=refund.amount_fen,
            key=f"refund-{refund.pk}",
            metadata={"refund": str(refund.pk), "payment": str(payment.pk)},
        )
    except GatewayError as exc:
        if exc.retryable:
            raise
        Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(
            status=Refund.Status.FAILED, failure_message=str(exc)[:300], finished_at=timezone.now()
        )
        logger.error("refund %s refused by Stripe: %s; the money is still with the campaign", refund.pk, exc)
        return "failed"
    return refund_apply(refund_id=refund.pk, stripe_refund_id=stripe_id, status=status)


def refund_apply(*, refund_id: int, stripe_refund_id: str, status: str) -> str:
    """Record what Stripe says of a refund: finished only when `succeeded`; `failed` or
    `canceled` fail it; anything else (`pending`, `requires_action`) keeps it pending, and a
    `refund.updated` webhook or the sync job (`refund_execute` again) applies the final word later."""
    if status == "succeeded":
        return refund_complete(refund_id=refund_id, stripe_refund_id=stripe_refund_id)
    if status in ("failed", "canceled"):
        updated = Refund.objects.filter(pk=refund_id, status=Refund.Status.PENDING).update(
            status=Refund.Status.FAILED,
            stripe_refund_id=stripe_refund_id,
            failure_message=f"stripe: {status}",
            finished_at=timezone.now(),
        )
        if updated:
            logger.error("refund %s failed at Stripe (%s): the money is still with the campaign", refund_id, status)
        return "failed" if updated else "skipped"
    Refund.objects.filter(pk=refund_id, status=Refund.Status.PENDING, stripe_refund_id="").update(
        stripe_refund_id=stripe_refund_id
    )
    return "pending"


def refund_complete(*, refund_id: int, stripe_refund_id: str) -> str:
    payment_id = Refund.objects.filter(pk=refund_id).values_list("payment_id", flat=True).first()
    if payment_id is None:
        return "skipped"
    with transaction.atomic():
        payment = _lock(payment_id)  # payment before refund, as in refund_request
        refund = Refund.objects.select_for_update().filter(pk=refund_id).first()
        if refund is None or refund.status != Refund.Status.PENDING:
            return "skipped"
        refund.status = Refund.Status.SUCCEEDED
        refund.stripe_refund_id = stripe_refund_id
        refund.finished_at = timezone.now()
        refund.save(update_fields=["status", "stripe_refund_id", "finished_at"])
        payment.refunded_fen = payment.refunded_fen + refund.amount_fen
        full = payment.refunded_fen >= payment.amount_fen
        if full:
            payment.status = PS.REFUNDED
        payment.save(update_fields=["refunded_fen", "status", "updated_at"])
        ledger.lock_chain()
        ledger.ledger_post(
            kind=LedgerEntry.Kind.REFUND,
            lines=ledger.transfer(
                debit=ledger.DONORS, credit=ledger.campaign_donations(payment.campaign_id), amount_fen=refund.amount_fen
            ),
            currency=payment.currency,
            campaign_id=payment.campaign_id,
            pledge_id=payment.pledge_id,
            reference=f"refund:{refund.pk}",
            memo=refund.reason,
        )
        if full and payment.fee_fen:
            _cover_fee(payment)
        matching.match_release(pledge_ids=[payment.pledge_id], reason=_("退款"))
        pledge_status = Pledge.objects.filter(pk=payment.pledge_id).values_list("status", flat=True).first()
        if full and pledge_status in (Pledge.Status.CONFIRMED, Pledge.Status.FULFILLED):
            campaign_services.pledge_mark_refunded(pledge_id=payment.pledge_id, reason=refund.reason)
        if not full and _settlement(payment.campaign_id) == CampaignSettlement.Outcome.CANCELLED:
            # The campaign was cancelled while this (partial) refund was on its way: the rest goes back too.
            _refund_rest_cancelled(payment)
        _announce(payment.campaign_id)
    return "succeeded"


# --- Fees ----------------------------------------------------------------------------------------------


def payment_record_fee(*, payment_id: int) -> str:
    """Journal the fee Stripe kept on a paid payment (手续费), read from the charge's balance
    transaction, once per payment: the fee is stored on the payment in the same transaction as
    its entry, so replays and repeated tasks add nothing. A campaign bears the fee of money it
    keeps; when a payment is refunded in full the platform covers its fee, so a refund never
    leaves the campaign short. Stripe reporting no balance transaction records nothing."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.fee_fen is not None or not payment.stripe_payment_intent_id:
        return "skipped"
    if payment.status not in (PS.SUCCEEDED, PS.REFUNDED):
        return "skipped"
    fee = get_gateway().payment_fee(payment.stripe_payment_intent_id)
    if fee is None:
        return "not_reported"
    with transaction.atomic():
        payment = _lock(payment_id)
        if payment.fee_fen is not None:
            return "already"
        fee = max(0, min(fee, payment.amount_fen))
        ledger.lock_chain()
        payment.fee_fen = fee
        payment.save(update_fields=["fee_fen", "updated_at"])
        if fee:
            ledger.ledger_post(
                kind=LedgerEntry.Kind.FEE,
                lines=ledger.transfer(
                    debit=ledger.FEES, credit=ledger.campaign_donations(payment.campaign_id), amount_fen=fee
                ),
                currency=payment.currency,
                campaign_id=payment.campaign_id,
                pledge_id=payment.pledge_id,
                reference=f"fee:payment:{payment.pk}",
            )
            if payment.status == PS.REFUNDED:
                _cover_fee(payment)
        _announce(payment.campaign_id)
    return "recorded" if fee else "no_fee"


def _cover_fee(payment: Payment) -> None:
    """The platform pays back to the campaign the fee of a payment refunded in full."""
    ledger.ledger_post(
        kind=LedgerEntry.Kind.FEE,
        lines=ledger.transfer(
            debit=ledger.campaign_donations(payment.campaign_id), credit=ledger.PLATFORM, amount_fen=payment.fee_fen
        ),
        currency=payment.currency,
        campaign_id=payment.campaign_id,
        pledge_id=payment.pledge_id,
        reference=f"fee:payment:{payment.pk}:covered",
        memo=_("全额退款，手续费由平台承担"),
    )


def payment_access(*, user: Any, payment_id: int) -> Payment:
    """The donor sees their own payment; the campaign's organisers and admins see all of it."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(_("找不到这笔支付。"))
    if user.is_authenticated and payment.user_id == user.pk:
        return payment
    campaign = Campaign.objects.filter(pk=payment.campaign_id).first()
    if campaign is None:
        raise NotFound(_("找不到这笔支付。"))
    permissions.require(user, "funding.view_payments", campaign, _("只能查看自己的捐款。"))
    return payment


def active_match_total(*, pledge_id: int) -> int:
    return sum(
        Match.objects.filter(
            pledge_id=pledge_id, status__in=[Match.Status.RESERVED, Match.Status.COMMITTED]
        ).values_list("amount_fen", flat=True)
    )
