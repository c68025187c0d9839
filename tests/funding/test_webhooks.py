"""The Stripe webhook: signature, once-only processing, any order, unknown events."""

import json
import time

import pytest

from campaigns.models import Pledge
from funding.models import LedgerEntry, Payment, WebhookEvent

from .conftest import GOOD_CARD, money_need, sign

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(api_as, alice, kwyr_campaign, stripe_base):
    body = (
        api_as(alice)
        .post(
            "/api/funding/pledges/",
            {"need": money_need(kwyr_campaign).pk, "amount_fen": 1_500, **GOOD_CARD},
            format="json",
            HTTP_IDEMPOTENCY_KEY="wh-1",
        )
        .json()
    )
    return Payment.objects.get(pk=body["id"])


def test_a_forged_signature_is_refused(webhooks, payment):
    [event] = webhooks.server_events(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    body = json.dumps(event).encode()
    forged = sign(body, "whsec_someone_else")
    response = webhooks.post(event, signature=forged)
    assert response.status_code == 400 and response.json()["code"] == "bad_signature"
    assert webhooks.post(event, signature="").status_code == 400
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PROCESSING
    assert not WebhookEvent.objects.exists()


def test_a_signature_outside_the_tolerance_window_is_refused(webhooks, payment):
    [event] = webhooks.server_events(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    body = json.dumps(event).encode()
    old = sign(body, webhooks.secret, at=int(time.time()) - 3600)
    assert webhooks.post(event, signature=old).status_code == 400


def test_the_same_event_twice_has_one_effect(webhooks, payment):
    [event] = webhooks.server_events(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    assert webhooks.post(event).json()["outcome"] == "succeeded"
    assert webhooks.post(event).json()["outcome"] == "duplicate"
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DONATION).count() == 1
    assert WebhookEvent.objects.count() == 1


def test_events_out_of_order_end_in_the_right_state(webhooks, payment):
    # A stale failure (from an earlier attempt) arrives first, then again after the success:
    # the handler reads the intent's current state from Stripe each time.
    [succeeded] = webhooks.server_events(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    stale = webhooks.synthesise(
        "payment_intent.payment_failed", {**succeeded["data"]["object"], "status": "requires_payment_method"}, "evt_old"
    )
    assert webhooks.post(stale).json()["outcome"] == "succeeded"
    assert webhooks.post(succeeded).json()["outcome"] == "already"
    replay = {**stale, "id": "evt_old_again"}
    assert webhooks.post(replay).json()["outcome"] == "already"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.FULFILLED
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DONATION).count() == 1


def test_unknown_events_are_acknowledged_and_ignored(webhooks, payment):
    event = webhooks.synthesise("customer.created", {"id": "cus_x", "object": "customer"}, "evt_unknown")
    response = webhooks.post(event)
    assert response.status_code == 200 and response.json()["outcome"] == "ignored"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PROCESSING


def test_an_event_for_an_intent_we_do_not_know_is_ignored(webhooks, stripe_base):
    event = webhooks.synthesise("payment_intent.succeeded", {"id": "pi_unknown", "object": "payment_intent"}, "evt_x")
    assert webhooks.post(event).json()["outcome"] == "ignored"


def test_a_lost_webhook_is_made_good_by_asking_stripe(payment):
    from datetime import timedelta

    from funding import tasks

    Payment.objects.filter(pk=payment.pk).update(created_at=payment.created_at - timedelta(minutes=5))
    assert tasks.sync_stale_payments() == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


def test_an_event_that_beats_our_own_write_of_the_intent_id_is_matched_by_metadata(webhooks, payment):
    intent_id = payment.stripe_payment_intent_id
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id="")
    [event] = webhooks.server_events(intent_id, "payment_intent.succeeded")
    assert webhooks.post(event).json()["outcome"] == "succeeded"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.stripe_payment_intent_id == intent_id


def test_a_payment_that_never_reached_stripe_is_given_up_after_an_hour(payment):
    from datetime import timedelta

    from funding import tasks

    Payment.objects.filter(pk=payment.pk).update(
        stripe_payment_intent_id="", stripe_setup_intent_id="", created_at=payment.created_at - timedelta(hours=2)
    )
    tasks.sync_stale_payments()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED
