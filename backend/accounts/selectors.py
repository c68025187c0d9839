from django.db.models import QuerySet

from network.models import Community

from .models import CommunityMembership, Notification, User
from .permissions import roles_of


def user_role_summary(*, user: User) -> dict:
    """What the navigation needs to show each role what it can do."""
    r = roles_of(user)
    return {
        "resident": bool(r.verified_communities),
        "organiser": bool(r.organiser_communities) or r.is_admin,
        "reviewer": bool(r.funds) or r.is_admin,
        "staff": bool(r.stations or r.organisations),
        "admin": r.is_admin,
        "verified_communities": sorted(r.verified_communities),
        "organiser_communities": sorted(r.organiser_communities),
        "pending_communities": sorted(r.pending_communities),
        "funds": sorted(r.funds),
    }


def membership_queue(
    *, user: User, community: Community | None = None, status: str = CommunityMembership.Status.PENDING
) -> QuerySet[CommunityMembership]:
    """Join requests an organiser may decide: only for communities they organise."""
    r = roles_of(user)
    qs = CommunityMembership.objects.select_related("user", "community").filter(status=status)
    if not r.is_admin:
        qs = qs.filter(community_id__in=r.organiser_communities)
    if community is not None:
        qs = qs.filter(community=community)
    return qs.order_by("created_at")


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


def notifications_of(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user)
