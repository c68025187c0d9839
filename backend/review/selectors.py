"""Reads for foundation review and accountability, permission-checked, with the joins that keep
query counts constant."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import Any

from django.db.models import Avg, Count, F, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts import permissions
from accounts.models import FundReviewer, User
from accounts.permissions import roles_of
from campaigns.models import Campaign, CampaignPartner, Dimension, Need, Pledge
from core.errors import NotFound
from core.ids import parse_id
from funding import ledger
from funding.models import LedgerEntry, LedgerLine, Match, MatchingPool
from network.models import CharityFund, Township

from .models import (
    Application,
    ApplicationReview,
    AuditEvent,
    Call,
    Decision,
    FundedItem,
    FundPolicy,
    ItemReview,
    Milestone,
    MilestoneUpdate,
    Receipt,
)

A = Application.Status
I = FundedItem.Status  # noqa: E741 - read like A


# --- Queue ---------------------------------------------------------------------------------------


def queue_counts(*, fund_id: int) -> dict[str, int]:
    """What waits for a fund's reviewers, as absolute numbers (for the live topic)."""
    items = FundedItem.objects.filter(fund_id=fund_id).aggregate(
        pending=Count("pk", filter=Q(status=I.SUBMITTED)), to_disburse=Count("pk", filter=Q(status=I.APPROVED))
    )
    return {
        "fund": fund_id,
        "applications": Application.objects.filter(fund_id=fund_id, status=A.SUBMITTED).count(),
        "items": items["pending"],
        "to_disburse": items["to_disburse"],
    }


def reviewer_funds(*, user: Any) -> QuerySet[CharityFund]:
    """The funds a person reviews (every fund for a platform admin)."""
    r = roles_of(user)
    qs = CharityFund.objects.order_by("name")
    return qs if r.is_admin else qs.filter(pk__in=r.funds)


def fund_access(*, user: Any, fund_id: Any) -> CharityFund:
    """A fund the user reviews; 404 for a fund that does not exist, 403 for one they do not review."""
    fund = CharityFund.objects.filter(pk=fund_id).first() if parse_id(fund_id) is not None else None
    if fund is None:
        raise NotFound(_("找不到这个慈善基金。"))
    permissions.require(user, "review.review_fund", fund, _("只有该基金的评审可以查看。"))
    return fund


def fund_policy(*, fund: CharityFund) -> FundPolicy | None:
    return FundPolicy.objects.filter(fund=fund).first()


def _with_review_counts(qs: QuerySet[Application]) -> QuerySet[Application]:
    return qs.annotate(
        round_approvals=Count("reviews", filter=Q(reviews__decision="approve", reviews__round=F("round")))
    )


def pending_applications(*, fund: CharityFund) -> QuerySet[Application]:
    """Applications waiting for a decision, oldest first. Precondition: the caller checked
    the viewer reviews `fund` (fund_access)."""
    return _with_review_counts(
        Application.objects.filter(fund=fund, status=A.SUBMITTED).select_related(
            "campaign", "campaign__host_community", "call", "submitted_by"
        )
    ).order_by("submitted_at", "pk")


def pending_items(*, fund: CharityFund, statuses: tuple[str, ...] = (I.SUBMITTED, I.APPROVED)) -> QuerySet[FundedItem]:
    """Funded items waiting for review or for their disbursement. Precondition: as above."""
    return (
        FundedItem.objects.filter(fund=fund, status__in=statuses)
        .select_related("campaign", "need", "submitted_by")
        .annotate(
            round_approvals=Count(
                "reviews", filter=Q(reviews__decision="approve", reviews__round=F("round")), distinct=True
            ),
            receipt_count=Count("receipts", distinct=True),
        )
        .order_by("status", "submitted_at", "pk")
    )


def decided_applications(*, fund: CharityFund) -> QuerySet[Application]:
    return Application.objects.filter(fund=fund).exclude(status=A.SUBMITTED).select_related("campaign", "call")


