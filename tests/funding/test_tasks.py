"""Tasks: Stripe outages are retried, repeats do nothing, a close is settled once; the money
summary goes out live after commit."""

import json

import pytest

from funding import payments, tasks
from funding.gateway import GatewayError, IntentResult
from funding.models import CampaignSettlement, Payment

from .conftest import GOOD_CARD, make_pool, money_need

pytestmark = pytest.mark.django_db


class FlakyGateway:
    """A focused fake at the gateway boundary: Stripe is unreachable `failures` times."""

    def __init__(self, real, failures: int):
        self.real = real
        self.failures = failures
        self.calls = 0

    def capture_intent(self, *, intent_id, key):
        self.calls += 1
        if self.calls <= self.failures:
            raise GatewayError("connection reset", retryable=True)
        return self.real.capture_intent(intent_id=intent_id, key=key)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def authorised(api_as, alice, aon_short_campaign, webhooks):
    body = (
        api_as(alice)
        .post(
            "/api/funding/pledges/",
            {"need": money_need(aon_short_campaign).pk, "amount_fen": 10_000, **GOOD_CARD},
            format="json",
            HTTP_IDEMPOTENCY_KEY="task-1",
        )
        .json()
    )
    payment = Payment.objects.get(pk=body["id"])
    obj = payments.get_gateway().client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("payment_intent.amount_capturable_updated", obj, f"evt_auth_{payment.pk}"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORISED
    return payment


def test_capture_is_retried_through_a_stripe_outage(authorised, monkeypatch):
    flaky = FlakyGateway(payments.get_gateway(), failures=2)
    monkeypatch.setattr(payments, "get_gateway", lambda: flaky)
    # Eager mode re-runs a retried task at once when failures do not propagate (workers wait 30 s, 60 s, …).
    monkeypatch.setitem(tasks.capture_payment.app.conf, "task_eager_propagates", False)
    result = tasks.capture_payment.apply(args=[authorised.pk], throw=False)
    assert result.get() == "succeeded"
    authorised.refresh_from_db()
    assert authorised.status == Payment.Status.SUCCEEDED
    assert flaky.calls == 3


def test_a_repeated_capture_does_nothing(authorised):
    assert tasks.capture_payment.delay(authorised.pk).get() == "succeeded"
    assert tasks.capture_payment.delay(authorised.pk).get() == "skipped"


def test_a_close_is_settled_once(authorised, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as first:
        assert payments.campaign_settle(campaign_id=authorised.campaign_id, outcome="succeeded") is True
    with django_capture_on_commit_callbacks(execute=False) as second:
        assert payments.campaign_settle(campaign_id=authorised.campaign_id, outcome="succeeded") is False
    assert CampaignSettlement.objects.count() == 1
    assert len(first) >= 1 and second == []


def test_the_money_summary_is_published_live_after_commit(
    api_as, alice, kwyr_campaign, admin_user, webhooks, monkeypatch, django_capture_on_commit_callbacks
):
    from live import services as live_services

    sent = []

    def record(topic, data):
        sent.append((topic, json.loads(data) if isinstance(data, str) else data))

    monkeypatch.setattr(live_services, "send_now", record)
    make_pool(admin_user, approve=[kwyr_campaign])
    body = (
        api_as(alice)
        .post(
            "/api/funding/pledges/",
            {"need": money_need(kwyr_campaign).pk, "amount_fen": 1_200, **GOOD_CARD},
            format="json",
            HTTP_IDEMPOTENCY_KEY="live-1",
        )
        .json()
    )
    payment = Payment.objects.get(pk=body["id"])
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    money = [m for t, m in sent if t == f"campaign.{kwyr_campaign.pk}" and m["type"] == "money"]
    assert money, sent
    last = money[-1]
    assert (last["donations_fen"], last["matched_fen"], last["by_tier"]["city"]) == (1_200, 1_200, 1_200)


def test_settling_a_campaign_whose_signal_was_lost(authorised):
    from campaigns.models import Campaign

    Campaign.objects.filter(pk=authorised.campaign_id).update(status=Campaign.Status.SUCCEEDED)
    assert tasks.settle_closed_campaigns() == 1
    authorised.refresh_from_db()
    assert CampaignSettlement.objects.filter(campaign_id=authorised.campaign_id, outcome="succeeded").exists()
    assert tasks.settle_closed_campaigns() == 0


def test_an_unknown_intent_state_leaves_the_payment_alone(authorised):
    assert (
        payments.payment_apply_intent(
            payment_id=authorised.pk, intent=IntentResult(id=authorised.stripe_payment_intent_id, status="processing")
        )
        == "pending"
    )


def test_the_reconcile_command(authorised, capsys):
    from django.core.management import call_command

    call_command("reconcile_payments", campaign=authorised.campaign_id)
    assert "1 payments match Stripe" in capsys.readouterr().out
