"""The giving pages with Stripe.js: the browser turns the card into a PaymentMethod at Stripe and
posts only its `pm_…` id; a payment the bank wants authenticated hands its client secret to
Stripe.js and is settled by the server asking Stripe, never by the browser's word; the payment
settings refuse a live key without its publishable key."""

import json
import os
import re
import secrets
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.checks import run_checks
from django.test import Client
from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.models import Pledge
from funding.gateway import get_gateway
from funding.models import Payment
from tests.conftest import make_user

from .conftest import CHARGE_DECLINED_CARD, DECLINED_CARD, GOOD_CARD, money_need, payment_method_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
AUTH_CARD = {**GOOD_CARD, "card_number": "4000002760003184"}  # the bank asks for 3-D Secure


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def give_url(campaign):
    return f"/funding/campaigns/{campaign.pk}/give/"


def form(need, **extra):
    return {"need": need.pk, "amount_yuan": "20.00", "idempotency_key": "giving-1", **extra}


def card_errors(html: str) -> str:
    found = re.search(r'<div id="card-errors"[^>]*>(.*?)</div>', html, re.S)
    assert found, "the card field has no error area"
    return found.group(1)


def as_stripe_js(stripe_base: str, path: str, body: dict) -> dict:
    """What Stripe.js in the donor's browser sends to Stripe (publishable key, client secret)."""
    assert stripe_base.startswith("http://127.0.0.1:")
    data = json.dumps({"key": "pk_test_localstripe", **body}).encode()
    request = urllib.request.Request(stripe_base + path, data=data, method="POST")  # noqa: S310 - local server
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the local test server
        return json.loads(response.read())


def nothing_stored():
    return not Payment.objects.exists() and not Pledge.objects.exists()


# --- the give page ---------------------------------------------------------------------------------


def test_the_page_loads_stripe_js_and_works_only_with_javascript(alice, kwyr_campaign, stripe_base):
    html = client_for(alice).get(give_url(kwyr_campaign)).content.decode()
    assert f'<script src="{stripe_base}/js.stripe.com/v3/"></script>' in html
    assert "funding/give.js" in html
    config = json.loads(re.search(r'<script id="stripe-config" type="application/json">(.*?)</script>', html).group(1))
    assert config["key"] == "pk_test_localstripe" and config["locale"] == "zh"
    assert config["messages"]["card_declined"] == "银行卡被拒绝，请换一张卡再试。"
    # Without JavaScript the form stays hidden and the page says how to give cash instead.
    assert re.search(r"<form [^>]*data-stripe-card-form hidden>", html)
    noscript = re.search(r"<noscript>(.*?)</noscript>", html, re.S).group(1)
    assert "需要浏览器开启 JavaScript" in noscript and "交给社区工作者" in noscript
    assert 'id="card-element"' in html and 'name="card_number"' not in html


def test_a_payment_method_id_starts_the_payment(alice, kwyr_campaign, stripe_base):
    need = money_need(kwyr_campaign)
    pm = payment_method_for(GOOD_CARD)
    response = client_for(alice).post(give_url(kwyr_campaign), form(need, payment_method=pm, anonymous="on"))
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/funding/payments/{payment.pk}/"
    assert payment.stripe_payment_method_id == pm and payment.amount_fen == 2_000
    assert payment.user == alice and Pledge.objects.get(pk=payment.pledge_id).anonymous
    intent = get_gateway().client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
    assert intent["payment_method"] == pm and intent["amount"] == 2_000


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "请填写银行卡信息。"),
        ("tok_visa", "支付方式无效。"),
        ('pm_"><script>', "支付方式无效。"),
        ("pm_" + "x" * 120, "支付方式无效。"),
    ],
)
def test_a_missing_or_malformed_payment_method_is_refused_next_to_the_card(
    alice, kwyr_campaign, stripe_base, value, message
):
    response = client_for(alice).post(give_url(kwyr_campaign), form(money_need(kwyr_campaign), payment_method=value))
    assert response.status_code == 400
    assert message in card_errors(response.content.decode())
    assert nothing_stored()


