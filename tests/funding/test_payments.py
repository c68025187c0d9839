"""Online payment per money mode, through the real SDK against the local Stripe server. The
pledge is confirmed only when Stripe's event arrives (delivered by the helper, signed)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Notification
from campaigns import services as campaign_services
from campaigns.models import Pledge
from funding import ledger, payments
from funding.gateway import get_gateway
from funding.models import LedgerEntry, Match, Payment, Refund
from tests.conftest import make_user

from .conftest import CHARGE_DECLINED_CARD, DECLINED_CARD, GOOD_CARD, make_pool, money_need

pytestmark = pytest.mark.django_db


def pay(api_as, user, need, amount=2_000, key="k-1", card=GOOD_CARD, **extra):
    return api_as(user).post(
        "/api/funding/pledges/",
        {"need": need.pk, "amount_fen": amount, **card, **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def close(campaign, capture):
    with capture(execute=True):
        return campaign_services.campaign_close(campaign_id=campaign.pk, now=campaign.deadline + timedelta(seconds=1))


def intent_event(webhooks, type_, payment, n=1):
    obj = get_gateway().client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).to_dict()
    return webhooks.synthesise(type_, obj, f"evt_test_{type_}_{payment.pk}_{n}")


# --- keep what you raise: charge at once ----------------------------------------------------------


def test_keep_what_you_raise_is_charged_and_confirmed_only_by_the_webhook(
    api_as, donor, kwyr_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    pool = make_pool(boss, approve=[kwyr_campaign])
    need = money_need(kwyr_campaign)
    response = pay(api_as, donor, need, amount=2_000)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["flow"]) == ("processing", "charge_now")
    pledge = Pledge.objects.get(pk=body["pledge"])
    assert pledge.status == Pledge.Status.PENDING  # the browser's answer confirms nothing

    payment = Payment.objects.get(pk=body["id"])
    [ack] = webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    assert ack.status_code == 200 and ack.json()["outcome"] == "succeeded"

    payment.refresh_from_db()
    pledge.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert pledge.status == Pledge.Status.FULFILLED  # the money has arrived
    need.refresh_from_db()
    assert (need.pledged_total, need.confirmed_total, need.fulfilled_total) == (2_000, 2_000, 2_000)
    [match] = Match.objects.filter(pledge_id=pledge.pk)
    assert (match.pool_id, match.amount_fen, match.status) == (pool.pk, 2_000, Match.Status.COMMITTED)
    assert ledger.balance_of(ledger.campaign_donations(kwyr_campaign.pk)) == 2_000
    assert ledger.ledger_verify().ok

    money = api_as(None).get(f"/api/funding/campaigns/{kwyr_campaign.pk}/money/").json()
    assert money["donations_fen"] == 2_000 and money["matched_fen"] == 2_000 and money["total_fen"] == 4_000
    assert money["by_tier"]["city"] == 2_000


def test_a_repeat_with_the_same_key_returns_the_first_result(api_as, donor, kwyr_campaign, stripe_base):
    need = money_need(kwyr_campaign)
    first = pay(api_as, donor, need, key="again")
    second = pay(api_as, donor, need, key="again")
    assert first.status_code == 201 and second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    different = pay(api_as, donor, need, amount=3_000, key="again")
    assert different.status_code == 409
    assert Payment.objects.count() == 1


def test_a_declined_card_is_refused_and_the_pledge_dropped(api_as, donor, kwyr_campaign, stripe_base):
    need = money_need(kwyr_campaign)
    response = pay(api_as, donor, need, card=DECLINED_CARD)
    assert response.status_code == 402
    assert response.json()["code"] == "card_declined"
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.FAILED and payment.stripe_payment_intent_id == ""
    assert Pledge.objects.get().status == Pledge.Status.CANCELLED
    need.refresh_from_db()
    assert need.pledged_total == 0
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DONATION).exists()


# --- all or nothing, short: authorise, capture on success, cancel on failure ----------------------------


def test_short_all_or_nothing_authorises_then_captures_on_success(
    api_as, donor, aon_short_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    make_pool(boss, approve=[aon_short_campaign])
    need = money_need(aon_short_campaign)
    body = pay(api_as, donor, need, amount=10_000).json()
    assert body["flow"] == "authorise"
    payment = Payment.objects.get(pk=body["id"])
    # The local server does not send amount_capturable_updated; Stripe does.
    ack = webhooks.post(intent_event(webhooks, "payment_intent.amount_capturable_updated", payment))
    assert ack.json()["outcome"] == "authorised"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AUTHORISED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CONFIRMED
    assert Match.objects.get().status == Match.Status.RESERVED
    assert ledger.balance_of(ledger.campaign_donations(aon_short_campaign.pk)) == 0  # nothing taken yet

    assert close(aon_short_campaign, django_capture_on_commit_callbacks) == "succeeded"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert get_gateway().retrieve_intent(payment.stripe_payment_intent_id).status == "succeeded"
    assert Match.objects.get().status == Match.Status.COMMITTED
    assert ledger.balance_of(ledger.campaign_donations(aon_short_campaign.pk)) == 10_000
    # The capture's own webhook arrives later and changes nothing.
    webhooks.deliver_for(payment.stripe_payment_intent_id)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.DONATION).count() == 1


def test_short_all_or_nothing_cancels_every_hold_when_it_fails(
    api_as, donor, aon_short_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    pool = make_pool(boss, approve=[aon_short_campaign])
    need = money_need(aon_short_campaign)
    payment = Payment.objects.get(pk=pay(api_as, donor, need, amount=4_000).json()["id"])
    webhooks.post(intent_event(webhooks, "payment_intent.amount_capturable_updated", payment))

    assert close(aon_short_campaign, django_capture_on_commit_callbacks) == "failed"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELLED
    assert get_gateway().retrieve_intent(payment.stripe_payment_intent_id).status == "canceled"
    assert Match.objects.get().status == Match.Status.RELEASED
    pool.refresh_from_db()
    assert pool.remaining_fen == pool.budget_fen
    assert ledger.balance_of(ledger.campaign_donations(aon_short_campaign.pk)) == 0
    assert ledger.ledger_verify().ok


# --- all or nothing, long: save the card, charge at close -----------------------------------------------


def test_long_all_or_nothing_needs_consent_to_charge_later(api_as, donor, aon_long_campaign, stripe_base):
    response = pay(api_as, donor, money_need(aon_long_campaign))
    assert response.status_code == 400
    assert "consent" in response.json()["fields"]
    assert not Payment.objects.exists() and not Pledge.objects.exists()


def test_long_all_or_nothing_saves_the_card_and_charges_it_at_success(
    api_as, donor, aon_long_campaign, webhooks, django_capture_on_commit_callbacks
):
    need = money_need(aon_long_campaign)
    body = pay(api_as, donor, need, amount=10_000, consent_to_charge_later=True).json()
    assert body["flow"] == "save_method"
    payment = Payment.objects.get(pk=body["id"])
    assert payment.stripe_setup_intent_id and not payment.stripe_payment_intent_id
    setup = get_gateway().client.v1.setup_intents.retrieve(payment.stripe_setup_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("setup_intent.succeeded", setup, f"evt_setup_{payment.pk}"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.METHOD_SAVED

    assert close(aon_long_campaign, django_capture_on_commit_callbacks) == "succeeded"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert get_gateway().retrieve_intent(payment.stripe_payment_intent_id).status == "succeeded"
    assert ledger.balance_of(ledger.campaign_donations(aon_long_campaign.pk)) == 10_000


def test_a_declined_charge_at_close_gets_a_recovery_window_then_the_pledge_is_dropped(
    api_as, donor, aon_long_campaign, boss, webhooks, django_capture_on_commit_callbacks
):
    pool = make_pool(boss, approve=[aon_long_campaign])
    need = money_need(aon_long_campaign)
    body = pay(api_as, donor, need, amount=10_000, consent_to_charge_later=True, card=CHARGE_DECLINED_CARD).json()
    payment = Payment.objects.get(pk=body["id"])
    setup = get_gateway().client.v1.setup_intents.retrieve(payment.stripe_setup_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("setup_intent.succeeded", setup, f"evt_setup_{payment.pk}"))

    close(aon_long_campaign, django_capture_on_commit_callbacks)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RECOVERING
    assert payment.recovery_until > timezone.now()
    assert Notification.objects.filter(user=donor, kind="payment_recovery").count() == 1

    later = timezone.now() + timedelta(days=1, minutes=1)
    assert payments.payments_run_recovery(now=later) == {"reminded": 1, "dropped": 0}
    end = payment.recovery_until + timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert payments.payments_run_recovery(now=end) == {"reminded": 0, "dropped": 1}
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert Match.objects.get().status == Match.Status.RELEASED
    pool.refresh_from_db()
    assert pool.remaining_fen == pool.budget_fen


def test_a_new_card_during_recovery_is_charged(
    api_as, donor, aon_long_campaign, webhooks, django_capture_on_commit_callbacks
):
    need = money_need(aon_long_campaign)
    body = pay(api_as, donor, need, amount=10_000, consent_to_charge_later=True, card=CHARGE_DECLINED_CARD).json()
    payment = Payment.objects.get(pk=body["id"])
    setup = get_gateway().client.v1.setup_intents.retrieve(payment.stripe_setup_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("setup_intent.succeeded", setup, f"evt_setup_{payment.pk}"))
    close(aon_long_campaign, django_capture_on_commit_callbacks)

    other = make_user("other")
    assert api_as(other).post(f"/api/funding/payments/{payment.pk}/card/", GOOD_CARD, format="json").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(donor).post(f"/api/funding/payments/{payment.pk}/card/", GOOD_CARD, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "succeeded"


# --- refunds ---------------------------------------------------------------------------------------------


@pytest.fixture
def paid(api_as, donor, kwyr_campaign, boss, webhooks):
    make_pool(boss, approve=[kwyr_campaign])
    body = pay(api_as, donor, money_need(kwyr_campaign), amount=3_000).json()
    payment = Payment.objects.get(pk=body["id"])
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def test_a_partial_refund_is_recorded_and_releases_the_match(api_as, olivia, paid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(olivia).post(
            f"/api/funding/payments/{paid.pk}/refunds/", {"amount_fen": 1_000, "reason": "重复捐款"}, format="json"
        )
    assert response.status_code == 202, response.json()
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.SUCCEEDED and refund.stripe_refund_id.startswith("re_")
    paid.refresh_from_db()
    assert paid.refunded_fen == 1_000 and paid.status == Payment.Status.SUCCEEDED
    assert Match.objects.get().status == Match.Status.RELEASED
    assert ledger.balance_of(ledger.campaign_donations(paid.campaign_id)) == 2_000
    assert get_gateway().charge_summary(paid.stripe_payment_intent_id)["refunded"] == 1_000


def test_a_full_refund_marks_the_pledge_refunded(api_as, olivia, paid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        api_as(olivia).post(
            f"/api/funding/payments/{paid.pk}/refunds/", {"amount_fen": 3_000, "reason": "行动取消"}, format="json"
        )
    paid.refresh_from_db()
    assert paid.status == Payment.Status.REFUNDED
    assert Pledge.objects.get(pk=paid.pledge_id).status == Pledge.Status.REFUNDED


def test_never_more_than_refundable_and_a_pending_refund_blocks_a_second(api_as, olivia, paid):
    client = api_as(olivia)
    url = f"/api/funding/payments/{paid.pk}/refunds/"
    assert client.post(url, {"amount_fen": 3_001, "reason": "多退"}, format="json").status_code == 400
    assert client.post(url, {"amount_fen": 0, "reason": "零"}, format="json").status_code == 400
    assert client.post(url, {"amount_fen": 100, "reason": ""}, format="json").status_code == 400
    assert client.post(url, {"amount_fen": 1_000, "reason": "第一笔"}, format="json").status_code == 202
    second = client.post(url, {"amount_fen": 1_000, "reason": "第二笔"}, format="json")  # the first is pending
    assert second.status_code == 409 and second.json()["code"] == "refund_pending"
    assert Refund.objects.count() == 1


def test_reconciliation_finds_no_difference_after_payments_and_refunds(
    api_as, olivia, paid, django_capture_on_commit_callbacks
):
    from funding.reconcile import reconcile

    with django_capture_on_commit_callbacks(execute=True):
        api_as(olivia).post(
            f"/api/funding/payments/{paid.pk}/refunds/", {"amount_fen": 500, "reason": "部分退"}, format="json"
        )
    report = reconcile()
    assert report.checked == 1 and report.differences == []
    Payment.objects.filter(pk=paid.pk).update(refunded_fen=0)
    assert [d.field for d in reconcile().differences] == ["refunded"]


@pytest.mark.parametrize(
    ("outcome", "status"), [("succeeded", Match.Status.COMMITTED), ("failed", Match.Status.RELEASED)]
)
def test_a_conditional_pool_pays_only_if_the_campaign_succeeds(
    api_as, donor, kwyr_campaign, boss, webhooks, outcome, status
):
    conditional = make_pool(boss, conditional=True, approve=[kwyr_campaign])
    plain = make_pool(
        boss, tier="district", district=kwyr_campaign.host_community.township.district, approve=[kwyr_campaign]
    )
    body = pay(api_as, donor, money_need(kwyr_campaign), amount=1_000).json()
    payment = Payment.objects.get(pk=body["id"])
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    assert Match.objects.get(pool=conditional).status == Match.Status.RESERVED
    assert Match.objects.get(pool=plain).status == Match.Status.COMMITTED

    assert payments.campaign_settle(campaign_id=kwyr_campaign.pk, outcome=outcome)
    assert Match.objects.get(pool=conditional).status == status
    assert Match.objects.get(pool=plain).status == Match.Status.COMMITTED  # keep what you raise: it stands
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert ledger.ledger_verify().ok
