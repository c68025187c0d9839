"""Reads for money: the campaign money summary (donations + matches by tier), the public
transparency reports built from the ledger, pools, and the work lists of the periodic jobs."""

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from campaigns.models import Campaign, Dimension, Need

from . import ledger
from .models import CampaignSettlement, LedgerEntry, Match, MatchingPool, Payment, PoolApproval, Refund

TIERS = [t.value for t in MatchingPool.Tier]
_ACTIVE = [Match.Status.RESERVED, Match.Status.COMMITTED]
S = Campaign.Status


def money_summary(*, campaign_id: int) -> dict[str, Any]:
    """Money raised for a campaign = confirmed donations + matches, with each tier's part.

    `donations_fen` counts confirmed money pledges (online and offline) as the campaign counts
    them; `matched_fen` counts reserved and committed matches (reserved ones are promised, paid
    when the campaign succeeds). Three queries whatever the size of the campaign.
    """
    donations = Need.objects.filter(campaign_id=campaign_id, dimension=Dimension.MONEY).aggregate(
        confirmed=Sum("confirmed_total"), target=Sum("target")
    )
    by_tier = dict.fromkeys(TIERS, 0)
    committed = 0
    for tier, status, amount in (
        Match.objects.filter(campaign_id=campaign_id, status__in=_ACTIVE)
        .values_list("pool__tier", "status")
        .annotate(total=Sum("amount_fen"))
        .values_list("pool__tier", "status", "total")
    ):
        by_tier[tier] += amount or 0
        if status == Match.Status.COMMITTED:
            committed += amount or 0
    received = ledger.account_balances(prefix=f"campaign:{campaign_id}:")
    donations_fen = donations["confirmed"] or 0
    matched_fen = sum(by_tier.values())
    return {
        "campaign": campaign_id,
        "donations_fen": donations_fen,
        "matched_fen": matched_fen,
        "matched_committed_fen": committed,
        "total_fen": donations_fen + matched_fen,
        "target_fen": donations["target"] or 0,
        "received_fen": received.get(ledger.campaign_donations(campaign_id), 0),
        "by_tier": by_tier,
    }


def pools_managed_by(*, user: Any) -> list[MatchingPool]:
    """Pools the user manages (see permissions.manages_pool), with their live approvals."""
    from accounts.permissions import roles_of
    from network.models import SocialWorkStation

    if not user.is_authenticated:
        return []
    r = roles_of(user)
    qs = MatchingPool.objects.select_related("fund", "district", "township")
    if not r.is_admin:
        townships = SocialWorkStation.objects.filter(pk__in=r.stations).values("township_id")
        qs = qs.filter(Q(tier="charity", fund_id__in=r.funds) | Q(tier="township", township_id__in=townships))
    pools = list(qs.order_by("stacking_order", "pk"))
    approvals = PoolApproval.objects.filter(pool__in=pools, revoked_at__isnull=True).order_by("approved_at")
    titles = dict(Campaign.objects.filter(pk__in=approvals.values("campaign_id")).values_list("pk", "title"))
    by_pool: dict[int, list[PoolApproval]] = defaultdict(list)
    for approval in approvals:
        approval.campaign_title = titles.get(approval.campaign_id, f"#{approval.campaign_id}")
        by_pool[approval.pool_id].append(approval)
    for pool in pools:
        pool.live_approvals = by_pool.get(pool.pk, [])
    return pools


def pool_funder_choices(*, user: Any) -> dict[str, Any]:
    """What a person may open a pool for (see permissions.manages_pool): the tiers, and per tier
    the districts, townships or funds to choose from (None when that tier is not theirs)."""
    from accounts.permissions import roles_of
    from network.models import CharityFund, District, Township

    r = roles_of(user)
    labels = dict(MatchingPool.Tier.choices)
    if r.is_admin:
        return {
            "tiers": list(MatchingPool.Tier.choices),
            "district": District.objects.order_by("name"),
            "township": Township.objects.select_related("district").order_by("district__name", "name"),
            "fund": CharityFund.objects.order_by("name"),
        }
    tiers = []
    if r.stations:
        tiers.append(("township", labels["township"]))
    if r.funds:
        tiers.append(("charity", labels["charity"]))
    return {
        "tiers": tiers,
        "district": None,
        "township": Township.objects.filter(stations__in=r.stations).distinct().order_by("name")
        if r.stations
        else None,
        "fund": CharityFund.objects.filter(pk__in=r.funds).order_by("name") if r.funds else None,
    }


def campaigns_open_for_pools() -> QuerySet[Campaign]:
    """Campaigns a pool may still take in: in review, live or succeeded."""
    return Campaign.objects.filter(status__in=[S.IN_REVIEW, S.LIVE, S.SUCCEEDED]).order_by("-created_at")


def campaign_pools(*, campaign_id: int) -> QuerySet[PoolApproval]:
    return (
        PoolApproval.objects.filter(campaign_id=campaign_id, revoked_at__isnull=True)
        .select_related("pool", "pool__fund", "pool__district", "pool__township")
        .order_by("pool__stacking_order", "pool_id")
    )


