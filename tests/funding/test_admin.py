import pytest
from django.test import Client

from funding import ledger
from funding.models import LedgerEntry, MatchingPool

pytestmark = pytest.mark.django_db


def test_a_pool_opened_in_the_admin_enters_its_budget_in_the_ledger(admin_user):
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/funding/matchingpool/add/").status_code == 200
    response = client.post(
        "/admin/funding/matchingpool/add/",
        {
            "name": "市级配捐", "tier": "city", "currency": "cny", "budget_fen": 100_000, "ratio_numerator": 1,
            "ratio_denominator": 1, "starts_at_0": "2026-01-01", "starts_at_1": "00:00:00", "ends_at_0": "2030-01-01",
            "ends_at_1": "00:00:00", "stacking_order": 1, "is_active": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    pool = MatchingPool.objects.get()
    assert pool.remaining_fen == 100_000
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.POOL_FUNDED, pool=pool).count() == 1
    assert ledger.balance_of(ledger.pool_available(pool.pk)) == 100_000
    assert client.get(f"/admin/funding/matchingpool/{pool.pk}/change/").status_code == 200
    assert client.get("/admin/funding/ledgerentry/").status_code == 200
    assert client.get("/admin/funding/ledgerentry/add/").status_code == 403
