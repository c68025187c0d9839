"""Live topics of campaigns: `campaign.<id>` (public once live; snapshot = progress and status)."""

from core.ids import parse_id
from live.registry import register_topic

from .selectors import campaign_is_visible, campaign_progress, campaign_snapshot


def _may_subscribe(user, object_id: str) -> bool:
    # Asked at subscribe and again on open sockets (live's rights check): one query.
    campaign_id = parse_id(object_id)
    return campaign_id is not None and campaign_is_visible(user=user, campaign_id=campaign_id)


def _snapshot(object_id: str) -> dict:
    # Built only for a subscriber who already passed _may_subscribe.
    campaign_id = parse_id(object_id)
    campaign = campaign_snapshot(campaign_id=campaign_id) if campaign_id is not None else None
    return campaign_progress(campaign) if campaign else {}


register_topic("campaign", may_subscribe=_may_subscribe, snapshot=_snapshot)
