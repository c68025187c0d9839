"""Matching pools: ratio, caps, stacking, windows, budget, release and commit."""

import datetime as dt
from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, Conflict, PermissionDenied
from funding import ledger, matching
from funding.models import Match, MatchingPool, PoolApproval
from tests.conftest import make_user

from .conftest import make_pool

pytestmark = pytest.mark.django_db
CAMPAIGN = 41


@pytest.fixture
def approved(monkeypatch):
    """Approve pools into campaign CAMPAIGN without a campaigns row (engine-level tests)."""

    def approve(pool, boss, cap=None):
        return PoolApproval.objects.create(pool=pool, campaign_id=CAMPAIGN, approved_by=boss, cap_override_fen=cap)

    return approve


def allocate(pledge_id, donor, amount, *, hold=False):
    return matching.match_allocate(
        pledge_id=pledge_id, campaign_id=CAMPAIGN, donor_id=donor.pk, amount_fen=amount, currency="cny",
        hold_until_success=hold,
    )  # fmt: skip


def test_it_matches_by_ratio_and_commits_at_once_when_not_held(boss, alice, approved):
    pool = make_pool(boss, ratio_numerator=1, ratio_denominator=2, budget=100_000)
    approved(pool, boss)
    [match] = allocate(1, alice, 10_000)
    assert match.amount_fen == 5_000 and match.status == Match.Status.COMMITTED
    pool.refresh_from_db()
    assert pool.remaining_fen == 95_000
    assert ledger.balance_of(ledger.campaign_matched(CAMPAIGN)) == 5_000
    assert ledger.balance_of(ledger.pool_available(pool.pk)) == 95_000
    assert ledger.ledger_verify().ok


def test_it_is_idempotent_per_pool_and_pledge(boss, alice, approved):
    pool = make_pool(boss)
    approved(pool, boss)
    allocate(1, alice, 1_000)
    assert allocate(1, alice, 1_000) == []
    assert Match.objects.count() == 1


def test_per_pledge_cap(boss, alice, approved):
    approved(make_pool(boss, per_pledge_cap_fen=3_000), boss)
    [match] = allocate(1, alice, 10_000)
    assert match.amount_fen == 3_000


def test_per_donor_cap_across_pledges_of_one_campaign(boss, alice, bob, approved):
    approved(make_pool(boss, per_donor_cap_fen=5_000), boss)
    assert allocate(1, alice, 4_000)[0].amount_fen == 4_000
    assert allocate(2, alice, 4_000)[0].amount_fen == 1_000
    assert allocate(3, alice, 4_000) == []
    assert allocate(4, bob, 4_000)[0].amount_fen == 4_000  # another donor has own room


def test_per_campaign_cap_and_the_approval_override(boss, alice, bob, approved):
    pool = make_pool(boss, per_campaign_cap_fen=5_000)
    approved(pool, boss, cap=6_000)  # the approval's own cap wins
    assert allocate(1, alice, 4_000)[0].amount_fen == 4_000
    assert allocate(2, bob, 4_000)[0].amount_fen == 2_000
    assert allocate(3, bob, 4_000) == []
    assert PoolApproval.objects.get(pool=pool).matched_fen == 6_000


def test_tiers_stack_in_order_and_never_exceed_the_multiple(boss, alice, approved, settings):
    settings.FUNDING_MATCH_MAX_MULTIPLE = (2, 1)
    city = make_pool(boss, tier="city", stacking_order=1)
    charity = make_pool(boss, tier="charity", fund=_fund(), stacking_order=3)
    district = make_pool(boss, tier="district", district=_district(), stacking_order=2)
    for pool in (city, district, charity):
        approved(pool, boss)
    matches = allocate(1, alice, 1_000)
    assert [(m.pool_id, m.amount_fen) for m in matches] == [(city.pk, 1_000), (district.pk, 1_000)]
    assert sum(m.amount_fen for m in matches) <= 2 * 1_000


def test_last_money_in_a_pool_is_given_first_come_first_served(boss, alice, bob, approved):
    pool = make_pool(boss, budget=1_500)
    approved(pool, boss)
    assert allocate(1, alice, 1_000)[0].amount_fen == 1_000
    assert allocate(2, bob, 1_000)[0].amount_fen == 500
    assert allocate(3, bob, 1_000) == []
    pool.refresh_from_db()
    assert pool.remaining_fen == 0


def test_closed_window_or_outside_daily_hours_adds_nothing(boss, alice, approved):
    now = timezone.now()
    approved(make_pool(boss, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2)), boss)
    local = timezone.localtime(now)
    start = (local + timedelta(hours=2)).time().replace(microsecond=0)
    end = (local + timedelta(hours=3)).time().replace(microsecond=0)
    approved(make_pool(boss, tier="district", district=_district(), daily_start=start, daily_end=end), boss)
    assert allocate(1, alice, 1_000) == []


