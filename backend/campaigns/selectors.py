"""Reads for campaigns and pledges, with the joins that keep query counts constant."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.permissions import roles_of
from core.errors import NotFound
from core.ids import parse_id

from .models import Campaign, CampaignPartner, Dimension, Need, Pledge, Shift

PUBLIC_STATUSES = (
    Campaign.Status.LIVE,
    Campaign.Status.SUCCEEDED,
    Campaign.Status.FAILED,
    Campaign.Status.DELIVERING,
    Campaign.Status.COMPLETED,
)
PARTNER_KINDS = ("community", "station", "organisation", "fund", "team")


# What never changes once a row exists is remembered per process, for the hot pledge path: a
# campaign's communities (campaign_update never changes them) and a need's campaign, dimension
# and currency (need_update never changes them). Keys include what tells a row from a later one
# with the same id (tests roll back and reuse ids); the pledge's write checks the need's facts
# again in its WHERE clause (`services._take_room`).
_COMMUNITIES: dict[tuple[int, datetime], list[int]] = {}
_NEED_FACTS: dict[int, tuple[int, datetime, str, str]] = {}
_CACHE_SIZE = 4096


def community_ids_of(campaign_id: int, created_at: datetime) -> list[int]:
    """The ids of the campaign's communities, in order (remembered per process)."""
    key = (campaign_id, created_at)
    ids = _COMMUNITIES.get(key)
    if ids is None:
        through = Campaign.communities.through.objects.filter(campaign_id=campaign_id).order_by("community_id")
        ids = list(through.values_list("community_id", flat=True))
        if len(_COMMUNITIES) >= _CACHE_SIZE:
            _COMMUNITIES.clear()
        _COMMUNITIES[key] = ids
    return ids


def need_to_pledge(need_id: int) -> Need | None:
    """The need a pledge is for, carrying only what never changes: its id, campaign, dimension,
    currency and the campaign's communities (`community_ids`). Remembered per process, so a
    pledge costs no read of the need; what can change (title, target, over-pledging, the
    campaign's state and window) is read and checked by the pledge's own write. None when no
    such need exists."""
    facts = _NEED_FACTS.get(need_id)
    if facts is None:
        row = (
            Need.objects.filter(pk=need_id)
            .values_list("campaign_id", "campaign__created_at", "dimension", "currency")
            .first()
        )
        if row is None:
            return None
        if len(_NEED_FACTS) >= _CACHE_SIZE:
            _NEED_FACTS.clear()
        facts = _NEED_FACTS[need_id] = row
    campaign_id, created_at, dimension, currency = facts
    need = Need(pk=need_id, campaign_id=campaign_id, dimension=dimension, currency=currency)
    need._state.adding, need._state.db = False, "default"
    need.community_ids = community_ids_of(campaign_id, created_at)
    return need


def forget_need(need_id: int) -> None:
    """Drop what is remembered of a need (its write found the facts no longer hold)."""
    _NEED_FACTS.pop(need_id, None)


def forget_all() -> None:
    """Drop everything remembered per process (tests reuse ids between rollbacks)."""
    _COMMUNITIES.clear()
    _NEED_FACTS.clear()


def _visible(user: Any) -> Q:
    """Public campaigns for everyone; drafts, reviews and cancelled ones for the organisers of
    their communities and for the staff of stations that serve the host community."""
    q = Q(status__in=PUBLIC_STATUSES)
    if user is None or not user.is_authenticated:
        return q
    r = roles_of(user)
    if r.is_admin:
        return Q()
    if r.organiser_communities:
        q |= Q(
            pk__in=Campaign.communities.through.objects.filter(community_id__in=r.organiser_communities).values(
                "campaign_id"
            )
        )
    if r.stations:
        q |= Q(host_community__stations__in=r.stations)
    return q


def _with_parts(qs: QuerySet[Campaign]) -> QuerySet[Campaign]:
    return qs.select_related("host_community").prefetch_related(
        "tags",
        "communities",
        Prefetch("needs", queryset=Need.objects.order_by("position", "pk")),
        Prefetch(
            "partners",
            queryset=CampaignPartner.objects.select_related("community", "station", "organisation", "fund", "team"),
        ),
    )