def pool_list(*, fund_id: int | None = None) -> QuerySet[MatchingPool]:
    qs = MatchingPool.objects.select_related("fund", "district", "township")
    if fund_id is not None:
        qs = qs.filter(fund_id=fund_id)
    return qs.order_by("stacking_order", "pk")


# --- Transparency (公开账目) -----------------------------------------------------------------------


def _entry_amount(entry: LedgerEntry) -> int:
    return sum(line.debit_fen for line in entry.lines.all())


def campaign_transparency(*, campaign_id: int) -> dict[str, Any]:
    """Every ledger entry of a campaign with totals that add up to its balance:

    balance = donations + fees covered − refunds − fees − disbursements
              + matches committed − matches withdrawn

    A fee entry that pays a fee back to the campaign (the platform covers the fee of a payment
    refunded in full) is shown as `fee_covered`.
    """
    entries = list(ledger.entries_touching(campaign_id=campaign_id))
    totals: dict[str, int] = defaultdict(int)
    matches_by_tier = dict.fromkeys(TIERS, 0)
    rows = []
    matched_account = ledger.campaign_matched(campaign_id)
    donations_account = ledger.campaign_donations(campaign_id)
    for entry in entries:
        amount = _entry_amount(entry)
        kind = entry.kind
        if kind == LedgerEntry.Kind.MATCH_COMMITTED:
            matches_by_tier[entry.pool.tier] += amount
        elif kind == LedgerEntry.Kind.MATCH_RELEASED and any(
            line.account == matched_account for line in entry.lines.all()
        ):
            matches_by_tier[entry.pool.tier] -= amount
            kind = "match_withdrawn"
        elif kind == LedgerEntry.Kind.FEE and any(
            line.account == donations_account and line.debit_fen for line in entry.lines.all()
        ):
            kind = "fee_covered"
        totals[kind] += amount
        rows.append({"entry": entry, "amount_fen": amount, "kind": kind})
    balances = ledger.account_balances(prefix=f"campaign:{campaign_id}:")
    donations_balance = balances.get(ledger.campaign_donations(campaign_id), 0)
    matched_balance = balances.get(matched_account, 0)
    inflow = totals[LedgerEntry.Kind.DONATION] + totals["fee_covered"] + totals[LedgerEntry.Kind.MATCH_COMMITTED]
    outflow = (
        totals[LedgerEntry.Kind.REFUND]
        + totals[LedgerEntry.Kind.FEE]
        + totals[LedgerEntry.Kind.DISBURSEMENT]
        + totals["match_withdrawn"]
    )
    return {
        "campaign_id": campaign_id,
        "rows": rows,
        "donations_fen": totals[LedgerEntry.Kind.DONATION],
        "refunds_fen": totals[LedgerEntry.Kind.REFUND],
        "fees_fen": totals[LedgerEntry.Kind.FEE],
        "fees_covered_fen": totals["fee_covered"],
        "disbursements_fen": totals[LedgerEntry.Kind.DISBURSEMENT],
        "matches_committed_fen": totals[LedgerEntry.Kind.MATCH_COMMITTED],
        "matches_withdrawn_fen": totals["match_withdrawn"],
        "matches_by_tier": matches_by_tier,
        "matches_reserved_fen": totals[LedgerEntry.Kind.MATCH_RESERVED],
        "inflow_fen": inflow,
        "outflow_fen": outflow,
        "balance_fen": donations_balance + matched_balance,
        "adds_up": inflow - outflow == donations_balance + matched_balance,
    }


def fund_transparency(*, fund_id: int) -> dict[str, Any]:
    """A charity fund's pools: budget, reserved, paid to campaigns, released, still available."""
    pools = list(MatchingPool.objects.filter(fund_id=fund_id).order_by("stacking_order", "pk"))
    balances = ledger.account_balances(prefix="pool:")
    pool_rows = []
    for pool in pools:
        available = balances.get(ledger.pool_available(pool.pk), 0)
        reserved = balances.get(ledger.pool_reserved(pool.pk), 0)
        pool_rows.append(
            {
                "pool": pool,
                "budget_fen": pool.budget_fen,
                "available_fen": available,
                "reserved_fen": reserved,
                "paid_fen": pool.budget_fen - available - reserved,
                "adds_up": available == pool.remaining_fen,
            }
        )
    entries = list(ledger.entries_touching(fund_id=fund_id))
    paid_by_campaign: dict[int, int] = defaultdict(int)
    for entry in entries:
        if entry.kind == LedgerEntry.Kind.MATCH_COMMITTED:
            paid_by_campaign[entry.campaign_id] += _entry_amount(entry)
    titles = dict(Campaign.objects.filter(pk__in=paid_by_campaign).values_list("pk", "title"))
    return {
        "fund_id": fund_id,
        "pools": pool_rows,
        "rows": [{"entry": e, "amount_fen": _entry_amount(e), "kind": e.kind} for e in entries],
        "paid_by_campaign": [
            {"campaign_id": cid, "title": titles.get(cid, f"#{cid}"), "amount_fen": amount}
            for cid, amount in sorted(paid_by_campaign.items())
        ],
        "budget_fen": sum(r["budget_fen"] for r in pool_rows),
        "available_fen": sum(r["available_fen"] for r in pool_rows),
        "reserved_fen": sum(r["reserved_fen"] for r in pool_rows),
        "paid_fen": sum(r["paid_fen"] for r in pool_rows),
        "adds_up": all(r["adds_up"] for r in pool_rows),
    }


