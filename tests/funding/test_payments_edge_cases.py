"""Edge cases of the payment state machine and the settlement: refunds pending across a
cancellation, Stripe's word after a failed or cancelled close, holds cancelled while live,
Stripe outages while starting a payment or charging a new card, SetupIntents refused by the
bank, refunds Stripe reports as pending, and integrity errors while applying a webhook."""

import json
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from accounts.models import Notification
from campaigns import services as campaign_services
from campaigns.models import Campaign, Pledge
from funding import ledger, payments, selectors, tasks
from funding.gateway import GatewayError, get_gateway
from funding.models import CampaignSettlement, LedgerEntry, Match, Payment, Refund, WebhookEvent

from .conftest import CHARGE_DECLINED_CARD, GOOD_CARD, make_pool, money_need, sign

pytestmark = pytest.mark.django_db


def pay(api_as, user, need, amount=2_000, key="k-1", card=GOOD_CARD, **extra):
    client = api_as(user)
    client.raise_request_exception = False
    return client.post(
        "/api/funding/pledges/",
        {"need": need.pk, "amount_fen": amount, **card, **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def intent_event(webhooks, type_, payment, n=1):
    obj = get_gateway().client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).to_dict()
    return webhooks.synthesise(type_, obj, f"evt_test_{type_}_{payment.pk}_{n}")


def setup_succeeded(webhooks, payment):
    setup = get_gateway().client.v1.setup_intents.retrieve(payment.stripe_setup_intent_id).to_dict()
    return webhooks.post(webhooks.synthesise("setup_intent.succeeded", setup, f"evt_setup_{payment.pk}"))


def close(campaign, capture):
    with capture(execute=True):
        return campaign_services.campaign_close(campaign_id=campaign.pk, now=campaign.deadline + timedelta(seconds=1))


def recovering_payment(api_as, donor, campaign, webhooks, capture) -> Payment:
    """A saved card declined when charged at a successful close: the payment is recovering."""
    body = pay(
        api_as, donor, money_need(campaign), amount=10_000, consent_to_charge_later=True, card=CHARGE_DECLINED_CARD
    )
    payment = Payment.objects.get(pk=body.json()["id"])
    setup_succeeded(webhooks, payment)
    assert close(campaign, capture) == "succeeded"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RECOVERING
    return payment


# --- A partial refund pending when the campaign is cancelled ----------------------------------------


def test_a_partial_refund_pending_at_cancellation_is_followed_by_the_rest(
    api_as, donor, olivia, kwyr_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign), amount=3_000).json()["id"])
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    with django_capture_on_commit_callbacks(execute=False):
        partial = payments.refund_request(actor=olivia, payment_id=payment.pk, amount_fen=1_000, reason="部分退款")
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.campaign_transition(actor=olivia, campaign_id=kwyr_campaign.pk, to=Campaign.Status.CANCELLED)
    assert Refund.objects.count() == 1  # the pending partial refund holds the full one back

    with django_capture_on_commit_callbacks(execute=True):
        assert payments.refund_execute(refund_id=partial.pk) == "succeeded"

    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_fen == 3_000
    rest = Refund.objects.exclude(pk=partial.pk).get()
    assert rest.amount_fen == 2_000 and rest.status == Refund.Status.SUCCEEDED and rest.requested_by is None
    assert rest.stripe_refund_id and rest.stripe_refund_id != Refund.objects.get(pk=partial.pk).stripe_refund_id
    assert get_gateway().charge_summary(payment.stripe_payment_intent_id)["refunded"] == 3_000
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.REFUNDED
    assert Notification.objects.filter(user=donor, kind="payment_refund_cancelled").count() == 1
    assert ledger.balance_of(ledger.campaign_donations(kwyr_campaign.pk)) == 0
    assert ledger.ledger_verify().ok


