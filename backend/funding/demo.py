"""Demo money (runs after the campaigns demo): the 四个一 pools — city, district, township and
the charity fund — approved for the demo campaigns, a keep-what-you-raise campaign 百老弄长者助餐
with a few confirmed donations and their matches, all in a ledger that verifies, and a live
all-or-nothing campaign 老楼加装扶手 with cash already recorded, where an online gift is a card saved
to be charged only if the target is met (and can be withdrawn until then).

The demo donations take the same path as a paid pledge from the moment Stripe reports success;
they have no Stripe counterpart because the local test server may not be running while seeding.
"""

from datetime import time, timedelta

from django.utils import timezone

from campaigns import services as campaign_services
from campaigns.demo import launch, receipt_photo
from campaigns.models import Campaign, Dimension
from core.demo import DemoContext

from . import matching, payments
from .gateway import IntentResult
from .models import Payment

DONATIONS = [("wangayi", 10_000), ("fengdajie", 5_000), ("hanxiaoming", 20_000), ("zhuxiansheng", 8_800)]


def seed(ctx: DemoContext) -> None:
    now = timezone.now()
    admin = ctx.users["admin"]
    reviewer = ctx.users.get("chenpingshen", admin)
    campaigns = ctx.objects.get("campaigns") or {}
    flowers, lobby = campaigns.get("flowers"), campaigns.get("lobby")
    if flowers is None:
        return
    township = ctx.communities["百老弄社区"].township
    window = {"starts_at": now - timedelta(days=30), "ends_at": now + timedelta(days=335)}
    pools = [
        matching.pool_create(
            actor=admin, name="宁波市“一小一老”配捐", tier="city", budget_fen=5_000_000, per_pledge_cap_fen=10_000,
            stacking_order=1, **window,
        ),
        matching.pool_create(
            actor=admin, name="鄞州区社区微治理配捐", tier="district", district=ctx.objects["district"],
            budget_fen=3_000_000, ratio_numerator=1, ratio_denominator=2, per_campaign_cap_fen=500_000,
            stacking_order=2, **window,
        ),
        matching.pool_create(
            actor=admin, name=f"{township.name}邻里配捐", tier="township", township=township, budget_fen=1_000_000,
            ratio_numerator=1, ratio_denominator=2, daily_start=time(8, 0), daily_end=time(20, 0), conditional=True,
            stacking_order=3, **window,
        ),
        matching.pool_create(
            actor=reviewer, name="甬城幸福慈善基金配捐", tier="charity", fund=ctx.objects["fund"],
            budget_fen=2_000_000, per_donor_cap_fen=20_000, stacking_order=4, **window,
        ),
    ]  # fmt: skip
    for pool in pools:
        actor = reviewer if pool.tier == "charity" else admin
        for campaign in (flowers, lobby):
            if campaign is not None:
                matching.pool_approve_campaign(actor=actor, pool_id=pool.pk, campaign_id=campaign.pk)

    canteen = _canteen_campaign(ctx, now)
    for pool in pools:
        actor = reviewer if pool.tier == "charity" else admin
        matching.pool_approve_campaign(actor=actor, pool_id=pool.pk, campaign_id=canteen.pk)
    need = canteen.needs.get(dimension=Dimension.MONEY)
    for i, (username, amount) in enumerate(DONATIONS):
        user = ctx.users[username]
        key = f"demo-donation-{i}"
        pledge = campaign_services.pledge_create(
            user=user, need=need, amount_fen=amount, idempotency_key=key, online_payment=True
        )
        payment = Payment.objects.create(
            pledge_id=pledge.pk,
            campaign_id=canteen.pk,
            user=user,
            amount_fen=amount,
            flow=Payment.Flow.CHARGE_NOW,
            idempotency_key=key,
            request_fingerprint=key,
        )
        payments.payment_apply_intent(payment_id=payment.pk, intent=IntentResult(id="", status="succeeded"))
    handrails = _handrails_campaign(ctx, now)
    for pool in pools:
        if pool.tier != "township":  # 百老弄's township does not cover 幸福社区
            actor = reviewer if pool.tier == "charity" else admin
            matching.pool_approve_campaign(actor=actor, pool_id=pool.pk, campaign_id=handrails.pk)
    ctx.objects["pools"] = pools
    ctx.objects.setdefault("campaigns", {}).update(canteen=canteen, handrails=handrails)


def _canteen_campaign(ctx: DemoContext, now) -> Campaign:
    """A keep-what-you-raise money campaign for the 一老: meals for elders living alone."""
    return launch(
        ctx,
        "huangsg",
        title="百老弄长者助餐：让独居老人吃上热乎饭",
        story=(
            "社区里有 30 多位独居老人，做饭不方便。我们和社区食堂合作，每天为他们送一份热乎的午餐。"
            "每捐 10 元就是一位老人一天的午饭，还有市、区、街道和慈善基金按比例配捐。"
        ),
        community_ids=[ctx.communities["百老弄社区"].pk],
        starts_at=now - timedelta(days=2),
        deadline=now + timedelta(days=25),
        money_mode=Campaign.MoneyMode.KEEP_WHAT_YOU_RAISE,
        tags=["elderly"],
        needs=[
            {"dimension": Dimension.MONEY, "title": "三个月的午餐费", "target": 1_080_000, "allow_over_pledge": True}
        ],
    )


def _handrails_campaign(ctx: DemoContext, now) -> Campaign:
    """A live all-or-nothing campaign: the money is taken only if the whole target is pledged by
    the deadline. Two cash gifts are already recorded by the community worker."""
    campaign = launch(
        ctx,
        "lisg",
        title="老楼加装扶手：让老人上下楼不再扶墙",
        story=(
            "幸福社区 3 幢到 9 幢都是没有电梯的老楼，楼梯只有一侧有扶手，不少老人上下楼要扶着墙走。"
            "我们想给每个楼梯的另一侧也装上不锈钢扶手。筹满 4,800 元才开工；如果到期没有筹满，"
            "网上的捐款一分不扣，现金原数退回。"
        ),
        community_ids=[ctx.communities["幸福社区"].pk],
        starts_at=now - timedelta(days=5),
        deadline=now + timedelta(days=12),
        money_mode=Campaign.MoneyMode.ALL_OR_NOTHING,
        tags=["elderly", "public_space"],
        needs=[{"dimension": Dimension.MONEY, "title": "扶手材料和安装费", "target": 480_000}],
    )
    need = campaign.needs.get()
    for name, fen in (("3 幢居民（集体）", 60_000), ("赵大哥", 20_000)):
        campaign_services.pledge_record_offline(
            actor=ctx.users["lisg"], need_id=need.pk, amount_fen=fen, evidence=receipt_photo("receipt.png"),
            contributor_name=name, note="现金，已开收据",
        )  # fmt: skip
    campaign.refresh_from_db()
    return campaign