def campaign_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Campaign]:
    """Campaigns the user may see. Filters: community, dimension, status, tag, partner
    ("kind:id", e.g. "station:3"), mine (campaigns of communities the user organises)."""
    f = filters or {}
    qs = Campaign.objects.filter(_visible(user))
    if f.get("community"):
        qs = qs.filter(
            pk__in=Campaign.communities.through.objects.filter(community_id=f["community"]).values("campaign_id")
        )
    if f.get("dimension"):
        qs = qs.filter(pk__in=Need.objects.filter(dimension=f["dimension"]).values("campaign_id"))
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("tag"):
        qs = qs.filter(tags__tag=f["tag"])
    if f.get("partner"):
        kind, _sep, pid = str(f["partner"]).partition(":")
        if kind in PARTNER_KINDS and parse_id(pid) is not None:
            qs = qs.filter(pk__in=CampaignPartner.objects.filter(**{f"{kind}_id": parse_id(pid)}).values("campaign_id"))
        else:
            qs = qs.none()
    if f.get("mine") and user is not None and user.is_authenticated:
        r = roles_of(user)
        qs = qs.filter(
            pk__in=Campaign.communities.through.objects.filter(community_id__in=r.organiser_communities).values(
                "campaign_id"
            )
        )
    return _with_parts(qs.distinct()).order_by("-created_at", "-pk")


