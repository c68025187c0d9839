"""The accountability report: its totals are the ledger's and the pledges' figures."""

import pytest
from django.db.models import Sum

from campaigns import services as campaign_services
from campaigns.models import Pledge
from funding import ledger
from funding.models import Match
from review import selectors, services
from review.report import report_csv, report_pdf

from .conftest import match_money, submit_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(approved, campaign, needs, alice, olivia, rita, luo, png):
    """An online donation of 1,000 元 (matched 1:1), an offline one of 200 元, 300 元 paid out."""
    online = campaign_services.pledge_create(user=alice, need=needs["money"], amount_fen=100_000, online_payment=True)
    campaign_services.pledge_confirm(actor=None, pledge_id=online.pk, source="payment")
    match_money(campaign, 100_000, pledge_id=online.pk, donor=alice)
    campaign_services.pledge_record_offline(
        actor=olivia, need_id=needs["money"].pk, amount_fen=20_000, evidence=png(), contributor_name="张叔"
    )
    item = submit_item(olivia, approved, needs["money"], [png()], amount_fen=30_000)
    services.item_decide(actor=rita, item_id=item.pk, decision="approve")
    services.item_disburse(actor=luo, item_id=item.pk, transfer_reference="TX-1")
    return campaign


def test_report_totals_equal_the_ledger_and_the_pledges(funded):
    report = selectors.campaign_report(campaign=funded)
    pledged_money = Pledge.objects.filter(
        campaign=funded, need__dimension="money", status__in=["confirmed", "fulfilled"]
    ).aggregate(s=Sum("amount_fen"))["s"]
    assert report["donations_fen"] == pledged_money == 120_000
    assert {r["source"]: r["amount_fen"] for r in report["money_by_source"]} == {"online": 100_000, "offline": 20_000}
    committed = Match.objects.filter(campaign_id=funded.pk, status="committed").aggregate(s=Sum("amount_fen"))["s"]
    assert report["matched_fen"] == committed == 100_000
    assert [r["tier"] for r in report["money_by_tier"]] == ["charity"]
    matched_account = ledger.campaign_matched(funded.pk)
    assert report["disbursed_fen"] == 30_000
    assert ledger.balance_of(matched_account) == report["matched_fen"] - report["disbursed_fen"]
    from funding.selectors import campaign_transparency

    books = campaign_transparency(campaign_id=funded.pk)
    assert books["adds_up"]
    assert report["matched_fen"] == books["matches_committed_fen"] - books["matches_withdrawn_fen"]
    assert report["disbursed_fen"] == books["disbursements_fen"]
    assert {t: a for t, a in books["matches_by_tier"].items() if a} == {
        r["tier"]: r["amount_fen"] for r in report["money_by_tier"]
    }
    money = next(d for d in report["dimensions"] if d["dimension"] == "money")
    assert money["confirmed"] == pledged_money


def test_report_downloads_in_chinese(funded):
    report = selectors.campaign_report(campaign=funded)
    csv_text = report_csv(report).decode("utf-8-sig")
    assert "筹资金" in csv_text and "1,200.00 元" in csv_text and "TX-1" in csv_text
    assert "2,200.00" in csv_text  # 1,000 online + 200 offline + 1,000 matched
    pdf = report_pdf(report)
    assert pdf.startswith(b"%PDF-") and b"STSong-Light" in pdf


def test_report_pages_are_public_for_a_public_campaign(client, funded):
    page = client.get(f"/campaigns/{funded.pk}/accountability/")
    assert page.status_code == 200 and "结项报告" in page.content.decode()
    pdf = client.get(f"/campaigns/{funded.pk}/report.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    csv = client.get(f"/campaigns/{funded.pk}/report.csv")
    assert csv.status_code == 200 and "筹资金" in csv.content.decode("utf-8-sig")


def test_a_draft_campaigns_report_is_not_public(client, olivia, world):
    from tests.campaigns.conftest import make_campaign

    draft = make_campaign(olivia, world.a, status="draft", title="草稿行动")
    assert client.get(f"/campaigns/{draft.pk}/accountability/").status_code == 404
    assert client.get(f"/campaigns/{draft.pk}/report.pdf").status_code == 404
