"""Live topics owned by accounts: a person's private notifications and an organiser's queue."""

from core.ids import parse_id
from live.registry import register_topic

from .permissions import is_organiser
from .selectors import unread_notification_count


def _may_see_user_topic(user, object_id: str) -> bool:
    return user.is_authenticated and str(user.pk) == object_id


def _user_snapshot(object_id: str) -> dict:
    from .models import User

    user = User.objects.filter(pk=object_id).first()
    return {"unread": unread_notification_count(user=user) if user else 0}


def _may_see_organiser_topic(user, object_id: str) -> bool:
    community_id = parse_id(object_id)
    return community_id is not None and is_organiser(user, community_id)


def _organiser_snapshot(object_id: str) -> dict:
    from .models import CommunityMembership

    return {
        "pending_join_requests": CommunityMembership.objects.filter(
            community_id=object_id, status=CommunityMembership.Status.PENDING
        ).count()
    }


register_topic("user", may_subscribe=_may_see_user_topic, snapshot=_user_snapshot, private=True)
register_topic("organiser", may_subscribe=_may_see_organiser_topic, snapshot=_organiser_snapshot, private=True)
