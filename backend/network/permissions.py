"""Rules for the partner network (registered in accounts.permissions' one table)."""

from typing import Any

from accounts.permissions import is_platform_admin, is_station_staff, is_verified_member, roles_of, rule


@rule("volunteer_team.join")
def _volunteer_team_join(user: Any, team: Any) -> bool:
    """A community's team takes that community's verified members; a team without a community
    (e.g. a township-wide one) takes anyone signed in."""
    if team.community_id is None:
        return True
    return is_verified_member(user, team.community_id) or is_platform_admin(user)


@rule("station.workspace")
def _station_workspace(user: Any, station: Any) -> bool:
    """社工站工作台: the station's social workers and platform admins."""
    return is_station_staff(user, station.pk)


@rule("station.workspace_any")
def _station_workspace_any(user: Any, _obj: Any) -> bool:
    """Works at a station (or is a platform admin): may open the list of their workspaces."""
    r = roles_of(user)
    return r.is_admin or bool(r.stations)
