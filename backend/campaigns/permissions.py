"""Who may do what with campaigns and pledges.

Lifecycle edges (the table is `services.EDGES`):

- draft → in_review (submit), edit, needs editor, cancel, delivering, completed, progress
  updates, pledge confirm / reject / fulfil, shifts and hours: an organiser of any of the
  campaign's communities (``campaign.manage``).
- in_review → live (approve) and in_review → draft (send back): an organiser of the *host*
  community, staff of a social-work station that serves the host community or is a host
  partner of the campaign, or a platform admin (``campaign.approve``).
- live → succeeded | failed: only the deadline job (no person).
- Pledging: any signed-in person while the campaign is live (money and help from outside the
  community are welcome); a pending pledge may be cancelled only by its pledger.
"""

from typing import Any

from accounts.permissions import is_organiser, is_organiser_of_any, is_platform_admin, roles_of, rule


def _community_ids(campaign: Any) -> list[int]:
    ids = getattr(campaign, "_community_ids", None)
    if ids is None:
        ids = list(campaign.communities.values_list("pk", flat=True))
        campaign._community_ids = ids
    return ids


def manages(user: Any, campaign: Any) -> bool:
    return user.is_authenticated and is_organiser_of_any(user, _community_ids(campaign))


@rule("campaign.create")
def _create(user: Any, community_ids: Any) -> bool:
    """Organiser of every community the campaign is for (or a platform admin)."""
    ids = list(community_ids or [])
    return bool(ids) and all(is_organiser(user, cid) for cid in ids)


@rule("campaign.manage")
def _manage(user: Any, campaign: Any) -> bool:
    return manages(user, campaign)


@rule("campaign.approve")
def _approve(user: Any, campaign: Any) -> bool:
    if is_platform_admin(user) or is_organiser(user, campaign.host_community_id):
        return True
    stations = roles_of(user).stations
    if not stations:
        return False
    from network.models import SocialWorkStation

    from .models import CampaignPartner

    serving = SocialWorkStation.objects.filter(pk__in=stations, communities=campaign.host_community_id).exists()
    hosting = CampaignPartner.objects.filter(
        campaign=campaign, role=CampaignPartner.Role.HOST, station_id__in=stations
    ).exists()
    return serving or hosting


@rule("campaign.pledge")
def _pledge(user: Any, campaign: Any) -> bool:
    return user.is_authenticated


@rule("campaign.follow")
def _follow(user: Any, campaign: Any) -> bool:
    return user.is_authenticated


@rule("pledge.cancel")
def _pledge_cancel(user: Any, pledge: Any) -> bool:
    return pledge.user_id == user.pk


@rule("pledge.manage")
def _pledge_manage(user: Any, pledge: Any) -> bool:
    return manages(user, pledge.campaign)


@rule("idea.endorse")
def _endorse(user: Any, pledge: Any) -> bool:
    return user.is_authenticated and pledge.user_id != user.pk
