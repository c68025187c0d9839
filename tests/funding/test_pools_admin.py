"""Editing a pool in the admin goes through the same rules as the pools page, and never writes
back a stale remaining budget."""

import pytest
from django.test import Client

from funding.models import MatchingPool

from .conftest import make_pool

pytestmark = pytest.mark.django_db


def _change_form(pool, **extra):
    return {
        "name": pool.name, "description": "", "ratio_numerator": 1, "ratio_denominator": 2,
        "starts_at_0": "2026-01-01", "starts_at_1": "00:00:00", "ends_at_0": "2030-01-01", "ends_at_1": "00:00:00",
        "stacking_order": 3, "is_active": "on", **extra,
    }  # fmt: skip


def test_an_admin_edit_changes_the_rules_and_keeps_the_budget_taken_meanwhile(admin_user):
    pool = make_pool(admin_user, budget=100_000)
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/funding/matchingpool/{pool.pk}/change/"
    assert client.get(url).status_code == 200
    # An allocation takes budget after the form was opened.
    MatchingPool.objects.filter(pk=pool.pk).update(remaining_fen=60_000)
    response = client.post(url, _change_form(pool))
    assert response.status_code == 302, response.content.decode()[:2000]
    pool.refresh_from_db()
    assert (pool.ratio_denominator, pool.stacking_order, pool.remaining_fen, pool.budget_fen) == (2, 3, 60_000, 100_000)
    client.post(url, _change_form(pool, is_active=""))
    pool.refresh_from_db()
    assert not pool.is_active


def test_an_admin_edit_with_bad_rules_is_refused(admin_user):
    pool = make_pool(admin_user)
    client = Client()
    client.force_login(admin_user)
    url = f"/admin/funding/matchingpool/{pool.pk}/change/"
    response = client.post(url, _change_form(pool, ratio_numerator=50, daily_start="08:00"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "配捐比例不能超过" in html and "每日时段需要同时填写开始和结束" in html
    pool.refresh_from_db()
    assert (pool.ratio_numerator, pool.ratio_denominator) == (1, 1)


def test_staff_without_a_funder_role_read_pools_but_get_403_on_changes_not_an_error(admin_user):
    from django.contrib.auth.models import Permission

    from tests.conftest import make_user

    pool = make_pool(admin_user)
    clerk = make_user("clerk")
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["add_matchingpool", "change_matchingpool"]))
    client = Client()
    client.force_login(clerk)
    page = client.get(f"/admin/funding/matchingpool/{pool.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # pools are public: read-only
    assert client.post(f"/admin/funding/matchingpool/{pool.pk}/change/", _change_form(pool)).status_code == 403
    assert client.get("/admin/funding/matchingpool/add/").status_code == 403
    pool.refresh_from_db()
    assert pool.stacking_order != 3
