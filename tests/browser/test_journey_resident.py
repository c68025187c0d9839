"""The resident's journey on a phone (375px): a newcomer registers, joins 幸福社区 and is verified,
raises a problem with a photo, says 我也关心 and comments on a neighbour's problem, votes and checks
her receipt; a neighbour votes in a ballot of every method and checks each receipt; a resident
pledges in all five dimensions (money with the test card through the local Stripe-compatible
server), watches the campaign move live when a neighbour gives, and is notified when the organiser
confirms her pledges."""

import io
import re

from PIL import Image
from playwright.sync_api import expect

from tests.support.browser import fill_test_card

HAPPY = "幸福社区"


def photo_file(tmp_path):
    path = tmp_path / "lamp.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (200, 170, 40)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def open_ballot(session, question: str):
    page = session.goto("/ballots/?status=open")
    page.get_by_role("link", name=question).click()
    expect(page.locator("h1")).to_have_text(question)
    return page


def submit_and_read_receipt(session) -> str:
    page = session.page
    page.get_by_role("button", name="提交选票").click()
    expect(page.locator("h1")).to_contain_text("投票成功")
    code = page.locator(".receipt-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", code), code
    return code


def check_receipt(session, code: str, *expected: str):
    page = session.page
    page.get_by_role("link", name="返回投票页面").click()
    expect(page.locator("main")).to_contain_text("您已经投过票了")
    page.get_by_role("link", name="去核对").click()
    page.get_by_label("回执码").fill(code)
    page.get_by_role("button", name="核对").click()
    recorded = page.locator("section.card")
    for text in expected:
        expect(recorded).to_contain_text(text)
    return recorded


def test_newcomer_joins_raises_discusses_and_votes(people, demo_of, tmp_path):
    demo_of("network", "problems", "voting")
    resident = people("resident", phone=True)
    page = resident.goto("/register/")
    resident.check()
    page.fill("#id_username", "xiaolin")
    page.fill("#id_display_name", "小林")
    page.fill("#id_password", "neighbour-2026")
    page.fill("#id_password2", "neighbour-2026")
    page.click("button[type=submit].primary")
    expect(page.locator(".messages")).to_contain_text("注册成功")

    # Before she is verified the ballot tells her how to become eligible.
    page = open_ballot(resident, "本季度先解决哪个问题？")
    expect(page.locator(".empty")).to_contain_text("申请加入")
    expect(page.get_by_role("button", name="提交选票")).to_have_count(0)

    page = resident.goto("/network/")
    page.get_by_role("link", name=HAPPY).first.click()
    page.fill("#join-message", "住在 5 幢 1 单元，刚搬来")
    page.click("text=申请加入本社区")
    expect(page.locator(".messages")).to_contain_text("申请已提交")
    resident.check()

    organiser = people("resident-organiser")
    organiser.login("lisg")
    opage = organiser.goto("/organiser/join-requests/")
    opage.locator(".request-card", has_text="小林").get_by_role("button", name="认证").click()
    expect(opage.locator(".messages")).to_contain_text("已认证 小林")

    # She raises a problem with a photo.
    page = resident.goto("/problems/")
    page.get_by_role("link", name="提出问题").first.click()
    if "/problems/new/" not in page.url:  # several communities: choose hers first
        page.get_by_role("link", name=HAPPY).first.click()
    page.fill("#id_title", "5 幢门口路灯坏了")
    page.fill("#id_description", "5 幢门口的路灯坏了一个星期，晚上回家要打手电筒，老人容易摔倒。")
    page.select_option("#id_category", "safety")
    page.check("text=一老")
    page.fill("#id_place", "5 幢门口")
    page.set_input_files("#id_photos", str(photo_file(tmp_path)))
    resident.check()
    resident.shot("problem-new-phone")
    page.click("button[type=submit].primary")
    expect(page.locator(".messages")).to_contain_text("问题已提出")
    expect(page.locator("h1")).to_have_text("5 幢门口路灯坏了")
    expect(page.locator(".photos img")).to_have_count(1)
    resident.check()
    resident.shot("problem-mine-phone")

    # She endorses and comments on a neighbour's problem.
    page = resident.goto("/problems/")
    page.get_by_role("link", name="晚上楼道灯经常不亮").click()
    count = int(page.locator(".big-count [data-endorsements]").inner_text())
    page.get_by_role("button", name="我也关心").click()
    expect(page.locator(".big-count [data-endorsements]")).to_have_text(str(count + 1))
    expect(page.get_by_role("button", name="我已关心（点击取消）")).to_be_visible()
    page.get_by_label("说说您的看法").fill("5 幢门口也一样，可以一起修。")
    page.get_by_role("button", name="发表评论").click()
    expect(page.locator(".comments")).to_contain_text("5 幢门口也一样")
    resident.check()
    resident.shot("problem-neighbour-phone")

    # She votes in the single-choice ballot, then checks her receipt.
    page = open_ballot(resident, "本季度先解决哪个问题？")
    turnout = int(page.locator("[data-turnout]").inner_text())
    resident.check()
    page.get_by_label("晚上楼道灯经常不亮").check()
    resident.shot("ballot-single-phone")
    code = submit_and_read_receipt(resident)
    resident.check()
    resident.shot("ballot-receipt-phone")
    check_receipt(resident, code, "晚上楼道灯经常不亮")
    resident.check()
    page = open_ballot(resident, "本季度先解决哪个问题？")
    expect(page.locator("[data-turnout]")).to_have_text(str(turnout + 1))


