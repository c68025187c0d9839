"""Demo problems: each community has problems at different stages, with a discussion and
endorsements. Two of 百老弄社区's problems were put to a vote whose result is published, so they
wait for 黄社工 to adopt or decline them; the voting demo (after this one) adds ballots of every
method."""

from datetime import timedelta

from django.apps import apps
from django.utils import timezone

from core.demo import DemoContext

from . import services
from .models import PLATFORM_TAG_NAMES, BeneficiaryTag, Problem

# community, author, title, description, category, tags, place, endorsers, stage
PROBLEMS = [
    (
        "幸福社区",
        "wangayi",
        "小区儿童游乐场滑梯断裂，孩子们没地方玩",
        "3 幢旁边的儿童游乐场，滑梯扶手上个月断了一截，秋千的链条也生锈了。"
        "现在家长都不敢让孩子去玩，傍晚孩子们只能在停车场边上跑，很不安全。希望能修好或者换新的。",
        "facilities",
        ["一小", "公共空间"],
        "3 幢旁儿童游乐场",
        ["zhangshu", "chenxiaomei", "zhaodage", "liunainai"],
        "discussing",
    ),
    (
        "幸福社区",
        "liunainai",
        "老房子屋顶漏水，下雨天楼道里都是水",
        "我们 12 幢是八十年代的老房子，顶楼好几户家里天花板发霉，下大雨时楼道里也在滴水。"
        "住顶楼的多是七八十岁的老人，自己没办法上去修，物业说要大家一起出钱。",
        "facilities",
        ["一老", "困难群体"],
        "12 幢",
        ["wangayi", "zhangshu"],
        "adopted",
    ),
    (
        "幸福社区",
        "zhangshu",
        "晚上楼道灯经常不亮",
        "5 幢和 6 幢的楼道声控灯坏了好几盏，老人晚上下楼倒垃圾要摸黑，已经有人摔过一跤。",
        "safety",
        ["一老"],
        "5 幢、6 幢楼道",
        ["liunainai"],
        "raised",
    ),
    (
        "和美社区",
        "sunlaoshi",
        "双职工家庭孩子放学后没人照看",
        "社区里很多家庭父母都要上班到六七点，孩子三点半放学后只能一个人在家或者在小区里乱跑。"
        "能不能在活动室办一个放学后的“四点半课堂”，请志愿者辅导作业？",
        "children",
        ["一小"],
        "社区活动中心二楼",
        ["qianbobo", "zhouxiaoyu", "wuayi", "zhengshifu"],
        "discussing",
    ),
    (
        "和美社区",
        "wuayi",
        "社区食堂能不能给老人送餐",
        "有几位独居老人腿脚不方便，去社区食堂吃饭很困难。希望食堂能安排送餐上门，哪怕一周几次也好。",
        "elderly",
        ["一老", "困难群体"],
        "",
        ["sunlaoshi", "qianbobo"],
        "raised",
    ),
    (
        "百老弄社区",
        "jiangxiaoli",
        "留守老人白天没事做，很孤单",
        "弄堂里很多老人子女在外地，白天就坐在门口发呆。能不能利用闲置的老年活动室，"
        "办些书法、编织、唱越剧的兴趣小组，也请年轻人来陪老人聊聊天？",
        "elderly",
        ["一老"],
        "百老弄 3 号老年活动室",
        ["fengdajie", "weilaoye", "hanxiaoming", "yangpopo"],
        "adopted",
    ),
    (
        "百老弄社区",
        "hanxiaoming",
        "弄堂口电动车乱停，消防通道被堵",
        "每天晚上弄堂口都停满了电动车，有时候还在楼道里充电，万一起火消防车都进不来。",
        "safety",
        ["公共空间"],
        "百老弄弄堂口",
        ["fengdajie"],
        "discussing",
    ),
    (
        "百老弄社区",
        "yangpopo",
        "公共晾衣区被杂物占了，老人没地方晒被子",
        "5 号门前原来的晾衣区堆满了旧家具和纸箱，天气好的时候老人只能把被子搭在电动车上晒。",
        "facilities",
        ["一老", "公共空间"],
        "百老弄 5 号门前",
        ["weilaoye"],
        "discussing",
    ),
    (
        "东湖村",
        "qinayi",
        "村里闲置空地想改成小菜园和休息区",
        "村委会旁边有块空地荒了好几年，长满杂草还招蚊子。大家商量能不能改成共享小菜园，"
        "再放几张长椅，老人可以种种菜、晒晒太阳，孩子们也能认识蔬菜。",
        "environment",
        ["公共空间", "一老", "一小"],
        "村委会东侧空地",
        ["zhuxiansheng", "xuxiaodi", "heshushu", "lvxiaojie"],
        "discussing",
    ),
]

