"""Who may do what with a ballot. Creating, editing and publishing need an organiser of *every*
community the ballot belongs to; voting needs a verified membership of any of them."""

from typing import Any

from accounts.permissions import is_organiser, is_organiser_of_any, is_platform_admin, is_verified_member, rule


def community_ids_of(ballot: Any) -> list[int]:
    """The ballot's community ids, from the prefetch cache when there is one."""
    return [c.pk for c in ballot.communities.all()]


def organises_all(user: Any, community_ids: list[int]) -> bool:
    return bool(community_ids) and all(is_organiser(user, cid) for cid in community_ids)


@rule("ballot.create")
def _create(user: Any, community_ids: list[int]) -> bool:
    return organises_all(user, list(community_ids or []))


@rule("ballot.manage")
def _manage(user: Any, ballot: Any) -> bool:
    return organises_all(user, community_ids_of(ballot))


@rule("ballot.view_draft")
def _view_draft(user: Any, ballot: Any) -> bool:
    return is_organiser_of_any(user, community_ids_of(ballot))


@rule("ballot.view_eligible")
def _view_eligible(user: Any, ballot: Any) -> bool:
    return is_organiser_of_any(user, community_ids_of(ballot))


@rule("ballot.view_closed_results")
def _view_closed_results(user: Any, ballot: Any) -> bool:
    return is_organiser_of_any(user, community_ids_of(ballot))


@rule("ballot.vote")
def _vote(user: Any, ballot: Any) -> bool:
    return any(is_verified_member(user, cid) for cid in community_ids_of(ballot))


@rule("ballot.assist")
def _assist(user: Any, ballot: Any) -> bool:
    return is_platform_admin(user) or any(is_organiser(user, cid) for cid in community_ids_of(ballot))