# --- Applications --------------------------------------------------------------------------------


def application_access(*, user: Any, application_id: Any, for_update: bool = False) -> Application:
    """An application the user may read (the fund's reviewers, the campaign's organisers).

    `for_update` locks the row; call it only inside a service's atomic()."""
    qs = Application.objects.select_related("campaign", "campaign__host_community", "call", "fund", "submitted_by")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    application = qs.filter(pk=application_id).first() if parse_id(application_id) is not None else None
    if application is None or not permissions.may(user, "review.view_application", application):
        if application is not None and not user.is_authenticated:
            permissions.require(user, "review.view_application", application)
        raise NotFound(_("找不到这份配捐申请。"))
    return application


def application_detail(*, application: Application) -> dict[str, Any]:
    """Everything a reviewer reads before deciding: the campaign with its needs and partners,
    the answers to the call's questions and every decision so far."""
    campaign = (
        Campaign.objects.select_related("host_community")
        .prefetch_related(
            "tags",
            Prefetch("needs", queryset=Need.objects.order_by("position", "pk")),
            Prefetch(
                "partners",
                queryset=CampaignPartner.objects.select_related("community", "station", "organisation", "fund", "team"),
            ),
        )
        .get(pk=application.campaign_id)
    )
    reviews = list(ApplicationReview.objects.filter(application=application).select_related("reviewer"))
    questions = list(application.call.questions)
    answers = list(application.answers) + [""] * max(0, len(questions) - len(application.answers))
    return {
        "application": application,
        "campaign": campaign,
        "needs": list(campaign.needs.all()),
        "partners": list(campaign.partners.all()),
        "tags": list(campaign.tags.all()),
        "qa": list(zip(questions, answers, strict=False)),
        "reviews": reviews,
        "round_approvals": [r for r in reviews if r.round == application.round and r.decision == "approve"],
        "history": list(
            AuditEvent.objects.filter(object_type="application", object_id=application.pk).select_related("actor")
        ),
    }


def open_calls(*, campaign: Campaign | None = None) -> list[Call]:
    """Calls that accept applications now (open, inside their window); with `campaign`, each
    carries `applied` (an application of that campaign, or None)."""
    now = timezone.now()
    calls = list(
        Call.objects.filter(is_open=True)
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now), Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .select_related("fund", "pool")
        .order_by("fund__name", "pk")
    )
    if campaign is not None:
        mine = {a.call_id: a for a in Application.objects.filter(campaign=campaign)}
        for call in calls:
            call.applied = mine.get(call.pk)
    return calls


def pool_get(*, pool_id: Any) -> MatchingPool:
    pool = (
        MatchingPool.objects.select_related("fund").filter(pk=pool_id).first()
        if parse_id(pool_id) is not None
        else None
    )
    if pool is None:
        raise NotFound(_("找不到这个配捐池。"))
    return pool


def call_get(*, call_id: Any) -> Call:
    call = (
        Call.objects.select_related("fund", "pool").filter(pk=call_id).first()
        if parse_id(call_id) is not None
        else None
    )
    if call is None:
        raise NotFound(_("找不到这个申报指南。"))
    return call


def call_manage_access(*, user: Any, call_id: Any, for_update: bool = False) -> Call:
    """A call the user may edit and close (its fund's reviewers): 404 when it does not exist,
    403 for anyone else. `for_update` locks the row (only inside a service's atomic())."""
    qs = Call.objects.select_related("fund", "pool")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    call = qs.filter(pk=call_id).first() if parse_id(call_id) is not None else None
    if call is None:
        raise NotFound(_("找不到这个申报指南。"))
    permissions.require(user, "review.manage_call", call, _("只有该基金的评审可以管理这个申报指南。"))
    return call


