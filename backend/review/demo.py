"""Demo review data (runs last): the charity fund's pool and call; 楼道焕新 and 暑期课堂 approved,
花开百老弄 waiting for a decision; funded items of 楼道焕新 in every state; 楼道焕新 completed,
with its milestones and report. Skipped when the campaigns demo made no campaigns."""

from datetime import timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.demo import DemoContext

from . import services
from .models import Call


def _photo(name: str, colour: tuple[int, int, int]) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 320), (255, 253, 240))
    ImageDraw.Draw(img).rectangle((12, 12, 468, 308), outline=colour, width=6)
    buf = BytesIO()
    img.save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def _invoice_pdf(name: str, text: str) -> SimpleUploadedFile:
    from reportlab.pdfgen import canvas

    from .report import CJK_FONT, _register_font

    _register_font()
    buf = BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.setFont(CJK_FONT, 14)
    pdf.drawString(72, 760, text)
    pdf.save()
    return SimpleUploadedFile(name, buf.getvalue(), content_type="application/pdf")


def _charity_pool(ctx: DemoContext, reviewer):
    """The fund's pool for this call, first in the stacking order so its match comes first."""
    from funding.matching import pool_create
    from funding.models import MatchingPool

    fund = ctx.objects["fund"]
    now = timezone.now()
    return pool_create(
        actor=reviewer,
        name=f"{fund.name} · 一老一小微项目配捐",
        tier=MatchingPool.Tier.CHARITY,
        fund=fund,
        budget_fen=20_000_000,
        starts_at=now - timedelta(days=40),
        ends_at=now + timedelta(days=120),
        per_campaign_cap_fen=2_000_000,
        stacking_order=0,
    )


def _match_largest_donation(campaign, organiser) -> None:
    """Let the pools approved for the campaign add their match to its largest money donation,
    as they would have when it was confirmed."""
    from funding.matching import match_allocate

    pledge = (
        campaign.pledges.filter(need__dimension="money", status__in=["confirmed", "fulfilled"])
        .order_by("-amount_fen")
        .first()
    )
    if pledge is None:
        return
    match_allocate(
        pledge_id=pledge.pk,
        campaign_id=campaign.pk,
        donor_id=(pledge.user_id or pledge.recorded_by_id or organiser.pk),
        amount_fen=pledge.amount_fen,
        currency=pledge.currency,
        hold_until_success=False,
    )