def test_a_partial_refund_of_a_live_campaign_is_not_followed_by_more(
    api_as, donor, olivia, kwyr_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign), amount=3_000).json()["id"])
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        payments.refund_request(actor=olivia, payment_id=payment.pk, amount_fen=1_000, reason="部分退款")
    payment.refresh_from_db()
    assert payment.refunded_fen == 1_000 and payment.status == Payment.Status.SUCCEEDED
    assert Refund.objects.count() == 1


# --- Stripe's word after a failed or cancelled close --------------------------------------------------


def test_a_card_saved_after_a_cancelled_close_is_cancelled_without_matches(
    api_as, donor, aon_long_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    pool = make_pool(boss, approve=[aon_long_campaign])
    body = pay(api_as, donor, money_need(aon_long_campaign), amount=10_000, consent_to_charge_later=True).json()
    payment = Payment.objects.get(pk=body["id"])
    assert payment.status == Payment.Status.PROCESSING
    with django_capture_on_commit_callbacks(execute=True):
        assert payments.campaign_settle(campaign_id=aon_long_campaign.pk, outcome="cancelled")
    with django_capture_on_commit_callbacks(execute=True):
        setup_succeeded(webhooks, payment)
    payment.refresh_from_db()
    pool.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert not Match.objects.exists() and pool.remaining_fen == pool.budget_fen
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED
    assert payments.payment_charge_saved(payment_id=payment.pk) == "skipped"


def test_a_conditional_match_is_not_made_for_a_payment_after_a_failed_close(
    api_as, donor, kwyr_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    conditional = make_pool(boss, conditional=True, approve=[kwyr_campaign])
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign), amount=1_000).json()["id"])
    assert payments.campaign_settle(campaign_id=kwyr_campaign.pk, outcome="failed")
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    payment.refresh_from_db()
    conditional.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED  # a failed keep-what-you-raise keeps its donations
    assert not Match.objects.filter(status=Match.Status.RESERVED).exists()
    assert conditional.remaining_fen == conditional.budget_fen


def test_a_hold_made_after_a_failed_close_is_cancelled_at_stripe(
    api_as, donor, aon_short_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    pool = make_pool(boss, approve=[aon_short_campaign])
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(aon_short_campaign), amount=5_000).json()["id"])
    assert payment.status == Payment.Status.PROCESSING
    assert payments.campaign_settle(campaign_id=aon_short_campaign.pk, outcome="failed")
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.post(intent_event(webhooks, "payment_intent.amount_capturable_updated", payment))
    payment.refresh_from_db()
    pool.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert get_gateway().retrieve_intent(payment.stripe_payment_intent_id).status == "canceled"
    assert not Match.objects.exists() and pool.remaining_fen == pool.budget_fen
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED


# --- A hold cancelled at Stripe ---------------------------------------------------------------------------


def test_a_hold_cancelled_while_live_drops_the_pledge_and_tells_the_donor(
    api_as, donor, aon_short_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    pool = make_pool(boss, approve=[aon_short_campaign])
    need = money_need(aon_short_campaign)
    payment = Payment.objects.get(pk=pay(api_as, donor, need, amount=10_000).json()["id"])
    webhooks.post(intent_event(webhooks, "payment_intent.amount_capturable_updated", payment))
    need.refresh_from_db()
    assert need.confirmed_total == 10_000 and Match.objects.filter(status=Match.Status.RESERVED).exists()

    get_gateway().client.v1.payment_intents.cancel(payment.stripe_payment_intent_id)  # expiry, issuer, dashboard
    webhooks.post(intent_event(webhooks, "payment_intent.canceled", payment, n=2))

    payment.refresh_from_db()
    need.refresh_from_db()
    pool.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED
    assert need.confirmed_total == 0
    assert not Match.objects.exclude(status=Match.Status.RELEASED).exists() and pool.remaining_fen == pool.budget_fen
    note = Notification.objects.get(user=donor, kind="payment_hold_cancelled")
    assert "100.00" in note.body
    # Without the lapsed hold the target is not met: the campaign fails and nothing is booked.
    assert close(aon_short_campaign, django_capture_on_commit_callbacks) == "failed"
    assert ledger.balance_of(ledger.campaign_donations(aon_short_campaign.pk)) == 0


def test_a_hold_cancelled_after_a_successful_close_starts_recovery(
    api_as, donor, aon_short_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(aon_short_campaign), amount=10_000).json()["id"])
    webhooks.post(intent_event(webhooks, "payment_intent.amount_capturable_updated", payment))
    with django_capture_on_commit_callbacks(execute=False):  # the capture task has not run yet
        assert payments.campaign_settle(campaign_id=aon_short_campaign.pk, outcome="succeeded")
    get_gateway().client.v1.payment_intents.cancel(payment.stripe_payment_intent_id)
    webhooks.post(intent_event(webhooks, "payment_intent.canceled", payment, n=2))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RECOVERING and payment.recovery_until is not None
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CONFIRMED
    assert Notification.objects.filter(user=donor, kind="payment_recovery").count() == 1
    assert not Notification.objects.filter(user=donor, kind="payment_hold_cancelled").exists()


