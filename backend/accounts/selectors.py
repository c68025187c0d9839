from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.errors import NotFound
from network.models import Community

from .models import (
    AssistanceConsent,
    CommunityMembership,
    FundReviewer,
    Notification,
    OrganisationStaff,
    StationStaff,
    User,
)
from .permissions import assisted_communities, require, roles_of


def user_role_summary(*, user: User) -> dict:
    """What the navigation needs to show each role what it can do."""
    r = roles_of(user)
    return {
        "resident": bool(r.verified_communities),
        "organiser": bool(r.organiser_communities) or r.is_admin,
        "reviewer": bool(r.funds) or r.is_admin,
        "staff": bool(r.stations or r.organisations),
        "assist": bool(r.organiser_communities or r.station_communities) or r.is_admin,
        "admin": r.is_admin,
        "verified_communities": sorted(r.verified_communities),
        "organiser_communities": sorted(r.organiser_communities),
        "pending_communities": sorted(r.pending_communities),
        "funds": sorted(r.funds),
        "stations": sorted(r.stations),
    }


def membership_queue(
    *, user: User, community: Community | None = None, status: str = CommunityMembership.Status.PENDING
) -> QuerySet[CommunityMembership]:
    """Join requests an organiser may decide: only for communities they organise (入会审核).

    Refuses (401/403) anyone who organises no community, and a community the user does not organise.
    """
    require(user, "community.organise_any", None, _("只有社区工作者可以查看入会申请。"))
    if community is not None:
        require(user, "community.verify_members", community, _("只有该社区的社区工作者可以查看它的入会申请。"))
    r = roles_of(user)
    qs = CommunityMembership.objects.select_related("user", "community", "decided_by").filter(status=status)
    if not r.is_admin:
        qs = qs.filter(community_id__in=r.organiser_communities)
    if community is not None:
        qs = qs.filter(community=community)
    return qs.order_by("created_at" if status == CommunityMembership.Status.PENDING else "-decided_at")


def verified_member_list(*, user: User, community: Community | None = None) -> QuerySet[CommunityMembership]:
    """Verified memberships in the communities whose members the person may see (rule
    `community.view_members`: organisers, and social workers of a station serving the community),
    latest decisions first. Refuses (401/403) everyone else."""
    require(user, "community.view_members_any", None, _("只有社区工作者和社工站社工可以查看社区成员。"))
    if community is not None:
        require(
            user, "community.view_members", community, _("只有该社区的社区工作者和服务它的社工站社工可以查看成员名单。")
        )
    qs = CommunityMembership.objects.select_related("user", "community", "decided_by").filter(
        status=CommunityMembership.Status.VERIFIED
    )
    allowed = assisted_communities(user)
    if allowed is not None:
        qs = qs.filter(community_id__in=allowed)
    if community is not None:
        qs = qs.filter(community=community)
    return qs.order_by("-decided_at", "-pk")


def organiser_communities(*, user: User) -> QuerySet[Community]:
    """The communities a person organises (all of them for a platform admin)."""
    r = roles_of(user)
    qs = Community.objects.select_related("township").order_by("name")
    return qs if r.is_admin else qs.filter(pk__in=r.organiser_communities)


def consent_list(*, user: User, community: Community | None = None) -> QuerySet[AssistanceConsent]:
    """Assisted-participation consents in the communities where the person may assist."""
    require(user, "consent.record_any", None, _("只有社区工作者和社工站社工可以查看代为参与记录。"))
    if community is not None:
        require(user, "consent.record", community, _("只有该社区的社区工作者可以查看它的代为参与记录。"))
    qs = AssistanceConsent.objects.select_related("resident", "organiser", "community")
    allowed = assisted_communities(user)
    if allowed is not None:
        qs = qs.filter(community_id__in=allowed)
    if community is not None:
        qs = qs.filter(community=community)
    return qs.order_by("-given_at")


def assisted_community_list(*, user: User) -> QuerySet[Community]:
    """Communities where the person may record consents and assist residents."""
    allowed = assisted_communities(user)
    qs = Community.objects.select_related("township").order_by("name")
    return qs if allowed is None else qs.filter(pk__in=allowed)