def fund_calls(*, fund: CharityFund) -> dict[str, list[Call]]:
    """A fund's calls by phase ("open", "upcoming", "closed"), each with `application_count` and
    `pending_count`. Precondition: the viewer reviews `fund`."""
    now = timezone.now()
    calls = (
        Call.objects.filter(fund=fund)
        .select_related("pool")
        .annotate(
            application_count=Count("applications"),
            pending_count=Count("applications", filter=Q(applications__status=A.SUBMITTED)),
        )
        .order_by("-created_at", "-pk")
    )
    grouped: dict[str, list[Call]] = {"open": [], "upcoming": [], "closed": []}
    for call in calls:
        grouped[call.phase(now)].append(call)
    return grouped


def call_application_count(*, call: Call) -> int:
    return Application.objects.filter(call=call).count()


def pools_without_call(*, fund: CharityFund) -> list[MatchingPool]:
    """The fund's charity pools a new call may draw on (a pool carries at most one call)."""
    return list(
        MatchingPool.objects.filter(fund=fund, tier=MatchingPool.Tier.CHARITY, call__isnull=True).order_by(
            "-created_at", "-pk"
        )
    )


def townships() -> list[Township]:
    """Every township, for a call's region criterion."""
    return list(Township.objects.select_related("district").order_by("district__name", "name"))


def fund_reviewer_count(*, fund: CharityFund) -> int:
    """How many active people review the fund (platform admins not counted)."""
    return FundReviewer.objects.filter(fund=fund, user__is_active=True).count()


def organiser_campaigns(*, user: Any) -> QuerySet[Campaign]:
    """The campaigns a person organises (their communities'), with their applications and items
    waiting, for the organiser's 配捐与支出 list."""
    from campaigns.selectors import managed_campaigns

    return (
        managed_campaigns(user=user)
        .exclude(status=Campaign.Status.CANCELLED)
        .prefetch_related(
            Prefetch("fund_applications", queryset=Application.objects.select_related("fund").order_by("pk"))
        )
        .annotate(
            items_waiting=Count("funded_items", filter=Q(funded_items__status__in=[I.SUBMITTED, I.CHANGES_REQUESTED]))
        )
    )


def campaign_applications(*, user: Any, campaign: Campaign) -> list[Application]:
    """A campaign's applications, for its organisers (and reviewers of the funds concerned)."""
    apps = list(Application.objects.filter(campaign=campaign).select_related("call", "fund").order_by("submitted_at"))
    for a in apps:
        a.campaign = campaign  # one campaign: its communities are looked up once for every check
    return [a for a in apps if permissions.may(user, "review.view_application", a)]


# --- Funded items ----------------------------------------------------------------------------------


def item_access(*, user: Any, item_id: Any, for_update: bool = False) -> FundedItem:
    """A funded item the user may read. `for_update` locks the row (only inside atomic())."""
    qs = FundedItem.objects.select_related("campaign", "fund", "need", "submitted_by", "application", "disbursed_by")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    item = qs.filter(pk=item_id).first() if parse_id(item_id) is not None else None
    if item is None or not permissions.may(user, "review.view_item", item):
        if item is not None and not user.is_authenticated:
            permissions.require(user, "review.view_item", item)
        raise NotFound(_("找不到这笔资金使用申请。"))
    return item


def item_detail(*, item: FundedItem) -> dict[str, Any]:
    reviews = list(ItemReview.objects.filter(item=item).select_related("reviewer"))
    return {
        "item": item,
        "receipts": list(Receipt.objects.filter(item=item)),
        "reviews": reviews,
        "round_approvals": [r for r in reviews if r.round == item.round and r.decision == "approve"],
        "history": list(AuditEvent.objects.filter(object_type="fundeditem", object_id=item.pk).select_related("actor")),
        "approvals_needed": approvals_needed_for_item(item=item),
    }


def approvals_needed_for_item(*, item: FundedItem) -> int:
    policy = FundPolicy.objects.filter(fund_id=item.fund_id).first()
    threshold = policy.item_two_approvals_above_fen if policy else None
    return 2 if threshold is not None and item.amount_fen > threshold else 1


