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
    donor_id: int | None,
    amount_fen: int,
    currency: str,
    hold_until_success: bool,
    offline: bool = False,
    at: dt.datetime | None = None,
) -> list[Match]:
    """Add each eligible pool's match to a confirmed money pledge.

    Precondition: runs inside the transaction that confirms the pledge, so a rollback takes the
    matches and their ledger entries with it. Idempotent per (pool, pledge): a second call adds
    nothing. `hold_until_success` (all-or-nothing campaigns) keeps every match reserved until
    the campaign succeeds; otherwise only conditional pools wait. `offline` (cash recorded by an
    organiser) takes only pools that match offline cash; the per-donor cap applies when the
    pledge has a donor (`donor_id`).
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
    if offline:
        approvals = approvals.filter(pool__matches_offline=True)
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
            if pool.per_donor_cap_fen is not None and donor_id is not None:
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
                offline=offline,
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
    replayed webhook, a retried task) releases nothing more. Money already paid out (拨付) is
    never taken back: a committed match is released only as far as the campaign still holds
    that pool's matches undisbursed (and its matched account as a whole); the rest stays
    committed, with a smaller amount, and the campaign's and pool's balances never go negative.
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
            amount = match.amount_fen
            if was == Match.Status.COMMITTED:
                amount = min(amount, _undisbursed(match))
                if amount <= 0:
                    logger.warning("match %s stays committed: its money was paid out", match.pk)
                    continue
            if amount < match.amount_fen:
                kept = match.amount_fen - amount
                changed = Match.objects.filter(pk=match.pk, status=was, amount_fen=match.amount_fen).update(
                    amount_fen=kept,
                    release_reason=(_("%(reason)s（已拨付部分保留）") % {"reason": reason})[:200],
                    updated_at=timezone.now(),
                )
            else:
                changed = Match.objects.filter(pk=match.pk, status=was).update(
                    status=Match.Status.RELEASED, release_reason=reason[:200], updated_at=timezone.now()
                )
            if not changed:
                continue
            # Approval before pool, as in allocation.
            PoolApproval.objects.filter(pool_id=match.pool_id, campaign_id=match.campaign_id).update(
                matched_fen=F("matched_fen") - amount
            )
            MatchingPool.objects.filter(pk=match.pool_id).update(remaining_fen=F("remaining_fen") + amount)
            source = (
                ledger.campaign_matched(match.campaign_id)
                if was == Match.Status.COMMITTED
                else ledger.pool_reserved(match.pool_id)
            )
            ledger.ledger_post(
                kind=LedgerEntry.Kind.MATCH_RELEASED,
                lines=ledger.transfer(debit=ledger.pool_available(match.pool_id), credit=source, amount_fen=amount),
                currency=match.currency,
                campaign_id=match.campaign_id,
                pool_id=match.pool_id,
                fund_id=match.pool.fund_id,
                pledge_id=match.pledge_id,
                reference=f"match:{match.pk}",
                memo=reason,
            )
            released += amount
    return released


def _undisbursed(match: Match) -> int:
    """How much of a committed match the campaign could give back without a negative balance.
    Precondition: the chain head is locked, so no disbursement is booked meanwhile."""
    by_pool = ledger.campaign_matched_balance(campaign_id=match.campaign_id, pool_id=match.pool_id)
    overall = ledger.campaign_matched_balance(campaign_id=match.campaign_id)
    return max(0, min(by_pool, overall))


def match_offline_pledge(*, pledge_id: int) -> list[Match]:
    """Match cash an organiser recorded with evidence (线下捐款) under the same rules as online
    money, from the pools that match offline cash. Safe to repeat (one match per pool and
    pledge). Nothing when the pledge is no longer active, or the campaign's money was already
    settled as failed or cancelled; after a successful close the matches are committed at once.
    """
    from campaigns.models import Campaign, Dimension, Pledge

    from .models import CampaignSettlement

    with transaction.atomic():
        ledger.lock_chain()
        pledge = (
            Pledge.objects.select_for_update(of=("self",))
            .select_related("need", "campaign")
            .filter(pk=pledge_id, source=Pledge.Source.OFFLINE, need__dimension=Dimension.MONEY)
            .first()
        )
        if pledge is None or pledge.status not in (Pledge.Status.CONFIRMED, Pledge.Status.FULFILLED):
            return []
        outcome = (
            CampaignSettlement.objects.filter(campaign_id=pledge.campaign_id).values_list("outcome", flat=True).first()
        )
        if outcome not in (None, CampaignSettlement.Outcome.SUCCEEDED):
            return []
        made = match_allocate(
            pledge_id=pledge.pk,
            campaign_id=pledge.campaign_id,
            donor_id=pledge.user_id,
            amount_fen=int(pledge.amount_fen or 0),
            currency=pledge.currency or pledge.need.currency,
            hold_until_success=pledge.campaign.money_mode == Campaign.MoneyMode.ALL_OR_NOTHING,
            offline=True,
        )
        if outcome == CampaignSettlement.Outcome.SUCCEEDED:
            match_commit(pledge_ids=[pledge.pk])
    return made


def match_release_offline_pledge(*, pledge_id: int) -> int:
    """An offline pledge was rejected, cancelled or refunded: give its matches back."""
    from campaigns.models import Pledge

    status = Pledge.objects.filter(pk=pledge_id, source=Pledge.Source.OFFLINE).values_list("status", flat=True).first()
    if status is None or status in Pledge.ACTIVE:
        return 0
    return match_release(pledge_ids=[pledge_id], reason=_("线下捐款已撤销"))


# --- Pools and approvals ---------------------------------------------------------------------------


# The most one pool may add per yuan given is the cap on all tiers together; the parts of the
# ratio stay small so a typo (1000:1) is refused rather than silently capped.
RATIO_PART_MAX = 1000
STACKING_ORDER_MAX = 10_000
# A budget or a single top-up above this is a typo (one hundred billion fen = one billion yuan).
BUDGET_MAX_FEN = 100_000_000_000
CAP_FIELDS = ("per_pledge_cap_fen", "per_donor_cap_fen", "per_campaign_cap_fen")
# What a manager may change after opening a pool. The budget moves only through top-ups (so the
# ledger holds every yuan promised); tier, funder and currency are fixed.
POOL_RULE_FIELDS = (
    "name",
    "description",
    "ratio_numerator",
    "ratio_denominator",
    *CAP_FIELDS,
    "starts_at",
    "ends_at",
    "daily_start",
    "daily_end",
    "conditional",
    "matches_offline",
    "stacking_order",
)


def _is_whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def pool_check_rules(pool: MatchingPool) -> dict[str, list[str]]:
    """Check a pool's rules (name, ratio, caps, window, daily hours, order); field → messages.
    Reads the unsaved values on `pool`; writes nothing."""
    errors: dict[str, list[str]] = {}
    if not pool.name:
        errors["name"] = [_("请填写名称。")]
    n, d = pool.ratio_numerator, pool.ratio_denominator
    if not (_is_whole_number(n) and _is_whole_number(d)) or n <= 0 or d <= 0:
        errors["ratio_numerator"] = [_("配捐比例必须是正数。")]
    elif n > RATIO_PART_MAX or d > RATIO_PART_MAX:
        errors["ratio_numerator"] = [_("配捐比例的分子和分母都不能超过 %(max)s。") % {"max": RATIO_PART_MAX}]
    else:
        max_num, max_den = max_match_multiple()
        if n * max_den > max_num * d:
            errors["ratio_numerator"] = [
                _("配捐比例不能超过 %(ratio)s:1（所有层级合计的上限）。") % {"ratio": f"{max_num / max_den:g}"}
            ]
    for field in CAP_FIELDS:
        value = getattr(pool, field)
        if value is not None and (not _is_whole_number(value) or value < 0):
            errors[field] = [_("上限不能为负数。")]
        elif value is not None and value > BUDGET_MAX_FEN:
            errors[field] = [_("金额太大，请核对。")]
    if pool.starts_at is None:
        errors["starts_at"] = [_("请填写开始时间。")]
    if pool.ends_at is None:
        errors["ends_at"] = [_("请填写结束时间。")]
    elif pool.starts_at is not None and pool.ends_at <= pool.starts_at:
        errors["ends_at"] = [_("结束时间必须晚于开始时间。")]
    if (pool.daily_start is None) != (pool.daily_end is None):
        errors["daily_end"] = [_("每日时段需要同时填写开始和结束。")]
    elif pool.daily_start is not None and pool.daily_start == pool.daily_end:
        errors["daily_end"] = [_("每日结束时间不能与开始时间相同。")]
    order = pool.stacking_order
    if not _is_whole_number(order) or not 0 <= order <= STACKING_ORDER_MAX:
        errors["stacking_order"] = [_("叠加顺序必须是 0 到 %(max)s 之间的整数。") % {"max": STACKING_ORDER_MAX}]
    return errors


def _budget_errors(field: str, amount_fen: Any, currency: str, expected_currency: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not _is_whole_number(amount_fen) or amount_fen <= 0:
        errors[field] = [_("金额必须是大于零的整数（分）。")]
    elif amount_fen > BUDGET_MAX_FEN:
        errors[field] = [_("金额太大，请核对。")]
    if (currency or "").lower() != expected_currency:
        errors["currency"] = [_("币种不正确。")]
    return errors


def _fund_pool(pool: MatchingPool, amount_fen: int, memo: str) -> None:
    """Record money promised to a pool (配捐池注资); runs inside the caller's transaction."""
    ledger.ledger_post(
        kind=LedgerEntry.Kind.POOL_FUNDED,
        lines=ledger.transfer(debit=ledger.pool_available(pool.pk), credit=ledger.FUNDERS, amount_fen=amount_fen),
        currency=pool.currency,
        pool_id=pool.pk,
        fund_id=pool.fund_id,
        reference=f"pool:{pool.pk}",
        memo=memo,
    )


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
    description: str = "",
    matches_offline: bool = False,
) -> MatchingPool:
    """Open a pool and record its budget in the ledger (配捐池注资).

    Only the funder of the pool's tier is kept (a district for a district pool, a township for a
    township pool, a fund for a charity pool); the others are dropped. The funder is checked
    before the permission, so a manager who forgot to pick one is told so.
    """
    keep = {
        "city": {},
        "district": {"district": district},
        "township": {"township": township},
        "charity": {"fund": fund},
    }
    funder = keep.get(tier, {})
    errors: dict[str, list[str]] = {}
    if tier not in MatchingPool.Tier.values:
        errors["tier"] = [_("请选择层级。")]
    for field, value in funder.items():
        if value is None:
            errors[field] = [_("请选择配捐方。")]
    if errors:
        raise ApplicationError(_("请检查填写的内容。"), fields=errors)
    pool = MatchingPool(
        name=(name or "").strip(),
        description=(description or "").strip(),
        tier=tier,
        district=funder.get("district"),
        township=funder.get("township"),
        fund=funder.get("fund"),
        currency=(currency or "").lower(),
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
        matches_offline=matches_offline,
        stacking_order=stacking_order,
    )
    permissions.require(actor, "funding.manage_pool", pool, _("只有该配捐方的管理人员可以设立配捐池。"))
    errors = pool_check_rules(pool)
    errors.update(_budget_errors("budget_fen", budget_fen, pool.currency, settings.DEFAULT_CURRENCY))
    if errors:
        raise ApplicationError(_("请检查填写的内容。"), fields=errors)
    with transaction.atomic():
        pool.save()
        _fund_pool(pool, budget_fen, pool.name)
    return pool