def verified_members(*, communities: Any) -> QuerySet[User]:
    """Active verified members of the given communities (a queryset or list of them)."""
    return (
        User.objects.filter(
            memberships__community__in=communities,
            memberships__status=CommunityMembership.Status.VERIFIED,
            is_active=True,
        )
        .distinct()
        .order_by("display_name", "username")
    )


def community_members(*, user: User, community: Community) -> QuerySet[CommunityMembership]:
    """Verified members of a community, for the people who may see them (rule
    `community.view_members`)."""
    require(user, "community.view_members", community, _("只有该社区的社区工作者可以查看成员名单。"))
    return (
        CommunityMembership.objects.filter(
            community=community, status=CommunityMembership.Status.VERIFIED, user__is_active=True
        )
        .select_related("user", "community")
        .order_by("user__display_name", "user__username")
    )


def community_organisers(*, community: Community) -> QuerySet[User]:
    """Who verifies members of a community: its verified organisers (names are public)."""
    return User.objects.filter(
        memberships__community=community,
        memberships__role=CommunityMembership.Role.ORGANISER,
        memberships__status=CommunityMembership.Status.VERIFIED,
        is_active=True,
    ).order_by("display_name", "username")


def user_get(*, user_id: Any) -> User:
    try:
        user = User.objects.filter(pk=int(user_id), is_active=True).first()
    except (TypeError, ValueError):
        user = None
    if user is None:
        raise NotFound(_("找不到这位用户。"))
    return user


def memberships_of(*, user: User) -> QuerySet[CommunityMembership]:
    return CommunityMembership.objects.select_related("community", "community__township").filter(user=user)


def verified_member_count(*, community_ids: list[int]) -> int:
    return (
        CommunityMembership.objects.filter(community_id__in=community_ids, status=CommunityMembership.Status.VERIFIED)
        .values("user_id")
        .distinct()
        .count()
    )


def unread_notification_count(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_of(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user=user)
    return qs.filter(read_at__isnull=True) if unread_only else qs


def pending_request_count(*, user: User, community: Community | None = None) -> int:
    """How many join requests wait for this organiser, in one community or all theirs (0 for
    everyone else)."""
    if not user.is_authenticated:
        return 0
    r = roles_of(user)
    if not (r.organiser_communities or r.is_admin):
        return 0
    qs = CommunityMembership.objects.filter(status=CommunityMembership.Status.PENDING)
    if not r.is_admin:
        qs = qs.filter(community_id__in=r.organiser_communities)
    if community is not None:
        qs = qs.filter(community=community)
    return qs.count()


_RESET_REFUSED = _("只有居民所在社区的社区工作者可以为其重设密码；担任职务的用户请用邮箱找回密码。")


def password_reset_check(*, user: User, resident: User) -> None:
    """Refuse (401/403) unless `user` may give `resident` a temporary password."""
    require(user, "accounts.reset_password", resident, _RESET_REFUSED)


def password_resettable_ids(*, user: User, members: Any) -> set[int]:
    """Of the people behind these memberships, those `user` may give a temporary password (rule
    `accounts.reset_password`), in a few queries whatever the number of members: verified
    residents of communities where the user may assist who hold no office."""
    allowed = assisted_communities(user)
    candidates = {
        m.user_id
        for m in members
        if m.status == CommunityMembership.Status.VERIFIED
        and m.role == CommunityMembership.Role.RESIDENT
        and m.user_id != user.pk
        and m.user.is_active
        and not (m.user.is_staff or m.user.is_superuser)
        and (allowed is None or m.community_id in allowed)
    }
    if not candidates:
        return set()
    office = set(
        CommunityMembership.objects.filter(
            user_id__in=candidates,
            role=CommunityMembership.Role.ORGANISER,
            status=CommunityMembership.Status.VERIFIED,
        ).values_list("user_id", flat=True)
    )
    for model in (StationStaff, OrganisationStaff, FundReviewer):
        office.update(model.objects.filter(user_id__in=candidates).values_list("user_id", flat=True))
    return candidates - office