def test_the_card_error_speaks_english(alice, kwyr_campaign, stripe_base, settings):
    client = client_for(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(give_url(kwyr_campaign), form(money_need(kwyr_campaign)))
    assert response.status_code == 400
    assert "Please enter your card details." in card_errors(response.content.decode())
    assert nothing_stored()


def test_bad_amount_with_a_good_card_stores_nothing(alice, kwyr_campaign, stripe_base):
    need = money_need(kwyr_campaign)
    response = client_for(alice).post(
        give_url(kwyr_campaign), form(need, amount_yuan="-5", payment_method=payment_method_for(GOOD_CARD))
    )
    assert response.status_code == 400 and nothing_stored()


def test_a_declined_card_is_shown_at_the_card_and_the_next_try_is_a_new_payment(alice, kwyr_campaign, stripe_base):
    need = money_need(kwyr_campaign)
    client = client_for(alice)
    refused = client.post(give_url(kwyr_campaign), form(need, payment_method=payment_method_for(DECLINED_CARD)))
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "银行卡被拒绝" in card_errors(html)
    failed = Payment.objects.get()
    assert failed.status == Payment.Status.FAILED
    assert not Pledge.objects.filter(status=Pledge.Status.PENDING).exists()
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html).group(1)
    assert key != "giving-1"  # a retry must not replay the failed payment

    retry = client.post(
        give_url(kwyr_campaign), form(need, idempotency_key=key, payment_method=payment_method_for(GOOD_CARD))
    )
    assert retry.status_code == 302
    assert Payment.objects.exclude(pk=failed.pk).get().status == Payment.Status.PROCESSING


# --- the bank wants the donor to authenticate (3-D Secure) ---------------------------------------------


def start_with_authentication(client, campaign, **extra):
    need = money_need(campaign)
    response = client.post(give_url(campaign), form(need, payment_method=payment_method_for(AUTH_CARD), **extra))
    assert response.status_code == 302
    return Payment.objects.get()


def client_secret(html: str) -> str:
    return re.search(r'data-client-secret="([^"]+)"', html).group(1)


def test_authentication_hands_the_secret_to_stripe_js_and_the_server_asks_stripe(
    alice, kwyr_campaign, stripe_base, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    payment = start_with_authentication(client, kwyr_campaign)
    url = f"/funding/payments/{payment.pk}/"
    html = client.get(url).content.decode()
    secret = client_secret(html)
    assert secret.startswith(payment.stripe_payment_intent_id + "_secret_")
    assert 'http-equiv="refresh"' not in html  # the page waits for the donor, it does not reload
    assert "funding/give.js" in html

    # Someone else's page shows no secret, and their "check" changes nothing.
    rita_like = make_user("neighbour")
    assert client_for(rita_like).get(url).status_code == 404
    assert client_for(rita_like).post(url, {"check": "1"}).status_code == 404

    # The browser's word is not enough: before Stripe knows, checking leaves the payment processing.
    assert client.post(url, {"check": "1"}).status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PROCESSING

    as_stripe_js(
        stripe_base, f"/v1/payment_intents/{payment.stripe_payment_intent_id}/_authenticate?success=true",
        {"client_secret": secret},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"check": "1"}).status_code == 302
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.FULFILLED
    page = client.get(url).content.decode()
    assert "data-client-secret" not in page and "已扣款成功" in page


