"""The pools page for managers: open a pool, edit its rules, top up its budget, pause and resume
it. Everyone else sees the pools read-only and cannot reach the forms."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from funding import ledger
from funding.models import LedgerEntry, MatchingPool

from .conftest import make_pool

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def new_pool_form(world, **extra):
    return {
        "name": "幸福基金一老配捐",
        "tier": "charity",
        "fund": world.fund_x.pk,
        "budget_yuan": "2000",
        "description": "为老年人项目配捐",
        "ratio_denominator": "2",
        "ratio_numerator": "1",
        "per_pledge_cap_yuan": "50",
        "starts_at": "2026-01-01T08:00",
        "ends_at": "2030-01-01T08:00",
        "daily_start": "08:00",
        "daily_end": "20:00",
        "stacking_order": "40",
        **extra,
    }


def test_a_manager_sees_the_tools_for_each_of_her_pools(rita, pool_x):
    html = client_for(rita).get("/funding/pools/").content.decode()
    assert "新建配捐池" in html
    assert f"/funding/pools/{pool_x.pk}/edit/" in html
    assert f"/funding/pools/{pool_x.pk}/top-up/" in html
    assert f"/funding/pools/{pool_x.pk}/pause/" in html


@pytest.mark.parametrize("who", ["alice", "olivia", "ruth"])
def test_everyone_else_sees_the_pools_read_only(request, pool_x, who):
    response = client_for(request.getfixturevalue(who)).get("/funding/pools/")
    html = response.content.decode()
    assert response.status_code == 200 and "幸福配捐" in html
    assert f"/funding/pools/{pool_x.pk}/edit/" not in html
    assert f"/funding/pools/{pool_x.pk}/top-up/" not in html
    assert f"/funding/pools/{pool_x.pk}/pause/" not in html
    # Only a fund reviewer (of another fund) may open pools of her own.
    assert ("新建配捐池" in html) == (who == "ruth")


def test_a_fund_reviewer_opens_a_pool_from_the_page(rita, world):
    form = client_for(rita).get("/funding/pools/new/")
    html = form.content.decode()
    assert form.status_code == 200
    assert 'for="id_budget_yuan"' in html and 'for="id_daily_start"' in html
    assert "阳光基金" not in html  # only her own fund is offered
    assert 'value="city"' not in html
    response = client_for(rita).post("/funding/pools/new/", new_pool_form(world))
    assert response.status_code == 302
    pool = MatchingPool.objects.get()
    assert (pool.budget_fen, pool.per_pledge_cap_fen, pool.ratio_numerator, pool.ratio_denominator) == (
        200_000, 5_000, 1, 2
    )  # fmt: skip
    assert pool.fund_id == world.fund_x.pk and pool.description == "为老年人项目配捐"
    assert ledger.balance_of(ledger.pool_available(pool.pk)) == 200_000


def test_a_bad_new_pool_is_shown_inline_and_nothing_is_stored(rita, world):
    response = client_for(rita).post("/funding/pools/new/", new_pool_form(world, ratio_numerator="9"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_ratio_numerator_error"' in html and "配捐比例不能超过" in html
    response = client_for(rita).post("/funding/pools/new/", new_pool_form(world, ends_at="2025-01-01T08:00"))
    assert response.status_code == 400 and "结束时间必须晚于开始时间" in response.content.decode()
    response = client_for(rita).post("/funding/pools/new/", new_pool_form(world, fund=world.fund_y.pk))
    assert response.status_code == 400  # not a choice she is offered
    assert not MatchingPool.objects.exists() and not LedgerEntry.objects.exists()


def test_a_station_social_worker_opens_a_township_pool(sam, world):
    body = new_pool_form(world, tier="township", township=world.t1.pk, name="百丈街道配捐")
    del body["fund"]
    assert client_for(sam).post("/funding/pools/new/", body).status_code == 302
    assert MatchingPool.objects.get().township_id == world.t1.pk


@pytest.mark.parametrize("who", ["alice", "olivia", "charlie"])
def test_people_who_fund_nothing_cannot_open_the_new_pool_form(request, world, who):
    person = request.getfixturevalue(who)
    assert client_for(person).get("/funding/pools/new/").status_code == 403
    assert client_for(person).post("/funding/pools/new/", new_pool_form(world)).status_code == 403
    assert not MatchingPool.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(pool_x, world):
    for url in ("/funding/pools/", "/funding/pools/new/", f"/funding/pools/{pool_x.pk}/edit/",
                f"/funding/pools/{pool_x.pk}/top-up/"):  # fmt: skip
        response = client_for(None).get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    assert client_for(None).post(f"/funding/pools/{pool_x.pk}/pause/").status_code == 302
    pool_x.refresh_from_db()
    assert pool_x.is_active


def test_the_manager_edits_the_rules_from_the_page(rita, pool_x):
    page = client_for(rita).get(f"/funding/pools/{pool_x.pk}/edit/")
    assert page.status_code == 200 and 'value="幸福配捐"' in page.content.decode()
    body = {
        "name": "幸福配捐（二期）",
        "description": "",
        "ratio_denominator": "3",
        "ratio_numerator": "1",
        "per_campaign_cap_yuan": "800",
        "starts_at": "2026-01-01T08:00",
        "ends_at": "2030-01-01T08:00",
        "stacking_order": "7",
        "conditional": "on",
    }
    assert client_for(rita).post(f"/funding/pools/{pool_x.pk}/edit/", body).status_code == 302
    pool_x.refresh_from_db()
    assert (pool_x.name, pool_x.ratio_denominator, pool_x.per_campaign_cap_fen, pool_x.stacking_order) == (
        "幸福配捐（二期）", 3, 80_000, 7
    )  # fmt: skip
    assert pool_x.conditional and pool_x.budget_fen == 100_000


def test_a_bad_edit_is_shown_inline_and_changes_nothing(rita, pool_x):
    before = MatchingPool.objects.filter(pk=pool_x.pk).values().get()
    body = {"name": "新名字", "ratio_denominator": "1", "ratio_numerator": "1", "starts_at": "2026-01-01T08:00",
            "ends_at": "2030-01-01T08:00", "stacking_order": "7", "daily_start": "09:00", "daily_end": "09:00"}  # fmt: skip
    response = client_for(rita).post(f"/funding/pools/{pool_x.pk}/edit/", body)
    assert response.status_code == 400 and 'id="id_daily_end_error"' in response.content.decode()
    assert MatchingPool.objects.filter(pk=pool_x.pk).values().get() == before


def test_the_manager_tops_up_the_budget_from_the_page(rita, pool_x):
    assert client_for(rita).get(f"/funding/pools/{pool_x.pk}/top-up/").status_code == 200
    response = client_for(rita).post(f"/funding/pools/{pool_x.pk}/top-up/", {"amount_yuan": "500.50", "note": ""})
    assert response.status_code == 302
    pool_x.refresh_from_db()
    assert (pool_x.budget_fen, pool_x.remaining_fen) == (150_050, 150_050)
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.POOL_FUNDED, pool=pool_x).count() == 2
    refused = client_for(rita).post(f"/funding/pools/{pool_x.pk}/top-up/", {"amount_yuan": "0"})
    assert refused.status_code == 400 and 'id="id_amount_yuan_error"' in refused.content.decode()
    pool_x.refresh_from_db()
    assert pool_x.budget_fen == 150_050


def test_the_manager_pauses_and_resumes_from_the_page(rita, pool_x):
    client = client_for(rita)
    client.post(f"/funding/pools/{pool_x.pk}/pause/")
    pool_x.refresh_from_db()
    assert not pool_x.is_active
    html = client.get("/funding/pools/").content.decode()
    assert "已暂停" in html and f"/funding/pools/{pool_x.pk}/resume/" in html
    client.post(f"/funding/pools/{pool_x.pk}/resume/")
    pool_x.refresh_from_db()
    assert pool_x.is_active


@pytest.mark.parametrize(("who", "status"), [("alice", 403), ("olivia", 403), ("charlie", 403), ("ruth", 403)])
def test_no_one_else_reaches_a_pools_forms(request, pool_x, who, status):
    client = client_for(request.getfixturevalue(who))
    assert client.get(f"/funding/pools/{pool_x.pk}/edit/").status_code == status
    assert client.post(f"/funding/pools/{pool_x.pk}/edit/", {"name": "x"}).status_code == status
    assert client.get(f"/funding/pools/{pool_x.pk}/top-up/").status_code == status
    assert client.post(f"/funding/pools/{pool_x.pk}/top-up/", {"amount_yuan": "1"}).status_code == status
    client.post(f"/funding/pools/{pool_x.pk}/pause/")
    pool_x.refresh_from_db()
    assert pool_x.is_active and pool_x.name == "幸福配捐" and pool_x.budget_fen == 100_000
    assert client.get("/funding/pools/999999/edit/").status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["rita", "admin_user", "alice"])
def test_the_pools_page_costs_the_same_queries_for_one_pool_or_many(request, admin_user, world, kwyr_campaign, who):
    from funding import matching

    client = client_for(request.getfixturevalue(who))
    first = make_pool(admin_user, tier="charity", fund=world.fund_x, name="配捐0", approve=[kwyr_campaign])
    one = _queries(client, "/funding/pools/")
    for i in range(1, 8):
        pool = make_pool(admin_user, tier="charity", fund=world.fund_x, name=f"配捐{i}")
        matching.pool_approve_campaign(actor=admin_user, pool_id=pool.pk, campaign_id=kwyr_campaign.pk)
    assert _queries(client, "/funding/pools/") == one
    assert first.pk