def item_disburse_conflict(*, user: Any, item: FundedItem) -> str | None:
    """Why this person may not record the disbursement (登记拨付) of the item even though they
    review its fund: "submitter" when they submitted it, "approver" when they approved it in the
    current round, None when nothing stands in the way (separation of duties)."""
    if item.submitted_by_id == user.pk:
        return "submitter"
    if ItemReview.objects.filter(item=item, round=item.round, decision=Decision.APPROVE, reviewer_id=user.pk).exists():
        return "approver"
    return None


def item_disbursers(*, item: FundedItem) -> list[User]:
    """The fund's reviewers who may record the item's disbursement: everyone reviewing the fund
    except its submitter and this round's approvers."""
    approvers = ItemReview.objects.filter(item=item, round=item.round, decision=Decision.APPROVE).values("reviewer_id")
    return [
        r.user
        for r in FundReviewer.objects.filter(fund_id=item.fund_id, user__is_active=True)
        .exclude(user_id=item.submitted_by_id)
        .exclude(user_id__in=approvers)
        .select_related("user")
        .order_by("user__display_name", "user__username")
    ]


def campaign_items(*, user: Any, campaign: Campaign) -> list[FundedItem]:
    items = list(FundedItem.objects.filter(campaign=campaign).select_related("need", "fund").order_by("-pk"))
    for i in items:
        i.campaign = campaign
    return [i for i in items if permissions.may(user, "review.view_item", i)]


def receipt_access(*, user: Any, receipt_id: Any) -> Receipt:
    """A receipt, only for those who may read its item (its fund's reviewers, the campaign's
    organisers); everyone else is told it does not exist."""
    receipt = (
        Receipt.objects.select_related("item", "item__campaign").filter(pk=receipt_id).first()
        if parse_id(receipt_id) is not None
        else None
    )
    if receipt is None or not permissions.may(user, "review.view_item", receipt.item):
        if receipt is not None and not user.is_authenticated:
            permissions.require(user, "review.view_item", receipt.item)
        raise NotFound(_("找不到这个票据。"))
    return receipt


def campaign_pool_balance(*, campaign_id: int, pool_id: int) -> int:
    """What one pool's matches left for a campaign to spend, from the ledger: matches committed
    to `campaign:<id>:matched` by this pool, less releases and disbursements booked against it."""
    totals = LedgerLine.objects.filter(
        account=ledger.campaign_matched(campaign_id), entry__pool_id=pool_id, entry__campaign_id=campaign_id
    ).aggregate(debit=Sum("debit_fen"), credit=Sum("credit_fen"))
    return (totals["debit"] or 0) - (totals["credit"] or 0)


# --- Audit trail -----------------------------------------------------------------------------------


def audit_list(*, fund: CharityFund, filters: dict[str, Any] | None = None) -> QuerySet[AuditEvent]:
    """The fund's audit trail, newest first. Precondition: the viewer reviews `fund`."""
    f = filters or {}
    qs = AuditEvent.objects.filter(fund=fund).select_related("actor")
    if f.get("campaign"):
        qs = qs.filter(campaign_id=f["campaign"])
    if f.get("object_type"):
        qs = qs.filter(object_type=f["object_type"])
    return qs.order_by("-created_at", "-pk")


ACTION_LABELS = {
    "policy_set": gettext_noop("修改评审规则"),
    "call_created": gettext_noop("发布申报指南"),
    "call_updated": gettext_noop("修改申报指南"),
    "call_closed": gettext_noop("提前结束征集"),
    "application_submitted": gettext_noop("提交配捐申请"),
    "application_resubmitted": gettext_noop("修改后重新提交申请"),
    "application_approve": gettext_noop("批准申请"),
    "application_reject": gettext_noop("申请不通过"),
    "application_request_changes": gettext_noop("申请要求修改"),
    "item_submitted": gettext_noop("提交资金使用申请"),
    "item_resubmitted": gettext_noop("修改后重新提交支出"),
    "item_approve": gettext_noop("批准支出"),
    "item_reject": gettext_noop("支出不通过"),
    "item_request_changes": gettext_noop("支出要求修改"),
    "item_disbursed": gettext_noop("登记拨付"),
}


