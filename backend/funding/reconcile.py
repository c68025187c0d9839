"""Reconciliation (对账): our payments and ledger against Stripe's records, read through the SDK.
Fees are compared where Stripe reports a balance transaction for the charge."""

from dataclasses import dataclass, field

from django.db.models import Sum

from . import ledger
from .gateway import GatewayError, get_gateway
from .models import LedgerEntry, LedgerLine, Payment

# Our payment status → the PaymentIntent statuses Stripe may report for it.
EXPECTED = {
    Payment.Status.SUCCEEDED: {"succeeded"},
    Payment.Status.REFUNDED: {"succeeded"},
    Payment.Status.AUTHORISED: {"requires_capture"},
    Payment.Status.CANCELLED: {"canceled"},
    Payment.Status.FAILED: {"requires_payment_method", "canceled"},
    Payment.Status.PROCESSING: {"processing", "requires_confirmation", "requires_action"},
}


@dataclass(frozen=True)
class Difference:
    payment_id: int
    field: str
    ours: str
    theirs: str


@dataclass
class Report:
    checked: int = 0
    differences: list[Difference] = field(default_factory=list)


def _ledger_amounts(payment: Payment) -> tuple[int, int]:
    """(received, refunded) for a payment as the ledger records them."""

    def total(kind: str, prefix: str) -> int:
        return (
            LedgerLine.objects.filter(
                entry__kind=kind, entry__reference__startswith=prefix, entry__pledge_id=payment.pledge_id
            ).aggregate(s=Sum("debit_fen"))["s"]
            or 0
        )

    return total(LedgerEntry.Kind.DONATION, f"payment:{payment.pk}"), total(LedgerEntry.Kind.REFUND, "refund:")


def _ledger_fee(payment: Payment) -> int:
    """The fee the ledger charged for a payment (before any cover by the platform)."""
    return (
        LedgerLine.objects.filter(
            entry__kind=LedgerEntry.Kind.FEE, entry__reference=f"fee:payment:{payment.pk}", account=ledger.FEES
        ).aggregate(s=Sum("debit_fen"))["s"]
        or 0
    )


def reconcile(*, campaign_id: int | None = None) -> Report:
    gw = get_gateway()
    report = Report()
    qs = Payment.objects.exclude(stripe_payment_intent_id="").order_by("pk")
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    for payment in qs.iterator():
        report.checked += 1
        try:
            theirs = gw.charge_summary(payment.stripe_payment_intent_id)
        except GatewayError as exc:
            report.differences.append(Difference(payment.pk, "stripe", "present", f"error: {exc}"))
            continue
        expected = EXPECTED.get(payment.status)
        if expected is not None and theirs["status"] not in expected:
            report.differences.append(Difference(payment.pk, "status", payment.status, str(theirs["status"])))
        received, refunded = _ledger_amounts(payment)
        if received != theirs["captured"]:
            report.differences.append(Difference(payment.pk, "captured", str(received), str(theirs["captured"])))
        if refunded != theirs["refunded"] or payment.refunded_fen != theirs["refunded"]:
            report.differences.append(
                Difference(payment.pk, "refunded", f"{payment.refunded_fen}/{refunded}", str(theirs["refunded"]))
            )
        fee = theirs.get("fee")
        if fee is not None and theirs["captured"]:
            ours = _ledger_fee(payment)
            if ours != fee or (payment.fee_fen or 0) != fee:
                report.differences.append(Difference(payment.pk, "fee", f"{payment.fee_fen}/{ours}", str(fee)))
    return report
