"""The foundation reviewers' journey at a desk: 陈评审 opens the review queue and approves two
campaigns' applications to the fund's pool; 李社工 submits a funded item with its receipt; 陈评审
looks at the receipt and approves the item; 罗评审 records the disbursement (the approver may not);
陈评审 reads the fund overview and the campaign's public ledger and downloads the report."""

import io
import re
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

LOBBY = "12 幢楼道焕新：修屋顶、刷墙面、换灯"
FLOWERS = "花开百老弄：和留守、随迁老人一起种花"


def open_call(ctx):
    """The fund's matching pool and its open call, with 楼道焕新 and 花开百老弄 applying to it."""
    from funding.matching import pool_create
    from funding.models import MatchingPool
    from review import services

    chen = ctx.users["chenpingshen"]
    fund = ctx.objects["fund"]
    now = timezone.now()
    pool = pool_create(
        actor=chen,
        name="一老一小微项目配捐",
        tier=MatchingPool.Tier.CHARITY,
        fund=fund,
        budget_fen=20_000_000,
        starts_at=now - timedelta(days=40),
        ends_at=now + timedelta(days=120),
        per_campaign_cap_fen=2_000_000,
        stacking_order=0,
    )
    call = services.call_create(
        actor=chen, pool=pool, title="一老一小微项目配捐计划", tags=["elderly", "children"], max_ask_fen=2_000_000
    )
    campaigns = ctx.objects["campaigns"]
    for organiser, key, ask, statement in (
        ("lisg", "lobby", 1_000_000, "居民已自筹 1.2 万元，申请配捐用于屋顶防水和楼道灯具。"),
        ("huangsg", "flowers", 500_000, "申请配捐用于花苗、花盆和营养土。"),
    ):
        services.application_submit(
            actor=ctx.users[organiser], call_id=call.pk, campaign_id=campaigns[key].pk, ask_fen=ask, statement=statement
        )
    return pool


def match_largest_donation(campaign, organiser) -> None:
    """The pool adds its match to the campaign's largest confirmed gift, as it does when a gift
    is confirmed after the campaign joined the pool."""
    from funding.matching import match_allocate

    pledge = (
        campaign.pledges.filter(need__dimension="money", status__in=["confirmed", "fulfilled"])
        .order_by("-amount_fen")
        .first()
    )
    with transaction.atomic():
        match_allocate(
            pledge_id=pledge.pk,
            campaign_id=campaign.pk,
            donor_id=pledge.recorded_by_id or organiser.pk,
            amount_fen=pledge.amount_fen,
            currency=pledge.currency,
            hold_until_success=False,
        )


def receipt_image(tmp_path):
    path = tmp_path / "invoice.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (640, 420), (255, 252, 235)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def decide(page, decision: str, reason: str):
    page.get_by_label(decision, exact=True).check()
    page.get_by_label(re.compile("^理由")).fill(reason)


def test_reviewers_approve_review_disburse_and_report(people, demo_of, tmp_path):
    ctx = demo_of("network", "problems", "voting", "campaigns")
    open_call(ctx)
    fund = ctx.objects["fund"]
    lobby = ctx.objects["campaigns"]["lobby"]

    chen = people("reviewer")
    chen.login("chenpingshen")
    page = chen.goto("/")
    page.get_by_role("link", name="基金评审").click()
    expect(page.locator("[data-count=applications]")).to_have_text("2")
    chen.check()
    chen.shot("queue-desktop")

    for title, reason in ((FLOWERS, "老人直接受益，预算清楚。"), (LOBBY, "居民自筹充分，项目可行。")):
        page = chen.goto("/review/")
        page.get_by_role("link", name=title).click()
        expect(page.locator("h1")).to_contain_text(title)
        decide(page, "批准", reason)
        chen.check()
        page.get_by_role("button", name="提交评审决定").click()
        expect(page.locator(".messages")).to_be_visible()
        expect(page.locator("main")).to_contain_text(reason)
    page = chen.goto("/review/")
    expect(page.locator("[data-count=applications]")).to_have_text("0")
    match_largest_donation(lobby, ctx.users["lisg"])

    # The organiser claims an expense against the approved application, with its receipt.
    organiser = people("reviewer-organiser")
    organiser.login("lisg")
    page = organiser.goto(f"/review/campaigns/{lobby.pk}/")
    page.get_by_role("link", name=re.compile("一老一小微项目配捐计划")).first.click()
    page.get_by_role("link", name="提交资金使用申请").click()
    page.get_by_label(re.compile("^对应需求")).select_option(label="筹资金 · 防水和材料费")
    page.get_by_label(re.compile("^买了什么")).fill("楼道声控灯 18 盏")
    page.get_by_label(re.compile("^金额（元）")).fill("1260")
    page.get_by_label(re.compile("^收款方")).fill("百丈五金电器店")
    page.get_by_label(re.compile("^支出日期")).fill((timezone.localdate() - timedelta(days=2)).isoformat())
    page.get_by_label(re.compile("^票据")).set_input_files(str(receipt_image(tmp_path)))
    organiser.check()
    page.get_by_role("button", name=re.compile("提交")).last.click()
    expect(page.locator(".messages")).to_contain_text("已提交")
    item_url = page.url
    organiser.shot("item-submitted-desktop")

    # 陈评审 opens the receipt and approves the item.
    page = chen.goto("/review/")
    expect(page.locator("[data-count=items]")).to_have_text("1")
    page.get_by_role("link", name="楼道声控灯 18 盏").click()
    receipt_link = page.locator("a[href*='/review/receipts/']").first
    response = page.request.get(receipt_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/"), response.headers
    decide(page, "批准", "价格合理，票据清楚。")
    chen.check()
    page.get_by_role("button", name="提交审核决定").click()
    expect(page.locator(".messages")).to_contain_text("审核意见已记录")
    # The approver may not record the payment too: no form, and a note naming who may.
    expect(page.get_by_role("button", name="确认拨付")).to_have_count(0)
    expect(page.locator("#disburse-note")).to_contain_text("您已批准这笔支出")
    expect(page.locator("#disburse-note")).to_contain_text("罗评审")
    chen.shot("item-approved-desktop")

    luo = people("reviewer-second")
    luo.login("luopingshen")
    page = luo.goto(item_url)
    page.get_by_label(re.compile("^转账凭证号")).fill("ICBC-2026-1129-0042")
    page.get_by_role("button", name="确认拨付").click()
    expect(page.locator(".messages")).to_contain_text("拨付已登记")
    luo.check()

    # The fund overview, the campaign's public ledger and its report.
    page = chen.goto("/review/")
    page.get_by_role("link", name="基金概览").click()
    expect(page.locator("h1")).to_contain_text(fund.name)
    expect(page.locator("main")).to_contain_text(LOBBY)
    expect(page.locator("main svg").first).to_be_visible()
    chen.check()
    chen.shot("fund-overview-desktop")

    page = chen.goto(f"/campaigns/{lobby.pk}/accountability/")
    expect(page.locator("main")).to_contain_text("楼道声控灯 18 盏")
    expect(page.locator("main")).to_contain_text("1,260.00")
    chen.check()
    chen.shot("accountability-desktop")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载报告（PDF）").click()
    with open(download.value.path(), "rb") as f:
        assert f.read(5) == b"%PDF-"
    with page.expect_download() as download:
        page.get_by_role("link", name="下载报告（CSV）").click()
    with open(download.value.path(), encoding="utf-8-sig") as f:
        assert "楼道声控灯 18 盏" in f.read()
