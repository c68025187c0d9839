"""Bad input to the online pledge endpoint: a readable 4xx, nothing stored, nothing charged."""

import pytest

from campaigns.models import Pledge
from funding.models import Payment

from .conftest import GOOD_CARD, all_intents, money_need

pytestmark = pytest.mark.django_db


def _intent_count():
    return len(all_intents())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount_fen": 0}, "amount_fen"),
        ({"amount_fen": -500}, "amount_fen"),
        ({"amount_fen": 5_000_001}, "amount_fen"),
        ({"amount_fen": "lots"}, "amount_fen"),
        ({"currency": "usd"}, "currency"),
        ({"card_number": "1234"}, "card_number"),
        ({"cvc": "1"}, "cvc"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(api_as, alice, kwyr_campaign, stripe_base, change, field):
    before = _intent_count()
    body = {"need": money_need(kwyr_campaign).pk, "amount_fen": 1_000, **GOOD_CARD, **change}
    response = api_as(alice).post("/api/funding/pledges/", body, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid" and field in data["fields"] and data["detail"]
    assert not Payment.objects.exists() and not Pledge.objects.exists()
    assert _intent_count() == before


def test_a_missing_idempotency_key_is_refused(api_as, alice, kwyr_campaign, stripe_base):
    body = {"need": money_need(kwyr_campaign).pk, "amount_fen": 1_000, **GOOD_CARD}
    response = api_as(alice).post("/api/funding/pledges/", body, format="json")
    assert response.status_code == 400 and "idempotency_key" in response.json()["fields"]


def test_a_closed_campaign_is_refused(api_as, alice, kwyr_campaign, stripe_base):
    from campaigns.models import Campaign

    Campaign.objects.filter(pk=kwyr_campaign.pk).update(status=Campaign.Status.SUCCEEDED)
    before = _intent_count()
    body = {"need": money_need(kwyr_campaign).pk, "amount_fen": 1_000, **GOOD_CARD}
    response = api_as(alice).post("/api/funding/pledges/", body, format="json", HTTP_IDEMPOTENCY_KEY="c-1")
    assert response.status_code == 409 and response.json()["code"] == "campaign_closed"
    assert not Payment.objects.exists() and not Pledge.objects.exists()
    assert _intent_count() == before


def test_a_need_that_is_not_money_is_refused(api_as, alice, olivia, world, stripe_base):
    from tests.campaigns.conftest import make_campaign

    campaign = make_campaign(olivia, world.a)
    need = campaign.needs.get(dimension="resource")
    body = {"need": need.pk, "amount_fen": 1_000, **GOOD_CARD}
    response = api_as(alice).post("/api/funding/pledges/", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert response.status_code == 400 and "need" in response.json()["fields"]
    missing = api_as(alice).post(
        "/api/funding/pledges/", {**body, "need": 999_999}, format="json", HTTP_IDEMPOTENCY_KEY="r-2"
    )
    assert missing.status_code == 404


def test_anonymous_people_cannot_pledge_online(api_as, kwyr_campaign):
    body = {"need": money_need(kwyr_campaign).pk, "amount_fen": 1_000, **GOOD_CARD}
    assert api_as(None).post("/api/funding/pledges/", body, format="json").status_code == 401


def test_matched_giving_is_rate_limited_per_account(api_as, alice, kwyr_campaign, stripe_base, settings):
    rf = dict(settings.REST_FRAMEWORK)
    rf["DEFAULT_THROTTLE_RATES"] = {**rf["DEFAULT_THROTTLE_RATES"], "matched_giving": "2/min"}
    settings.REST_FRAMEWORK = rf
    from django.core.cache import cache

    cache.clear()
    client = api_as(alice)
    body = {"need": money_need(kwyr_campaign).pk, "amount_fen": 1_000, **GOOD_CARD}
    codes = [
        client.post("/api/funding/pledges/", body, format="json", HTTP_IDEMPOTENCY_KEY=f"t-{i}").status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]
    # Repeating a stored request is not new giving and is answered.
    assert client.post("/api/funding/pledges/", body, format="json", HTTP_IDEMPOTENCY_KEY="t-0").status_code == 200
