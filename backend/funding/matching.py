"""Matching pools (配捐池, the 四个一 mechanism): a bit from the city, the district, the township
and a charity fund added to each eligible donation.

Allocation rules, applied per pool in stacking order when a money pledge is confirmed:

    match = min(amount × ratio, per-pledge cap, per-donor-per-campaign room, per-campaign room,
                room under the configured multiple of the donation, the pool's remaining budget)

A pool is never overdrawn: the budget is taken with one conditional UPDATE
(`remaining_fen >= x`), and the database refuses a negative remainder besides. The per-campaign
and per-donor room is computed while holding the pool's approval row for that campaign, so two
confirmations for the same campaign cannot both see the same room.
"""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import permissions
from core.errors import ApplicationError, Conflict, NotFound

from . import ledger
from .models import LedgerEntry, Match, MatchingPool, PoolApproval

logger = logging.getLogger(__name__)

_ACTIVE = (Match.Status.RESERVED, Match.Status.COMMITTED)


def max_match_multiple() -> tuple[int, int]:
    """All tiers together add at most numerator/denominator × the donation (e.g. 3/1)."""
    return settings.FUNDING_MATCH_MAX_MULTIPLE


def _in_daily_window(pool: MatchingPool, at: dt.datetime) -> bool:
    if pool.daily_start is None or pool.daily_end is None:
        return True
    local = timezone.localtime(at).time()
    if pool.daily_start <= pool.daily_end:
        return pool.daily_start <= local < pool.daily_end
    return local >= pool.daily_start or local < pool.daily_end  # a window across midnight


def _take_budget(pool_id: int, wanted: int) -> int:
    """Take up to `wanted` fen from the pool's remaining budget; returns what was taken.

    First come, first served: when less than `wanted` is left, the rest is taken. Each attempt
    is one conditional UPDATE, so concurrent takers can never push the remainder below zero.
    """
    amount = wanted
    for _attempt in range(5):
        if amount <= 0:
            return 0
        if MatchingPool.objects.filter(pk=pool_id, remaining_fen__gte=amount).update(
            remaining_fen=F("remaining_fen") - amount
        ):
            return amount
        left = MatchingPool.objects.filter(pk=pool_id).values_list("remaining_fen", flat=True).first() or 0
        amount = min(wanted, left)
    return 0


def pool_is_open(pool: MatchingPool, at: dt.datetime) -> bool:
    return pool.is_active and pool.starts_at <= at < pool.ends_at and _in_daily_window(pool, at)


def match_allocate(
    *,
    pledge_id: int,
    campaign_id: int,
    donor_id: int,
    amount_fen: int,
    currency: str,
    hold_until_success: bool,
    at: dt.datetime | None = None,
) -> list[Match]:
    """Add each eligible pool's match to a confirmed money pledge.

    Precondition: runs inside the transaction that confirms the pledge, so a rollback takes the
    matches and their ledger entries with it. Idempotent per (pool, pledge): a second call adds
    nothing. `hold_until_success` (all-or-nothing campaigns) keeps every match reserved until
    the campaign succeeds; otherwise only conditional pools wait.
    """
    at = at or timezone.now()
    num, den = max_match_multiple()
    room_total = amount_fen * num // den
    room_total -= Match.objects.filter(pledge_id=pledge_id, status__in=_ACTIVE).aggregate(s=Sum("amount_fen"))["s"] or 0
    made: list[Match] = []
    approvals = (
        PoolApproval.objects.filter(campaign_id=campaign_id, revoked_at__isnull=True, pool__currency=currency)
        .select_related("pool")
        .order_by("pool__stacking_order", "pool_id")
    )
    with transaction.atomic():
        approvals = list(approvals)
        if approvals:
            ledger.lock_chain()
        for approval in approvals:
            pool = approval.pool
            if room_total <= 0:
                break
            if not pool_is_open(pool, at) or Match.objects.filter(pool=pool, pledge_id=pledge_id).exists():
                continue
            # Serialise allocations for this pool and campaign: caps below are read under the lock.
            locked = PoolApproval.objects.select_for_update().get(pk=approval.pk)
            wanted = amount_fen * pool.ratio_numerator // pool.ratio_denominator
            limits = [wanted, room_total]
            if pool.per_pledge_cap_fen is not None:
                limits.append(pool.per_pledge_cap_fen)
            campaign_cap = locked.cap_override_fen if locked.cap_override_fen is not None else pool.per_campaign_cap_fen
            if campaign_cap is not None:
                limits.append(campaign_cap - locked.matched_fen)
            if pool.per_donor_cap_fen is not None:
                donor_total = (
                    Match.objects.filter(
                        pool=pool, campaign_id=campaign_id, donor_id=donor_id, status__in=_ACTIVE
                    ).aggregate(s=Sum("amount_fen"))["s"]
                    or 0
                )
                limits.append(pool.per_donor_cap_fen - donor_total)
            taken = _take_budget(pool.pk, min(limits))
            if taken <= 0:
                continue
            PoolApproval.objects.filter(pk=locked.pk).update(matched_fen=F("matched_fen") + taken)
            match = Match.objects.create(
                pool=pool,
                campaign_id=campaign_id,
                pledge_id=pledge_id,
                donor_id=donor_id,
                amount_fen=taken,
                currency=currency,
            )
            ledger.ledger_post(
                kind=LedgerEntry.Kind.MATCH_RESERVED,
                lines=ledger.transfer(
                    debit=ledger.pool_reserved(pool.pk), credit=ledger.pool_available(pool.pk), amount_fen=taken
                ),
                currency=currency,
                campaign_id=campaign_id,
                pool_id=pool.pk,
                fund_id=pool.fund_id,
                pledge_id=pledge_id,
                reference=f"match:{match.pk}",
            )
            if not (hold_until_success or pool.conditional):
                _commit(match)
            room_total -= taken
            made.append(match)
    return made


