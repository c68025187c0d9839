import importlib

import pytest


@pytest.mark.django_db
def test_the_demo_seeds_four_tiers_of_pools_donations_with_matches_and_a_ledger_that_verifies():
    from campaigns.models import Campaign, Dimension, Need
    from core.demo import DemoContext
    from funding.ledger import ledger_verify
    from funding.models import Match, MatchingPool, Payment
    from funding.selectors import campaign_transparency, money_summary

    ctx = DemoContext()
    for name in ("network.demo", "problems.demo", "voting.demo", "campaigns.demo", "funding.demo"):
        importlib.import_module(name).seed(ctx)
    assert set(MatchingPool.objects.values_list("tier", flat=True)) == {"city", "district", "township", "charity"}
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 4
    assert Match.objects.filter(status=Match.Status.COMMITTED).exists()
    canteen = ctx.objects["campaigns"]["canteen"]
    summary = money_summary(campaign_id=canteen.pk)
    assert summary["donations_fen"] == 10_000 + 5_000 + 20_000 + 8_800
    assert summary["by_tier"]["city"] > 0 and summary["by_tier"]["charity"] > 0
    assert campaign_transparency(campaign_id=canteen.pk)["adds_up"]
    # A live all-or-nothing campaign, with cash recorded and room left for online gifts.
    handrails = ctx.objects["campaigns"]["handrails"]
    handrails.refresh_from_db()
    assert handrails.status == Campaign.Status.LIVE
    assert handrails.money_mode == Campaign.MoneyMode.ALL_OR_NOTHING
    need = Need.objects.get(campaign=handrails, dimension=Dimension.MONEY)
    assert 0 < need.pledged_total == need.fulfilled_total < need.target
    assert ledger_verify().ok


@pytest.mark.django_db
def test_the_whole_demo_leaves_a_ledger_that_verifies_and_pools_that_are_not_overdrawn():
    from core.demo import seed_demo
    from funding import ledger
    from funding.models import MatchingPool

    assert seed_demo() is True
    assert ledger.ledger_verify().ok
    for pool in MatchingPool.objects.all():
        assert 0 <= pool.remaining_fen <= pool.budget_fen
        assert ledger.balance_of(ledger.pool_available(pool.pk)) == pool.remaining_fen, pool
