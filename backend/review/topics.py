"""Live topic of review: `reviewer.<fund id>`, private to that fund's reviewers; it carries the
queue's absolute counts whenever an application or a funded item changes state."""

from live.registry import register_topic

from .permissions import reviews_fund
from .selectors import queue_counts


def _may_subscribe(user, object_id: str) -> bool:
    return object_id.isdigit() and user.is_authenticated and reviews_fund(user, int(object_id))


def _snapshot(object_id: str) -> dict:
    return queue_counts(fund_id=int(object_id)) if object_id.isdigit() else {}


register_topic("reviewer", may_subscribe=_may_subscribe, snapshot=_snapshot, private=True)