def pool_update(*, actor: Any, pool_id: int, changes: dict[str, Any]) -> MatchingPool:
    """Change a pool's rules (ratio, caps, window, daily hours, stacking order, conditional,
    offline matching, name, description). Only the listed columns are written, so the remaining budget (taken
    concurrently by allocations) is never overwritten; matches already made keep their amounts.
    """
    pool_access(user=actor, pool_id=pool_id)
    fixed = sorted(set(changes) - set(POOL_RULE_FIELDS))
    if fixed:
        message = _("预算请通过“追加预算”调整；层级、配捐方和币种设立后不能修改。")
        raise ApplicationError(message, fields={field: [message] for field in fixed})
    with transaction.atomic():
        pool = MatchingPool.objects.select_for_update().get(pk=pool_id)
        for field, value in changes.items():
            if field in ("name", "description"):
                value = (value or "").strip()
            setattr(pool, field, value)
        errors = pool_check_rules(pool)
        if errors:
            raise ApplicationError(_("请检查填写的内容。"), fields=errors)
        if changes:
            pool.save(update_fields=list(changes))
    return pool


def pool_top_up(*, actor: Any, pool_id: int, amount_fen: int, currency: str, note: str = "") -> MatchingPool:
    """Add to a pool's budget (追加预算): budget and remaining grow together, and the ledger gets a
    "pool funded" entry in the same transaction."""
    pool = pool_access(user=actor, pool_id=pool_id)
    errors = _budget_errors("amount_fen", amount_fen, currency, pool.currency)
    if not errors and pool.budget_fen + amount_fen > BUDGET_MAX_FEN:
        errors["amount_fen"] = [_("金额太大，请核对。")]
    if errors:
        raise ApplicationError(_("请检查填写的内容。"), fields=errors)
    with transaction.atomic():
        ledger.lock_chain()  # chain head before the pool row, the order every money write uses
        MatchingPool.objects.filter(pk=pool.pk).update(
            budget_fen=F("budget_fen") + amount_fen, remaining_fen=F("remaining_fen") + amount_fen
        )
        _fund_pool(pool, amount_fen, (note or "").strip() or _("追加预算"))
    pool.refresh_from_db()
    return pool


def pool_set_active(*, actor: Any, pool_id: int, active: bool) -> MatchingPool:
    """Pause (暂停) or resume a pool. A paused pool adds no new matches; matches already reserved
    follow their campaign (committed on success, released on failure) as before."""
    pool = pool_access(user=actor, pool_id=pool_id)
    MatchingPool.objects.filter(pk=pool.pk).update(is_active=active)
    pool.is_active = active
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