# --- A Stripe outage while starting a payment -----------------------------------------------------------


class FlakyIntents:
    """Stripe makes the intent, then the connection drops before we read the answer. Stripe keeps
    the answer under the idempotency key and returns the same intent for a retry with that key
    (the local server ignores keys, so the key's memory is kept here)."""

    def __init__(self, gw):
        self.real = gw.create_intent
        self.by_key: dict = {}
        self.keys: list[str] = []
        self.failures = 1
        self.made = 0

    def __call__(self, **kwargs):
        key = kwargs["key"]
        self.keys.append(key)
        if key not in self.by_key:
            self.by_key[key] = self.real(**kwargs)
            self.made += 1
        if self.failures:
            self.failures -= 1
            raise GatewayError("Connection to api.stripe.com timed out", retryable=True)
        return self.by_key[key]


def test_an_outage_while_starting_a_payment_keeps_it_processing_and_the_sync_finishes_it(
    api_as, donor, kwyr_campaign, webhooks, monkeypatch, django_capture_on_commit_callbacks
):
    gw = get_gateway()
    flaky = FlakyIntents(gw)
    monkeypatch.setattr(gw, "create_intent", flaky)
    need = money_need(kwyr_campaign)

    response = pay(api_as, donor, need, amount=2_500)

    assert response.status_code == 503
    assert response.json()["code"] == "payment_processing"
    assert "未被扣款" not in response.json()["detail"]
    payment = Payment.objects.get(user=donor)
    assert payment.status == Payment.Status.PROCESSING and payment.failure_code == payments.RESUME_CODE
    assert payment.stripe_payment_intent_id == ""
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.PENDING
    # A repeat of the request is the same payment, not a second charge.
    assert pay(api_as, donor, need, amount=2_500).json()["id"] == payment.pk
    # The donor's waiting page reloads: it leaves the repeat of the Stripe calls to the sync job.
    client = Client()
    client.force_login(donor)
    assert "正在等待支付机构确认" in client.get(f"/funding/payments/{payment.pk}/").content.decode()
    assert flaky.keys == [f"payment-{payment.pk}-intent"]

    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sync_stale_payments() >= 1

    payment.refresh_from_db()
    assert flaky.keys == [f"payment-{payment.pk}-intent"] * 2
    original = flaky.by_key[f"payment-{payment.pk}-intent"]
    assert payment.stripe_payment_intent_id == original.id
    assert payment.status == Payment.Status.SUCCEEDED and payment.failure_code == ""
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.FULFILLED
    assert flaky.made == 1  # one intent at Stripe, charged once
    assert get_gateway().retrieve_intent(original.id).status == "succeeded"


def test_an_outage_before_the_card_reached_stripe_gives_up_without_charging(
    api_as, donor, kwyr_campaign, webhooks, monkeypatch
):
    gw = get_gateway()

    def down(**kwargs):
        raise GatewayError("Connection to api.stripe.com timed out", retryable=True)

    monkeypatch.setattr(gw, "create_customer", down)
    response = pay(api_as, donor, money_need(kwyr_campaign))
    assert response.status_code == 503
    payment = Payment.objects.get(user=donor)
    assert payment.status == Payment.Status.PROCESSING
    monkeypatch.undo()
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    tasks.sync_stale_payments()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and payment.failure_code == "abandoned"
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED


