"""Rules for the partner network (registered in accounts.permissions' one table)."""

from typing import Any

from accounts.permissions import is_platform_admin, is_verified_member, rule


@rule("volunteer_team.join")
def _volunteer_team_join(user: Any, team: Any) -> bool:
    """A community's team takes that community's verified members; a team without a community
    (e.g. a township-wide one) takes anyone signed in."""
    if team.community_id is None:
        return True
    return is_verified_member(user, team.community_id) or is_platform_admin(user)
