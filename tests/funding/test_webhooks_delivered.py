"""End to end: the local Stripe server itself delivers a signed webhook to our running server."""

import time
import urllib.parse
import urllib.request

import pytest

from funding.models import Payment

from .conftest import GOOD_CARD, money_need

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def delivering(stripe_base, live_server, settings):
    def register(url, events):
        body = urllib.parse.urlencode(
            [("url", url), ("secret", settings.STRIPE_WEBHOOK_SECRET)] + [("events[]", e) for e in events]
        ).encode()
        # S310: the URL is the local test server this session started (http://127.0.0.1:port).
        with urllib.request.urlopen(f"{stripe_base}/_config/webhooks/e2e", data=body, timeout=5) as response:  # noqa: S310
            assert response.status == 200

    register(f"{live_server.url}/api/funding/webhooks/stripe/", ["payment_intent.succeeded"])
    yield
    register("http://127.0.0.1:9/", ["no.such_event"])  # stop delivering to this test's server


def test_the_server_delivers_a_signed_event_that_confirms_the_pledge(api_as, alice, kwyr_campaign, delivering):
    from campaigns.models import Pledge

    body = (
        api_as(alice)
        .post(
            "/api/funding/pledges/",
            {"need": money_need(kwyr_campaign).pk, "amount_fen": 1_000, **GOOD_CARD},
            format="json",
            HTTP_IDEMPOTENCY_KEY="e2e-1",
        )
        .json()
    )
    payment = Payment.objects.get(pk=body["id"])
    deadline = time.monotonic() + 15
    while payment.status == Payment.Status.PROCESSING and time.monotonic() < deadline:
        time.sleep(0.2)
        payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.FULFILLED
