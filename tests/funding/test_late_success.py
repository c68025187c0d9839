"""Money that arrives after we gave its payment up (pledge dropped, campaign cancelled) is booked
and refunded in full automatically, and the donor is told — whichever order Stripe's events
come in, and also when our own sync job is the one that finds it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from campaigns import services as campaign_services
from campaigns.models import Campaign, Pledge
from funding import ledger, payments, tasks
from funding.gateway import get_gateway
from funding.models import LedgerEntry, Match, Payment, Refund
from funding.reconcile import reconcile

from .conftest import GOOD_CARD, make_pool, money_need

pytestmark = pytest.mark.django_db


def start(api_as, donor, campaign, amount=2_500, key="late-1") -> Payment:
    response = api_as(donor).post(
        "/api/funding/pledges/",
        {"need": money_need(campaign).pk, "amount_fen": amount, **GOOD_CARD},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 201, response.json()
    payment = Payment.objects.get(pk=response.json()["id"])
    assert payment.status == Payment.Status.PROCESSING  # Stripe took it; its word has not come yet
    return payment


def assert_refunded_in_full(payment: Payment, donor) -> None:
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_fen == payment.amount_fen
    refund = Refund.objects.get(payment=payment)
    assert refund.status == Refund.Status.SUCCEEDED and refund.requested_by is None
    assert refund.amount_fen == payment.amount_fen
    assert get_gateway().charge_summary(payment.stripe_payment_intent_id)["refunded"] == payment.amount_fen
    kinds = list(LedgerEntry.objects.filter(pledge_id=payment.pledge_id).values_list("kind", flat=True))
    assert kinds == [LedgerEntry.Kind.DONATION, LedgerEntry.Kind.REFUND]
    assert ledger.balance_of(ledger.campaign_donations(payment.campaign_id)) == 0
    assert not Match.objects.filter(pledge_id=payment.pledge_id).exists()
    assert Notification.objects.filter(user=donor, kind="payment_late_refund").count() == 1
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED
    assert money_need_confirmed(payment) == 0
    assert ledger.ledger_verify().ok
    assert reconcile(campaign_id=payment.campaign_id).differences == []


def money_need_confirmed(payment: Payment) -> int:
    return Pledge.objects.select_related("need").get(pk=payment.pledge_id).need.confirmed_total


def test_a_dropped_payment_that_succeeds_later_is_refunded_with_events_out_of_order(
    api_as, donor, kwyr_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    make_pool(boss, approve=[kwyr_campaign])
    payment = start(api_as, donor, kwyr_campaign)
    intent_id = payment.stripe_payment_intent_id
    # The request died before our write of the intent's id; an hour on the sync job gives up.
    Payment.objects.filter(pk=payment.pk).update(
        stripe_payment_intent_id="", created_at=timezone.now() - timedelta(hours=2)
    )
    assert tasks.sync_stale_payments() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED

    events = webhooks.server_events(intent_id)
    assert "payment_intent.succeeded" in [e["type"] for e in events]
    with django_capture_on_commit_callbacks(execute=True):
        outcomes = [webhooks.post(e).json().get("outcome") for e in reversed(events)]
        replays = [webhooks.post(e).json().get("outcome") for e in events]
    assert outcomes.count("late_refund") == 1
    assert set(replays) == {"duplicate"}
    payment.refresh_from_db()
    assert payment.stripe_payment_intent_id == intent_id  # found through the intent's metadata
    assert_refunded_in_full(payment, donor)


def test_the_sync_job_finds_a_late_success_and_refunds_it(
    api_as, donor, kwyr_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = start(api_as, donor, kwyr_campaign)
    # A failure was applied first (an older attempt's event); Stripe's success comes only by asking.
    payments.payment_fail(payment_id=payment.pk, code="declined")
    with django_capture_on_commit_callbacks(execute=True):
        assert payments.payment_refresh(payment_id=payment.pk) == "late_refund"
        assert payments.payment_refresh(payment_id=payment.pk) == "already"
    assert_refunded_in_full(payment, donor)
    # The success webhook arriving after all this changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_for(payment.stripe_payment_intent_id)
    assert Refund.objects.count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DONATION).count() == 1


def test_a_payment_that_succeeds_after_its_campaign_was_cancelled_is_refunded(
    api_as, olivia, donor, kwyr_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    make_pool(boss, approve=[kwyr_campaign])
    payment = start(api_as, donor, kwyr_campaign)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.campaign_transition(actor=olivia, campaign_id=kwyr_campaign.pk, to=Campaign.Status.CANCELLED)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PROCESSING
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    assert_refunded_in_full(payment, donor)  # the pending pledge is dropped on the way