def _commit(match: Match) -> bool:
    if not Match.objects.filter(pk=match.pk, status=Match.Status.RESERVED).update(status=Match.Status.COMMITTED):
        return False
    match.status = Match.Status.COMMITTED
    ledger.ledger_post(
        kind=LedgerEntry.Kind.MATCH_COMMITTED,
        lines=ledger.transfer(
            debit=ledger.campaign_matched(match.campaign_id),
            credit=ledger.pool_reserved(match.pool_id),
            amount_fen=match.amount_fen,
        ),
        currency=match.currency,
        campaign_id=match.campaign_id,
        pool_id=match.pool_id,
        fund_id=match.pool.fund_id,
        pledge_id=match.pledge_id,
        reference=f"match:{match.pk}",
    )
    return True


def match_commit(*, pledge_ids: list[int] | None = None, campaign_id: int | None = None) -> int:
    """Commit reserved matches (配捐到账) of the given pledges or of a whole campaign."""
    if pledge_ids is None and campaign_id is None:
        raise ValueError("pledge_ids or campaign_id is required")
    committed = 0
    with transaction.atomic():
        ledger.lock_chain()
        qs = Match.objects.select_related("pool").filter(status=Match.Status.RESERVED)
        if pledge_ids is not None:
            qs = qs.filter(pledge_id__in=pledge_ids)
        if campaign_id is not None:
            qs = qs.filter(campaign_id=campaign_id)
        for match in qs.order_by("pk"):
            committed += _commit(match)
    return committed


def match_release(
    *, reason: str, pledge_ids: list[int] | None = None, campaign_id: int | None = None, only_reserved: bool = False
) -> int:
    """Give matches back to their pools (refund, failed charge, failed campaign). Returns fen released.

    Each match is released once: the status change is a conditional UPDATE, so a repeat (a
    replayed webhook, a retried task) releases nothing more.
    """
    if pledge_ids is None and campaign_id is None:
        raise ValueError("pledge_ids or campaign_id is required")
    released = 0
    with transaction.atomic():
        ledger.lock_chain()
        qs = Match.objects.select_related("pool").filter(
            status__in=[Match.Status.RESERVED] if only_reserved else _ACTIVE
        )
        if pledge_ids is not None:
            qs = qs.filter(pledge_id__in=pledge_ids)
        if campaign_id is not None:
            qs = qs.filter(campaign_id=campaign_id)
        for match in qs.order_by("pk"):
            was = match.status
            if not Match.objects.filter(pk=match.pk, status=was).update(
                status=Match.Status.RELEASED, release_reason=reason[:200], updated_at=timezone.now()
            ):
                continue
            # Approval before pool, as in allocation.
            PoolApproval.objects.filter(pool_id=match.pool_id, campaign_id=match.campaign_id).update(
                matched_fen=F("matched_fen") - match.amount_fen
            )
            MatchingPool.objects.filter(pk=match.pool_id).update(remaining_fen=F("remaining_fen") + match.amount_fen)
            source = (
                ledger.campaign_matched(match.campaign_id)
                if was == Match.Status.COMMITTED
                else ledger.pool_reserved(match.pool_id)
            )
            ledger.ledger_post(
                kind=LedgerEntry.Kind.MATCH_RELEASED,
                lines=ledger.transfer(
                    debit=ledger.pool_available(match.pool_id), credit=source, amount_fen=match.amount_fen
                ),
                currency=match.currency,
                campaign_id=match.campaign_id,
                pool_id=match.pool_id,
                fund_id=match.pool.fund_id,
                pledge_id=match.pledge_id,
                reference=f"match:{match.pk}",
                memo=reason,
            )
            released += match.amount_fen
    return released


# --- Pools and approvals ---------------------------------------------------------------------------


