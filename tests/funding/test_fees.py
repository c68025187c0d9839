"""Stripe's fee in the ledger: read from the charge's balance transaction after a payment
succeeds (charge now, capture, off-session charge), journalled once per payment, shown on the
public account, compared by reconciliation. The local Stripe server reports a fee of 0, so a
focused fake at the gateway boundary reports a real one."""

import csv
import io

import pytest

from funding import ledger, payments, reconcile, tasks
from funding.gateway import get_gateway
from funding.models import LedgerEntry, Payment

from .conftest import GOOD_CARD, make_pool, money_need

pytestmark = pytest.mark.django_db

FEE = 87


class FeeGateway:
    """The real gateway, except that Stripe reports `fee` on every charge's balance transaction."""

    def __init__(self, real, fee: int | None):
        self.real = real
        self.fee = fee
        self.fee_reads = 0

    def payment_fee(self, intent_id):
        self.fee_reads += 1
        self.real.payment_fee(intent_id)  # the real call still goes to the server
        return self.fee

    def charge_summary(self, intent_id):
        return {**self.real.charge_summary(intent_id), "fee": self.fee}

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.fixture
def fee_gateway(stripe_base, monkeypatch):
    fake = FeeGateway(get_gateway(), FEE)
    monkeypatch.setattr(payments, "get_gateway", lambda: fake)
    monkeypatch.setattr(reconcile, "get_gateway", lambda: fake)
    return fake


