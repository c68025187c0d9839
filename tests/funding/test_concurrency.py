"""Many confirmations at once never overdraw a pool; many identical requests pay once
(real threads, real database; the same test runs on PostgreSQL in CI)."""

import threading

import pytest
from django.db import connection
from django.db.models import Sum

from funding import ledger, matching
from funding.models import Match, MatchingPool, Payment, PoolApproval
from tests.conftest import make_user

from .conftest import GOOD_CARD, all_intents, make_pool, money_need

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _run_at_once(n, fn):
    barrier = threading.Barrier(n)
    errors = []
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors, results


def test_two_hundred_confirmations_take_exactly_the_budget_and_never_more(world):
    boss = make_user("boss", is_superuser=True)
    donor = make_user("donor")
    pool = make_pool(boss, budget=150 * 1_000)
    PoolApproval.objects.create(pool=pool, campaign_id=7, approved_by=boss)

    def confirm(i):
        return matching.match_allocate(
            pledge_id=1_000 + i, campaign_id=7, donor_id=donor.pk, amount_fen=1_000, currency="cny",
            hold_until_success=False,
        )  # fmt: skip

    errors, _results = _run_at_once(200, confirm)
    assert errors == []
    pool = MatchingPool.objects.get(pk=pool.pk)
    assert pool.remaining_fen == 0
    assert Match.objects.aggregate(s=Sum("amount_fen"))["s"] == 150 * 1_000
    assert Match.objects.count() == 150
    assert PoolApproval.objects.get(pool=pool).matched_fen == 150 * 1_000
    assert ledger.balance_of(ledger.pool_available(pool.pk)) == 0
    assert ledger.ledger_verify().ok


def test_twenty_identical_requests_make_one_pledge_and_one_payment_intent(olivia, world, stripe_base):
    from rest_framework.test import APIClient

    from campaigns.models import Pledge

    from .conftest import money_campaign

    campaign = money_campaign(olivia, world.a)
    need = money_need(campaign)
    donor = make_user("donor")
    body = {"need": need.pk, "amount_fen": 2_000, **GOOD_CARD}

    def pay(i):
        client = APIClient()
        client.force_authenticate(donor)
        return client.post("/api/funding/pledges/", body, format="json", HTTP_IDEMPOTENCY_KEY="same-key-1").status_code

    errors, codes = _run_at_once(20, pay)
    assert errors == []
    assert sorted(set(codes)) in ([200, 201], [201])
    assert codes.count(201) == 1
    assert Pledge.objects.filter(user=donor).count() == 1
    payment = Payment.objects.get(user=donor)
    intents = all_intents()
    # The server outlives the test database (ids repeat across tests); the customer is this payment's own.
    mine = [i["id"] for i in intents if i["customer"] == payment.stripe_customer_id]
    assert mine == [payment.stripe_payment_intent_id]
