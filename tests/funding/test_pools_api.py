"""Pool management over the API: open, change rules, top up, pause and resume — by the pool's
funder only, with every refusal a clean 4xx that stores nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from funding import ledger
from funding.models import LedgerEntry, Match, MatchingPool

from .conftest import make_pool

pytestmark = pytest.mark.django_db


def new_pool(world, **extra):
    now = timezone.now()
    return {
        "name": "幸福基金一老配捐",
        "description": "为老年人项目配捐",
        "tier": "charity",
        "fund": world.fund_x.pk,
        "budget_fen": 200_000,
        "currency": "cny",
        "ratio_numerator": 1,
        "ratio_denominator": 2,
        "per_pledge_cap_fen": 5_000,
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=30)).isoformat(),
        "daily_start": "08:00",
        "daily_end": "20:00",
        "stacking_order": 40,
        **extra,
    }


def _nothing_stored():
    return not MatchingPool.objects.exists() and not LedgerEntry.objects.exists()


# --- create ------------------------------------------------------------------------------------------


def test_a_fund_reviewer_opens_a_pool_for_her_fund_and_the_budget_enters_the_ledger(api_as, rita, world):
    response = api_as(rita).post("/api/funding/pools/", new_pool(world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["budget_fen"] == body["remaining_fen"] == 200_000
    assert body["description"] == "为老年人项目配捐" and body["funder"] == "幸福基金"
    pool = MatchingPool.objects.get(pk=body["id"])
    assert (pool.tier, pool.fund_id, pool.daily_start.hour, pool.stacking_order) == ("charity", world.fund_x.pk, 8, 40)
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.POOL_FUNDED, pool=pool)
    assert entry.fund_id == world.fund_x.pk
    assert ledger.balance_of(ledger.pool_available(pool.pk)) == 200_000
    assert ledger.ledger_verify().ok


def test_a_station_social_worker_opens_a_township_pool_for_its_own_township_only(api_as, sam, world):
    own = new_pool(world, tier="township", township=world.t1.pk, fund=None, name="百丈街道配捐")
    assert api_as(sam).post("/api/funding/pools/", own, format="json").status_code == 201
    other = new_pool(world, tier="township", township=world.t2.pk, fund=None, name="东胜街道配捐")
    assert api_as(sam).post("/api/funding/pools/", other, format="json").status_code == 403
    assert list(MatchingPool.objects.values_list("name", flat=True)) == ["百丈街道配捐"]


@pytest.mark.parametrize(
    ("who", "status"), [(None, 401), ("alice", 403), ("olivia", 403), ("charlie", 403), ("ruth", 403)]
)
def test_only_the_funders_staff_may_open_a_pool(api_as, world, alice, olivia, charlie, ruth, who, status):
    people = {"alice": alice, "olivia": olivia, "charlie": charlie, "ruth": ruth}
    response = api_as(people.get(who)).post("/api/funding/pools/", new_pool(world), format="json")
    assert response.status_code == status
    assert response.json()["detail"]
    assert _nothing_stored()


def test_city_and_district_pools_are_for_platform_admins(api_as, rita, sam, admin_user, world):
    city = new_pool(world, tier="city", fund=None, name="市级配捐")
    for person in (rita, sam):
        assert api_as(person).post("/api/funding/pools/", city, format="json").status_code == 403
    assert _nothing_stored()
    assert api_as(admin_user).post("/api/funding/pools/", city, format="json").status_code == 201
    district = new_pool(world, tier="district", fund=None, district=world.district.pk, name="区级配捐")
    assert api_as(admin_user).post("/api/funding/pools/", district, format="json").status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ratio_numerator": 0}, "ratio_numerator"),
        ({"ratio_numerator": 4, "ratio_denominator": 1}, "ratio_numerator"),  # above the 3:1 total
        ({"ratio_denominator": 5000}, "ratio_numerator"),
        ({"per_pledge_cap_fen": -1}, "per_pledge_cap_fen"),
        ({"per_donor_cap_fen": -5}, "per_donor_cap_fen"),
        ({"budget_fen": 0}, "budget_fen"),
        ({"budget_fen": -100}, "budget_fen"),
        ({"budget_fen": 12.5}, "budget_fen"),
        ({"currency": "usd"}, "currency"),
        ({"daily_start": "08:00", "daily_end": None}, "daily_end"),
        ({"daily_start": "08:00", "daily_end": "08:00"}, "daily_end"),
        ({"daily_start": "25:00"}, "daily_start"),
        ({"stacking_order": -1}, "stacking_order"),
        ({"name": "   "}, "name"),
        ({"fund": None}, "fund"),
        ({"fund": 999_999}, "fund"),
        ({"tier": "galaxy"}, "tier"),
    ],
)
def test_bad_pool_settings_are_refused_with_a_message_and_nothing_is_stored(api_as, rita, world, change, field):
    response = api_as(rita).post("/api/funding/pools/", new_pool(world, **change), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"], response.json()
    assert _nothing_stored()


def test_the_window_must_end_after_it_starts(api_as, rita, world):
    now = timezone.now()
    body = new_pool(world, starts_at=now.isoformat(), ends_at=(now - timedelta(days=1)).isoformat())
    response = api_as(rita).post("/api/funding/pools/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["ends_at"] == ["结束时间必须晚于开始时间。"]
    assert _nothing_stored()


def test_refusals_are_translated(api_as, rita, world):
    response = api_as(rita).post(
        "/api/funding/pools/", new_pool(world, ratio_numerator=0), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["ratio_numerator"] != ["配捐比例必须是正数。"]


# --- edit --------------------------------------------------------------------------------------------


def test_the_manager_changes_the_rules_and_matches_already_made_stay(api_as, rita, admin_user, alice, pool_x):
    from funding import matching
    from funding.models import PoolApproval

    PoolApproval.objects.create(pool=pool_x, campaign_id=77, approved_by=admin_user)
    [match] = matching.match_allocate(
        pledge_id=1, campaign_id=77, donor_id=alice.pk, amount_fen=10_000, currency="cny", hold_until_success=True
    )
    assert match.amount_fen == 10_000
    response = api_as(rita).patch(
        f"/api/funding/pools/{pool_x.pk}/",
        {"ratio_numerator": 1, "ratio_denominator": 4, "per_pledge_cap_fen": None, "name": "幸福配捐（二期）",
         "description": "第二期", "daily_start": "22:00", "daily_end": "06:00", "conditional": True},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.json()
    pool_x.refresh_from_db()
    assert (pool_x.ratio_numerator, pool_x.ratio_denominator, pool_x.name) == (1, 4, "幸福配捐（二期）")
    assert pool_x.daily_start.hour == 22 and pool_x.conditional
    assert pool_x.remaining_fen == 90_000 and pool_x.budget_fen == 100_000
    match.refresh_from_db()
    assert (match.amount_fen, match.status) == (10_000, Match.Status.RESERVED)


def test_the_budget_tier_and_funder_cannot_be_edited_directly(api_as, rita, pool_x, world):
    url = f"/api/funding/pools/{pool_x.pk}/"
    for change in ({"budget_fen": 999_999}, {"remaining_fen": 999_999}, {"fund": world.fund_y.pk}, {"tier": "city"}):
        response = api_as(rita).patch(url, {"name": "改名", **change}, format="json")
        assert response.status_code == 400, change
        assert next(iter(change)) in response.json()["fields"]
    pool_x.refresh_from_db()
    assert (pool_x.budget_fen, pool_x.remaining_fen, pool_x.fund_id, pool_x.name) == (
        100_000, 100_000, world.fund_x.pk, "幸福配捐"
    )  # fmt: skip


def test_a_bad_edit_changes_nothing(api_as, rita, pool_x):
    url = f"/api/funding/pools/{pool_x.pk}/"
    before = MatchingPool.objects.filter(pk=pool_x.pk).values().get()
    for change in (
        {"name": "新名字", "ratio_numerator": 0},
        {"name": "新名字", "ends_at": (pool_x.starts_at - timedelta(days=1)).isoformat()},
        {"name": "新名字", "per_campaign_cap_fen": -1},
        {"name": "新名字", "daily_start": "09:00"},  # the pool has no daily end
    ):
        assert api_as(rita).patch(url, change, format="json").status_code == 400, change
    assert MatchingPool.objects.filter(pk=pool_x.pk).values().get() == before


@pytest.mark.parametrize(
    ("who", "status"), [(None, 401), ("alice", 403), ("olivia", 403), ("charlie", 403), ("ruth", 403)]
)
def test_only_the_pools_managers_may_edit_it(api_as, pool_x, alice, olivia, charlie, ruth, who, status):
    people = {"alice": alice, "olivia": olivia, "charlie": charlie, "ruth": ruth}
    response = api_as(people.get(who)).patch(f"/api/funding/pools/{pool_x.pk}/", {"name": "x"}, format="json")
    assert response.status_code == status
    pool_x.refresh_from_db()
    assert pool_x.name == "幸福配捐"


def test_an_admin_may_edit_any_pool_and_a_missing_pool_is_404(api_as, admin_user, rita, pool_x):
    assert api_as(admin_user).patch(f"/api/funding/pools/{pool_x.pk}/", {"stacking_order": 5}).status_code == 200
    assert api_as(rita).patch("/api/funding/pools/999999/", {"name": "x"}, format="json").status_code == 404
    assert api_as(None).get(f"/api/funding/pools/{pool_x.pk}/").json()["stacking_order"] == 5
    assert api_as(None).get("/api/funding/pools/999999/").status_code == 404


# --- top up ------------------------------------------------------------------------------------------


def test_a_top_up_grows_budget_and_remaining_and_is_posted_to_the_ledger(api_as, rita, pool_x, world):
    url = f"/api/funding/pools/{pool_x.pk}/top-ups/"
    response = api_as(rita).post(url, {"amount_fen": 50_000, "currency": "cny", "note": "第二笔拨款"}, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["budget_fen"], response.json()["remaining_fen"]) == (150_000, 150_000)
    entries = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.POOL_FUNDED, pool=pool_x).order_by("seq")
    assert [e.memo for e in entries] == ["幸福配捐", "第二笔拨款"]
    assert entries.last().fund_id == world.fund_x.pk
    assert ledger.balance_of(ledger.pool_available(pool_x.pk)) == 150_000
    assert ledger.ledger_verify().ok


@pytest.mark.parametrize(
    "body",
    [
        {"amount_fen": 0, "currency": "cny"},
        {"amount_fen": -100, "currency": "cny"},
        {"amount_fen": 10.5, "currency": "cny"},
        {"amount_fen": "一百", "currency": "cny"},
        {"amount_fen": 100, "currency": "usd"},
        {"amount_fen": 100},
        {"amount_fen": 10**15, "currency": "cny"},
    ],
)
def test_a_bad_top_up_is_refused_and_nothing_is_stored(api_as, rita, pool_x, body):
    before = LedgerEntry.objects.count()
    response = api_as(rita).post(f"/api/funding/pools/{pool_x.pk}/top-ups/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]
    pool_x.refresh_from_db()
    assert (pool_x.budget_fen, pool_x.remaining_fen) == (100_000, 100_000)
    assert LedgerEntry.objects.count() == before


@pytest.mark.parametrize(
    ("who", "status"), [(None, 401), ("alice", 403), ("olivia", 403), ("charlie", 403), ("ruth", 403)]
)
def test_only_the_pools_managers_may_top_it_up(api_as, pool_x, alice, olivia, charlie, ruth, who, status):
    people = {"alice": alice, "olivia": olivia, "charlie": charlie, "ruth": ruth}
    response = api_as(people.get(who)).post(
        f"/api/funding/pools/{pool_x.pk}/top-ups/", {"amount_fen": 100, "currency": "cny"}, format="json"
    )
    assert response.status_code == status
    assert LedgerEntry.objects.filter(pool=pool_x).count() == 1
    assert api_as(people.get(who)).post("/api/funding/pools/999999/top-ups/", {}).status_code in (401, 404)


# --- pause and resume --------------------------------------------------------------------------------


def test_a_paused_pool_adds_no_new_matches_and_reserved_ones_follow_their_campaign(
    api_as, rita, admin_user, alice, pool_x
):
    from funding import matching
    from funding.models import PoolApproval

    PoolApproval.objects.create(pool=pool_x, campaign_id=77, approved_by=admin_user)
    args = {"campaign_id": 77, "donor_id": alice.pk, "currency": "cny", "hold_until_success": True}
    [reserved] = matching.match_allocate(pledge_id=1, amount_fen=1_000, **args)
    response = api_as(rita).post(f"/api/funding/pools/{pool_x.pk}/pause/")
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert matching.match_allocate(pledge_id=2, amount_fen=1_000, **args) == []
    assert matching.match_commit(campaign_id=77) == 1
    reserved.refresh_from_db()
    assert reserved.status == Match.Status.COMMITTED
    assert api_as(rita).post(f"/api/funding/pools/{pool_x.pk}/resume/").json()["is_active"] is True
    assert len(matching.match_allocate(pledge_id=3, amount_fen=1_000, **args)) == 1


@pytest.mark.parametrize(
    ("who", "status"), [(None, 401), ("alice", 403), ("olivia", 403), ("charlie", 403), ("ruth", 403)]
)
def test_only_the_pools_managers_may_pause_it(api_as, pool_x, alice, olivia, charlie, ruth, who, status):
    people = {"alice": alice, "olivia": olivia, "charlie": charlie, "ruth": ruth}
    assert api_as(people.get(who)).post(f"/api/funding/pools/{pool_x.pk}/pause/").status_code == status
    pool_x.refresh_from_db()
    assert pool_x.is_active
    MatchingPool.objects.filter(pk=pool_x.pk).update(is_active=False)
    assert api_as(people.get(who)).post(f"/api/funding/pools/{pool_x.pk}/resume/").status_code == status
    pool_x.refresh_from_db()
    assert not pool_x.is_active


# --- list --------------------------------------------------------------------------------------------


def test_the_pool_list_costs_the_same_queries_for_one_pool_or_many(
    api_as, admin_user, world, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_pool(admin_user, tier="charity", fund=world.fund_x)
    with CaptureQueriesContext(connection) as one:
        assert len(api_as(None).get("/api/funding/pools/").json()) == 1
    for i in range(6):
        make_pool(admin_user, tier="township", township=world.t1, name=f"街道配捐{i}")
        make_pool(admin_user, tier="district", district=world.district, name=f"区配捐{i}")
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(api_as(None).get("/api/funding/pools/").json()) == 13
