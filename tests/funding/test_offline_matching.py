"""Cash recorded by an organiser with a receipt (线下捐款) is matched by the pools that match
offline cash, under the same rules as online money (stacking, caps, budget, conditional and
all-or-nothing reservations), with the same ledger entries; rejected or refunded cash gives its
match back."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from campaigns import services as campaign_services
from campaigns.models import Pledge
from funding import ledger, matching, payments
from funding.models import LedgerEntry, Match

from .conftest import make_pool, money_campaign, money_need

pytestmark = pytest.mark.django_db


def receipt() -> SimpleUploadedFile:
    buf = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return SimpleUploadedFile("receipt.png", buf.getvalue(), content_type="image/png")


def record_cash(olivia, campaign, capture, amount=2_000, name="张大爷") -> Pledge:
    with capture(execute=True):
        return campaign_services.pledge_record_offline(
            actor=olivia, need_id=money_need(campaign).pk, amount_fen=amount, evidence=receipt(), contributor_name=name
        )


def test_cash_is_matched_only_by_pools_that_match_offline_cash(
    olivia, kwyr_campaign, boss, django_capture_on_commit_callbacks
):
    offline = make_pool(boss, matches_offline=True, approve=[kwyr_campaign])
    online_only = make_pool(
        boss, tier="district", district=kwyr_campaign.host_community.township.district, approve=[kwyr_campaign]
    )
    assert online_only.matches_offline is False  # the default
    pledge = record_cash(olivia, kwyr_campaign, django_capture_on_commit_callbacks)

    match = Match.objects.get()
    assert (match.pool_id, match.pledge_id, match.amount_fen) == (offline.pk, pledge.pk, 2_000)
    assert match.status == Match.Status.COMMITTED and match.offline and match.donor_id is None
    offline.refresh_from_db()
    online_only.refresh_from_db()
    assert offline.remaining_fen == offline.budget_fen - 2_000
    assert online_only.remaining_fen == online_only.budget_fen
    kinds = list(LedgerEntry.objects.filter(pledge_id=pledge.pk).values_list("kind", flat=True))
    assert kinds == [LedgerEntry.Kind.MATCH_RESERVED, LedgerEntry.Kind.MATCH_COMMITTED]
    assert ledger.balance_of(ledger.campaign_matched(kwyr_campaign.pk)) == 2_000
    assert payments.active_match_total(pledge_id=pledge.pk) == 2_000
    # Safe to repeat: one match per pool and pledge.
    assert matching.match_offline_pledge(pledge_id=pledge.pk) == []
    assert Match.objects.count() == 1 and ledger.ledger_verify().ok


def test_cash_matching_keeps_to_stacking_caps_and_budget(
    olivia, kwyr_campaign, boss, django_capture_on_commit_callbacks
):
    district = kwyr_campaign.host_community.township.district
    city = make_pool(
        boss, matches_offline=True, budget=1_500, stacking_order=1, per_pledge_cap_fen=5_000, approve=[kwyr_campaign]
    )
    second = make_pool(
        boss,
        tier="district",
        district=district,
        matches_offline=True,
        stacking_order=2,
        per_campaign_cap_fen=2_500,
        ratio_numerator=1,
        ratio_denominator=2,
        approve=[kwyr_campaign],
    )
    first = record_cash(olivia, kwyr_campaign, django_capture_on_commit_callbacks, amount=2_000)
    assert Match.objects.get(pool=city, pledge_id=first.pk).amount_fen == 1_500  # the whole budget
    assert Match.objects.get(pool=second, pledge_id=first.pk).amount_fen == 1_000  # 0.5 : 1
    again = record_cash(olivia, kwyr_campaign, django_capture_on_commit_callbacks, amount=4_000, name="李阿姨")
    assert not Match.objects.filter(pool=city, pledge_id=again.pk).exists()  # budget spent
    assert Match.objects.get(pool=second, pledge_id=again.pk).amount_fen == 1_500  # campaign cap 2,500
    city.refresh_from_db()
    assert city.remaining_fen == 0


def test_the_per_donor_cap_applies_when_the_cash_has_a_donor(olivia, alice, kwyr_campaign, boss):
    make_pool(boss, matches_offline=True, per_donor_cap_fen=1_500, approve=[kwyr_campaign])
    need = money_need(kwyr_campaign)
    pledges = []
    for _n in range(2):
        pledge = campaign_services.pledge_record_offline(
            actor=olivia, need_id=need.pk, amount_fen=1_000, evidence=receipt(), contributor_name="王阿姨"
        )
        pledges.append(pledge)
    anonymous = [p.pk for p in pledges]
    # Without a donor, no per-donor cap: each gets its full match.
    assert [sum(m.amount_fen for m in matching.match_offline_pledge(pledge_id=pk)) for pk in anonymous] == [1_000] * 2

    linked = []
    for _n in range(2):
        pledge = campaign_services.pledge_record_offline(
            actor=olivia, need_id=need.pk, amount_fen=1_000, evidence=receipt(), contributor_name="王阿姨"
        )
        Pledge.objects.filter(pk=pledge.pk).update(user=alice)  # cash given by a resident with an account
        linked.append(pledge.pk)
    assert [sum(m.amount_fen for m in matching.match_offline_pledge(pledge_id=pk)) for pk in linked] == [1_000, 500]
    assert set(Match.objects.filter(pledge_id__in=linked).values_list("donor_id", flat=True)) == {alice.pk}


@pytest.mark.parametrize(("outcome", "status"), [("succeeded", "committed"), ("failed", "released")])
def test_all_or_nothing_and_conditional_matches_of_cash_wait_for_the_outcome(
    olivia, world, boss, django_capture_on_commit_callbacks, outcome, status
):
    aon = money_campaign(olivia, world.a, mode="all_or_nothing", days=5, target=10_000)
    kwyr = money_campaign(olivia, world.a, mode="keep_what_you_raise", title="第二个行动")
    make_pool(boss, matches_offline=True, approve=[aon])
    conditional = make_pool(boss, matches_offline=True, conditional=True, name="达标配捐", approve=[kwyr])
    held = record_cash(olivia, aon, django_capture_on_commit_callbacks)
    waiting = record_cash(olivia, kwyr, django_capture_on_commit_callbacks)
    assert Match.objects.get(pledge_id=held.pk).status == Match.Status.RESERVED
    assert Match.objects.get(pledge_id=waiting.pk, pool=conditional).status == Match.Status.RESERVED

    for campaign in (aon, kwyr):
        assert payments.campaign_settle(campaign_id=campaign.pk, outcome=outcome) is True
    assert Match.objects.get(pledge_id=held.pk).status == status
    assert Match.objects.get(pledge_id=waiting.pk).status == status
    assert ledger.ledger_verify().ok


def test_cash_recorded_after_a_failed_close_is_not_matched(olivia, kwyr_campaign, boss):
    make_pool(boss, matches_offline=True, approve=[kwyr_campaign])
    pledge = campaign_services.pledge_record_offline(
        actor=olivia, need_id=money_need(kwyr_campaign).pk, amount_fen=1_000, evidence=receipt(), contributor_name="x"
    )
    payments.campaign_settle(campaign_id=kwyr_campaign.pk, outcome="cancelled")
    assert matching.match_offline_pledge(pledge_id=pledge.pk) == []
    assert not Match.objects.exists()


def test_cash_taken_back_gives_its_match_back(olivia, kwyr_campaign, boss, django_capture_on_commit_callbacks):
    pool = make_pool(boss, matches_offline=True, approve=[kwyr_campaign])
    refunded = record_cash(olivia, kwyr_campaign, django_capture_on_commit_callbacks)
    rejected = record_cash(olivia, kwyr_campaign, django_capture_on_commit_callbacks, amount=1_000, name="李阿姨")
    assert Match.objects.filter(status=Match.Status.COMMITTED).count() == 2

    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.pledge_mark_refunded(pledge_id=refunded.pk, reason="现金已退还")
    assert Match.objects.get(pledge_id=refunded.pk).status == Match.Status.RELEASED

    # A cash pledge held as confirmed (not yet fulfilled) that the organiser then rejects.
    Pledge.objects.filter(pk=rejected.pk).update(status=Pledge.Status.CONFIRMED)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_services.pledge_reject(actor=olivia, pledge_id=rejected.pk, reason="收据有误")
    assert Match.objects.get(pledge_id=rejected.pk).status == Match.Status.RELEASED

    pool.refresh_from_db()
    assert pool.remaining_fen == pool.budget_fen
    assert ledger.balance_of(ledger.campaign_matched(kwyr_campaign.pk)) == 0
    assert LedgerEntry.objects.filter(kind=LedgerEntry.Kind.MATCH_RELEASED).count() == 2
