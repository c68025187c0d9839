"""Refunds Stripe refused are listed on the campaign's money page for its organisers only."""

import pytest
from django.test import Client
from django.utils import timezone

from funding.models import Payment, Refund

from .conftest import GOOD_CARD, money_need

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def test_only_the_campaigns_organisers_see_refunds_that_failed(api_as, donor, olivia, oscar, kwyr_campaign, webhooks):
    body = api_as(donor).post(
        "/api/funding/pledges/",
        {"need": money_need(kwyr_campaign).pk, "amount_fen": 3_000, **GOOD_CARD},
        format="json",
        HTTP_IDEMPOTENCY_KEY="failed-refund-1",
    ).json()
    payment = Payment.objects.get(pk=body["id"])
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    Refund.objects.create(
        payment=payment,
        amount_fen=3_000,
        reason="行动已取消，捐款全额退回",
        status=Refund.Status.FAILED,
        failure_message="charge_expired_for_refund",
        finished_at=timezone.now(),
    )
    url = f"/funding/campaigns/{kwyr_campaign.pk}/money/"
    page = client_for(olivia).get(url).content.decode()
    assert "退款未成功，需要人工处理" in page and "charge_expired_for_refund" in page
    assert f"/funding/payments/{payment.pk}/" in page
    for other in (oscar, donor, None):
        assert "退款未成功，需要人工处理" not in client_for(other).get(url).content.decode()
