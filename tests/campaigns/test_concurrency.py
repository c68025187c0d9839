"""Many pledges at once: counters stay exact and idempotency keys hold (real threads, real DB)."""

import threading

import pytest
from django.db import connection

from campaigns import services
from campaigns.models import Need, Pledge
from tests.conftest import make_member, make_user

from .conftest import make_campaign

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _run_at_once(n, fn):
    barrier = threading.Barrier(n)
    errors = []

    def run(i):
        try:
            barrier.wait()
            fn(i)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_fifty_concurrent_pledges_to_one_need_are_counted_exactly(olivia, world):
    campaign = make_campaign(olivia, world.a)
    need = campaign.needs.get(dimension="resource")
    Need.objects.filter(pk=need.pk).update(target=10_000)
    users = [make_user(f"r{i}") for i in range(50)]
    for u in users:
        make_member(u, world.a)

    def pledge(i):
        fresh = Need.objects.select_related("campaign").get(pk=need.pk)
        services.pledge_create(user=users[i], need=fresh, quantity=i + 1, idempotency_key=f"k{i}")

    errors = _run_at_once(50, pledge)
    assert errors == []
    need.refresh_from_db()
    expected = sum(range(1, 51))
    assert Pledge.objects.filter(need=need).count() == 50 == need.pledge_count
    assert need.pledged_total == expected == sum(Pledge.objects.filter(need=need).values_list("quantity", flat=True))


def test_concurrent_pledges_never_overshoot_a_closed_target(olivia, world):
    campaign = make_campaign(olivia, world.a)
    need = campaign.needs.get(dimension="resource")  # target 100, no over-pledging
    users = [make_user(f"o{i}") for i in range(30)]

    def pledge(i):
        fresh = Need.objects.select_related("campaign").get(pk=need.pk)
        services.pledge_create(user=users[i], need=fresh, quantity=7)

    errors = _run_at_once(30, pledge)
    need.refresh_from_db()
    assert need.pledged_total == 98  # 14 pledges of 7 fit under 100
    assert len(errors) == 16
    assert Pledge.objects.filter(need=need).count() == 14


def test_the_same_idempotency_key_at_once_stores_one_pledge(olivia, alice, world):
    campaign = make_campaign(olivia, world.a)
    need = campaign.needs.get(dimension="resource")
    results = []

    def pledge(i):
        fresh = Need.objects.select_related("campaign").get(pk=need.pk)
        results.append(services.pledge_create(user=alice, need=fresh, quantity=2, idempotency_key="retry-1").pk)

    errors = _run_at_once(8, pledge)
    assert errors == []
    assert len(set(results)) == 1
    need.refresh_from_db()
    assert need.pledged_total == 2
    assert Pledge.objects.count() == 1
