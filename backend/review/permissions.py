"""Who may do what in foundation review.

- A fund's reviewers (and platform admins) read its queue, applications, funded items, receipts,
  audit trail and overview, and decide; they publish, edit and close its calls and set its
  review rules. Separation of duties (never on one's own submission, never disbursing what one
  approved) is checked by the services on top of these rules.
- Organisers of a campaign's communities apply it to calls, submit funded items with receipts
  and post milestones; they also read their own campaign's applications and items.
"""

from typing import Any

from accounts.permissions import is_fund_reviewer, roles_of, rule
from campaigns.permissions import manages


def reviews_fund(user: Any, fund_id: int | None) -> bool:
    return fund_id is not None and is_fund_reviewer(user, fund_id)


@rule("review.review_fund")
def _review_fund(user: Any, fund: Any) -> bool:
    """`fund` is a network.CharityFund."""
    return reviews_fund(user, fund.pk)


@rule("review.manage_call")
def _manage_call(user: Any, call: Any) -> bool:
    """`call` is a review.Call: its fund's reviewers edit and close it."""
    return reviews_fund(user, call.fund_id)


@rule("review.review_any")
def _review_any(user: Any, _obj: Any) -> bool:
    r = roles_of(user)
    return r.is_admin or bool(r.funds)


@rule("review.apply")
def _apply(user: Any, campaign: Any) -> bool:
    return manages(user, campaign)


@rule("review.view_application")
def _view_application(user: Any, application: Any) -> bool:
    return reviews_fund(user, application.fund_id) or manages(user, application.campaign)


@rule("review.submit_item")
def _submit_item(user: Any, campaign: Any) -> bool:
    return manages(user, campaign)


@rule("review.view_item")
def _view_item(user: Any, item: Any) -> bool:
    return reviews_fund(user, item.fund_id) or manages(user, item.campaign)


@rule("review.edit_item")
def _edit_item(user: Any, item: Any) -> bool:
    return manages(user, item.campaign)


@rule("review.manage_milestones")
def _manage_milestones(user: Any, campaign: Any) -> bool:
    return manages(user, campaign)
