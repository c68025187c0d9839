"""Who may do what with money: pools are managed by their funder, refunds by the campaign's
organisers (or a platform admin), the ledger is public."""

from typing import Any

from accounts.permissions import is_fund_reviewer, is_organiser_of_any, is_platform_admin, roles_of, rule


def manages_pool(user: Any, pool: Any) -> bool:
    """City and district pools: platform admins. Township pools: also the staff of a social-work
    station of that township. Charity pools: the fund's reviewers."""
    if is_platform_admin(user):
        return True
    if pool.tier == "charity":
        return is_fund_reviewer(user, pool.fund_id)
    if pool.tier == "township":
        from network.models import SocialWorkStation

        stations = roles_of(user).stations
        return (
            bool(stations) and SocialWorkStation.objects.filter(pk__in=stations, township_id=pool.township_id).exists()
        )
    return False


@rule("funding.manage_pool")
def _manage_pool(user: Any, pool: Any) -> bool:
    return manages_pool(user, pool)


@rule("funding.create_pool")
def _create_pool(user: Any, _obj: Any) -> bool:
    """May open some pool: an admin (any tier), a fund's reviewer (charity pools of that fund) or
    a station's staff (township pools of its township). Which funder is checked per pool by
    `funding.manage_pool`."""
    r = roles_of(user)
    return r.is_admin or bool(r.funds) or bool(r.stations)


@rule("funding.refund")
def _refund(user: Any, campaign: Any) -> bool:
    """`campaign` is a campaigns.Campaign."""
    return is_platform_admin(user) or is_organiser_of_any(user, campaign.communities.values_list("pk", flat=True))


@rule("funding.view_payments")
def _view_payments(user: Any, campaign: Any) -> bool:
    return _refund(user, campaign)


@rule("funding.verify_ledger")
def _verify_ledger(user: Any, obj: Any) -> bool:
    r = roles_of(user)
    return r.is_admin or bool(r.funds)


@rule("funding.withdraw")
def _withdraw(user: Any, payment: Any) -> bool:
    """`payment` is a funding.Payment: only the donor themself withdraws it; organisers and
    admins refund paid money instead."""
    return payment.user_id == user.pk