def test_a_decline_while_starting_a_payment_still_fails_it(api_as, donor, kwyr_campaign, webhooks):
    response = pay(api_as, donor, money_need(kwyr_campaign), card={**GOOD_CARD, "card_number": "4000000000000002"})
    assert response.status_code == 402
    payment = Payment.objects.get(user=donor)
    assert payment.status == Payment.Status.FAILED


# --- A new card during recovery ----------------------------------------------------------------------------


def test_new_cards_during_recovery_get_their_own_keys(
    api_as, donor, aon_long_campaign, webhooks, monkeypatch, django_capture_on_commit_callbacks
):
    payment = recovering_payment(api_as, donor, aon_long_campaign, webhooks, django_capture_on_commit_callbacks)
    gw = get_gateway()
    keys: list[str] = []
    for name in ("create_test_card", "attach_method", "create_intent"):
        real = getattr(gw, name)

        def spy(real=real, **kwargs):
            keys.append(kwargs["key"])
            return real(**kwargs)

        monkeypatch.setattr(gw, name, spy)
    client = api_as(donor)
    client.raise_request_exception = False

    declined = client.post(f"/api/funding/payments/{payment.pk}/card/", CHARGE_DECLINED_CARD, format="json")
    assert declined.status_code == 402
    ok = client.post(f"/api/funding/payments/{payment.pk}/card/", GOOD_CARD, format="json")
    assert ok.status_code == 200, ok.json()

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    # card, attach and charge for each new card: six calls, six different keys
    assert len(keys) == 6 and len(set(keys)) == 6


def test_a_stripe_outage_while_charging_a_new_card_is_503_and_keeps_recovering(
    api_as, donor, aon_long_campaign, webhooks, monkeypatch, django_capture_on_commit_callbacks
):
    payment = recovering_payment(api_as, donor, aon_long_campaign, webhooks, django_capture_on_commit_callbacks)
    gw = get_gateway()

    def boom(**kwargs):
        raise GatewayError("Connection to api.stripe.com timed out", retryable=True)

    monkeypatch.setattr(gw, "create_intent", boom)
    client = api_as(donor)
    client.raise_request_exception = False
    response = client.post(f"/api/funding/payments/{payment.pk}/card/", GOOD_CARD, format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "payment_unavailable" and response.json()["detail"]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RECOVERING


def test_only_the_donor_may_give_a_new_card(
    api_as, donor, charlie, aon_long_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = recovering_payment(api_as, donor, aon_long_campaign, webhooks, django_capture_on_commit_callbacks)
    client = api_as(charlie)
    client.raise_request_exception = False
    response = client.post(f"/api/funding/payments/{payment.pk}/card/", GOOD_CARD, format="json")
    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RECOVERING and payment.charge_attempts == 1


# --- A SetupIntent refused by the bank --------------------------------------------------------------------


def test_a_setup_intent_back_at_requires_payment_method_fails_the_payment(
    api_as, donor, aon_long_campaign, webhooks, monkeypatch
):
    body = pay(api_as, donor, money_need(aon_long_campaign), amount=10_000, consent_to_charge_later=True).json()
    payment = Payment.objects.get(pk=body["id"])
    monkeypatch.setattr(get_gateway(), "retrieve_setup", lambda setup_id: "requires_payment_method")
    assert payments.payment_refresh(payment_id=payment.pk) == "failed"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and payment.failure_code == "setup_failed"
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED


def test_the_sync_job_pages_through_every_stale_payment_oldest_first(
    api_as, donor, kwyr_campaign, webhooks, monkeypatch
):
    need = money_need(kwyr_campaign)
    ids = [pay(api_as, donor, need, amount=1_000 + i, key=f"s-{i}").json()["id"] for i in range(3)]
    Payment.objects.filter(pk__in=ids).update(created_at=timezone.now() - timedelta(minutes=5))
    assert selectors.stale_processing_payments(limit=2) == ids[:2]
    assert selectors.stale_processing_payments(limit=2, after_id=ids[1]) == ids[2:]

    real = selectors.stale_processing_payments
    monkeypatch.setattr(selectors, "stale_processing_payments", lambda **kw: real(**{**kw, "limit": 1}))
    tasks.sync_stale_payments()
    assert set(Payment.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Payment.Status.SUCCEEDED}


# --- Refunds Stripe reports as pending ----------------------------------------------------------------------


def pending_refund(api_as, donor, olivia, campaign, webhooks, monkeypatch, capture) -> Refund:
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(campaign), amount=3_000).json()["id"])
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    gw = get_gateway()
    real = gw.refund
    monkeypatch.setattr(gw, "refund", lambda **kw: (real(**kw)[0], "pending"))
    with capture(execute=True):
        refund = payments.refund_request(actor=olivia, payment_id=payment.pk, amount_fen=3_000, reason="退款")
    refund.refresh_from_db()
    return refund