def test_resident_votes_in_every_method(people, demo_of):
    # 赵大哥 is a verified resident of 幸福社区 who has not voted in the open demo ballots yet.
    demo_of("network", "problems", "voting")
    resident = people("voter", phone=True)
    resident.login("zhaodage")

    page = open_ballot(resident, "社区活动室开放时间")
    expect(page.locator("legend")).to_contain_text("最多 2 项")
    for label in ("工作日上午", "周末上午", "周末下午"):
        page.get_by_label(label).check()
    page.get_by_role("button", name="提交选票").click()
    expect(page.locator(".field-error")).to_be_visible()
    expect(page.get_by_label("周末下午")).to_be_checked()  # the paper is kept after an error
    resident.check()
    resident.shot("ballot-approval-error-phone")
    page.get_by_label("工作日上午").uncheck()
    code = submit_and_read_receipt(resident)
    recorded = check_receipt(resident, code, "周末上午", "周末下午")
    expect(recorded).not_to_contain_text("工作日上午")

    page = open_ballot(resident, "小花园改造方案排序")
    page.get_by_label("老人健身步道").select_option("1")
    page.get_by_label("儿童沙坑和秋千").select_option("2")
    resident.check()
    resident.shot("ballot-ranked-phone")
    code = submit_and_read_receipt(resident)
    recorded = check_receipt(resident, code)
    expect(recorded.locator("li").nth(0)).to_contain_text("老人健身步道")
    expect(recorded.locator("li").nth(0)).to_contain_text("第 1 名")
    expect(recorded.locator("li").nth(1)).to_contain_text("儿童沙坑和秋千")
    expect(recorded).not_to_contain_text("种菜的共享菜园")

    page = open_ballot(resident, "给今年的社区服务打分")
    page.get_by_label("助老食堂").select_option("5")
    page.get_by_label("楼道保洁").select_option("3")
    resident.check()
    resident.shot("ballot-score-phone")
    code = submit_and_read_receipt(resident)
    check_receipt(resident, code, "助老食堂 — 5 分", "楼道保洁 — 3 分")

    page = open_ballot(resident, "2 万元微更新资金怎么用？")
    for label in ("修缮凉亭", "增设休息座椅", "安装太阳能路灯"):
        page.get_by_label(label).check()
    expect(page.locator("[data-budget-over]")).to_be_visible()
    expect(page.locator("[data-budget-total]")).to_have_text("25,000")
    resident.check()
    resident.shot("ballot-budget-over-phone")
    # The server refuses an over-budget paper too, with a message and the choices kept.
    page.get_by_role("button", name="提交选票").click()
    expect(page.locator(".field-error[role=alert]")).to_contain_text("预算")
    expect(page.get_by_label("安装太阳能路灯")).to_be_checked()
    page.get_by_label("增设休息座椅").uncheck()
    expect(page.locator("[data-budget-over]")).to_be_hidden()
    expect(page.locator("[data-budget-total]")).to_have_text("20,000")
    code = submit_and_read_receipt(resident)
    recorded = check_receipt(resident, code, "修缮凉亭", "安装太阳能路灯")
    expect(recorded).not_to_contain_text("增设休息座椅")
    resident.check()
    resident.shot("ballot-budget-receipt-phone")