def pay(api_as, user, need, amount=3_000, key="fee-1", **extra):
    response = api_as(user).post(
        "/api/funding/pledges/",
        {"need": need.pk, "amount_fen": amount, **GOOD_CARD, **extra},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert response.status_code == 201, response.json()
    return Payment.objects.get(pk=response.json()["id"])


def fee_entries():
    return LedgerEntry.objects.filter(kind=LedgerEntry.Kind.FEE)


def test_the_local_server_reports_no_fee_so_nothing_is_journalled(
    api_as, donor, kwyr_campaign, webhooks, django_capture_on_commit_callbacks
):
    payment = pay(api_as, donor, money_need(kwyr_campaign))
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.fee_fen == 0  # read from the real balance transaction: fee 0
    assert not fee_entries().exists()
    assert ledger.balance_of(ledger.campaign_donations(kwyr_campaign.pk)) == 3_000


def test_a_fee_is_journalled_once_and_the_public_account_adds_up(
    api_as, donor, kwyr_campaign, boss, webhooks, fee_gateway, django_capture_on_commit_callbacks, client
):
    make_pool(boss, approve=[kwyr_campaign])
    payment = pay(api_as, donor, money_need(kwyr_campaign))
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    payment.refresh_from_db()
    assert payment.fee_fen == FEE
    entry = fee_entries().get()
    assert entry.reference == f"fee:payment:{payment.pk}" and entry.pledge_id == payment.pledge_id
    assert ledger.balance_of(ledger.campaign_donations(kwyr_campaign.pk)) == 3_000 - FEE
    assert ledger.balance_of(ledger.FEES) == FEE

    # Replayed webhooks, a new event for the same success and repeated tasks add nothing.
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
        obj = get_gateway().client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).to_dict()
        webhooks.post(webhooks.synthesise("payment_intent.succeeded", obj, f"evt_again_{payment.pk}"))
    assert tasks.record_payment_fee.delay(payment.pk).get() == "skipped"
    assert payments.payment_record_fee(payment_id=payment.pk) == "skipped"
    assert fee_entries().count() == 1
    assert ledger.ledger_verify().ok

    from funding.selectors import campaign_transparency

    report = campaign_transparency(campaign_id=kwyr_campaign.pk)
    assert report["fees_fen"] == FEE and report["adds_up"]
    assert report["balance_fen"] == 3_000 - FEE + 3_000  # donation less fee, plus the city's 1:1 match

    totals = client.get(f"/api/funding/campaigns/{kwyr_campaign.pk}/ledger/").json()["totals"]
    assert totals["fees_fen"] == FEE and totals["adds_up"] is True
    page = client.get(f"/funding/campaigns/{kwyr_campaign.pk}/money/").content.decode()
    assert "手续费" in page and "0.87" in page and "收支相符" in page
    body = client.get(f"/funding/campaigns/{kwyr_campaign.pk}/money.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert [r[3] for r in rows if r[2] == "手续费"] == ["0.87"]


def test_a_captured_hold_and_an_off_session_charge_record_their_fees(
    api_as, donor, aon_short_campaign, aon_long_campaign, webhooks, fee_gateway, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from campaigns import services as campaign_services

    held = pay(api_as, donor, money_need(aon_short_campaign), amount=10_000, key="fee-hold")
    obj = get_gateway().client.v1.payment_intents.retrieve(held.stripe_payment_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("payment_intent.amount_capturable_updated", obj, f"evt_hold_{held.pk}"))
    saved = pay(
        api_as, donor, money_need(aon_long_campaign), amount=10_000, key="fee-save", consent_to_charge_later=True
    )
    setup = get_gateway().client.v1.setup_intents.retrieve(saved.stripe_setup_intent_id).to_dict()
    webhooks.post(webhooks.synthesise("setup_intent.succeeded", setup, f"evt_setup_{saved.pk}"))
    assert not fee_entries().exists()  # nothing taken yet, no fee

    for campaign in (aon_short_campaign, aon_long_campaign):
        with django_capture_on_commit_callbacks(execute=True):
            outcome = campaign_services.campaign_close(
                campaign_id=campaign.pk, now=campaign.deadline + timedelta(seconds=1)
            )
        assert outcome == "succeeded"
    for payment in (held, saved):
        payment.refresh_from_db()
        assert payment.status == Payment.Status.SUCCEEDED and payment.fee_fen == FEE
        assert ledger.balance_of(ledger.campaign_donations(payment.campaign_id)) == 10_000 - FEE
    assert fee_entries().count() == 2


def test_a_full_refund_leaves_the_campaign_whole_the_platform_covers_the_fee(
    api_as, olivia, donor, kwyr_campaign, webhooks, fee_gateway, django_capture_on_commit_callbacks, client
):
    payment = pay(api_as, donor, money_need(kwyr_campaign))
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
        response = api_as(olivia).post(
            f"/api/funding/payments/{payment.pk}/refunds/", {"amount_fen": 3_000, "reason": "捐错了"}, format="json"
        )
    assert response.status_code == 202, response.json()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert ledger.balance_of(ledger.campaign_donations(kwyr_campaign.pk)) == 0  # never negative
    assert ledger.balance_of(ledger.FEES) == FEE and ledger.balance_of(ledger.PLATFORM) == -FEE

    from funding.selectors import campaign_transparency

    report = campaign_transparency(campaign_id=kwyr_campaign.pk)
    assert (report["fees_fen"], report["fees_covered_fen"], report["refunds_fen"]) == (FEE, FEE, 3_000)
    assert report["balance_fen"] == 0 and report["adds_up"]
    page = client.get(f"/funding/campaigns/{kwyr_campaign.pk}/money/").content.decode()
    assert "平台承担手续费" in page and "收支相符" in page


def test_reconciliation_compares_fees_where_stripe_reports_them(
    api_as, donor, kwyr_campaign, webhooks, fee_gateway, django_capture_on_commit_callbacks
):
    payment = pay(api_as, donor, money_need(kwyr_campaign))
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    assert reconcile.reconcile().differences == []
    fee_gateway.fee = FEE + 10  # Stripe says it kept more than we journalled
    assert [(d.field, d.theirs) for d in reconcile.reconcile().differences] == [("fee", str(FEE + 10))]
    fee_gateway.fee = None  # no balance transaction reported: nothing to compare
    assert reconcile.reconcile().differences == []


def test_a_fee_settled_in_another_currency_is_converted_to_the_charge_currency():
    from funding.gateway import _fee_of

    # 100.00 CNY charged, settled in HKD at 1.0800 HKD per CNY, Stripe kept 3.62 HKD.
    charge = {
        "id": "ch_1",
        "currency": "cny",
        "balance_transaction": {"fee": 362, "currency": "hkd", "exchange_rate": 1.08},
    }
    assert _fee_of(charge) == 335  # 3.62 / 1.08 = 3.3518… CNY → 335 fen
    same = {"id": "ch_2", "currency": "cny", "balance_transaction": {"fee": 120, "currency": "cny"}}
    assert _fee_of(same) == 120
    unknown_rate = {"id": "ch_3", "currency": "cny", "balance_transaction": {"fee": 362, "currency": "hkd"}}
    assert _fee_of(unknown_rate) is None  # not guessed: reconciliation reports it instead
    zero_decimal = {
        "id": "ch_4",
        "currency": "cny",
        "balance_transaction": {"fee": 50, "currency": "jpy", "exchange_rate": 20.5},
    }
    assert _fee_of(zero_decimal) is None
    assert _fee_of({"id": "ch_5", "currency": "cny", "balance_transaction": None}) is None
