"""Live topics owned by problems: `community.<id>` (counts per status and endorsements of open
problems) and `problem.<id>` (a detail page: status, endorsements, comments). Both are public,
as the problems themselves are."""

from core.ids import parse_id
from live.registry import register_topic

from .selectors import community_snapshot, problem_snapshot


def _public(user, object_id: str) -> bool:
    return parse_id(object_id) is not None


def _community_snapshot(object_id: str) -> dict:
    return community_snapshot(community_id=int(object_id))


def _problem_snapshot(object_id: str) -> dict:
    return problem_snapshot(problem_id=int(object_id))


register_topic("community", may_subscribe=_public, snapshot=_community_snapshot)
register_topic("problem", may_subscribe=_public, snapshot=_problem_snapshot)
