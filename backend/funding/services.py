"""The funding app's writes, for other apps and for the API: one import point.

- payments: `online_pledge_start`, `refund_request`, `campaign_settle`, `webhook_receive`, …
- matching: `pool_create`, `pool_approve_campaign`, `pool_revoke_campaign`, `match_allocate`, …
- ledger: `disbursement_record` (below) for the review app; `ledger_reverse` for corrections.
"""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ApplicationError

from . import ledger
from .ledger import ledger_reverse
from .matching import (
    match_allocate,
    match_commit,
    match_release,
    pool_approve_campaign,
    pool_create,
    pool_revoke_campaign,
)
from .models import LedgerEntry, LedgerHead
from .payments import campaign_settle, online_pledge_start, refund_request, refundable_balance, webhook_receive

__all__ = [
    "campaign_settle",
    "disbursement_record",
    "ledger_reverse",
    "match_allocate",
    "match_commit",
    "match_release",
    "online_pledge_start",
    "pool_approve_campaign",
    "pool_create",
    "pool_revoke_campaign",
    "refund_request",
    "webhook_receive",
]


def disbursement_record(
    *, campaign_id: int, amount_fen: int, reference: str, memo: str = "", currency: str = "cny", fund_id: Any = None
) -> LedgerEntry:
    """Record money paid out of a campaign (拨付), e.g. an approved funded item.

    The caller (the review app) checks who may approve; this refuses to pay out more than the
    campaign holds. Donations are paid out first, then committed matches. The balance is read
    while holding the ledger's chain head, so two payouts cannot both spend the same money.
    """
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise ApplicationError(_("金额必须大于 0。"), fields={"amount_fen": [_("金额必须大于 0。")]})
    if not reference:
        raise ApplicationError(_("请注明拨付对应的事项。"))
    with transaction.atomic():
        LedgerHead.objects.select_for_update().get_or_create(pk=1)
        # Refunds on their way are no longer the campaign's to pay out.
        donations = refundable_balance(campaign_id=campaign_id)
        matched = ledger.balance_of(ledger.campaign_matched(campaign_id))
        if amount_fen > donations + matched:
            raise ApplicationError(
                _("余额不足：这个行动的账户只有 %(b)s 元。") % {"b": f"{(donations + matched) / 100:.2f}"},
                code="insufficient_balance",
                fields={"amount_fen": [_("超过账户余额。")]},
            )
        from_donations = min(amount_fen, max(donations, 0))
        lines = [ledger.Line(ledger.PAYEES, debit_fen=amount_fen)]
        if from_donations:
            lines.append(ledger.Line(ledger.campaign_donations(campaign_id), credit_fen=from_donations))
        if amount_fen - from_donations:
            lines.append(ledger.Line(ledger.campaign_matched(campaign_id), credit_fen=amount_fen - from_donations))
        return ledger.ledger_post(
            kind=LedgerEntry.Kind.DISBURSEMENT,
            lines=lines,
            currency=currency,
            campaign_id=campaign_id,
            fund_id=fund_id,
            reference=reference,
            memo=memo,
        )
