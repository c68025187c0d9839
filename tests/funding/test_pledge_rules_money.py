"""Online money pledges follow their payment: nobody cancels, rejects or marks them fulfilled by
hand; an unpaid one is dropped whatever it was marked; offline cash has an upper limit."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from campaigns import services as campaign_services
from campaigns.models import Need, Pledge
from core.errors import Conflict
from funding import ledger, payments
from funding.gateway import get_gateway
from funding.models import Match, Payment, Refund

from .conftest import CHARGE_DECLINED_CARD, GOOD_CARD, make_pool, money_need

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stripe(stripe_base):
    """Every test here talks to the local Stripe server."""


def pay(api_as, user, need, amount=2_000, key="k-1", card=GOOD_CARD, **extra):
    return api_as(user).post(
        "/api/funding/pledges/",
        {"need": need.pk, "amount_fen": amount, **card, **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def receipt(name="r.png"):
    buf = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buf, "PNG")
    return SimpleUploadedFile(name, buf.getvalue(), "image/png")


def counters(need):
    need = Need.objects.get(pk=need.pk)
    return need.pledged_total, need.confirmed_total, need.fulfilled_total


def saved_card_declined_at_close(api_as, donor, campaign, webhooks):
    """An all-or-nothing pledge whose card was saved (pledge confirmed) and is declined when charged."""
    body = pay(
        api_as, donor, money_need(campaign), amount=10_000, consent_to_charge_later=True, card=CHARGE_DECLINED_CARD
    )
    payment = Payment.objects.get(pk=body.json()["id"])
    setup = get_gateway().client.v1.setup_intents.retrieve(payment.stripe_setup_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("setup_intent.succeeded", setup, f"evt_setup_{payment.pk}"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.METHOD_SAVED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CONFIRMED
    return payment


def close_and_end_recovery(campaign, payment, capture):
    with capture(execute=True):
        campaign_services.campaign_close(campaign_id=campaign.pk, now=campaign.deadline + timedelta(seconds=1))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RECOVERING
    with capture(execute=True):
        payments.payments_run_recovery(now=payment.recovery_until + timedelta(minutes=1))
    payment.refresh_from_db()


# --- cancel / reject while the payment runs -----------------------------------------------------


def test_the_donor_cannot_cancel_a_pending_online_gift_and_its_payment_then_counts(
    api_as, donor, kwyr_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    make_pool(boss, approve=[kwyr_campaign])
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign)).json()["id"])
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.PENDING

    r = api_as(donor).post(f"/api/pledges/{payment.pledge_id}/cancel/")

    assert r.status_code == 409
    assert r.json()["code"] == "settled_by_payment"
    assert "退款" in r.json()["detail"]
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.FULFILLED
    assert Match.objects.get().status == Match.Status.COMMITTED
    assert Refund.objects.count() == 0
    assert counters(money_need(kwyr_campaign))[:2] == (2_000, 2_000)


def test_the_my_pledges_page_offers_no_cancel_button_for_online_money(api_as, donor, kwyr_campaign):
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign)).json()["id"])
    client = Client()
    client.force_login(donor)
    html = client.get("/campaigns/my-pledges/").content.decode()
    assert f"/campaigns/pledges/{payment.pledge_id}/cancel/" not in html
    response = client.post(f"/campaigns/pledges/{payment.pledge_id}/cancel/")
    assert response.status_code == 302
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.PENDING


def test_organisers_cannot_reject_online_money_singly_or_in_bulk(api_as, donor, olivia, kwyr_campaign, webhooks):
    pending = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign), key="a").json()["id"])
    paid = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign), key="b").json()["id"])
    webhooks.deliver_for(paid.stripe_payment_intent_id, "payment_intent.succeeded")

    r = api_as(olivia).post(f"/api/pledges/{pending.pledge_id}/reject/", {"reason": "不需要"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "settled_by_payment"
    r = api_as(olivia).post(f"/api/pledges/{paid.pledge_id}/reject/", {"reason": "不需要"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "needs_refund"
    body = (
        api_as(olivia)
        .post(
            "/api/pledges/bulk/",
            {"pledge_ids": [pending.pledge_id, paid.pledge_id], "action": "reject", "reason": "不需要"},
            format="json",
        )
        .json()
    )
    assert body["done"] == []
    assert set(body["refused"]) == {str(pending.pledge_id), str(paid.pledge_id)}
    assert Pledge.objects.get(pk=pending.pledge_id).status == Pledge.Status.PENDING
    assert Pledge.objects.get(pk=paid.pledge_id).status == Pledge.Status.FULFILLED


# --- fulfilment belongs to the payment; an unpaid pledge is dropped ----------------------------


def test_an_organiser_cannot_mark_online_money_fulfilled_before_or_after_payment(
    api_as, donor, olivia, aon_long_campaign, webhooks
):
    payment = saved_card_declined_at_close(api_as, donor, aon_long_campaign, webhooks)

    r = api_as(olivia).post(f"/api/pledges/{payment.pledge_id}/fulfil/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "fulfilled_by_payment"
    body = (
        api_as(olivia)
        .post("/api/pledges/bulk/", {"pledge_ids": [payment.pledge_id], "action": "fulfil"}, format="json")
        .json()
    )
    assert body["done"] == [] and str(payment.pledge_id) in body["refused"]
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CONFIRMED
    assert counters(money_need(aon_long_campaign)) == (10_000, 10_000, 0)


def test_the_declined_saved_card_pledge_is_dropped_at_the_end_of_recovery(
    api_as, donor, olivia, aon_long_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = saved_card_declined_at_close(api_as, donor, aon_long_campaign, webhooks)
    api_as(olivia).post(f"/api/pledges/{payment.pledge_id}/fulfil/", {}, format="json")

    close_and_end_recovery(aon_long_campaign, payment, django_capture_on_commit_callbacks)

    assert payment.status == Payment.Status.FAILED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CANCELLED
    assert counters(money_need(aon_long_campaign)) == (0, 0, 0)
    assert ledger.balance_of(ledger.campaign_donations(aon_long_campaign.pk)) == 0


def test_a_fulfilled_online_pledge_whose_charge_failed_is_dropped_too(
    api_as, donor, aon_long_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = saved_card_declined_at_close(api_as, donor, aon_long_campaign, webhooks)
    # However it came to be marked fulfilled, the failed charge takes it out of every count.
    campaign_services.pledge_fulfil(actor=None, pledge_id=payment.pledge_id, source="payment")
    assert counters(money_need(aon_long_campaign)) == (10_000, 10_000, 10_000)

    close_and_end_recovery(aon_long_campaign, payment, django_capture_on_commit_callbacks)

    assert payment.status == Payment.Status.FAILED
    pledge = Pledge.objects.get(pk=payment.pledge_id)
    assert pledge.status == Pledge.Status.CANCELLED and pledge.reason
    assert counters(money_need(aon_long_campaign)) == (0, 0, 0)


def test_the_payment_marks_online_money_fulfilled_once_and_only_online_money(
    api_as, donor, olivia, kwyr_campaign, webhooks
):
    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign)).json()["id"])
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")

    done = campaign_services.pledge_fulfil(actor=None, pledge_id=payment.pledge_id, source="payment")
    again = campaign_services.pledge_fulfil(actor=None, pledge_id=payment.pledge_id, source="payment")

    assert done.status == again.status == Pledge.Status.FULFILLED
    assert counters(money_need(kwyr_campaign)) == (2_000, 2_000, 2_000)
    cash = campaign_services.pledge_record_offline(
        actor=olivia, need_id=money_need(kwyr_campaign).pk, amount_fen=100, evidence=receipt(), anonymous=True
    )
    with pytest.raises(Conflict) as exc:
        campaign_services.pledge_fulfil(actor=None, pledge_id=cash.pk, source="payment")
    assert exc.value.code == "not_online_money"


def test_pledge_drop_refuses_fulfilled_offline_cash(olivia, kwyr_campaign):
    cash = campaign_services.pledge_record_offline(
        actor=olivia, need_id=money_need(kwyr_campaign).pk, amount_fen=100, evidence=receipt(), anonymous=True
    )
    with pytest.raises(Conflict):
        campaign_services.pledge_drop(pledge_id=cash.pk, reason="x")
    assert Pledge.objects.get(pk=cash.pk).status == Pledge.Status.FULFILLED


# --- inputs that used to fail with a 500 -------------------------------------------------------


@pytest.mark.parametrize("fund", ["%C2%B2", "%D9%A3", "99999999999999999999999", "-1", "x"])
def test_the_pool_list_answers_400_to_anything_but_an_ascii_number(api, fund):
    api.raise_request_exception = False
    r = api.get(f"/api/funding/pools/?fund={fund}")
    assert r.status_code == 400
    assert "fund" in r.json()["fields"]


def test_the_pool_list_filters_by_fund(api, pool_x, world):
    r = api.get(f"/api/funding/pools/?fund={world.fund_x.pk}")
    assert r.status_code == 200 and [p["id"] for p in r.json()] == [pool_x.pk]
    assert api.get(f"/api/funding/pools/?fund={world.fund_y.pk}").json() == []


def test_the_pools_page_refuses_a_pool_id_in_other_digits(rita, pool_x, kwyr_campaign):
    client = Client(raise_request_exception=False)
    client.force_login(rita)
    response = client.post("/funding/pools/", {"pool": "²", "campaign": kwyr_campaign.pk})
    assert response.status_code == 400
    assert not pool_x.approvals.exists()
    response = client.post("/funding/pools/", {"pool": str(pool_x.pk), "campaign": kwyr_campaign.pk})
    assert response.status_code == 302
    assert pool_x.approvals.get().campaign_id == kwyr_campaign.pk


@pytest.mark.parametrize("amount", [10**20, 5_000_001])
def test_offline_cash_above_the_single_gift_limit_is_refused(api_as, olivia, kwyr_campaign, settings, amount):
    settings.FUNDING_MAX_PLEDGE_FEN = 5_000_000
    client = api_as(olivia)
    client.raise_request_exception = False
    r = client.post(
        f"/api/needs/{money_need(kwyr_campaign).pk}/offline-money/",
        {"amount_fen": amount, "evidence": receipt(), "contributor_name": "王"},
        format="multipart",
    )
    assert r.status_code == 400
    assert "50000" in r.json()["fields"]["amount_fen"][0]
    assert not Pledge.objects.exists()


def test_offline_cash_at_the_limit_is_recorded(api_as, olivia, kwyr_campaign, settings):
    settings.FUNDING_MAX_PLEDGE_FEN = 5_000
    r = api_as(olivia).post(
        f"/api/needs/{money_need(kwyr_campaign).pk}/offline-money/",
        {"amount_fen": 5_000, "evidence": receipt(), "contributor_name": "王"},
        format="multipart",
    )
    assert r.status_code == 201
    assert counters(money_need(kwyr_campaign)) == (5_000, 5_000, 5_000)


def test_the_needs_page_refuses_huge_cash_with_a_form_error(olivia, kwyr_campaign):
    need = money_need(kwyr_campaign)
    client = Client(raise_request_exception=False)
    client.force_login(olivia)
    response = client.post(
        f"/campaigns/{kwyr_campaign.pk}/needs/",
        {
            "form": "offline", "need": str(need.pk), f"m{need.pk}-amount_yuan": "1" + "0" * 18,
            f"m{need.pk}-contributor_name": "王", f"m{need.pk}-evidence": receipt(),
        },
    )  # fmt: skip
    assert response.status_code == 400
    assert "单笔线下捐款不能超过" in response.content.decode()
    assert not Pledge.objects.exists()


def test_a_dropped_gift_keeps_its_reason_in_the_source_language_and_shows_it_in_the_readers(
    api_as, donor, kwyr_campaign
):
    from django.utils import translation

    payment = Payment.objects.get(pk=pay(api_as, donor, money_need(kwyr_campaign)).json()["id"])
    with translation.override("en"):
        campaign_services.pledge_drop(pledge_id=payment.pledge_id, reason="")
    assert Pledge.objects.get(pk=payment.pledge_id).reason == "支付未成功"
    client = Client()
    client.force_login(donor)
    chinese = client.get("/campaigns/my-pledges/").content.decode()
    assert "支付未成功" in chinese
    donor.preferred_language = "en"
    donor.save()
    english = client.get("/campaigns/my-pledges/").content.decode()
    assert "支付未成功" not in english
    assert "Payment failed" in english or "Payment did not go through" in english
