"""What the platform tells a donor is in the donor's language, whatever language the worker or
request runs in; reasons the platform writes are stored untranslated and shown translated."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from accounts.models import Notification
from campaigns import services as campaign_services
from funding import payments
from funding.gateway import get_gateway
from funding.models import Payment, Refund

from .conftest import CHARGE_DECLINED_CARD, GOOD_CARD, money_need

pytestmark = pytest.mark.django_db


def pay(api_as, user, need, amount=10_000, key="lang-1", card=GOOD_CARD, **extra):
    return api_as(user).post(
        "/api/funding/pledges/",
        {"need": need.pk, "amount_fen": amount, **card, **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_recovery_notices_are_in_the_donors_language(
    api_as, donor, aon_long_campaign, webhooks, django_capture_on_commit_callbacks
):
    donor.preferred_language = "en"
    donor.save()
    body = pay(
        api_as, donor, money_need(aon_long_campaign), consent_to_charge_later=True, card=CHARGE_DECLINED_CARD
    ).json()
    payment = Payment.objects.get(pk=body["id"])
    setup = get_gateway().client.v1.setup_intents.retrieve(payment.stripe_setup_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("setup_intent.succeeded", setup, f"evt_setup_{payment.pk}"))
    with django_capture_on_commit_callbacks(execute=True), translation.override("zh-hans"):
        campaign_services.campaign_close(
            campaign_id=aon_long_campaign.pk, now=aon_long_campaign.deadline + timedelta(seconds=1)
        )
        payments.payments_run_recovery(now=timezone.now() + timedelta(days=1, minutes=1))
    titles = list(Notification.objects.filter(user=donor, kind="payment_recovery").values_list("title", flat=True))
    assert titles and not any(has_chinese(t) for t in titles), titles


def test_a_platform_refund_reason_is_stored_untranslated_and_shown_in_the_readers_language(
    api_as, donor, olivia, kwyr_campaign, webhooks, django_capture_on_commit_callbacks
):
    body = pay(api_as, donor, money_need(kwyr_campaign)).json()
    webhooks.deliver_for(Payment.objects.get(pk=body["id"]).stripe_payment_intent_id, "payment_intent.succeeded")
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        campaign_services.campaign_transition(
            actor=olivia, campaign_id=kwyr_campaign.pk, to=kwyr_campaign.Status.CANCELLED, reason="场地取消"
        )
    refund = Refund.objects.get(payment_id=body["id"])
    assert refund.reason == "行动已取消，捐款全额退回"
    donor.preferred_language = "en"
    donor.save()
    client = Client()
    client.force_login(donor)
    page = client.get(f"/funding/payments/{body['id']}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Campaign cancelled; donation refunded in full" in page and "行动已取消，捐款全额退回" not in page