def test_a_refund_reported_pending_is_not_booked_until_stripe_says_succeeded(
    api_as, donor, olivia, kwyr_campaign, webhooks, monkeypatch, django_capture_on_commit_callbacks
):
    refund = pending_refund(
        api_as, donor, olivia, kwyr_campaign, webhooks, monkeypatch, django_capture_on_commit_callbacks
    )
    assert refund.status == Refund.Status.PENDING and refund.stripe_refund_id.startswith("re_")
    payment = Payment.objects.get(pk=refund.payment_id)
    assert payment.status == Payment.Status.SUCCEEDED and payment.refunded_fen == 0
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()

    obj = get_gateway().client.v1.refunds.retrieve(refund.stripe_refund_id).to_dict()
    response = webhooks.post(webhooks.synthesise("charge.refund.updated", obj, f"evt_refund_{refund.pk}"))
    assert response.status_code == 200

    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert payment.status == Payment.Status.REFUNDED and payment.refunded_fen == 3_000
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).count() == 1
    assert WebhookEvent.objects.get(stripe_event_id=f"evt_refund_{refund.pk}").outcome == "succeeded"


def test_the_sync_job_asks_stripe_about_refunds_still_pending(
    api_as, donor, olivia, kwyr_campaign, webhooks, monkeypatch, django_capture_on_commit_callbacks
):
    refund = pending_refund(
        api_as, donor, olivia, kwyr_campaign, webhooks, monkeypatch, django_capture_on_commit_callbacks
    )
    tasks.sync_stale_payments()
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING  # too recent to ask about

    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    tasks.sync_stale_payments()
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert Payment.objects.get(pk=refund.payment_id).refunded_fen == 3_000


def test_a_refund_failing_at_stripe_books_nothing(
    api_as, donor, olivia, kwyr_campaign, webhooks, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    refund = pending_refund(
        api_as, donor, olivia, kwyr_campaign, webhooks, monkeypatch, django_capture_on_commit_callbacks
    )
    monkeypatch.setattr(get_gateway(), "retrieve_refund", lambda refund_id: (refund_id, "failed"))
    obj = {"id": refund.stripe_refund_id, "object": "refund", "metadata": {"refund": str(refund.pk)}}
    webhooks.post(webhooks.synthesise("refund.failed", obj, f"evt_refund_failed_{refund.pk}"))
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert Payment.objects.get(pk=refund.payment_id).refunded_fen == 0
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.REFUND).exists()
    assert any(r.levelname == "ERROR" and "refund" in r.getMessage() for r in caplog.records)


# --- Integrity errors while applying a webhook -------------------------------------------------------------


def sign_event(webhooks, event) -> str:
    return sign(json.dumps(event).encode(), webhooks.secret)


