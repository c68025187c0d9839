"""The one place that answers "may this user do X on this object".

Roles are per object. Each app registers its own actions with `@rule("app.action")` in its
`permissions.py` (imported from its AppConfig.ready); everything asks through `may()` or
`require()`. Role look-ups are loaded once per user object and cached on it, so a page that
asks many questions costs a few queries, not one per question.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from core.errors import NotAuthenticated, PermissionDenied

Rule = Callable[[Any, Any], bool]
_rules: dict[str, Rule] = {}


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        if action in _rules:
            raise RuntimeError(f"permission rule {action!r} registered twice")
        _rules[action] = fn
        return fn

    return register


def may(user: Any, action: str, obj: Any = None) -> bool:
    """True when `user` may do `action` on `obj`. Unknown actions are refused, never allowed."""
    fn = _rules.get(action)
    if fn is None:
        raise KeyError(f"no permission rule named {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(fn(user, obj))


def require(user: Any, action: str, obj: Any = None, message: str | None = None) -> None:
    """Raise NotAuthenticated (401) or PermissionDenied (403) unless `may` allows it."""
    if user is None or not user.is_authenticated:
        raise NotAuthenticated(_("请先登录。"))
    if not may(user, action, obj):
        raise PermissionDenied(message or _("您没有权限执行此操作。"))


@dataclass(frozen=True)
class Roles:
    verified_communities: frozenset[int]
    organiser_communities: frozenset[int]
    pending_communities: frozenset[int]
    stations: frozenset[int]
    organisations: frozenset[int]
    funds: frozenset[int]
    is_admin: bool
    # Communities served by the stations the person works at (社工站 social workers help there).
    station_communities: frozenset[int] = frozenset()


def roles_of(user: Any) -> Roles:
    """All of a user's roles, loaded once and cached on the user object."""
    cached = getattr(user, "_zc_roles", None)
    if cached is not None:
        return cached
    from .models import CommunityMembership, FundReviewer, OrganisationStaff, StationStaff

    if not user.is_authenticated:
        roles = Roles(frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), frozenset(), False)
    else:
        verified: set[int] = set()
        organiser: set[int] = set()
        pending: set[int] = set()
        for community_id, role, status in CommunityMembership.objects.filter(user=user).values_list(
            "community_id", "role", "status"
        ):
            if status == CommunityMembership.Status.VERIFIED:
                verified.add(community_id)
                if role == CommunityMembership.Role.ORGANISER:
                    organiser.add(community_id)
            elif status == CommunityMembership.Status.PENDING:
                pending.add(community_id)
        station_ids = frozenset(StationStaff.objects.filter(user=user).values_list("station_id", flat=True))
        station_communities: frozenset[int] = frozenset()
        if station_ids:
            from network.models import SocialWorkStation

            station_communities = frozenset(
                SocialWorkStation.communities.through.objects.filter(socialworkstation_id__in=station_ids).values_list(
                    "community_id", flat=True
                )
            )
        roles = Roles(
            verified_communities=frozenset(verified),
            organiser_communities=frozenset(organiser),
            pending_communities=frozenset(pending),
            stations=station_ids,
            organisations=frozenset(
                OrganisationStaff.objects.filter(user=user).values_list("organisation_id", flat=True)
            ),
            funds=frozenset(FundReviewer.objects.filter(user=user).values_list("fund_id", flat=True)),
            is_admin=bool(user.is_superuser),
            station_communities=station_communities,
        )
    user._zc_roles = roles
    return roles


def forget_roles(user: Any) -> None:
    """Drop the cached roles after they change (a membership verified, a role granted)."""
    if hasattr(user, "_zc_roles"):
        del user._zc_roles


# --- Predicates other apps build their rules from ---------------------------------------------


def is_platform_admin(user: Any) -> bool:
    return user.is_authenticated and roles_of(user).is_admin


def is_verified_member(user: Any, community_id: int) -> bool:
    """A verified resident or organiser of the community (organisers are members too)."""
    return user.is_authenticated and community_id in roles_of(user).verified_communities