def test_a_daily_window_open_now_matches(boss, alice, approved):
    approved(make_pool(boss, daily_start=dt.time(0, 0), daily_end=dt.time(23, 59, 59, 999999)), boss)
    assert len(allocate(1, alice, 1_000)) == 1


def test_held_matches_wait_for_success_and_release_gives_budget_back(boss, alice, approved):
    pool = make_pool(boss, budget=10_000)
    approved(pool, boss)
    [match] = allocate(1, alice, 2_000, hold=True)
    assert match.status == Match.Status.RESERVED
    assert ledger.balance_of(ledger.pool_reserved(pool.pk)) == 2_000
    assert matching.match_release(pledge_ids=[1], reason="退款") == 2_000
    assert matching.match_release(pledge_ids=[1], reason="退款") == 0  # once only
    pool.refresh_from_db()
    assert pool.remaining_fen == 10_000
    assert PoolApproval.objects.get(pool=pool).matched_fen == 0
    assert ledger.balance_of(ledger.pool_available(pool.pk)) == 10_000
    assert ledger.ledger_verify().ok


def test_conditional_pool_reserves_then_commits(boss, alice, approved):
    pool = make_pool(boss, conditional=True)
    approved(pool, boss)
    [match] = allocate(1, alice, 2_000)
    assert match.status == Match.Status.RESERVED
    assert matching.match_commit(campaign_id=CAMPAIGN) == 1
    assert Match.objects.get().status == Match.Status.COMMITTED
    assert ledger.balance_of(ledger.campaign_matched(CAMPAIGN)) == 2_000


def test_releasing_a_committed_match_takes_it_back_from_the_campaign(boss, alice, approved):
    pool = make_pool(boss)
    approved(pool, boss)
    allocate(1, alice, 2_000)
    matching.match_release(pledge_ids=[1], reason="退款")
    assert ledger.balance_of(ledger.campaign_matched(CAMPAIGN)) == 0
    pool.refresh_from_db()
    assert pool.remaining_fen == pool.budget_fen


def test_pool_create_validates_input(boss):
    now = timezone.now()
    with pytest.raises(ApplicationError) as exc:
        matching.pool_create(actor=boss, name="", tier="city", budget_fen=0, starts_at=now, ends_at=now)
    assert {"name", "budget_fen", "ends_at"} <= set(exc.value.fields)
    assert not MatchingPool.objects.exists()


def test_only_the_funder_manages_a_pool(boss, rita, olivia, world):
    charity = make_pool(boss, tier="charity", fund=world.fund_x)
    other = make_pool(boss, tier="charity", fund=world.fund_y)
    assert matching.pool_access(user=rita, pool_id=charity.pk) == charity
    with pytest.raises(PermissionDenied):
        matching.pool_access(user=rita, pool_id=other.pk)
    with pytest.raises(PermissionDenied):
        matching.pool_access(user=olivia, pool_id=charity.pk)
    city = make_pool(boss)
    with pytest.raises(PermissionDenied):
        matching.pool_access(user=rita, pool_id=city.pk)
    with pytest.raises(PermissionDenied):
        make_pool(rita, tier="charity", fund=world.fund_y)


def test_station_staff_manage_their_townships_pool(boss, world):
    from accounts.models import StationStaff

    worker = make_user("sg")
    StationStaff.objects.create(user=worker, station=world.station)
    own = make_pool(boss, tier="township", township=world.t1)
    elsewhere = make_pool(boss, tier="township", township=world.t2)
    assert matching.pool_access(user=worker, pool_id=own.pk) == own
    with pytest.raises(PermissionDenied):
        matching.pool_access(user=worker, pool_id=elsewhere.pk)


def test_approving_twice_is_a_conflict(boss, olivia, world):
    from tests.campaigns.conftest import make_campaign

    campaign = make_campaign(olivia, world.a)
    pool = make_pool(boss, approve=[campaign])
    with pytest.raises(Conflict):
        matching.pool_approve_campaign(actor=boss, pool_id=pool.pk, campaign_id=campaign.pk)
    matching.pool_revoke_campaign(actor=boss, pool_id=pool.pk, campaign_id=campaign.pk)
    matching.pool_approve_campaign(actor=boss, pool_id=pool.pk, campaign_id=campaign.pk, cap_override_fen=100)
    assert PoolApproval.objects.get(pool=pool).cap_override_fen == 100


@pytest.fixture
def bob(world):
    return make_user("bob")


def _fund():
    from network.models import CharityFund

    return CharityFund.objects.create(name="测试基金")


def _district():
    from network.models import District

    return District.objects.get_or_create(name="测试区")[0]