def action_label(action: str) -> str:
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else action


AUDIT_CSV_HEADER = [
    gettext_noop("编号"),
    gettext_noop("时间"),
    gettext_noop("操作人"),
    gettext_noop("操作"),
    gettext_noop("对象"),
    gettext_noop("对象编号"),
    gettext_noop("众筹行动"),
    gettext_noop("原状态"),
    gettext_noop("新状态"),
    gettext_noop("理由"),
    gettext_noop("变更"),
]


def audit_csv_rows(events: QuerySet[AuditEvent]) -> list[list[str]]:
    return [
        [
            str(e.pk),
            timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor.name if e.actor_id else "",
            action_label(e.action),
            e.object_type,
            str(e.object_id),
            str(e.campaign_id or ""),
            e.from_status,
            e.to_status,
            e.reason,
            json.dumps(e.changes, ensure_ascii=False, default=str) if e.changes else "",
        ]
        for e in events.iterator(chunk_size=500)
    ]


# --- Fund overview --------------------------------------------------------------------------------


def fund_overview(*, fund: CharityFund) -> dict[str, Any]:
    """A fund's figures for its reviewers: campaigns supported, money matched and disbursed per
    campaign, what is pending, and how long decisions take. Precondition: viewer reviews `fund`."""
    pools = list(MatchingPool.objects.filter(fund=fund))
    pool_ids = [p.pk for p in pools]
    approved = list(
        Application.objects.filter(fund=fund, status=A.APPROVED).select_related("campaign", "call").order_by("pk")
    )
    matched_by_campaign: dict[int, int] = defaultdict(int)
    for row in (
        Match.objects.filter(pool_id__in=pool_ids, status=Match.Status.COMMITTED)
        .values("campaign_id")
        .annotate(s=Sum("amount_fen"))
    ):
        matched_by_campaign[row["campaign_id"]] = row["s"] or 0
    disbursed_by_campaign: dict[int, int] = defaultdict(int)
    for row in (
        FundedItem.objects.filter(fund=fund, status=I.DISBURSED).values("campaign_id").annotate(s=Sum("amount_fen"))
    ):
        disbursed_by_campaign[row["campaign_id"]] = row["s"] or 0
    campaigns = [
        {
            "campaign": a.campaign,
            "application": a,
            "cap_fen": a.approved_cap_fen,
            "matched_fen": matched_by_campaign.get(a.campaign_id, 0),
            "disbursed_fen": disbursed_by_campaign.get(a.campaign_id, 0),
        }
        for a in approved
    ]
    biggest = max([1] + [max(c["matched_fen"], c["disbursed_fen"]) for c in campaigns])
    for c in campaigns:
        c["matched_pct"] = c["matched_fen"] * 100 // biggest
        c["disbursed_pct"] = c["disbursed_fen"] * 100 // biggest
    decided = Application.objects.filter(fund=fund, decided_at__isnull=False).aggregate(
        avg=Avg(F("decided_at") - F("submitted_at"))
    )["avg"]
    item_decided = FundedItem.objects.filter(fund=fund, decided_at__isnull=False).aggregate(
        avg=Avg(F("decided_at") - F("submitted_at"))
    )["avg"]
    counts = queue_counts(fund_id=fund.pk)
    status_counts = dict(
        FundedItem.objects.filter(fund=fund).values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {
        "fund": fund,
        "pools": pools,
        "budget_fen": sum(p.budget_fen for p in pools),
        "remaining_fen": sum(p.remaining_fen for p in pools),
        "campaigns": campaigns,
        "campaigns_supported": len(campaigns),
        "matched_fen": sum(matched_by_campaign.values()),
        "disbursed_fen": sum(disbursed_by_campaign.values()),
        "pending_applications": counts["applications"],
        "pending_items": counts["items"],
        "to_disburse": counts["to_disburse"],
        "item_status_counts": [
            {"status": s, "label": str(label), "count": status_counts.get(s, 0)} for s, label in I.choices
        ],
        "application_decision_hours": _hours(decided),
        "item_decision_hours": _hours(item_decided),
    }


def _hours(delta: dt.timedelta | None) -> float | None:
    return round(delta.total_seconds() / 3600, 1) if delta is not None else None


# --- Accountability --------------------------------------------------------------------------------


def public_campaign(*, user: Any, campaign_id: Any) -> Campaign:
    """A campaign the user may see (public ones for everyone), through the campaigns app."""
    from campaigns.selectors import campaign_get

    number = parse_id(campaign_id)
    if number is None:
        raise NotFound(_("找不到这个众筹行动。"))
    return campaign_get(user=user, campaign_id=number)


def milestones_of(*, campaign: Campaign) -> list[Milestone]:
    return list(
        Milestone.objects.filter(campaign=campaign)
        .select_related("need")
        .prefetch_related(
            Prefetch(
                "updates",
                queryset=MilestoneUpdate.objects.select_related("author").prefetch_related("photos"),
            )
        )
        .order_by("position", "pk")
    )


def campaign_report(*, campaign: Campaign) -> dict[str, Any]:
    """The accountability report (项目结项报告) of one campaign, per 五筹 dimension: what was
    pledged, confirmed and fulfilled; money in by source (pledges) and by tier (matching, from
    the ledger); money out (disbursements, from the ledger); goods received; volunteer hours;
    ideas and proposals adopted."""
    needs = list(Need.objects.filter(campaign=campaign).order_by("position", "pk"))
    dims = []
    for code, label in Dimension.choices:
        ns = [n for n in needs if n.dimension == code]
        if not ns:
            continue
        dims.append(
            {
                "dimension": code,
                "label": str(label),
                "target": sum(n.target for n in ns),
                "pledged": sum(n.pledged_total for n in ns),
                "confirmed": sum(n.confirmed_total for n in ns),
                "fulfilled": sum(n.fulfilled_total for n in ns),
            }
        )
    confirmed = (Pledge.Status.CONFIRMED, Pledge.Status.FULFILLED)
    money_by_source = [
        {"source": row["source"], "label": str(Pledge.Source(row["source"]).label), "amount_fen": row["s"] or 0}
        for row in Pledge.objects.filter(campaign=campaign, need__dimension=Dimension.MONEY, status__in=confirmed)
        .values("source")
        .annotate(s=Sum("amount_fen"))
        .order_by("source")
    ]
    matched_account = ledger.campaign_matched(campaign.pk)
    by_tier: dict[str, int] = defaultdict(int)
    for row in (
        LedgerLine.objects.filter(
            account=matched_account,
            entry__kind__in=[LedgerEntry.Kind.MATCH_COMMITTED, LedgerEntry.Kind.MATCH_RELEASED],
        )
        .values("entry__pool__tier")
        .annotate(d=Sum("debit_fen"), c=Sum("credit_fen"))
    ):
        by_tier[row["entry__pool__tier"]] += (row["d"] or 0) - (row["c"] or 0)
    money_by_tier = [
        {"tier": t, "label": str(label), "amount_fen": by_tier[t]}
        for t, label in MatchingPool.Tier.choices
        if by_tier.get(t)
    ]
    disbursed = list(
        FundedItem.objects.filter(campaign=campaign, status=I.DISBURSED)
        .select_related("need", "fund")
        .order_by("spent_on")
    )
    disbursed_ledger = (
        LedgerLine.objects.filter(account=matched_account, entry__kind=LedgerEntry.Kind.DISBURSEMENT).aggregate(
            c=Sum("credit_fen")
        )["c"]
        or 0
    )
    goods = [
        {"title": n.title, "unit": n.unit, "target": n.target, "received": n.fulfilled_total}
        for n in needs
        if n.dimension == Dimension.RESOURCE
    ]
    minutes = sum(n.minutes_served for n in needs if n.dimension == Dimension.PEOPLE)
    adopted = list(
        Pledge.objects.filter(
            campaign=campaign, adopted=True, need__dimension__in=[Dimension.IDEA, Dimension.PROJECT]
        ).select_related("need", "user")
    )
    donations_fen = sum(r["amount_fen"] for r in money_by_source)
    matched_fen = sum(r["amount_fen"] for r in money_by_tier)
    return {
        "campaign": campaign,
        "dimensions": dims,
        "money_by_source": money_by_source,
        "money_by_tier": money_by_tier,
        "donations_fen": donations_fen,
        "matched_fen": matched_fen,
        "money_in_fen": donations_fen + matched_fen,
        "disbursements": disbursed,
        "disbursed_fen": disbursed_ledger,
        "goods": goods,
        "volunteer_minutes": minutes,
        "volunteer_hours": round(minutes / 60, 1),
        "adopted": adopted,
        "adopted_ideas": sum(1 for p in adopted if p.need.dimension == Dimension.IDEA),
        "adopted_proposals": sum(1 for p in adopted if p.need.dimension == Dimension.PROJECT),
        "generated_at": timezone.now(),
    }


def yuan(fen: int | None) -> str:
    return f"{(fen or 0) / 100:,.2f}"


def dimension_figures(d: dict[str, Any]) -> list[str]:
    """Target, pledged, confirmed, fulfilled: yuan for money, counts for the other dimensions."""
    keys = ("target", "pledged", "confirmed", "fulfilled")
    if d["dimension"] == Dimension.MONEY:
        return [_("%(yuan)s 元") % {"yuan": yuan(d[k])} for k in keys]
    return [str(d[k]) for k in keys]


def report_rows(report: dict[str, Any]) -> list[list[str]]:
    """The report as rows (section, item, figures...), for the CSV."""
    rows: list[list[str]] = [[_("众筹行动"), report["campaign"].title]]
    rows.append([_("五筹"), _("维度"), _("目标"), _("认筹"), _("确认"), _("兑现")])
    rows.extend(["", d["label"], *dimension_figures(d)] for d in report["dimensions"])
    rows.append([_("资金来源"), _("来源"), _("金额（元）")])
    rows.extend(["", r["label"], yuan(r["amount_fen"])] for r in report["money_by_source"])
    rows.extend(
        ["", _("配捐 · %(tier)s") % {"tier": r["label"]}, yuan(r["amount_fen"])] for r in report["money_by_tier"]
    )
    rows.append(["", _("资金合计"), yuan(report["money_in_fen"])])
    rows.append([_("资金支出"), _("日期"), _("内容"), _("收款方"), _("金额（元）"), _("转账凭证号")])
    rows.extend(
        ["", i.spent_on.isoformat(), i.description, i.payee, yuan(i.amount_fen), i.transfer_reference]
        for i in report["disbursements"]
    )
    rows.append(["", _("支出合计"), yuan(report["disbursed_fen"])])
    rows.append([_("物资"), _("名称"), _("目标"), _("实收"), _("单位")])
    rows.extend(["", g["title"], str(g["target"]), str(g["received"]), g["unit"]] for g in report["goods"])
    rows.append([_("志愿服务"), _("服务时长（小时）"), str(report["volunteer_hours"])])
    rows.append([_("智慧与方案"), _("采纳的点子"), str(report["adopted_ideas"])])
    rows.append(["", _("采纳的方案"), str(report["adopted_proposals"])])
    rows.extend(["", p.need.get_dimension_display(), p.summary or p.body[:60]] for p in report["adopted"])
    return rows
