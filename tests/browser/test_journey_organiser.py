"""The organiser's journey at a desk: 李社工 verifies a newcomer, moves a problem into discussion
and puts two problems to a vote, turns the adopted problem into a campaign with needs in several
dimensions and partners, confirms residents' pledges in bulk, logs a volunteer's hours, records a
cash gift, posts a progress update and exports the pledges as CSV."""

import csv
import io
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

SHANGHAI = ZoneInfo("Asia/Shanghai")
ROOF = "老房子屋顶漏水，下雨天楼道里都是水"
PLAYGROUND = "小区儿童游乐场滑梯断裂，孩子们没地方玩"
LIGHTS = "晚上楼道灯经常不亮"
TITLE = "12 幢屋顶防水"


def local(delta: timedelta = timedelta()) -> str:
    """A datetime-local input value, in the platform's display time zone."""
    return (timezone.now() + delta).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def receipt_photo(tmp_path):
    path = tmp_path / "receipt.png"
    Image.new("RGB", (600, 400), (250, 245, 230)).save(path, "PNG")
    return path


def field(scope, label: str):
    """The input labelled `label` (required fields end in an aria-hidden "*")."""
    return scope.get_by_label(re.compile("^" + re.escape(label)))


def test_organiser_from_join_request_to_pledge_export(people, demo_of, tmp_path):
    ctx = demo_of("network", "problems", "voting")
    organiser = people("organiser")
    organiser.login("lisg")

    # Join requests.
    page = organiser.goto("/organiser/join-requests/")
    card = page.locator(".request-card", has_text="新居民小杨")
    expect(card).to_contain_text("刚搬来，住在 5 幢")
    organiser.check()
    card.get_by_role("button", name="认证").click()
    expect(page.locator(".messages")).to_contain_text("已认证 新居民小杨")

    # A raised problem goes into discussion, then two problems go to a vote.
    page = organiser.goto("/problems/")
    page.get_by_role("link", name=LIGHTS).click()
    page.select_option("#id_to_status", "discussing")
    page.fill("#id_reason", "周五居民议事会一起讨论")
    page.get_by_role("button", name="更改状态").click()
    expect(page.locator(".messages")).to_contain_text("讨论中")

    page = organiser.goto("/problems/")
    page.get_by_role("link", name=PLAYGROUND).click()
    page.get_by_role("link", name="交给居民投票").click()
    expect(page.get_by_label(PLAYGROUND)).to_be_checked()
    page.get_by_label(LIGHTS).check()
    page.get_by_label("投票问题").fill("游乐场和楼道灯，先修哪个？")
    page.select_option("#id_method", "single")
    page.get_by_label("开始时间").fill(local())
    page.get_by_label("截止时间").fill(local(timedelta(days=7)))
    organiser.check()
    organiser.shot("put-to-vote-desktop")
    page.get_by_role("button", name="创建投票").click()
    expect(page.locator(".messages")).to_contain_text("投票已创建")
    expect(page.locator("h1")).to_have_text("游乐场和楼道灯，先修哪个？")
    ballot_url = page.url
    organiser.shot("ballot-from-problems-desktop")
    page = organiser.goto("/problems/")
    page.get_by_role("link", name=LIGHTS).click()
    expect(page.locator("[data-status-label]")).to_have_text("投票中")
    page.get_by_role("link", name="查看投票").click()
    assert page.url == ballot_url

    # The adopted problem becomes a campaign with needs in four dimensions and three partners.
    roof = ctx.objects["problems"][ROOF]
    page = organiser.goto("/problems/")
    page.get_by_role("link", name=ROOF).click()
    page.locator("#main").get_by_role("link", name="发起众筹行动").click()
    expect(page.locator("main")).to_contain_text("这个行动将解决的问题")
    expect(page.locator("main section.card").first).to_contain_text(ROOF)
    field(page, "标题").fill(TITLE)
    field(page, "项目故事").fill("12 幢顶楼漏水，住着多位七八十岁的老人。大家一起出钱出力，把屋顶防水重做。")
    page.get_by_label("幸福社区", exact=True).check()
    field(page, "开始时间").fill(local(-timedelta(minutes=5)))
    field(page, "截止时间").fill(local(timedelta(days=20)))
    page.select_option("#id_money_mode", "keep_what_you_raise")
    page.locator("input[name=tags][value=elderly]").check()
    page.get_by_label("百丈街道社会工作站").check()
    page.get_by_label("甬城幸福慈善基金").check()
    page.get_by_label("幸福社区银龄志愿队").check()
    organiser.check()
    organiser.shot("campaign-new-desktop")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("草稿已保存")

    def add_need(dimension: str, title: str, target: str, unit: str = "", skills: str = ""):
        form = page.locator("form", has=page.locator("input[name=form][value=need]"))
        form.locator("select[name=dimension]").select_option(dimension)
        field(form, "需求名称").fill(title)
        field(form, "目标").fill(target)
        if unit:
            field(form, "单位").fill(unit)
        if skills:
            field(form, "所需技能").fill(skills)
        form.get_by_role("button", name="添加").click()
        expect(page.locator(".messages")).to_contain_text("需求已添加")
        expect(page.locator("table.data")).to_contain_text(title)

    add_need("money", "防水材料费", "8000")
    add_need("resource", "防水卷材", "20", unit="卷")
    add_need("people", "搬运志愿者", "4", skills="搬运")
    add_need("idea", "施工期间怎么照顾顶楼老人", "3")
    # Advice needs are not required unless the organiser ticks the box.
    expect(page.locator("tr", has_text="施工期间怎么照顾顶楼老人")).to_contain_text("否")
    expect(page.locator("tr", has_text="防水卷材")).to_contain_text("是")
    shift_form = page.locator("form", has=page.locator("input[name=form][value=shift]"))
    field(shift_form, "开始时间").fill(local(timedelta(days=2)))
    field(shift_form, "结束时间").fill(local(timedelta(days=2, hours=3)))
    field(shift_form, "需要人数").fill("4")
    field(shift_form, "地点").fill("12 幢楼下")
    shift_form.get_by_role("button", name="添加班次").click()
    expect(page.locator(".messages")).to_contain_text("班次已添加")
    organiser.check()
    organiser.shot("campaign-needs-desktop")

    page.get_by_role("link", name=TITLE).first.click()
    campaign_url = page.url
    page.get_by_role("button", name="提交审核").click()
    page.get_by_role("button", name="审核通过并上线").click()
    expect(page.locator("#campaign-status")).to_have_text("进行中")
    expect(page.locator(".partners")).to_contain_text("百丈街道社会工作站")
    expect(page.locator(".partners")).to_contain_text("甬城幸福慈善基金")
    campaign_id = int(re.search(r"/campaigns/(\d+)/", campaign_url).group(1))
    page = organiser.goto(f"/problems/{roof.pk}/")
    expect(page.locator("[data-status-label]")).to_have_text("解决中")
    page.locator("#main").get_by_role("link", name="查看正在解决这个问题的众筹行动").click()
    assert page.url.endswith(f"/campaigns/{campaign_id}/")
    expect(page.locator("#main").get_by_role("link", name="配捐与支出")).to_be_visible()
    expect(page.locator("#main").get_by_role("link", name="公开问责：资金去向与项目报告")).to_be_visible()

    # Residents pledge (their own pages are the resident journey's business).
    from campaigns import services as campaign_services
    from campaigns.models import Campaign

    campaign = Campaign.objects.get(pk=campaign_id)
    needs = {n.title: n for n in campaign.needs.all()}
    shift = needs["搬运志愿者"].shifts.get()
    campaign_services.pledge_create(user=ctx.users["wangayi"], need=needs["防水卷材"], quantity=5)
    campaign_services.pledge_create(user=ctx.users["chenxiaomei"], need=needs["防水卷材"], quantity=3)
    campaign_services.pledge_create(user=ctx.users["zhangshu"], need=needs["搬运志愿者"], shift_id=shift.pk)

    page = organiser.goto(campaign_url)
    page.locator("#main").get_by_role("link", name="认筹管理").click()
    page.get_by_label("状态").select_option("pending")
    page.get_by_role("button", name="筛选").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("全选本页认筹").check()
    organiser.check()
    page.get_by_role("button", name="确认所选").click()
    expect(page.locator(".messages")).to_contain_text("已处理 3 条")
    organiser.shot("dashboard-confirmed-desktop")

    # Volunteer hours: sign 张叔 in and out on the roster.
    page = organiser.goto(campaign_url)
    page.locator("#main").get_by_role("link", name="志愿者排班").click()
    row = page.locator("tr", has_text="张叔")
    row.get_by_role("button", name="签到").click()
    expect(page.locator(".messages")).to_contain_text("已登记")
    page.locator("tr", has_text="张叔").get_by_role("button", name="签退").click()
    expect(page.locator("tr", has_text="张叔")).not_to_contain_text("签退")
    organiser.shot("roster-desktop")

    # An offline cash gift with a photo of the receipt.
    page = organiser.goto(campaign_url)
    page.locator("#main").get_by_role("link", name="编辑需求").click()
    offline = page.locator("form", has=page.locator("input[name=form][value=offline]"))
    field(offline, "金额（元）").fill("500")
    field(offline, "捐赠人").fill("12 幢居民（集体）")
    field(offline, "收据照片").set_input_files(str(receipt_photo(tmp_path)))
    field(offline, "备注").fill("现金，已开收据")
    offline.get_by_role("button", name="登记").click()
    expect(page.locator(".messages")).to_contain_text("线下捐款已登记")
    page = organiser.goto(campaign_url)
    money = page.locator(".card.need", has_text="防水材料费")
    expect(money.locator("[data-field=confirmed]")).to_have_text(re.compile(r"^500(\.00)?$"))

    # A progress update with a photo.
    field(page, "进展内容").fill("防水卷材已到 8 卷，周六开始铺设。")
    field(page, "照片").set_input_files(str(receipt_photo(tmp_path)))
    page.get_by_role("button", name="发布进展").click()
    expect(page.locator("main")).to_contain_text("防水卷材已到 8 卷")
    organiser.check()
    organiser.shot("campaign-live-desktop")

    # Export the pledges as CSV.
    page = organiser.goto(campaign_url)
    page.locator("#main").get_by_role("link", name="认筹管理").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 CSV").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115 - read once
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 1 + 4, rows  # header + three residents' pledges + the cash gift
    body = "\n".join(",".join(r) for r in rows[1:])
    for expected in ("王阿姨", "陈小梅", "张叔", "12 幢居民（集体）", TITLE):
        assert expected in body, (expected, body)