def seed(ctx: DemoContext) -> None:
    campaigns = ctx.objects.get("campaigns")
    if not campaigns or "fund" not in ctx.objects:
        return
    from campaigns import services as campaign_services

    u = ctx.users
    chen, luo = u["chenpingshen"], u["luopingshen"]
    lobby, summer, flowers = campaigns["lobby"], campaigns["summer"], campaigns["flowers"]

    if Call.objects.filter(fund=ctx.objects["fund"]).exists():
        return
    pool = _charity_pool(ctx, chen)
    call = services.call_create(
        actor=chen,
        pool=pool,
        title="一老一小微项目配捐计划（2026 年第二期）",
        description="支持服务老人和孩子的社区微项目，按居民捐款 1:1 配捐，每个项目最高 2 万元。",
        tags=["elderly", "children"],
        max_ask_fen=2_000_000,
        questions=["项目如何让老人或孩子直接受益？", "项目结束后由谁继续维护？"],
    )
    services.fund_policy_set(
        actor=chen,
        fund=ctx.objects["fund"],
        application_two_approvals_above_fen=1_500_000,
        item_two_approvals_above_fen=300_000,
    )

    lobby_app = services.application_submit(
        actor=u["lisg"],
        call_id=call.pk,
        campaign_id=lobby.pk,
        ask_fen=1_000_000,
        statement="12 幢楼道焕新：居民已自筹 1.2 万元，申请配捐用于屋顶防水和楼道灯具。",
        answers=[
            "楼里住着 23 位七十岁以上的老人，修好后上下楼不再摸黑、不再漏水。",
            "楼道长和张叔带的维修小组每季度检查一次。",
        ],
    )
    services.application_decide(
        actor=chen,
        application_id=lobby_app.pk,
        decision="approve",
        conditions="完工后上传施工前后照片。",
        cap_fen=800_000,
    )
    summer_app = services.application_submit(
        actor=u["zhousg"],
        call_id=call.pk,
        campaign_id=summer.pk,
        ask_fen=300_000,
        statement="暑期四点半课堂：申请配捐用于文具、教材和志愿者午餐。",
        answers=["双职工家庭的孩子放学后有人辅导作业。", "社区社会组织和在校大学生志愿者轮流负责。"],
    )
    services.application_decide(actor=luo, application_id=summer_app.pk, decision="approve")
    flowers_organiser = u.get("huangsg")
    if flowers_organiser is not None:
        services.application_submit(
            actor=flowers_organiser,
            call_id=call.pk,
            campaign_id=flowers.pk,
            ask_fen=500_000,
            statement="花开百老弄：申请配捐用于花苗、花盆和营养土。",
            answers=["留守和随迁老人当“花园管家”，每天有事做、有人聊。", "老人们组成花园小组，社工站每月回访。"],
        )

    _match_largest_donation(lobby, u["lisg"])
    needs = {n.title: n for n in lobby.needs.all()}
    money_need = needs.get("防水和材料费") or lobby.needs.first()
    today = timezone.localdate()

    def item(description: str, fen: int, payee: str, days_ago: int, receipts):
        return services.item_submit(
            actor=u["lisg"],
            application_id=lobby_app.pk,
            need_id=money_need.pk,
            description=description,
            amount_fen=fen,
            payee=payee,
            spent_on=today - timedelta(days=days_ago),
            receipts=receipts,
        )

    roof = item(
        "屋顶防水卷材及施工",
        450_000,
        "宁波鄞州安居防水工程部",
        12,
        [_invoice_pdf("防水发票.pdf", "发票 防水卷材 4500 元")],
    )
    services.item_decide(actor=chen, item_id=roof.pk, decision="approve")
    services.item_decide(actor=luo, item_id=roof.pk, decision="approve", reason="发票与合同一致。")
    services.item_disburse(actor=u["admin"], item_id=roof.pk, transfer_reference="ICBC-2026-1101-0087")

    lights = item("楼道声控灯 18 盏", 126_000, "百丈五金电器店", 5, [_photo("灯具收据.jpg", (30, 90, 160))])
    services.item_decide(actor=luo, item_id=lights.pk, decision="approve", reason="价格合理。")

    item("墙面修补工具", 35_000, "百丈五金电器店", 3, [_photo("工具收据.jpg", (40, 140, 60))])

    dinner = item("施工队聚餐", 48_000, "百丈小饭馆", 4, [_photo("餐费小票.jpg", (180, 40, 30))])
    services.item_decide(actor=chen, item_id=dinner.pk, decision="reject", reason="餐费不在配捐资金支持范围内。")

    labour = item("刷墙人工费", 90_000, "张叔维修小组", 2, [_photo("人工费收条.jpg", (120, 80, 20))])
    services.item_decide(
        actor=luo, item_id=labour.pk, decision="request_changes", reason="请补充每位师傅签字的劳务收条。"
    )

    lisg = u["lisg"]
    for title, body in (
        ("屋顶防水", "防水卷材铺设完成，经过两场大雨没有再漏。"),
        ("楼道刷墙", "六层楼道铲墙皮、刷涂料完成，邻居们一起帮忙搬东西。"),
        ("换声控灯", "18 盏声控灯全部换好，老人晚上上下楼不再摸黑。"),
    ):
        milestone = services.milestone_create(actor=lisg, campaign_id=lobby.pk, title=title)
        services.milestone_report(
            actor=lisg,
            milestone_id=milestone.pk,
            percent_done=100,
            body=body,
            photos=[_photo("完工.jpg", (11, 110, 79))],
        )
    campaign_services.campaign_transition(actor=lisg, campaign_id=lobby.pk, to="completed")
