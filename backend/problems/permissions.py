"""Who may do what with problems. Viewing is public; acting needs a role in the problem's
community (the object passed is the community, or something that has one)."""

from typing import Any

from accounts.permissions import is_organiser, is_verified_member, rule


def _community_id(obj: Any) -> int:
    return obj.community_id if hasattr(obj, "community_id") else obj.pk


@rule("problems.raise")
def _raise(user: Any, community: Any) -> bool:
    return is_verified_member(user, _community_id(community))


@rule("problems.discuss")
def _discuss(user: Any, problem: Any) -> bool:
    """Comment, reply, endorse (我也关心) and report: verified members of the community."""
    return is_verified_member(user, _community_id(problem))


@rule("problems.follow")
def _follow(user: Any, problem: Any) -> bool:
    return True  # anyone signed in may follow a public problem


@rule("problems.manage")
def _manage(user: Any, obj: Any) -> bool:
    """Move problems through their lifecycle, moderate comments, set the threshold and tags."""
    return is_organiser(user, _community_id(obj))
