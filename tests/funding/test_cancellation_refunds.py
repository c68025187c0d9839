"""A cancelled campaign gives the money back: every paid donation refunded in full (Refund rows,
refund tasks, ledger refund entries, matches released), holds and saved cards cancelled, donors
told. A failed keep-what-you-raise campaign keeps its donations. Settled once."""

import pytest

from accounts.models import Notification
from campaigns import services as campaign_services
from campaigns.models import Campaign, Pledge
from funding import ledger, payments, tasks
from funding.gateway import get_gateway
from funding.models import CampaignSettlement, LedgerEntry, Match, Payment, Refund
from tests.conftest import make_user

from .conftest import GOOD_CARD, make_pool, money_need

pytestmark = pytest.mark.django_db


def paid(api_as, user, campaign, webhooks, amount, key):
    response = api_as(user).post(
        "/api/funding/pledges/",
        {"need": money_need(campaign).pk, "amount_fen": amount, **GOOD_CARD},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    payment = Payment.objects.get(pk=response.json()["id"])
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def cancel(campaign, olivia, capture):
    with capture(execute=True):
        campaign_services.campaign_transition(actor=olivia, campaign_id=campaign.pk, to=Campaign.Status.CANCELLED)


def test_cancelling_keep_what_you_raise_refunds_every_donation_in_full(
    api_as, olivia, kwyr_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    pool = make_pool(boss, approve=[kwyr_campaign])
    alice_ = make_user("donor1", display_name="张阿姨")
    bob = make_user("donor2", display_name="李叔叔")
    first = paid(api_as, alice_, kwyr_campaign, webhooks, 2_000, "c-1")
    second = paid(api_as, bob, kwyr_campaign, webhooks, 5_000, "c-2")
    assert Match.objects.filter(status=Match.Status.COMMITTED).count() == 2

    cancel(kwyr_campaign, olivia, django_capture_on_commit_callbacks)

    assert CampaignSettlement.objects.get(campaign_id=kwyr_campaign.pk).outcome == "cancelled"
    for payment, donor in ((first, alice_), (second, bob)):
        payment.refresh_from_db()
        assert payment.status == Payment.Status.REFUNDED and payment.refunded_fen == payment.amount_fen
        refund = Refund.objects.get(payment=payment)
        assert refund.status == Refund.Status.SUCCEEDED and refund.requested_by is None
        assert refund.amount_fen == payment.amount_fen and refund.stripe_refund_id.startswith("re_")
        assert get_gateway().charge_summary(payment.stripe_payment_intent_id)["refunded"] == payment.amount_fen
        assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.REFUNDED
        assert Notification.objects.filter(user=donor, kind="payment_refund_cancelled").count() == 1
    assert not Match.objects.exclude(status=Match.Status.RELEASED).exists()
    pool.refresh_from_db()
    assert pool.remaining_fen == pool.budget_fen
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND, campaign_id=kwyr_campaign.pk).count() == 2
    assert ledger.balance_of(ledger.campaign_donations(kwyr_campaign.pk)) == 0
    assert ledger.balance_of(ledger.campaign_matched(kwyr_campaign.pk)) == 0
    assert ledger.ledger_verify().ok

    # A second run (a lost-signal sweep, a duplicate delivery) changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.settle_campaign.delay(kwyr_campaign.pk, "cancelled").get() is False
        assert tasks.settle_closed_campaigns() == 0
    assert Refund.objects.count() == 2
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).count() == 2


def test_a_failed_keep_what_you_raise_campaign_keeps_its_donations(api_as, kwyr_campaign, boss, webhooks):
    make_pool(boss, approve=[kwyr_campaign])
    payment = paid(api_as, make_user("donor1"), kwyr_campaign, webhooks, 2_000, "f-1")
    assert payments.campaign_settle(campaign_id=kwyr_campaign.pk, outcome="failed") is True
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert not Refund.objects.exists()
    assert Match.objects.get().status == Match.Status.COMMITTED
    assert ledger.balance_of(ledger.campaign_donations(kwyr_campaign.pk)) == 2_000


def test_cancelling_all_or_nothing_cancels_holds_and_saved_cards(
    api_as, olivia, aon_short_campaign, webhooks, django_capture_on_commit_callbacks
):
    donor = make_user("donor1")
    response = api_as(donor).post(
        "/api/funding/pledges/",
        {"need": money_need(aon_short_campaign).pk, "amount_fen": 4_000, **GOOD_CARD},
        format="json",
        HTTP_IDEMPOTENCY_KEY="h-1",
    )
    held = Payment.objects.get(pk=response.json()["id"])
    obj = get_gateway().client.v1.payment_intents.retrieve(held.stripe_payment_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("payment_intent.amount_capturable_updated", obj, f"evt_hold_{held.pk}"))

    cancel(aon_short_campaign, olivia, django_capture_on_commit_callbacks)
    held.refresh_from_db()
    assert held.status == Payment.Status.CANCELLED
    assert get_gateway().retrieve_intent(held.stripe_payment_intent_id).status == "canceled"
    assert not Refund.objects.exists()  # nothing was taken, nothing to give back


def test_a_cancelled_campaign_is_swept_as_cancelled_when_its_signal_was_lost(
    api_as, kwyr_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = paid(api_as, make_user("donor1"), kwyr_campaign, webhooks, 2_000, "l-1")
    Campaign.objects.filter(pk=kwyr_campaign.pk).update(status=Campaign.Status.CANCELLED)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.settle_closed_campaigns() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