def launch_canteen_campaign(ctx):
    """A live 幸福社区 campaign with a need in each of the five dimensions, launched by 李社工."""
    from datetime import timedelta

    from django.utils import timezone

    from campaigns import services
    from campaigns.models import Campaign, Dimension

    organiser = ctx.users["lisg"]
    now = timezone.now()
    campaign = services.campaign_create(
        actor=organiser,
        title="长者食堂添置餐桌",
        story="社区长者食堂的餐桌用了十几年，桌腿松动。想添置新餐桌，请大家出钱出力出主意。",
        community_ids=[ctx.communities[HAPPY].pk],
        starts_at=now - timedelta(hours=1),
        deadline=now + timedelta(days=20),
        money_mode=Campaign.MoneyMode.KEEP_WHAT_YOU_RAISE,
        tags=["elderly"],
    )
    needs = [
        {"dimension": Dimension.MONEY, "title": "餐桌采购款", "target": 300_000},
        {"dimension": Dimension.RESOURCE, "title": "折叠餐桌", "target": 6, "unit": "张"},
        {"dimension": Dimension.PEOPLE, "title": "搬运志愿者", "target": 4, "skills": "搬运"},
        {"dimension": Dimension.IDEA, "title": "餐桌怎么摆", "target": 3, "required": False, "allow_over_pledge": True},
        {"dimension": Dimension.PROJECT, "title": "采购方案", "target": 1},
    ]
    made = {spec["dimension"]: services.need_create(actor=organiser, campaign_id=campaign.pk, **spec) for spec in needs}
    start = (now + timedelta(days=3)).replace(hour=1, minute=0, second=0, microsecond=0)
    services.shift_create(
        actor=organiser, need_id=made[Dimension.PEOPLE].pk, starts_at=start, ends_at=start + timedelta(hours=2),
        capacity=4, place="长者食堂",
    )  # fmt: skip
    services.campaign_transition(actor=organiser, campaign_id=campaign.pk, to=Campaign.Status.IN_REVIEW)
    services.campaign_transition(actor=organiser, campaign_id=campaign.pk, to=Campaign.Status.LIVE)
    return campaign


def need_card(page, title: str):
    return page.locator(".card.need", has_text=title)


def pledge(session, campaign_url: str, need_title: str, opener: str, fill: dict[str, str], radio: bool = False):
    page = session.goto(campaign_url)
    card = need_card(page, need_title)
    card.locator("summary", has_text=opener).click()
    if radio:
        card.locator("input[type=radio]").first.check()
    for label, value in fill.items():
        card.get_by_label(re.compile("^" + re.escape(label))).fill(value)
    session.check()
    card.get_by_role("button", name="提交").click()
    expect(page.locator(".messages")).to_contain_text("谢谢您")
    expect(page.locator("h1")).to_have_text("我的认筹")


def give_money(session, campaign_url: str, need_title: str, yuan: str):
    # From the money need on the campaign page to the online giving page, that need chosen.
    page = session.goto(campaign_url)
    need_card(page, need_title).get_by_role("link", name="我要捐款").click()
    expect(page.locator("h1")).to_contain_text("捐款")
    page.get_by_label("捐款金额（元）").fill(yuan)
    fill_test_card(page, "4242 4242 4242 4242")  # through Stripe.js: only the pm_… id reaches us
    session.check()
    page.get_by_role("button", name="确认捐款").click()
    # The webhook from the local Stripe server confirms the pledge; the page refreshes itself.
    expect(page.locator("[role=status]").last).to_contain_text("已扣款成功", timeout=30000)
    return page


