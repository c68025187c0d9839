"""Two disbursements at once against one campaign's fund money: only what the balance allows
goes through (real threads, real database)."""

import threading
import time

import pytest
from django.db import connection

from funding.models import LedgerEntry
from review import selectors, services
from review.models import FundedItem

from .conftest import match_money, submit_item

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _at_once(fns):
    barrier = threading.Barrier(len(fns))
    results, errors = [], []

    def run(fn):
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def test_two_concurrent_disbursements_never_exceed_the_balance(
    approved, olivia, rita, luo, needs, png, campaign, pool, monkeypatch
):
    read_balance = selectors.campaign_pool_balance

    def slow_balance(**kwargs):
        # Widen the window between reading the balance and writing the entry, so an unlocked
        # implementation would let both disbursements through.
        balance = read_balance(**kwargs)
        time.sleep(0.3)
        return balance

    monkeypatch.setattr(selectors, "campaign_pool_balance", slow_balance)
    match_money(campaign, 50_000)  # 500 元 available; each item asks 300 元
    items = [submit_item(olivia, approved, needs["money"], [png()], amount_fen=30_000) for _ in range(2)]
    for it in items:
        services.item_decide(actor=rita, item_id=it.pk, decision="approve")

    def disburse(item_id, ref):
        return lambda: services.item_disburse(actor=luo, item_id=item_id, transfer_reference=ref)

    results, errors = _at_once([disburse(items[0].pk, "TX-A"), disburse(items[1].pk, "TX-B")])
    assert len(results) == 1 and len(errors) == 1
    assert getattr(errors[0], "code", None) == "insufficient_balance"
    assert FundedItem.objects.filter(status="disbursed").count() == 1
    assert LedgerEntry.objects.filter(kind="disbursement").count() == 1
    assert selectors.campaign_pool_balance(campaign_id=campaign.pk, pool_id=pool.pk) == 20_000