def test_an_integrity_error_while_applying_a_webhook_is_not_taken_for_a_duplicate(
    api_as, donor, kwyr_campaign, webhooks, monkeypatch
):
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign)).json()["id"])
    event = webhooks.server_events(payment.stripe_payment_intent_id, "payment_intent.succeeded")[0]

    def broken(payment, intent):
        raise IntegrityError("UNIQUE constraint failed: something else")

    monkeypatch.setattr(payments, "_apply_intent_state", broken)
    with pytest.raises(IntegrityError):
        payments.webhook_receive(payload=json.dumps(event).encode(), signature=sign_event(webhooks, event))
    # Through the endpoint it is an error answer (not a 2xx "already processed"), so Stripe retries.
    response = webhooks.post(event)
    assert response.status_code >= 400 and "outcome" not in response.json()
    assert not WebhookEvent.objects.filter(stripe_event_id=event["id"]).exists()

    monkeypatch.undo()
    assert webhooks.post(event).status_code == 200  # Stripe's next delivery is applied
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert WebhookEvent.objects.get(stripe_event_id=event["id"]).outcome == "succeeded"
    webhooks.post(event)  # and a true repeat is a duplicate
    assert WebhookEvent.objects.filter(stripe_event_id=event["id"]).count() == 1


# --- Work whose task was lost -----------------------------------------------------------------------------


def test_the_requeue_job_captures_a_hold_left_after_a_successful_close(
    api_as, donor, aon_short_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(aon_short_campaign), amount=10_000).json()["id"])
    webhooks.post(intent_event(webhooks, "payment_intent.amount_capturable_updated", payment))
    with django_capture_on_commit_callbacks(execute=False):  # the capture task is lost
        assert payments.campaign_settle(campaign_id=aon_short_campaign.pk, outcome="succeeded")
    assert tasks.requeue_stuck_work() == 0  # too recent to call stuck
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORISED

    earlier = timezone.now() - tasks.STUCK_AFTER - timedelta(minutes=1)
    CampaignSettlement.objects.filter(campaign_id=aon_short_campaign.pk).update(finished_at=earlier)
    Payment.objects.filter(pk=payment.pk).update(updated_at=earlier)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.requeue_stuck_work() >= 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert get_gateway().retrieve_intent(payment.stripe_payment_intent_id).status == "succeeded"
    assert payment.fee_fen is not None  # the fee task ran too


def test_the_requeue_job_records_a_fee_stripe_had_not_reported(api_as, donor, kwyr_campaign, webhooks, monkeypatch):
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign)).json()["id"])
    monkeypatch.setattr(get_gateway(), "payment_fee", lambda intent_id: None)
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    assert payments.payment_record_fee(payment_id=payment.pk) == "not_reported"
    monkeypatch.setattr(get_gateway(), "payment_fee", lambda intent_id: 90)
    Payment.objects.filter(pk=payment.pk).update(updated_at=timezone.now() - tasks.STUCK_AFTER - timedelta(minutes=1))
    tasks.requeue_stuck_work()
    payment.refresh_from_db()
    assert payment.fee_fen == 90
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.FEE, reference=f"fee:payment:{payment.pk}").count() == 1


def test_failed_refunds_are_listed_for_the_campaign(
    api_as, donor, olivia, kwyr_campaign, webhooks, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign), amount=3_000).json()["id"])
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")

    def refused(**kwargs):
        raise GatewayError("charge already disputed", code="charge_disputed")

    monkeypatch.setattr(get_gateway(), "refund", refused)
    with django_capture_on_commit_callbacks(execute=True):
        refund = payments.refund_request(actor=olivia, payment_id=payment.pk, amount_fen=3_000, reason="退款")
    assert [r.pk for r in selectors.failed_refunds(campaign_id=kwyr_campaign.pk)] == [refund.pk]
    assert not selectors.failed_refunds(campaign_id=kwyr_campaign.pk + 1000).exists()
    assert any(r.levelname == "ERROR" and f"refund {refund.pk}" in r.getMessage() for r in caplog.records)
