"""Demo ballots for 幸福社区: one open ballot of each method with some votes (one cast with
help for an elderly resident), and one ballot already closed and published with its result."""

from datetime import timedelta

from django.utils import timezone

from accounts.services import consent_record
from core.demo import DemoContext

from . import services
from .models import Ballot

COMMUNITY = "幸福社区"
ORGANISER = "lisg"
VOTERS = ["wangayi", "zhangshu", "liunainai", "chenxiaomei", "zhaodage"]


def _problem_options(ctx: DemoContext) -> list[dict]:
    """Options linked to the community's problems when the problems demo made some."""
    problems = [
        p for p in (ctx.objects.get("problems") or {}).values() if p.community_id == ctx.communities[COMMUNITY].pk
    ]
    if len(problems) >= 2:
        return [{"label": p.title[:200], "ref_kind": "problem", "ref_id": p.pk} for p in problems[:4]]
    return [{"label": "老房子屋顶漏水"}, {"label": "楼道灯经常不亮"}, {"label": "小花园没人打理"}]


def _open(ctx: DemoContext, **kwargs) -> Ballot:
    now = timezone.now()
    ballot = services.ballot_create(
        actor=ctx.users[ORGANISER],
        community_ids=[ctx.communities[COMMUNITY].pk],
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=6),
        **kwargs,
    )
    services.ballot_open(ballot_id=ballot.pk)
    return ballot


def _ids(ballot: Ballot) -> list[int]:
    return list(ballot.options.order_by("position").values_list("pk", flat=True))


def _vote(ctx: DemoContext, ballot: Ballot, papers: list[dict], voters: list[str] = VOTERS) -> None:
    for username, choices in zip(voters, papers, strict=False):
        services.vote_cast(voter=ctx.users[username], ballot_id=ballot.pk, choices=choices)


def seed(ctx: DemoContext) -> None:
    if COMMUNITY not in ctx.communities or ORGANISER not in ctx.users:
        return
    organiser = ctx.users[ORGANISER]

    single = _open(
        ctx,
        question="本季度先解决哪个问题？",
        description="从居民提出、讨论最多的问题中选一个，列入本季度微治理项目。",
        method="single",
        options=_problem_options(ctx),
        results_policy="live",
        quorum=3,
    )
    a, b, *_ = _ids(single)
    _vote(ctx, single, [{"option": a}, {"option": b}, {"option": a}])

    approval = _open(
        ctx,
        question="社区活动室开放时间",
        method="approval",
        options=[{"label": "工作日上午"}, {"label": "工作日晚上"}, {"label": "周末上午"}, {"label": "周末下午"}],
        max_choices=2,
    )
    o = _ids(approval)
    _vote(ctx, approval, [{"options": [o[0], o[2]]}, {"options": [o[1]]}, {"options": [o[2], o[3]]}])

    ranked = _open(
        ctx,
        question="小花园改造方案排序",
        method="ranked",
        options=[{"label": "种菜的共享菜园"}, {"label": "儿童沙坑和秋千"}, {"label": "老人健身步道"}],
        allow_revote=True,
    )
    r = _ids(ranked)
    _vote(ctx, ranked, [{"ranking": [r[2], r[0]]}, {"ranking": [r[1]]}, {"ranking": [r[0], r[2]]}, {"ranking": [r[2]]}])

    score = _open(
        ctx,
        question="给今年的社区服务打分",
        method="score",
        options=[{"label": "助老食堂"}, {"label": "四点半课堂"}, {"label": "楼道保洁"}],
    )
    s = _ids(score)
    _vote(ctx, score, [{"scores": {str(s[0]): 5, str(s[1]): 4}}, {"scores": {str(s[0]): 4, str(s[2]): 2}}])

    budget = _open(
        ctx,
        question="2 万元微更新资金怎么用？",
        method="budget",
        budget_fen=2_000_000,
        options=[
            {"label": "修缮凉亭", "cost_fen": 1_200_000},
            {"label": "增设休息座椅", "cost_fen": 500_000},
            {"label": "安装太阳能路灯", "cost_fen": 800_000},
            {"label": "更换信报箱", "cost_fen": 300_000},
        ],
    )
    g = _ids(budget)
    _vote(
        ctx,
        budget,
        [{"options": [g[0], g[1]]}, {"options": [g[2], g[3]]}, {"options": [g[0], g[3]]}],
        voters=["wangayi", "zhangshu", "chenxiaomei"],
    )
    # 刘奶奶 asked the organiser to vote for her on the budget ballot.
    consent = consent_record(
        organiser=organiser,
        resident=ctx.users["liunainai"],
        community=ctx.communities[COMMUNITY],
        method="in_person",
        scope="为“2 万元微更新资金怎么用？”代为投票",
    )
    services.vote_cast_assisted(
        organiser=organiser,
        ballot_id=budget.pk,
        voter_id=ctx.users["liunainai"].pk,
        consent_id=consent.pk,
        choices={"options": [g[1], g[2]]},
    )

    done = _open(
        ctx,
        question="楼道灯改造用哪种灯？",
        method="single",
        options=[{"label": "声控灯"}, {"label": "人体感应灯"}, {"label": "常亮节能灯"}],
    )
    d = _ids(done)
    _vote(ctx, done, [{"option": d[1]}, {"option": d[1]}, {"option": d[0]}, {"option": d[1]}, {"option": None}])
    now = timezone.now()
    Ballot.objects.filter(pk=done.pk).update(opens_at=now - timedelta(days=10), closes_at=now - timedelta(days=3))
    services.ballot_close(ballot_id=done.pk)
    services.ballot_publish(actor=organiser, ballot_id=done.pk)
