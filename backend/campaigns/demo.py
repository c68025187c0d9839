"""Demo campaigns (runs after the problems and voting demos):

- 花开百老弄: flowers with left-behind and migrant elders — resource and people needs, live;
- 幸福社区 12 幢楼道焕新: money, resource and project needs — succeeded and now delivering;
- 和美社区暑期四点半课堂: people and idea needs — live, with ideas endorsed by neighbours;
- 东湖村小菜园: a draft still in preparation.
"""

from datetime import timedelta
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.demo import DemoContext

from . import services
from .models import Campaign, Dimension, Need


def receipt_photo(name: str) -> SimpleUploadedFile:
    """A plain picture standing in for a photographed paper receipt."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 200), (255, 253, 240))
    ImageDraw.Draw(img).rectangle((10, 10, 310, 190), outline=(180, 40, 30), width=4)
    buf = BytesIO()
    img.save(buf, format="PNG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")


def _adopted_problem(ctx: DemoContext, community_name: str) -> int | None:
    """An adopted problem of the community from the problems demo, when there is one."""
    for problem in (ctx.objects.get("problems") or {}).values():
        if problem.community_id == ctx.communities[community_name].pk:
            problem.refresh_from_db()
            if problem.status == "adopted":
                return problem.pk
    return None


def launch(ctx: DemoContext, organiser: str, *, needs: list[dict], **fields) -> Campaign:
    """A campaign made, given its needs, sent to review and put live by the named organiser."""
    actor = ctx.users[organiser]
    now = timezone.now()
    campaign = services.campaign_create(
        actor=actor, starts_at=fields.pop("starts_at", now - timedelta(days=3)), **fields
    )
    for spec in needs:
        services.need_create(actor=actor, campaign_id=campaign.pk, **spec)
    services.campaign_transition(actor=actor, campaign_id=campaign.pk, to=Campaign.Status.IN_REVIEW)
    services.campaign_transition(actor=actor, campaign_id=campaign.pk, to=Campaign.Status.LIVE)
    return campaign


def _needs(campaign: Campaign) -> dict[str, Need]:
    return {n.title: n for n in campaign.needs.all()}


def seed(ctx: DemoContext) -> None:
    now = timezone.now()
    u = ctx.users
    c = ctx.communities
    st1, st2 = ctx.objects["stations"]
    org1, org2 = ctx.objects["organisations"]
    fund = ctx.objects["fund"]

    # 1. 花开百老弄 — live, resource and people needs.
    flowers = launch(
        ctx,
        "huangsg",
        title="花开百老弄：和留守、随迁老人一起种花",
        story=(
            "百老弄社区的留守老人和随迁老人白天常常独自在家。我们想把 3 号楼后面的空地变成一个小花园，"
            "请老人们当“花园管家”，一起育苗、种花、浇水，让邻里在花丛边聊聊天。"
        ),
        community_ids=[c["百老弄社区"].pk],
        deadline=now + timedelta(days=20),
        money_mode=Campaign.MoneyMode.KEEP_WHAT_YOU_RAISE,
        tags=["elderly", "public_space", "environment"],
        partners=[
            {"kind": "station", "id": st2.pk, "role": "host"},
            {"kind": "organisation", "id": org1.pk, "role": "co_organiser"},
            {"kind": "fund", "id": fund.pk, "role": "funder"},
        ],
        problem_id=_adopted_problem(ctx, "百老弄社区"),
        needs=[
            {"dimension": Dimension.RESOURCE, "title": "月季、太阳花花苗", "target": 200, "unit": "株"},
            {"dimension": Dimension.RESOURCE, "title": "花盆和营养土", "target": 60, "unit": "套"},
            {"dimension": Dimension.PEOPLE, "title": "种花志愿者", "target": 16, "skills": "园艺、搬运"},
            {
                "dimension": Dimension.IDEA,
                "title": "花园起个什么名字",
                "target": 5,
                "required": False,
                "allow_over_pledge": True,
            },
        ],
    )
    n = _needs(flowers)
    organiser = u["huangsg"]
    p = services.pledge_create(user=u["fengdajie"], need=n["月季、太阳花花苗"], quantity=80, estimated_value_fen=40000)
    services.pledge_confirm(actor=organiser, pledge_id=p.pk)
    p = services.pledge_create(user=u["qinayi"], need=n["月季、太阳花花苗"], quantity=50, anonymous=True)
    services.pledge_fulfil(actor=organiser, pledge_id=p.pk, received_quantity=50)
    services.pledge_create(user=u["jiangxiaoli"], need=n["花盆和营养土"], quantity=20)
    for day, capacity in ((2, 8), (9, 8)):
        start = (now + timedelta(days=day)).replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 Shanghai
        shift = services.shift_create(
            actor=organiser, need_id=n["种花志愿者"].pk, starts_at=start, ends_at=start + timedelta(hours=3),
            capacity=capacity, place="百老弄 3 号楼后空地",
        )  # fmt: skip
        for username in ("fengdajie", "hanxiaoming", "jiangxiaoli")[: 3 if day == 2 else 1]:
            p = services.pledge_create(user=u[username], need=n["种花志愿者"], shift_id=shift.pk)
            services.pledge_confirm(actor=organiser, pledge_id=p.pk)
    idea = services.pledge_create(
        user=u["weilaoye"], need=n["花园起个什么名字"], body="叫“老来俏花园”，老人们自己种的花。"
    )
    services.idea_endorse(user=u["yangpopo"], pledge_id=idea.pk)
    services.idea_endorse(user=u["fengdajie"], pledge_id=idea.pk)
    services.pledge_create(user=u["hanxiaoming"], need=n["花园起个什么名字"], body="“百老弄邻里花园”，简单好记。")
    services.campaign_follow(user=u["yangpopo"], campaign_id=flowers.pk)
    services.progress_update_post(
        actor=organiser, campaign_id=flowers.pk, body="第一批 50 株太阳花已经到了，冯大姐带着老人们在育苗。"
    )

    # 2. 楼道焕新 — money, resource and project needs; succeeded, now delivering.
    lobby = launch(
        ctx,
        "lisg",
        title="12 幢楼道焕新：修屋顶、刷墙面、换灯",
        story=(
            "12 幢是八十年代的老房子，顶楼漏水、墙皮脱落、楼道灯常坏，住着不少七八十岁的老人。"
            "居民议事会决定一起出钱出力，把楼道修好。"
        ),
        community_ids=[c["幸福社区"].pk],
        starts_at=now - timedelta(days=30),
        deadline=now + timedelta(days=1),
        money_mode=Campaign.MoneyMode.ALL_OR_NOTHING,
        tags=["elderly", "public_space"],
        partners=[
            {"kind": "station", "id": st1.pk, "role": "host"},
            {"kind": "fund", "id": fund.pk, "role": "funder"},
        ],
        problem_id=_adopted_problem(ctx, "幸福社区"),
        needs=[
            {"dimension": Dimension.MONEY, "title": "防水和材料费", "target": 1_200_000},
            {"dimension": Dimension.RESOURCE, "title": "墙面涂料", "target": 12, "unit": "桶"},
            {"dimension": Dimension.PROJECT, "title": "施工方案", "target": 1},
        ],
    )
    n = _needs(lobby)
    organiser = u["lisg"]
    for name, fen in (("12 幢居民（集体）", 600_000), ("张叔", 200_000), ("幸福社区党支部", 400_000)):
        services.pledge_record_offline(
            actor=organiser, need_id=n["防水和材料费"].pk, amount_fen=fen, evidence=receipt_photo("receipt.png"),
            contributor_name=name, note="现金，已开收据",
        )  # fmt: skip
    p = services.pledge_create(user=u["zhaodage"], need=n["墙面涂料"], quantity=12, estimated_value_fen=360000)
    services.pledge_fulfil(actor=organiser, pledge_id=p.pk, received_quantity=12)
    plan = services.pledge_create(
        user=u["zhangshu"], need=n["施工方案"], summary="先补屋顶防水，再刷墙换灯",
        body="第一周顶楼做防水卷材；第二周楼道铲墙皮、刷涂料；最后换声控灯。", carried_by="张叔带 4 位有经验的居民",
        budget_fen=1_150_000,
    )  # fmt: skip
    services.pledge_confirm(actor=organiser, pledge_id=plan.pk)
    Campaign.objects.filter(pk=lobby.pk).update(deadline=now - timedelta(hours=1))
    services.campaign_close(campaign_id=lobby.pk, now=now)
    services.campaign_transition(actor=organiser, campaign_id=lobby.pk, to=Campaign.Status.DELIVERING)
    services.progress_update_post(actor=organiser, campaign_id=lobby.pk, body="屋顶防水已完工，下周开始刷墙。")

    # 3. 暑期四点半课堂 — people and idea needs, live.
    summer = launch(
        ctx,
        "zhousg",
        title="和美社区暑期四点半课堂",
        story="暑假里双职工家庭的孩子白天没人照看。我们在活动中心二楼办暑期课堂，请志愿者辅导作业、带兴趣课。",
        community_ids=[c["和美社区"].pk],
        deadline=now + timedelta(days=14),
        tags=["children"],
        partners=[
            {"kind": "organisation", "id": org2.pk, "role": "co_organiser"},
            {"kind": "station", "id": st1.pk, "role": "supporter"},
        ],
        needs=[
            {"dimension": Dimension.PEOPLE, "title": "作业辅导志愿者", "target": 20, "skills": "教学辅导"},
            {
                "dimension": Dimension.IDEA,
                "title": "兴趣课上什么",
                "target": 10,
                "required": False,
                "allow_over_pledge": True,
            },
        ],
    )
    n = _needs(summer)
    organiser = u["zhousg"]
    start = (now + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)  # 16:00 Shanghai
    shift = services.shift_create(
        actor=organiser, need_id=n["作业辅导志愿者"].pk, starts_at=start, ends_at=start + timedelta(hours=2),
        capacity=4, place="和美社区活动中心二楼",
    )  # fmt: skip
    for username in ("sunlaoshi", "zhouxiaoyu"):
        services.pledge_create(user=u[username], need=n["作业辅导志愿者"], shift_id=shift.pk)
    ideas = [
        ("sunlaoshi", "书法课：每周两次，我带毛笔和字帖。"),
        ("wuayi", "小厨房：教孩子们包馄饨、做青团。"),
        ("zhouxiaoyu", "摄影课：带孩子们拍社区里的老人和老房子。"),
    ]
    made = [services.pledge_create(user=u[name], need=n["兴趣课上什么"], body=body) for name, body in ideas]
    for endorser in ("qianbobo", "zhengshifu", "wuayi"):
        if made[0].user_id != u[endorser].pk:
            services.idea_endorse(user=u[endorser], pledge_id=made[0].pk)
    services.idea_endorse(user=u["qianbobo"], pledge_id=made[1].pk)

    # 4. 东湖村小菜园 — a draft being prepared.
    draft = services.campaign_create(
        actor=u["linsg"],
        title="东湖村闲置空地改小菜园",
        story="村里有一块闲置空地，想改成老人可以种菜、歇脚的小菜园。正在和村委确认用地。",
        community_ids=[c["东湖村"].pk],
        starts_at=now + timedelta(days=7),
        deadline=now + timedelta(days=40),
        tags=["elderly", "public_space"],
    )
    services.need_create(
        actor=u["linsg"],
        campaign_id=draft.pk,
        dimension=Dimension.RESOURCE,
        title="木料（做长椅）",
        target=10,
        unit="根",
    )

    ctx.objects["campaigns"] = {"flowers": flowers, "lobby": lobby, "summer": summer, "draft": draft}
