"""Live topics of campaigns: `campaign.<id>` (public once live; snapshot = progress and status)."""

from core.errors import NotFound
from live.registry import register_topic

from .selectors import campaign_get, campaign_progress, campaign_snapshot


def _may_subscribe(user, object_id: str) -> bool:
    if not object_id.isdigit():
        return False
    try:
        campaign_get(user=user, campaign_id=int(object_id))
    except NotFound:
        return False
    return True


def _snapshot(object_id: str) -> dict:
    # Built only for a subscriber who already passed _may_subscribe.
    campaign = campaign_snapshot(campaign_id=int(object_id)) if object_id.isdigit() else None
    return campaign_progress(campaign) if campaign else {}


register_topic("campaign", may_subscribe=_may_subscribe, snapshot=_snapshot)