def test_failed_authentication_ends_in_a_failed_payment(alice, kwyr_campaign, stripe_base):
    client = client_for(alice)
    payment = start_with_authentication(client, kwyr_campaign)
    url = f"/funding/payments/{payment.pk}/"
    secret = client_secret(client.get(url).content.decode())
    as_stripe_js(
        stripe_base, f"/v1/payment_intents/{payment.stripe_payment_intent_id}/_authenticate?success=false",
        {"client_secret": secret},
    )  # fmt: skip
    client.post(url, {"check": "1"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert "支付未成功" in client.get(url).content.decode()


def test_a_saved_card_the_bank_wants_authenticated(alice, aon_long_campaign, stripe_base):
    client = client_for(alice)
    payment = start_with_authentication(client, aon_long_campaign, consent_to_charge_later="on")
    url = f"/funding/payments/{payment.pk}/"
    secret = client_secret(client.get(url).content.decode())
    assert secret.startswith(payment.stripe_setup_intent_id + "_secret_")
    as_stripe_js(
        stripe_base, f"/v1/setup_intents/{payment.stripe_setup_intent_id}/confirm",
        {"client_secret": secret, "use_stripe_sdk": True},
    )  # fmt: skip
    client.post(url, {"check": "1"})
    payment.refresh_from_db()
    assert payment.status == Payment.Status.METHOD_SAVED


# --- a new card for a charge declined at close (payment.html) ------------------------------------------


@pytest.fixture
def recovering(alice, aon_long_campaign, webhooks, django_capture_on_commit_callbacks):
    client = client_for(alice)
    need = money_need(aon_long_campaign)
    client.post(
        give_url(aon_long_campaign),
        form(
            need,
            amount_yuan="100",
            consent_to_charge_later="on",
            payment_method=payment_method_for(CHARGE_DECLINED_CARD),
        ),
    )
    payment = Payment.objects.get()
    setup = get_gateway().client.v1.setup_intents.retrieve(payment.stripe_setup_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("setup_intent.succeeded", setup, f"evt_setup_page_{payment.pk}"))
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.campaign_close(
            campaign_id=aon_long_campaign.pk, now=aon_long_campaign.deadline + timedelta(seconds=1)
        )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RECOVERING and payment.recovery_until > timezone.now()
    return payment


def test_the_card_update_page_uses_stripe_js(alice, olivia, recovering, stripe_base):
    url = f"/funding/payments/{recovering.pk}/"
    html = client_for(alice).get(url).content.decode()
    assert "换一张卡" in html and 'id="card-element"' in html and f"{stripe_base}/js.stripe.com/v3/" in html
    assert 'name="card_number"' not in html
    # Only the donor is offered the card form.
    assert 'id="card-element"' not in client_for(olivia).get(url).content.decode()


def test_a_missing_or_declined_card_on_the_update_page_changes_nothing(alice, recovering, stripe_base):
    url = f"/funding/payments/{recovering.pk}/"
    client = client_for(alice)
    missing = client.post(url, {"payment_method": ""})
    assert missing.status_code == 400 and "请填写银行卡信息。" in card_errors(missing.content.decode())
    declined = client.post(url, {"payment_method": payment_method_for(DECLINED_CARD)})
    assert declined.status_code == 400 and "银行卡被拒绝" in card_errors(declined.content.decode())
    recovering.refresh_from_db()
    assert recovering.status == Payment.Status.RECOVERING


def test_a_new_card_on_the_update_page_is_charged(alice, recovering, stripe_base, django_capture_on_commit_callbacks):
    url = f"/funding/payments/{recovering.pk}/"
    pm = payment_method_for(GOOD_CARD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(url, {"payment_method": pm})
    assert response.status_code == 302
    recovering.refresh_from_db()
    assert recovering.status == Payment.Status.SUCCEEDED and recovering.stripe_payment_method_id == pm


# --- configuration ----------------------------------------------------------------------------------------


def errors_of(ids):
    return [e for e in run_checks() if e.id in ids]


def test_a_live_secret_key_needs_a_live_publishable_key_and_stripes_own_stripe_js(settings):
    ids = {"funding.E001", "funding.E002"}
    settings.STRIPE_SECRET_KEY = "sk_live_" + "x" * 24
    settings.STRIPE_PUBLISHABLE_KEY = ""
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420"
    settings.STRIPE_JS_URL = ""
    assert {e.id for e in errors_of(ids)} == ids
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    assert [e.id for e in errors_of(ids)] == ["funding.E001", "funding.E002"]
    settings.STRIPE_PUBLISHABLE_KEY = "pk_live_" + "y" * 24
    settings.STRIPE_API_BASE = ""
    assert errors_of(ids) == []
    settings.STRIPE_SECRET_KEY = "sk_test_localstripe"
    settings.STRIPE_PUBLISHABLE_KEY = ""
    assert errors_of(ids) == []  # test mode: the local server's stand-in accepts any key


def _manage_check(**env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(
        {
            "DJANGO_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": "zc.example.org",
            "DATABASE_URL": "postgres://zc:secret@db.internal:5432/zc",
            "REDIS_URL": "redis://redis.internal:6379/0",
            **env_extra,
        }
    )
    return subprocess.run(
        [sys.executable, str(ROOT / "backend" / "manage.py"), "check"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_production_refuses_to_start_with_a_live_key_and_no_publishable_key():
    refused = _manage_check(STRIPE_SECRET_KEY="sk_live_" + "x" * 24)
    assert refused.returncode != 0 and "STRIPE_PUBLISHABLE_KEY" in refused.stderr
    ok = _manage_check(STRIPE_SECRET_KEY="sk_live_" + "x" * 24, STRIPE_PUBLISHABLE_KEY="pk_live_" + "y" * 24)
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_a_verification_the_donor_never_finishes_is_given_up_and_cancelled_at_stripe(
    alice, kwyr_campaign, stripe_base, settings
):
    from funding.tasks import sync_stale_payments

    payment = start_with_authentication(client_for(alice), kwyr_campaign)
    assert get_gateway().retrieve_intent(payment.stripe_payment_intent_id).status == "requires_action"
    sync_stale_payments()  # too early: the donor may still be at the bank's page
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PROCESSING

    Payment.objects.filter(pk=payment.pk).update(
        created_at=payment.created_at - timedelta(minutes=settings.FUNDING_VERIFICATION_MINUTES + 1)
    )
    sync_stale_payments()
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (Payment.Status.FAILED, "verification_abandoned")
    assert get_gateway().retrieve_intent(payment.stripe_payment_intent_id).status == "canceled"
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED
    sync_stale_payments()  # nothing left to do, nothing changes
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