def partner_choices(*, user: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """The partners taking part in at least one campaign the user may see, grouped by kind for
    the list's partner filter: [(kind label, [("station:3", name), ...]), ...]. One query."""
    fields = [f"{ref}_id" for ref in CampaignPartner.REFS] + [f"{ref}__name" for ref in CampaignPartner.REFS]
    rows = (
        CampaignPartner.objects.filter(campaign__in=Campaign.objects.filter(_visible(user)).values("pk"))
        .values_list(*fields)
        .distinct()
    )
    found: dict[str, dict[int, str]] = {ref: {} for ref in CampaignPartner.REFS}
    n = len(CampaignPartner.REFS)
    for row in rows:
        for i, ref in enumerate(CampaignPartner.REFS):
            if row[i] is not None:
                found[ref][row[i]] = row[n + i]
    groups = []
    for ref in CampaignPartner.REFS:
        if found[ref]:
            label = str(CampaignPartner._meta.get_field(ref).related_model._meta.verbose_name)
            options = sorted(((f"{ref}:{pk}", name) for pk, name in found[ref].items()), key=lambda o: o[1])
            groups.append((label, options))
    return groups


def campaign_get(*, user: Any, campaign_id: int) -> Campaign:
    """One campaign the user may see, with its needs, partners, tags and communities."""
    campaign = _with_parts(Campaign.objects.filter(_visible(user)).filter(pk=campaign_id)).distinct().first()
    if campaign is None:
        raise NotFound(_("找不到这个众筹行动。"))
    campaign._community_ids = [c.pk for c in campaign.communities.all()]
    return campaign


def campaign_is_visible(*, user: Any, campaign_id: int) -> bool:
    """Whether the user may see the campaign (one query; for checks that need no campaign)."""
    return Campaign.objects.filter(_visible(user)).filter(pk=campaign_id).exists()


def campaign_progress(campaign: Campaign) -> dict[str, Any]:
    """Per-need and per-dimension progress from the need counters (no pledge scan).
    A dimension's percent is the share of its needs' targets confirmed, each need capped at its
    target so one over-pledged need does not hide another that is short."""
    needs = list(campaign.needs.all())
    per_need = [
        {
            "need": n.pk,
            "dimension": n.dimension,
            "title": n.title,
            "unit": n.unit,
            "target": n.target,
            "pledged": n.pledged_total,
            "confirmed": n.confirmed_total,
            "fulfilled": n.fulfilled_total,
            "count": n.pledge_count,
            "required": n.required,
            "met": n.is_met,
            "percent": n.percent,
        }
        for n in needs
    ]
    per_dim = []
    for code, label in Dimension.choices:
        ns = [n for n in needs if n.dimension == code]
        if not ns:
            continue
        capped = sum(min(n.confirmed_total, n.target) * 100 // n.target for n in ns)
        per_dim.append(
            {
                "dimension": code,
                "label": str(label),
                "needs": len(ns),
                "met": sum(1 for n in ns if n.is_met),
                "target": sum(n.target for n in ns),
                "pledged": sum(n.pledged_total for n in ns),
                "confirmed": sum(n.confirmed_total for n in ns),
                "fulfilled": sum(n.fulfilled_total for n in ns),
                "percent": capped // len(ns),
            }
        )
    return {"campaign": campaign.pk, "status": campaign.status, "needs": per_need, "dimensions": per_dim}


def campaign_recent_pledges(*, campaign: Campaign, limit: int = 20) -> list[Pledge]:
    return list(
        Pledge.objects.filter(campaign=campaign, status__in=Pledge.ACTIVE)
        .select_related("user", "need")
        .order_by("-created_at", "-pk")[:limit]
    )


def campaign_ideas_and_proposals(*, campaign: Campaign, limit: int = 50) -> list[Pledge]:
    return list(
        Pledge.objects.filter(
            campaign=campaign, status__in=Pledge.ACTIVE, need__dimension__in=[Dimension.IDEA, Dimension.PROJECT]
        )
        .select_related("user", "need")
        .order_by("-endorsement_count", "-created_at")[:limit]
    )


def campaign_open_shifts(*, campaign: Campaign) -> list[Shift]:
    return list(Shift.objects.filter(need__campaign=campaign).select_related("need").order_by("starts_at"))


def managed_pledges(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Pledge]:
    """Pledges across the campaigns of the communities the user organises (认筹管理).
    Filters: campaign, dimension, status, date_from, date_to (dates, local)."""
    f = filters or {}
    r = roles_of(user)
    qs = Pledge.objects.select_related("need", "campaign", "user", "shift")
    if not r.is_admin:
        qs = qs.filter(
            campaign__in=Campaign.communities.through.objects.filter(community_id__in=r.organiser_communities).values(
                "campaign_id"
            )
        )
    if f.get("campaign"):
        qs = qs.filter(campaign_id=f["campaign"])
    if f.get("dimension"):
        qs = qs.filter(need__dimension=f["dimension"])
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if isinstance(f.get("date_from"), date):
        qs = qs.filter(created_at__date__gte=f["date_from"])
    if isinstance(f.get("date_to"), date):
        qs = qs.filter(created_at__date__lte=f["date_to"])
    return qs.order_by("-created_at", "-pk")


def managed_campaigns(*, user: Any) -> QuerySet[Campaign]:
    r = roles_of(user)
    qs = Campaign.objects.all()
    if not r.is_admin:
        qs = qs.filter(
            pk__in=Campaign.communities.through.objects.filter(community_id__in=r.organiser_communities).values(
                "campaign_id"
            )
        )
    return qs.order_by("-created_at")


def pledges_of(*, user: Any) -> QuerySet[Pledge]:
    """A resident's own pledges (我的认筹)."""
    return Pledge.objects.filter(user=user).select_related("need", "campaign", "shift").order_by("-created_at", "-pk")


def shift_roster(*, campaign: Campaign) -> list[Shift]:
    """Every shift of the campaign with its active signups (志愿者排班)."""
    return list(
        Shift.objects.filter(need__campaign=campaign)
        .select_related("need")
        .prefetch_related(
            Prefetch(
                "signups",
                queryset=Pledge.objects.filter(status__in=Pledge.ACTIVE).select_related("user").order_by("created_at"),
                to_attr="active_signups",
            )
        )
        .order_by("starts_at", "pk")
    )


CSV_COLUMNS = [
    ("id", gettext_noop("编号")),
    ("created_at", gettext_noop("认筹时间")),
    ("campaign", gettext_noop("行动")),
    ("dimension", gettext_noop("维度")),
    ("need", gettext_noop("需求")),
    ("pledger", gettext_noop("认筹人")),
    ("anonymous", gettext_noop("匿名")),
    ("status", gettext_noop("状态")),
    ("source", gettext_noop("来源")),
    ("quantity", gettext_noop("数量")),
    ("unit", gettext_noop("单位")),
    ("amount_yuan", gettext_noop("金额（元）")),
    ("detail", gettext_noop("内容")),
    ("shift", gettext_noop("班次")),
    ("minutes_served", gettext_noop("服务分钟")),
    ("reason", gettext_noop("原因")),
]


def pledge_csv_rows(pledges: QuerySet[Pledge]) -> list[list[str]]:
    """Rows for the organiser's CSV export. Organisers see the real name of an anonymous pledger
    (they need to reach them); the `anonymous` column says not to publish it."""
    from django.utils import timezone

    rows = []
    for p in pledges.iterator(chunk_size=500):
        detail = p.summary or p.body or p.carried_by
        rows.append(
            [
                str(p.pk),
                timezone.localtime(p.created_at).strftime("%Y-%m-%d %H:%M"),
                p.campaign.title,
                p.need.get_dimension_display(),
                p.need.title,
                p.user.name if p.user_id else p.contributor_name,
                _("是") if p.anonymous else _("否"),
                p.get_status_display(),
                p.get_source_display(),
                str(p.quantity),
                p.need.unit,
                f"{p.amount_fen / 100:.2f}" if p.amount_fen else "",
                detail,
                timezone.localtime(p.shift.starts_at).strftime("%Y-%m-%d %H:%M") if p.shift_id else "",
                str(p.minutes_served or ""),
                p.reason,
            ]
        )
    return rows


def campaign_snapshot(*, campaign_id: int) -> Campaign | None:
    """The campaign with its needs, for a live snapshot (permission checked by the topic)."""
    return _with_parts(Campaign.objects.filter(pk=campaign_id)).first()
