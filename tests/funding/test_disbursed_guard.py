"""Money already paid out (拨付) is never taken back by a refund or a match release: a refund
larger than the donations still undisbursed is refused with 409 naming what blocks it; a match
is released only as far as the campaign still holds that pool's matches; no balance goes
negative."""

import pytest

from core.errors import ApplicationError
from funding import ledger, services
from funding.gateway import get_gateway
from funding.models import LedgerEntry, Match, MatchingPool, Payment, PoolApproval, Refund
from funding.selectors import campaign_transparency
from tests.conftest import make_user

from .conftest import GOOD_CARD, make_pool, money_need

pytestmark = pytest.mark.django_db


def paid(api_as, campaign, webhooks, amount):
    donor = make_user("donor", display_name="热心居民")
    response = api_as(donor).post(
        "/api/funding/pledges/",
        {"need": money_need(campaign).pk, "amount_fen": amount, **GOOD_CARD},
        format="json",
        HTTP_IDEMPOTENCY_KEY="g-1",
    )
    payment = Payment.objects.get(pk=response.json()["id"])
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def refund(api_as, olivia, payment, amount):
    return api_as(olivia).post(
        f"/api/funding/payments/{payment.pk}/refunds/", {"amount_fen": amount, "reason": "捐款人要求"}, format="json"
    )


def pool_payout(campaign_id: int, pool: MatchingPool, amount: int) -> None:
    """A funded item paid from one pool's matches, booked the way the review app books it."""
    ledger.ledger_post(
        kind=LedgerEntry.Kind.DISBURSEMENT,
        lines=ledger.transfer(debit=ledger.PAYEES, credit=ledger.campaign_matched(campaign_id), amount_fen=amount),
        campaign_id=campaign_id,
        pool_id=pool.pk,
        fund_id=pool.fund_id,
        reference="转账-001",
    )


def test_a_refund_of_disbursed_donations_is_refused_with_409(
    api_as, olivia, kwyr_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = paid(api_as, kwyr_campaign, webhooks, 3_000)
    services.disbursement_record(campaign_id=kwyr_campaign.pk, amount_fen=2_500, reference="采购花苗")

    response = refund(api_as, olivia, payment, 1_000)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "already_disbursed"
    assert "已拨付" in body["detail"] and "5.00" in body["detail"] and "amount_fen" in body["fields"]
    assert not Refund.objects.exists()
    assert get_gateway().charge_summary(payment.stripe_payment_intent_id)["refunded"] == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert refund(api_as, olivia, payment, 500).status_code == 202
    assert ledger.balance_of(ledger.campaign_donations(kwyr_campaign.pk)) == 0
    assert refund(api_as, olivia, payment, 1).status_code == 409
    assert campaign_transparency(campaign_id=kwyr_campaign.pk)["adds_up"]


def test_a_pending_refund_is_not_paid_out_again(api_as, olivia, kwyr_campaign, webhooks):
    payment = paid(api_as, kwyr_campaign, webhooks, 3_000)
    assert refund(api_as, olivia, payment, 1_000).status_code == 202  # its task runs after commit
    with pytest.raises(ApplicationError) as exc:
        services.disbursement_record(campaign_id=kwyr_campaign.pk, amount_fen=2_500, reference="采购花苗")
    assert exc.value.code == "insufficient_balance"
    services.disbursement_record(campaign_id=kwyr_campaign.pk, amount_fen=2_000, reference="采购花苗")
    assert ledger.balance_of(ledger.campaign_donations(kwyr_campaign.pk)) == 1_000  # what the refund will take


def test_a_refund_releases_only_the_undisbursed_part_of_a_match(
    api_as, olivia, kwyr_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    pool = make_pool(boss, approve=[kwyr_campaign])
    payment = paid(api_as, kwyr_campaign, webhooks, 10_000)
    match = Match.objects.get()
    assert (match.status, match.amount_fen) == (Match.Status.COMMITTED, 10_000)
    pool_payout(kwyr_campaign.pk, pool, 6_000)

    with django_capture_on_commit_callbacks(execute=True):
        assert refund(api_as, olivia, payment, 10_000).status_code == 202
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    match.refresh_from_db()
    assert (match.status, match.amount_fen) == (Match.Status.COMMITTED, 6_000)  # paid out: it stays
    pool.refresh_from_db()
    assert pool.remaining_fen == pool.budget_fen - 6_000
    assert PoolApproval.objects.get(pool=pool).matched_fen == 6_000
    released = LedgerEntry.objects.get(kind=LedgerEntry.Kind.MATCH_RELEASED)
    assert sum(line.debit_fen for line in released.lines.all()) == 4_000
    assert ledger.balance_of(ledger.campaign_matched(kwyr_campaign.pk)) == 0
    assert ledger.balance_of(ledger.campaign_donations(kwyr_campaign.pk)) == 0
    report = campaign_transparency(campaign_id=kwyr_campaign.pk)
    assert report["adds_up"] and report["balance_fen"] == 0
    assert ledger.ledger_verify().ok


def test_a_fully_disbursed_match_is_not_released_at_all(api_as, olivia, kwyr_campaign, boss, webhooks):
    from funding import matching

    pool = make_pool(boss, approve=[kwyr_campaign])
    payment = paid(api_as, kwyr_campaign, webhooks, 2_000)
    pool_payout(kwyr_campaign.pk, pool, 2_000)
    assert matching.match_release(pledge_ids=[payment.pledge_id], reason="退款") == 0
    assert Match.objects.get().status == Match.Status.COMMITTED
    pool.refresh_from_db()
    assert pool.remaining_fen == pool.budget_fen - 2_000
    assert ledger.balance_of(ledger.campaign_matched(kwyr_campaign.pk)) == 0