COMMENTS = {
    "小区儿童游乐场滑梯断裂，孩子们没地方玩": [
        ("chenxiaomei", "我家孩子上周差点被断掉的扶手划到手，真的要尽快处理。", None),
        ("zhangshu", "我会做木工，可以先帮忙把断口包起来，至少不伤人。", 0),
        ("zhaodage", "可以问问街道有没有儿童友好社区的改造经费。", None),
    ],
    "老房子屋顶漏水，下雨天楼道里都是水": [
        ("wangayi", "刘奶奶家我去看过，天花板都发黑了，老人住着对身体不好。", None),
        ("zhangshu", "防水层要整体重做，光补漏过不了一个梅雨季。", None),
    ],
    "双职工家庭孩子放学后没人照看": [
        ("zhouxiaoyu", "我可以每周三下午来带孩子们做手工和拍照。", None),
        ("qianbobo", "活动室的空调要先修一下，夏天太热了。", None),
        ("sunlaoshi", "谢谢钱伯伯提醒，我们一起报给社区。", 1),
    ],
    "留守老人白天没事做，很孤单": [
        ("weilaoye", "我年轻时唱过越剧，愿意教大家。", None),
        ("hanxiaoming", "周末我可以来教老人用手机和子女视频。", None),
    ],
    "村里闲置空地想改成小菜园和休息区": [
        ("heshushu", "长椅我可以做，木料村里仓库应该还有一些。", None),
        ("zhuxiansheng", "要先和村委确认这块地的用途，别白忙一场。", None),
    ],
}

ORGANISERS = {"幸福社区": "lisg", "和美社区": "zhousg", "百老弄社区": "huangsg", "东湖村": "linsg"}


def seed(ctx: DemoContext) -> None:
    # Normally made by a data migration; a test database flushed between tests has lost them.
    for name in PLATFORM_TAG_NAMES:
        BeneficiaryTag.objects.get_or_create(community=None, name=name)
    tags = {t.name: t.pk for t in BeneficiaryTag.objects.filter(community__isnull=True)}
    made: dict[str, Problem] = {}
    for community_name, author, title, description, category, tag_names, place, endorsers, stage in PROBLEMS:
        community = ctx.communities[community_name]
        problem = services.problem_create(
            author=ctx.users[author],
            community_id=community.pk,
            title=title,
            description=description,
            category=category,
            tag_ids=[tags[n] for n in tag_names],
            place=place,
        )
        for username in endorsers:
            services.endorsement_add(user=ctx.users[username], problem_id=problem.pk)
        organiser = ctx.users[ORGANISERS[community_name]]
        if stage in ("discussing", "adopted"):
            services.problem_open_discussion(
                actor=organiser, problem_id=problem.pk, reason="居民反映集中，进入社区议事讨论。"
            )
        if stage == "adopted":
            services.problem_decide(
                actor=organiser,
                problem_id=problem.pk,
                adopted=True,
                reason="居民议事会讨论通过，列入本季度微治理项目。",
            )
        made[title] = problem

    for title, comments in COMMENTS.items():
        problem = made[title]
        written = []
        for username, body, reply_to in comments:
            parent = written[reply_to].pk if reply_to is not None else None
            written.append(
                services.comment_create(author=ctx.users[username], problem_id=problem.pk, body=body, parent_id=parent)
            )

    services.problem_settings_update(
        actor=ctx.users["lisg"], community_id=ctx.communities["幸福社区"].pk, threshold_kind="count", threshold_value=5
    )
    services.tag_create(actor=ctx.users["huangsg"], community_id=ctx.communities["百老弄社区"].pk, name="随迁老人")
    ctx.objects["problems"] = made
    _published_vote(ctx, [made["弄堂口电动车乱停，消防通道被堵"], made["公共晾衣区被杂物占了，老人没地方晒被子"]])


# Who voted for which problem in 百老弄社区's vote.
VOTES = [
    ("fengdajie", "弄堂口电动车乱停，消防通道被堵"),
    ("hanxiaoming", "弄堂口电动车乱停，消防通道被堵"),
    ("jiangxiaoli", "弄堂口电动车乱停，消防通道被堵"),
    ("weilaoye", "公共晾衣区被杂物占了，老人没地方晒被子"),
    ("yangpopo", "公共晾衣区被杂物占了，老人没地方晒被子"),
]


def _published_vote(ctx: DemoContext, problems: list[Problem]) -> None:
    """Put the problems to a single-choice vote that opened three days ago, let five neighbours
    vote, close it a minute from now and publish the result."""
    if not apps.is_installed("voting"):
        return
    from voting import selectors as voting_selectors
    from voting import services as voting

    organiser = ctx.users["huangsg"]
    now = timezone.now()
    closes_at = now + timedelta(minutes=1)
    ballot = services.problems_put_to_vote(
        actor=organiser,
        community_id=problems[0].community_id,
        problem_ids=[p.pk for p in problems],
        question="弄堂里先解决哪件事？",
        method="single",
        opens_at=now - timedelta(days=3),
        closes_at=closes_at,
        description="两个问题居民都很关心，社区这个月先集中解决一个。",
    )
    voting.ballot_open(ballot_id=ballot.pk)
    option = {o.label: o.id for o in voting_selectors.ballot_spec(ballot=ballot).options}
    for username, title in VOTES:
        voting.vote_cast(voter=ctx.users[username], ballot_id=ballot.pk, choices={"option": option[title]})
    voting.ballot_close(ballot_id=ballot.pk, now=closes_at)
    voting.ballot_publish(actor=organiser, ballot_id=ballot.pk)
