"""Live topic of review: `reviewer.<fund id>`, private to that fund's reviewers; it carries the
queue's absolute counts whenever an application or a funded item changes state."""

from core.ids import parse_id
from live.registry import register_topic

from .permissions import reviews_fund
from .selectors import queue_counts


def _may_subscribe(user, object_id: str) -> bool:
    fund_id = parse_id(object_id)
    return fund_id is not None and user.is_authenticated and reviews_fund(user, fund_id)


def _snapshot(object_id: str) -> dict:
    fund_id = parse_id(object_id)
    return queue_counts(fund_id=fund_id) if fund_id is not None else {}


register_topic("reviewer", may_subscribe=_may_subscribe, snapshot=_snapshot, private=True)