def is_organiser(user: Any, community_id: int) -> bool:
    return user.is_authenticated and (community_id in roles_of(user).organiser_communities or is_platform_admin(user))


def is_organiser_of_any(user: Any, community_ids: Any) -> bool:
    r = roles_of(user)
    return r.is_admin or bool(r.organiser_communities & set(community_ids))


def may_assist(user: Any, community_id: int) -> bool:
    """May take part on a resident's behalf in this community (代为参与), given a consent record:
    its organisers, and social workers of a station that serves it."""
    if not user.is_authenticated:
        return False
    r = roles_of(user)
    return r.is_admin or community_id in r.organiser_communities or community_id in r.station_communities


def assisted_communities(user: Any) -> frozenset[int] | None:
    """The communities where `may_assist` holds; None means all of them (platform admin)."""
    r = roles_of(user)
    return None if r.is_admin else r.organiser_communities | r.station_communities


def is_fund_reviewer(user: Any, fund_id: int) -> bool:
    return user.is_authenticated and (fund_id in roles_of(user).funds or is_platform_admin(user))


def is_station_staff(user: Any, station_id: int) -> bool:
    return user.is_authenticated and (station_id in roles_of(user).stations or is_platform_admin(user))


def is_organisation_staff(user: Any, organisation_id: int) -> bool:
    return user.is_authenticated and (organisation_id in roles_of(user).organisations or is_platform_admin(user))


# --- Rules of this app ---------------------------------------------------------------------------


@rule("community.join")
def _community_join(user: Any, community: Any) -> bool:
    return True  # any signed-in person may ask; the service refuses duplicates with a clear message


@rule("community.organise_any")
def _community_organise_any(user: Any, _obj: Any) -> bool:
    """Organises at least one community: may open the organiser's pages (each list is then
    limited to their own communities)."""
    r = roles_of(user)
    return r.is_admin or bool(r.organiser_communities)


@rule("community.verify_members")
def _community_verify(user: Any, community: Any) -> bool:
    return is_organiser(user, community.pk)


@rule("community.view_members")
def _community_view_members(user: Any, community: Any) -> bool:
    """Organisers, and station social workers serving the community (they pick residents to
    assist); residents do not see each other's list."""
    return may_assist(user, community.pk)


@rule("community.view_members_any")
def _community_view_members_any(user: Any, _obj: Any) -> bool:
    """May open the member list (入会审核, 已认证): organises a community or works at a station
    serving one; the list is then limited to those communities."""
    communities = assisted_communities(user)
    return communities is None or bool(communities)


@rule("consent.record")
def _consent_record(user: Any, community: Any) -> bool:
    return may_assist(user, community.pk)


@rule("consent.record_any")
def _consent_record_any(user: Any, _obj: Any) -> bool:
    """May open the consent pages: organises a community or works at a station serving one."""
    communities = assisted_communities(user)
    return communities is None or bool(communities)


def holds_office(user: Any) -> bool:
    """Has any role beyond being a resident: organiser, station or organisation staff, fund
    reviewer, Django staff or admin. Such accounts are not reset by a community worker, since
    the person who reads out the temporary password would gain those rights."""
    r = roles_of(user)
    return bool(user.is_staff or r.is_admin or r.organiser_communities or r.stations or r.organisations or r.funds)


def password_reset_communities(actor: Any, resident: Any) -> list[int]:
    """The communities through which `actor` may reset `resident`'s password: those where the
    resident is a verified member and the actor may assist (organiser, or social worker of a
    station serving it). Empty for oneself and for people who hold an office."""
    if not actor.is_authenticated or actor.pk == resident.pk or not resident.is_active or holds_office(resident):
        return []
    return sorted(c for c in roles_of(resident).verified_communities if may_assist(actor, c))


@rule("accounts.reset_password")
def _accounts_reset_password(user: Any, resident: Any) -> bool:
    """代为重设密码: for residents without e-mail, by a community worker of their community."""
    return bool(password_reset_communities(user, resident))
