"""Reads of the 五社 partner network. Every list carries the joins and counts its pages and API
need, so a list costs the same few queries however long it is."""

from typing import Any

from django.apps import apps
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.permissions import require, roles_of
from core.errors import NotFound

from .models import (
    CharityFund,
    Community,
    District,
    Donor,
    SocialOrganisation,
    SocialWorkStation,
    Township,
    VolunteerProfile,
    VolunteerTeam,
)

VERIFIED = "verified"  # CommunityMembership.Status.VERIFIED; network does not import accounts' models


def community_list() -> QuerySet[Community]:
    """Communities with their township, district and number of verified members."""
    return (
        Community.objects.select_related("township", "township__district")
        .annotate(member_count=Count("memberships", filter=Q(memberships__status=VERIFIED), distinct=True))
        .order_by("township__name", "name")
    )


def community_detail_list() -> QuerySet[Community]:
    """`community_list` plus the stations and volunteer teams that serve each community."""
    return community_list().prefetch_related(
        Prefetch("stations", queryset=SocialWorkStation.objects.order_by("name")),
        Prefetch("volunteer_teams", queryset=VolunteerTeam.objects.order_by("name")),
    )


def community_get(*, community_id: Any) -> Community:
    """One community with counts and partners, or NotFound (404)."""
    community = _get(community_detail_list(), community_id)
    if community is None:
        raise NotFound(_("找不到这个社区。"))
    return community


def district_list() -> QuerySet[District]:
    return District.objects.annotate(township_count=Count("townships", distinct=True)).order_by("name")


def township_list() -> QuerySet[Township]:
    return (
        Township.objects.select_related("district")
        .annotate(community_count=Count("communities", distinct=True))
        .order_by("district__name", "name")
    )


def station_list() -> QuerySet[SocialWorkStation]:
    return (
        SocialWorkStation.objects.select_related("township", "township__district")
        .prefetch_related(Prefetch("communities", queryset=Community.objects.order_by("name")))
        .order_by("name")
    )


def station_get(*, station_id: Any) -> SocialWorkStation:
    station = _get(station_list(), station_id)
    if station is None:
        raise NotFound(_("找不到这个社会工作站。"))
    return station


# What a station's workspace shows per community: campaigns still being prepared or running, and
# problems raised or under discussion that wait for someone to act (the apps' status values).
WORKSPACE_CAMPAIGN_STATUSES = ("draft", "in_review", "live")
OPEN_PROBLEM_STATUSES = ("raised", "discussing")


def workspace_stations(*, user: Any) -> QuerySet[SocialWorkStation]:
    """The stations whose workspace the person may open: where they work (every station for a
    platform admin). Refuses (401/403) everyone else."""
    require(user, "station.workspace_any", None, _("只有社工站社工可以打开社工站工作台。"))
    r = roles_of(user)
    qs = station_list()
    return qs if r.is_admin else qs.filter(pk__in=r.stations)


def station_workspace_get(*, user: Any, station_id: Any) -> SocialWorkStation:
    """A station for its workspace: 404 when unknown, 401/403 unless the person works there."""
    station = station_get(station_id=station_id)
    require(user, "station.workspace", station, _("只有该社工站的社工可以打开它的工作台。"))
    return station


def _count(model: Any, **conditions: Any) -> Coalesce:
    """A per-community count as a correlated subquery, so several counts do not multiply rows."""
    rows = (
        model.objects.filter(community_id=OuterRef("pk"), **conditions)
        .order_by()
        .values("community_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def station_workspace_communities(*, station: SocialWorkStation) -> QuerySet[Community]:
    """The communities a station serves, each with its number of verified members, consent
    records, open problems (and of those, the ones that reached the endorsement threshold), and
    its hosted campaigns that are in draft, in review or live (`workspace_campaigns`). Two
    queries however many communities."""
    membership = apps.get_model("accounts", "CommunityMembership")
    consent = apps.get_model("accounts", "AssistanceConsent")
    problem = apps.get_model("problems", "Problem")
    campaign = apps.get_model("campaigns", "Campaign")
    return (
        Community.objects.filter(stations=station)
        .select_related("township")
        .annotate(
            member_count=_count(membership, status=VERIFIED, user__is_active=True),
            consent_count=_count(consent),
            open_problem_count=_count(problem, status__in=OPEN_PROBLEM_STATUSES),
            flagged_problem_count=_count(problem, status__in=OPEN_PROBLEM_STATUSES, threshold_reached_at__isnull=False),
        )
        .prefetch_related(
            Prefetch(
                "hosted_campaigns",
                queryset=campaign.objects.filter(status__in=WORKSPACE_CAMPAIGN_STATUSES).order_by("status", "-pk"),
                to_attr="workspace_campaigns",
            )
        )
        .order_by("name")
    )


def organisation_list() -> QuerySet[SocialOrganisation]:
    return SocialOrganisation.objects.select_related("district").order_by("name")


def organisation_get(*, organisation_id: Any) -> SocialOrganisation:
    organisation = _get(organisation_list(), organisation_id)
    if organisation is None:
        raise NotFound(_("找不到这个社会组织。"))
    return organisation


def fund_list() -> QuerySet[CharityFund]:
    """Charity funds with their named donors (慈善资源)."""
    return CharityFund.objects.prefetch_related(
        Prefetch("donors", queryset=Donor.objects.order_by("kind", "name"))
    ).order_by("name")


def fund_get(*, fund_id: Any) -> CharityFund:
    fund = _get(fund_list(), fund_id)
    if fund is None:
        raise NotFound(_("找不到这个慈善基金。"))
    return fund


def volunteer_team_list() -> QuerySet[VolunteerTeam]:
    return (
        VolunteerTeam.objects.select_related("community", "community__township")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("name")
    )


def volunteer_team_get(*, team_id: Any) -> VolunteerTeam:
    team = _get(volunteer_team_list(), team_id)
    if team is None:
        raise NotFound(_("找不到这支志愿者队伍。"))
    return team


def volunteer_team_public_members(*, team: VolunteerTeam) -> QuerySet[VolunteerProfile]:
    """Members who chose to be shown publicly; only their name and skills are displayed."""
    return (
        VolunteerProfile.objects.filter(team=team, is_public=True, user__is_active=True)
        .select_related("user")
        .order_by("user__display_name", "user__username")
    )


def volunteer_profile_of(*, user: Any) -> VolunteerProfile | None:
    return VolunteerProfile.objects.select_related("team", "team__community").filter(user=user).first()


def network_summary() -> dict[str, int]:
    """How many partners of each kind the network has (for the home page)."""
    return {
        "communities": Community.objects.count(),
        "stations": SocialWorkStation.objects.count(),
        "organisations": SocialOrganisation.objects.count(),
        "funds": CharityFund.objects.count(),
        "volunteer_teams": VolunteerTeam.objects.count(),
        "volunteers": VolunteerProfile.objects.count(),
    }


def _get(qs: QuerySet, pk: Any) -> Any:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return qs.filter(pk=pk).first()
