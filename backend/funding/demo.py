"""Demo money (runs after the campaigns demo): the 四个一 pools — city, district, township and
the charity fund — approved for the demo campaigns, a keep-what-you-raise campaign 百老弄长者助餐
with a few confirmed donations and their matches, all in a ledger that verifies.

The demo donations take the same path as a paid pledge from the moment Stripe reports success;
they have no Stripe counterpart because the local test server may not be running while seeding.
"""

from datetime import time, timedelta

from django.utils import timezone

from campaigns import services as campaign_services
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
    ctx.objects["pools"] = pools
    ctx.objects.setdefault("campaigns", {})["canteen"] = canteen


def _canteen_campaign(ctx: DemoContext, now) -> Campaign:
    """A keep-what-you-raise money campaign for the 一老: meals for elders living alone."""
    organiser = ctx.users["huangsg"]
    campaign = campaign_services.campaign_create(
        actor=organiser,
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
    )
    campaign_services.need_create(
        actor=organiser,
        campaign_id=campaign.pk,
        dimension=Dimension.MONEY,
        title="三个月的午餐费",
        target=1_080_000,
        allow_over_pledge=True,
    )
    campaign_services.campaign_transition(actor=organiser, campaign_id=campaign.pk, to=Campaign.Status.IN_REVIEW)
    campaign_services.campaign_transition(actor=organiser, campaign_id=campaign.pk, to=Campaign.Status.LIVE)
    return campaign