def pool_create(
    *,
    actor: Any,
    name: str,
    tier: str,
    budget_fen: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    ratio_numerator: int = 1,
    ratio_denominator: int = 1,
    district: Any = None,
    township: Any = None,
    fund: Any = None,
    per_pledge_cap_fen: int | None = None,
    per_donor_cap_fen: int | None = None,
    per_campaign_cap_fen: int | None = None,
    daily_start: dt.time | None = None,
    daily_end: dt.time | None = None,
    conditional: bool = False,
    stacking_order: int = 100,
    currency: str = "cny",
) -> MatchingPool:
    """Open a pool and record its budget in the ledger (配捐池注资)."""
    pool = MatchingPool(
        name=name.strip(),
        tier=tier,
        district=district,
        township=township,
        fund=fund,
        currency=currency,
        budget_fen=budget_fen,
        remaining_fen=budget_fen,
        ratio_numerator=ratio_numerator,
        ratio_denominator=ratio_denominator,
        per_pledge_cap_fen=per_pledge_cap_fen,
        per_donor_cap_fen=per_donor_cap_fen,
        per_campaign_cap_fen=per_campaign_cap_fen,
        starts_at=starts_at,
        ends_at=ends_at,
        daily_start=daily_start,
        daily_end=daily_end,
        conditional=conditional,
        stacking_order=stacking_order,
    )
    permissions.require(actor, "funding.manage_pool", pool, _("只有该配捐方的管理人员可以设立配捐池。"))
    errors: dict[str, list[str]] = {}
    if not pool.name:
        errors["name"] = [_("请填写名称。")]
    if tier not in MatchingPool.Tier.values:
        errors["tier"] = [_("请选择层级。")]
    if budget_fen <= 0:
        errors["budget_fen"] = [_("预算必须大于零。")]
    if ratio_numerator <= 0 or ratio_denominator <= 0:
        errors["ratio_numerator"] = [_("配捐比例必须是正数。")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("结束时间必须晚于开始时间。")]
    if (daily_start is None) != (daily_end is None):
        errors["daily_end"] = [_("每日时段需要同时填写开始和结束。")]
    for field in ("per_pledge_cap_fen", "per_donor_cap_fen", "per_campaign_cap_fen"):
        value = getattr(pool, field)
        if value is not None and value < 0:
            errors[field] = [_("上限不能为负数。")]
    if errors:
        raise ApplicationError(_("请检查填写的内容。"), fields=errors)
    with transaction.atomic():
        pool.save()
        ledger.ledger_post(
            kind=LedgerEntry.Kind.POOL_FUNDED,
            lines=ledger.transfer(debit=ledger.pool_available(pool.pk), credit=ledger.FUNDERS, amount_fen=budget_fen),
            currency=currency,
            pool_id=pool.pk,
            fund_id=pool.fund_id,
            reference=f"pool:{pool.pk}",
            memo=pool.name,
        )
    return pool


def pool_access(*, user: Any, pool_id: int, action: str = "funding.manage_pool") -> MatchingPool:
    pool = MatchingPool.objects.select_related("fund", "district", "township").filter(pk=pool_id).first()
    if pool is None:
        raise NotFound(_("找不到这个配捐池。"))
    permissions.require(user, action, pool, _("只有该配捐方的管理人员可以管理这个配捐池。"))
    return pool


def pool_approve_campaign(
    *, actor: Any, pool_id: int, campaign_id: int, cap_override_fen: int | None = None
) -> PoolApproval:
    """Approve a campaign into a pool (入池), optionally with its own cap."""
    from campaigns.models import Campaign

    pool = pool_access(user=actor, pool_id=pool_id)
    if cap_override_fen is not None and cap_override_fen < 0:
        raise ApplicationError(_("上限不能为负数。"), fields={"cap_override_fen": [_("上限不能为负数。")]})
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("找不到这个众筹行动。"))
    if campaign.status in (Campaign.Status.FAILED, Campaign.Status.CANCELLED, Campaign.Status.COMPLETED):
        raise Conflict(_("这个众筹行动已经结束，不能再入池。"))
    with transaction.atomic():
        approval = PoolApproval.objects.select_for_update().filter(pool=pool, campaign_id=campaign_id).first()
        if approval is not None and approval.revoked_at is None:
            raise Conflict(_("这个众筹行动已经在配捐池中。"), code="already_approved")
        if approval is None:
            approval = PoolApproval.objects.create(
                pool=pool, campaign_id=campaign_id, cap_override_fen=cap_override_fen, approved_by=actor
            )
        else:
            approval.revoked_at = None
            approval.cap_override_fen = cap_override_fen
            approval.approved_by = actor
            approval.save(update_fields=["revoked_at", "cap_override_fen", "approved_by"])
    return approval


def pool_revoke_campaign(*, actor: Any, pool_id: int, campaign_id: int) -> PoolApproval:
    """Stop matching new donations to a campaign; matches already made stand."""
    pool = pool_access(user=actor, pool_id=pool_id)
    with transaction.atomic():
        approval = (
            PoolApproval.objects.select_for_update()
            .filter(pool=pool, campaign_id=campaign_id, revoked_at__isnull=True)
            .first()
        )
        if approval is None:
            raise NotFound(_("这个众筹行动不在配捐池中。"))
        approval.revoked_at = timezone.now()
        approval.save(update_fields=["revoked_at"])
    return approval


def pools_for_campaign_q(campaign_id: int) -> Q:
    return Q(approvals__campaign_id=campaign_id, approvals__revoked_at__isnull=True)
