"""A declined card is explained in the donor's language: Stripe's own (English) message is never
shown; known decline reasons are translated, unknown ones get the general message."""

import re

from django.utils import translation

from funding.gateway import GatewayError
from funding.models import Payment
from funding.payments import declined

from .conftest import DECLINED_CARD, money_need


def test_known_reasons_are_translated_and_unknown_ones_get_the_general_message():
    short = GatewayError("Your card has insufficient funds.", code="card_declined", decline_code="insufficient_funds")
    assert str(declined(short)) == "银行卡被拒绝：卡内余额不足。请换一张卡再试。"
    expired = GatewayError("Your card has expired.", code="expired_card")
    assert str(declined(expired)) == "银行卡被拒绝：这张卡已过期。请换一张卡再试。"
    odd = GatewayError("Something else.", code="card_declined", decline_code="do_not_honor")
    assert str(declined(odd)) == "银行卡被拒绝，请换一张卡再试。"
    with translation.override("en"):
        assert str(declined(short)) == "Your card was declined: Insufficient funds. Please try another card."


def test_a_declined_card_through_the_api_answers_without_stripes_english(api_as, alice, kwyr_campaign, stripe_base):
    need = money_need(kwyr_campaign)
    response = api_as(alice).post(
        "/api/funding/pledges/",
        {"need": need.pk, "amount_fen": 5000, **DECLINED_CARD},
        format="json",
        HTTP_IDEMPOTENCY_KEY="declined-1",
    )
    assert response.status_code == 402, response.content
    detail = response.json()["detail"]
    assert detail.startswith("银行卡被拒绝") and not re.search(r"[A-Za-z]{3,}", detail)
    assert Payment.objects.get().status == Payment.Status.FAILED
