"""The donor withdraws a gift of an all-or-nothing campaign whose money has not been taken (撤回):
a hold is cancelled at Stripe, a saved card is only marked cancelled, the pledge leaves the counts
and its matches go back to their pools. Only the donor, only while the campaign is open; paid
money is refunded by the organisers instead."""

import json
import threading
from datetime import timedelta
from functools import partial

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Notification
from campaigns import services as campaign_services
from campaigns.models import Need, Pledge
from funding import payments
from funding.gateway import get_gateway
from funding.models import LedgerEntry, Match, MatchingPool, Payment
from tests.conftest import make_user

from .conftest import GOOD_CARD, Webhooks, make_pool, money_need

pytestmark = pytest.mark.django_db

AUTH_CARD = {**GOOD_CARD, "card_number": "4000002760003184"}  # the bank asks for 3-D Secure


@pytest.fixture(autouse=True)
def _stripe(stripe_base):
    """Every test here talks to the local Stripe server."""


def pay(api_as, user, campaign, *, amount=10_000, key="w-1", card=GOOD_CARD, **extra):
    response = api_as(user).post(
        "/api/funding/pledges/",
        {"need": money_need(campaign).pk, "amount_fen": amount, **card, **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code in (201, 202), response.content
    return Payment.objects.get(pk=response.json()["id"])


def held(api_as, user, campaign, webhooks, **extra) -> Payment:
    """An amount held on the card (authorise now, capture at success), confirmed by Stripe's word."""
    payment = pay(api_as, user, campaign, **extra)
    obj = get_gateway().client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("payment_intent.amount_capturable_updated", obj, f"evt_hold_{payment.pk}"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORISED
    return payment


def saved(api_as, user, campaign, webhooks) -> Payment:
    """A card saved to be charged at close, with the donor's consent."""
    payment = pay(api_as, user, campaign, consent_to_charge_later=True)
    setup = get_gateway().client.v1.setup_intents.retrieve(payment.stripe_setup_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("setup_intent.succeeded", setup, f"evt_setup_{payment.pk}"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.METHOD_SAVED
    return payment


def counters(campaign):
    need = Need.objects.get(pk=money_need(campaign).pk)
    return need.pledged_total, need.confirmed_total


def withdraw(api_as, user, payment):
    return api_as(user).post(f"/api/funding/payments/{payment.pk}/withdraw/")


def client_for(user, language="zh-hans"):
    client = Client()
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


# --- the hold and the saved card ------------------------------------------------------------------


def test_the_donor_withdraws_a_hold(
    api_as, donor, aon_short_campaign, boss, webhooks, monkeypatch, django_capture_on_commit_callbacks
):
    from live import services as live_services

    sent = []
    monkeypatch.setattr(
        live_services, "send_now", lambda topic, data: sent.append((topic, json.loads(data) if isinstance(data, str) else data))
    )  # fmt: skip
    pool = make_pool(boss, approve=[aon_short_campaign])
    payment = held(api_as, donor, aon_short_campaign, webhooks)
    match = Match.objects.get(pledge_id=payment.pledge_id)
    assert match.status == Match.Status.RESERVED
    assert counters(aon_short_campaign) == (10_000, 10_000)
    remaining_before = MatchingPool.objects.get(pk=pool.pk).remaining_fen

    with django_capture_on_commit_callbacks(execute=True):
        response = withdraw(api_as, donor, payment)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert payment.failure_code == payments.WITHDRAWN_CODE
    # The hold is cancelled at Stripe itself: the card is no longer held.
    intent = get_gateway().retrieve_intent(payment.stripe_payment_intent_id)
    assert intent.status == "canceled"
    pledge = Pledge.objects.get(pk=payment.pledge_id)
    assert pledge.status == Pledge.Status.CANCELLED
    assert pledge.reason == payments.WITHDRAW_REASON
    assert counters(aon_short_campaign) == (0, 0)
    match.refresh_from_db()
    assert match.status == Match.Status.RELEASED
    assert match.release_reason == payments.WITHDRAW_REASON
    assert MatchingPool.objects.get(pk=pool.pk).remaining_fen == remaining_before + match.amount_fen
    kinds = list(
        LedgerEntry.objects.filter(campaign_id=aon_short_campaign.pk).order_by("seq").values_list("kind", flat=True)
    )
    assert kinds == [LedgerEntry.Kind.MATCH_RESERVED, LedgerEntry.Kind.MATCH_RELEASED]
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DONATION).exists()
    note = Notification.objects.get(user=donor, kind="payment_withdrawn")
    assert "100.00" in note.title and note.url == f"/funding/payments/{payment.pk}/"
    money = [m for t, m in sent if t == f"campaign.{aon_short_campaign.pk}" and m["type"] == "money"]
    assert money and (money[-1]["donations_fen"], money[-1]["matched_fen"]) == (0, 0)

    # Stripe's own word about the cancellation, arriving later, changes nothing.
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.canceled")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert Notification.objects.filter(user=donor).exclude(kind="payment_withdrawn").count() == 0


def test_the_donor_withdraws_a_saved_card(api_as, donor, aon_long_campaign, boss, webhooks):
    make_pool(boss, approve=[aon_long_campaign])
    payment = saved(api_as, donor, aon_long_campaign, webhooks)
    assert Match.objects.get(pledge_id=payment.pledge_id).status == Match.Status.RESERVED

    response = withdraw(api_as, donor, payment)

    assert response.status_code == 200, response.content
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == (Payment.Status.CANCELLED, payments.WITHDRAWN_CODE)
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED
    assert counters(aon_long_campaign) == (0, 0)
    assert Match.objects.get(pledge_id=payment.pledge_id).status == Match.Status.RELEASED
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DONATION).exists()
    assert Notification.objects.filter(user=donor, kind="payment_withdrawn").count() == 1

    # Closing the campaign later charges nothing: the card is no longer to be charged.
    aon_long_campaign.refresh_from_db()
    campaign_services.campaign_close(
        campaign_id=aon_long_campaign.pk, now=aon_long_campaign.deadline + timedelta(seconds=1)
    )
    payments.campaign_settle(campaign_id=aon_long_campaign.pk, outcome="failed")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED


def test_a_bank_verification_left_unfinished_is_withdrawn(api_as, donor, aon_short_campaign):
    payment = pay(api_as, donor, aon_short_campaign, card=AUTH_CARD)
    assert payment.status == Payment.Status.PROCESSING
    assert get_gateway().retrieve_intent(payment.stripe_payment_intent_id).status == "requires_action"

    response = withdraw(api_as, donor, payment)

    assert response.status_code == 200, response.content
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert get_gateway().retrieve_intent(payment.stripe_payment_intent_id).status == "canceled"
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED
    assert counters(aon_short_campaign) == (0, 0)


def test_a_card_left_in_the_banks_verification_is_withdrawn(api_as, donor, aon_long_campaign):
    payment = pay(api_as, donor, aon_long_campaign, card=AUTH_CARD, consent_to_charge_later=True)
    assert payment.status == Payment.Status.PROCESSING
    assert not payment.stripe_payment_intent_id
    assert get_gateway().retrieve_setup(payment.stripe_setup_intent_id) == "requires_action"
    page_url = f"/funding/payments/{payment.pk}/"
    assert f'href="{page_url}withdraw/"' in client_for(donor).get(page_url).content.decode()

    response = withdraw(api_as, donor, payment)

    assert response.status_code == 200, response.content
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert payment.failure_code == payments.WITHDRAWN_CODE
    # Stripe will never save the card now, so the close can never charge it.
    assert get_gateway().retrieve_setup(payment.stripe_setup_intent_id) == "canceled"
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED
    assert counters(aon_long_campaign) == (0, 0)
    assert Notification.objects.filter(user=donor, kind="payment_withdrawn").count() == 1


def test_a_card_saved_while_the_withdrawal_was_asked_is_kept(api_as, donor, aon_long_campaign):
    payment = pay(api_as, donor, aon_long_campaign, card=AUTH_CARD, consent_to_charge_later=True)
    # The donor finishes the bank's check in the other tab just before the withdrawal arrives.
    get_gateway().client.v1.setup_intents.confirm(payment.stripe_setup_intent_id)

    response = withdraw(api_as, donor, payment)

    assert response.status_code == 409
    assert response.json()["code"] == "payment_changed"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.METHOD_SAVED  # Stripe's word, and withdrawable as such
    assert payments.payment_withdrawable(payment)
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CONFIRMED
    assert not Notification.objects.filter(user=donor, kind="payment_withdrawn").exists()


@pytest.mark.parametrize("kind", ["hold", "card being saved"])
def test_stripe_out_of_reach_withdraws_nothing(
    api_as, donor, aon_short_campaign, aon_long_campaign, webhooks, monkeypatch, kind
):
    from funding.gateway import GatewayError

    if kind == "hold":
        campaign, payment = aon_short_campaign, held(api_as, donor, aon_short_campaign, webhooks)
        cancel = "cancel_intent"
    else:
        campaign = aon_long_campaign
        payment = pay(api_as, donor, campaign, card=AUTH_CARD, consent_to_charge_later=True)
        cancel = "cancel_setup"
    before = payment.status

    def unreachable(**_kwargs):
        raise GatewayError("Connection to api.stripe.com timed out", retryable=True)

    monkeypatch.setattr(get_gateway(), cancel, unreachable)

    response = withdraw(api_as, donor, payment)

    assert response.status_code == 503
    assert response.json()["detail"] == "支付服务暂时无法连接，请稍后再试。"
    payment.refresh_from_db()
    assert payment.status == before and payment.failure_code != payments.WITHDRAWN_CODE
    assert Pledge.objects.get(pk=payment.pledge_id).status != Pledge.Status.CANCELLED
    assert counters(campaign)[0] == 10_000
    assert not Notification.objects.filter(user=donor, kind="payment_withdrawn").exists()


# --- who may not, and when not -----------------------------------------------------------------------


def test_only_the_donor_may_withdraw(api_as, donor, alice, olivia, boss, aon_short_campaign, webhooks):
    payment = held(api_as, donor, aon_short_campaign, webhooks)

    assert withdraw(api_as, None, payment).status_code == 401
    for other in (olivia, alice, boss):
        response = withdraw(api_as, other, payment)
        assert response.status_code == 403, other
        assert response.json()["detail"] == "只有捐款人本人可以撤回捐款；已扣款的捐款由社区工作者办理退款。"
    assert withdraw(api_as, donor, Payment(pk=payment.pk + 1000)).status_code == 404

    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORISED
    assert get_gateway().retrieve_intent(payment.stripe_payment_intent_id).status == "requires_capture"
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CONFIRMED
    assert counters(aon_short_campaign) == (10_000, 10_000)
    # The organiser's page offers no withdrawal, and the withdrawal page is closed to them.
    assert "撤回这笔捐款" not in client_for(olivia).get(f"/funding/payments/{payment.pk}/").content.decode()
    assert client_for(olivia).get(f"/funding/payments/{payment.pk}/withdraw/").status_code == 403
    client_for(olivia).post(f"/funding/payments/{payment.pk}/withdraw/")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORISED


def test_a_second_withdrawal_is_refused(api_as, donor, aon_short_campaign, webhooks):
    payment = held(api_as, donor, aon_short_campaign, webhooks)
    assert withdraw(api_as, donor, payment).status_code == 200

    response = withdraw(api_as, donor, payment)

    assert response.status_code == 409
    assert response.json()["code"] == "already_withdrawn"
    assert Notification.objects.filter(user=donor, kind="payment_withdrawn").count() == 1
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.MATCH_RELEASED).count() == 0  # no pool, no match


def test_paid_money_is_refunded_not_withdrawn(api_as, donor, kwyr_campaign, webhooks):
    payment = pay(api_as, donor, kwyr_campaign)
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED

    response = withdraw(api_as, donor, payment)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "use_refund"
    assert "退款" in body["detail"] and "社区工作者" in body["detail"]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.FULFILLED


def test_after_the_close_nothing_is_withdrawn(
    api_as, donor, aon_short_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = held(api_as, donor, aon_short_campaign, webhooks, amount=4_000)
    aon_short_campaign.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.campaign_close(
            campaign_id=aon_short_campaign.pk, now=aon_short_campaign.deadline + timedelta(seconds=1)
        )

    response = withdraw(api_as, donor, payment)

    assert response.status_code == 409
    assert response.json()["code"] == "campaign_closed"
    payment.refresh_from_db()
    assert payment.failure_code != payments.WITHDRAWN_CODE
    assert not Notification.objects.filter(
        user=donor, kind="payment_withdrawn", url__endswith=f"/{payment.pk}/"
    ).exists()


def test_after_the_deadline_before_the_close_nothing_is_withdrawn(api_as, donor, aon_short_campaign, webhooks):
    from campaigns.models import Campaign

    payment = held(api_as, donor, aon_short_campaign, webhooks)
    Campaign.objects.filter(pk=aon_short_campaign.pk).update(deadline=payment.created_at - timedelta(seconds=1))

    response = withdraw(api_as, donor, payment)

    assert response.status_code == 409 and response.json()["code"] == "campaign_closed"
    assert get_gateway().retrieve_intent(payment.stripe_payment_intent_id).status == "requires_capture"


# --- the pages ------------------------------------------------------------------------------------------


def test_the_page_flow_in_chinese(api_as, donor, aon_short_campaign, webhooks):
    payment = held(api_as, donor, aon_short_campaign, webhooks)
    client = client_for(donor)
    page_url = f"/funding/payments/{payment.pk}/"
    withdraw_url = f"/funding/payments/{payment.pk}/withdraw/"

    page = client.get(page_url).content.decode()
    assert "撤回这笔捐款" in page and f'href="{withdraw_url}"' in page
    # 我的认筹 leads to the payment page.
    pledges = client.get("/campaigns/my-pledges/").content.decode()
    assert f"/funding/pledges/{payment.pledge_id}/payment/" in pledges
    assert client.get(f"/funding/pledges/{payment.pledge_id}/payment/").url == page_url

    confirm = client.get(withdraw_url)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "确定要撤回这笔 100.00 元的捐款吗？" in html and "确认撤回" in html
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORISED  # the confirmation step changes nothing

    response = client.post(withdraw_url, follow=True)

    assert response.redirect_chain[-1][0] == page_url
    html = response.content.decode()
    assert "捐款已撤回，没有扣款。" in html and "您已撤回这笔捐款，没有扣款。" in html
    assert f'href="{withdraw_url}"' not in html
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    # A second try (another tab) says so.
    again = client.post(withdraw_url, follow=True).content.decode()
    assert "这笔捐款已经撤回了。" in again


def test_the_page_flow_in_english(api_as, donor, aon_long_campaign, webhooks):
    payment = saved(api_as, donor, aon_long_campaign, webhooks)
    client = client_for(donor, "en")
    page_url = f"/funding/payments/{payment.pk}/"
    withdraw_url = f"/funding/payments/{payment.pk}/withdraw/"

    page = client.get(page_url).content.decode()
    assert 'lang="en"' in page and "Card saved" in page
    assert f'href="{withdraw_url}"' in page and "Withdraw this gift" in page and "撤回" not in page
    confirm = client.get(withdraw_url)
    assert confirm.status_code == 200 and 'method="post"' in confirm.content.decode()

    response = client.post(withdraw_url, follow=True)

    assert response.redirect_chain[-1][0] == page_url
    assert "Cancelled" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED


def test_a_paid_gift_has_no_withdraw_button(api_as, donor, kwyr_campaign, webhooks):
    payment = pay(api_as, donor, kwyr_campaign)
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    html = client_for(donor).get(f"/funding/payments/{payment.pk}/").content.decode()
    assert "撤回这笔捐款" not in html
    assert client_for(make_user("neighbour")).get(f"/funding/pledges/{payment.pledge_id}/payment/").status_code == 404


def test_the_campaigns_refusal_points_to_the_withdraw_button(api_as, donor, aon_short_campaign):
    payment = pay(api_as, donor, aon_short_campaign, card=AUTH_CARD)
    response = api_as(donor).post(f"/api/pledges/{payment.pledge_id}/cancel/")
    assert response.status_code == 409 and response.json()["code"] == "settled_by_payment"
    assert "撤回这笔捐款" in response.json()["detail"]


# --- withdrawals, Stripe's replays and the close, all at once -----------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_withdrawals_replays_and_the_close_at_once_never_deadlock_and_lose_nothing(
    api_as, aon_short_campaign, boss, webhooks, settings
):
    """Eight donors withdraw their holds while Stripe replays each hold's event and the deadline
    closes the campaign, all released at the same moment (the same test runs on PostgreSQL in
    CI, where rows are really locked: payment, then the chain head, then pledges and pools). No
    request fails for anything but the close, and every cent is accounted for once."""
    from funding import ledger

    pool = make_pool(boss, approve=[aon_short_campaign])
    donors = [make_user(f"donor{i}") for i in range(8)]
    held_payments = [
        held(api_as, d, aon_short_campaign, webhooks, amount=1_000, key=f"at-once-{i}") for i, d in enumerate(donors)
    ]
    events = [
        webhooks.synthesise(
            "payment_intent.amount_capturable_updated",
            get_gateway().client.v1.payment_intents.retrieve(p.stripe_payment_intent_id).to_dict(),
            f"evt_hold_{p.pk}",  # the same event id again: a replay
        )
        for p in held_payments
    ]
    aon_short_campaign.refresh_from_db()
    close_at = aon_short_campaign.deadline + timedelta(seconds=1)

    def withdraw_one(i):
        client = APIClient()
        client.force_authenticate(donors[i])
        response = client.post(f"/api/funding/payments/{held_payments[i].pk}/withdraw/")
        return ("withdraw", response.status_code, response.json().get("code"))

    def replay(i):
        response = Webhooks(APIClient(), settings.STRIPE_WEBHOOK_SECRET).post(events[i])
        return ("replay", response.status_code, None)

    def close():
        campaign_services.campaign_close(campaign_id=aon_short_campaign.pk, now=close_at)
        payments.campaign_settle(campaign_id=aon_short_campaign.pk, outcome="failed")
        return ("close", 200, None)

    jobs = [partial(withdraw_one, i) for i in range(8)] + [partial(replay, i) for i in range(8)] + [close]
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(k):
        try:
            barrier.wait()
            results[k] = jobs[k]()
        except Exception as exc:  # a deadlock or a lock timeout would land here
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    withdrawals = [r for r in results if r[0] == "withdraw"]
    assert all(code == 200 or (code == 409 and reason == "campaign_closed") for _, code, reason in withdrawals)
    assert all(code == 200 for kind, code, _ in results if kind == "replay")
    withdrawn = {p.pk for p, r in zip(held_payments, withdrawals, strict=True) if r[1] == 200}
    for p in held_payments:
        p.refresh_from_db()
        # Withdrawn by the donor, or cancelled by the failed close: either way nothing was taken.
        assert p.status == Payment.Status.CANCELLED, p
        assert (p.failure_code == payments.WITHDRAWN_CODE) == (p.pk in withdrawn), p
        assert get_gateway().retrieve_intent(p.stripe_payment_intent_id).status == "canceled"
    assert Notification.objects.filter(kind="payment_withdrawn").count() == len(withdrawn)
    assert not Match.objects.exclude(status=Match.Status.RELEASED).exists()
    pool.refresh_from_db()
    assert pool.remaining_fen == pool.budget_fen
    assert ledger.balance_of(ledger.pool_available(pool.pk)) == pool.budget_fen
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DONATION).exists()
    assert ledger.ledger_verify().ok