# --- Work lists for periodic jobs ------------------------------------------------------------------


def campaigns_awaiting_settlement() -> list[tuple[int, str]]:
    settled = CampaignSettlement.objects.values("campaign_id")
    closed = Campaign.objects.filter(
        status__in=[S.SUCCEEDED, S.DELIVERING, S.COMPLETED, S.FAILED, S.CANCELLED],
        pk__in=Payment.objects.values("campaign_id"),
    ).exclude(pk__in=settled)
    return [
        (pk, {S.FAILED: "failed", S.CANCELLED: "cancelled"}.get(status, "succeeded"))
        for pk, status in closed.values_list("pk", "status")
    ]


def stale_processing_payments(
    *, older_than: dt.timedelta = dt.timedelta(minutes=2), after_id: int = 0, limit: int = 200
) -> list[int]:
    """Payments still processing after a while that Stripe knows of, oldest first; page with
    `after_id` (the last id of the previous page)."""
    cutoff = timezone.now() - older_than
    return list(
        Payment.objects.filter(status=Payment.Status.PROCESSING, created_at__lte=cutoff, pk__gt=after_id)
        .filter(~Q(stripe_payment_intent_id="") | ~Q(stripe_setup_intent_id=""))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def resumable_payments(*, older_than: dt.timedelta = dt.timedelta(minutes=1)) -> list[int]:
    """Payments whose start was cut short by a Stripe outage (`payments.RESUME_CODE`), oldest first."""
    from .payments import RESUME_CODE

    cutoff = timezone.now() - older_than
    return list(
        Payment.objects.filter(
            status=Payment.Status.PROCESSING,
            created_at__lte=cutoff,
            failure_code=RESUME_CODE,
            stripe_payment_intent_id="",
            stripe_setup_intent_id="",
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )


def abandoned_payments(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> list[int]:
    """Payments stored but never sent to Stripe (the request died between the two steps)."""
    from .payments import RESUME_CODE

    cutoff = timezone.now() - older_than
    return list(
        Payment.objects.filter(
            status=Payment.Status.PROCESSING,
            created_at__lte=cutoff,
            stripe_payment_intent_id="",
            stripe_setup_intent_id="",
        )
        .exclude(failure_code=RESUME_CODE)
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )


def stuck_settled_payments(*, older_than: dt.timedelta) -> list[tuple[int, str]]:
    """Holds and saved cards of campaigns settled as succeeded that are still neither captured
    nor charged a while after the settlement (a lost task): (payment id, status), oldest first."""
    cutoff = timezone.now() - older_than
    settled = CampaignSettlement.objects.filter(
        outcome=CampaignSettlement.Outcome.SUCCEEDED, finished_at__lte=cutoff
    ).values("campaign_id")
    return list(
        Payment.objects.filter(
            status__in=[Payment.Status.AUTHORISED, Payment.Status.METHOD_SAVED],
            campaign_id__in=settled,
            updated_at__lte=cutoff,
        )
        .order_by("pk")
        .values_list("pk", "status")[:200]
    )


def payments_without_fee(*, older_than: dt.timedelta) -> list[int]:
    """Paid payments whose fee Stripe had not reported yet (`not_reported`), oldest first."""
    cutoff = timezone.now() - older_than
    return list(
        Payment.objects.filter(
            status__in=[Payment.Status.SUCCEEDED, Payment.Status.REFUNDED],
            fee_fen__isnull=True,
            updated_at__lte=cutoff,
        )
        .exclude(stripe_payment_intent_id="")
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )


def failed_refunds(*, campaign_id: int) -> QuerySet[Refund]:
    """Refunds of a campaign that failed at Stripe: the money is still held, for the organisers
    to settle by hand (shown on the campaign's money page)."""
    return (
        Refund.objects.select_related("payment")
        .filter(payment__campaign_id=campaign_id, status=Refund.Status.FAILED)
        .order_by("-finished_at")
    )


def stale_pending_refunds(*, older_than: dt.timedelta = dt.timedelta(minutes=5)) -> list[int]:
    """Refunds still pending after a while (a lost webhook, a task that died), oldest first."""
    cutoff = timezone.now() - older_than
    return list(
        Refund.objects.filter(status=Refund.Status.PENDING, created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )


def payments_of(*, user: Any) -> QuerySet[Payment]:
    return Payment.objects.filter(user=user).order_by("-created_at")


def payment_of_pledge(*, user: Any, pledge_id: int) -> Payment | None:
    """The person's own payment behind one of their online money pledges."""
    return Payment.objects.filter(user=user, pledge_id=pledge_id).first()