def test_resident_pledges_in_five_dimensions_and_sees_live_progress(people, demo_of):
    ctx = demo_of("network", "problems", "voting", "campaigns")
    campaign = launch_canteen_campaign(ctx)
    url = f"/campaigns/{campaign.pk}/"

    resident = people("pledger", phone=True)
    resident.login("wangayi")
    page = resident.goto("/campaigns/")
    page.get_by_role("link", name="长者食堂添置餐桌").first.click()
    expect(page.locator("h1")).to_have_text("长者食堂添置餐桌")
    resident.check()
    resident.shot("campaign-phone")

    pledge(resident, url, "折叠餐桌", "我来认筹", {"数量": "2"})
    pledge(resident, url, "搬运志愿者", "报名当志愿者", {"备注（可写技能）": "力气大，能搬重物"}, radio=True)
    pledge(resident, url, "餐桌怎么摆", "我来出主意", {"您的建议": "靠窗摆两排，留出轮椅通道。"})
    pledge(
        resident,
        url,
        "采购方案",
        "提交方案",
        {
            "方案名称": "团购折叠餐桌",
            "具体做法": "联系家具厂团购六张折叠桌。",
            "由谁实施": "王阿姨和张叔",
            "预算（元）": "2400",
        },
    )
    give_money(resident, url, "餐桌采购款", "200")
    resident.shot("payment-succeeded-phone")

    page = resident.goto("/campaigns/my-pledges/")
    cards = page.locator(".card-list > .card")
    expect(cards).to_have_count(5)
    expect(cards.filter(has_text="餐桌采购款")).to_contain_text("200")
    expect(cards.filter(has_text="餐桌采购款")).to_contain_text("已兑现")  # the money has arrived
    expect(cards.filter(has_text="筹资源 · 折叠餐桌")).to_contain_text("待确认")
    resident.check()
    resident.shot("my-pledges-phone")

    # She keeps the campaign open while a neighbour gives online: her page moves without a reload.
    page = resident.goto(url)
    money = need_card(page, "餐桌采购款")
    expect(money.locator("[data-field=confirmed]")).to_have_text("200.00")
    expect(page.locator("#live-indicator")).to_be_visible()
    neighbour = people("pledger-neighbour")
    neighbour.login("zhangshu")
    give_money(neighbour, url, "餐桌采购款", "700")
    # Live numbers look exactly like the ones rendered by the server.
    expect(money.locator("[data-field=confirmed]")).to_have_text("900.00")
    expect(money.locator(".progress")).to_have_attribute("aria-valuenow", "30")
    money_row = page.locator('[data-dimension="money"]')
    expect(money_row.locator("[data-field=percent]")).to_have_text("30")
    expect(money_row.locator(".progress")).to_have_attribute("aria-valuenow", "30")
    expect(page.locator("#recent-pledges li").first).to_contain_text("筹资金 · 餐桌采购款")
    resident.shot("campaign-live-phone")

    # The organiser confirms her pledges in bulk; she is notified.
    organiser = people("pledger-organiser")
    organiser.login("lisg")
    opage = organiser.goto(url)
    opage.locator("#main").get_by_role("link", name="认筹管理").click()
    opage.get_by_label("状态").select_option("pending")
    opage.get_by_role("button", name="筛选").click()
    rows = opage.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(opage.get_by_label("选择 王阿姨 对“折叠餐桌”的认筹")).to_be_visible()
    opage.get_by_label("全选本页认筹").check()
    for i in range(rows.count()):
        expect(rows.nth(i).locator("input[type=checkbox]")).to_be_checked()
    organiser.check()
    opage.get_by_role("button", name="确认所选").click()
    expect(opage.locator(".messages")).to_contain_text("已处理 4 条")
    page = resident.goto("/me/")
    expect(page.locator("#notifications")).to_contain_text("折叠餐桌")
    page = resident.goto("/campaigns/my-pledges/")
    expect(page.locator(".card-list > .card .badge.ok")).to_have_count(5)
    resident.shot("my-pledges-confirmed-phone")
