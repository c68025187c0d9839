from accounts.models import Notification
from core.demo import DemoContext
from problems.models import Comment, Problem


def test_the_demo_seeds_problems_at_several_stages(db, django_capture_on_commit_callbacks):
    from network import demo as network_demo
    from problems import demo
    from problems.selectors import awaiting_decision

    ctx = DemoContext()
    network_demo.seed(ctx)
    with django_capture_on_commit_callbacks(execute=True):
        demo.seed(ctx)
    statuses = set(Problem.objects.values_list("status", flat=True))
    assert statuses == {"raised", "discussing", "voting", "adopted"}
    assert Problem.objects.values("community").distinct().count() == 4
    assert Comment.objects.filter(parent__isnull=False).exists()
    roof = Problem.objects.get(title__contains="屋顶漏水")
    assert roof.status == "adopted"
    assert roof.endorsement_count == 2
    # 幸福社区's threshold is 5: the playground (4 neighbours) is not flagged yet.
    assert not Problem.objects.filter(threshold_reached_at__isnull=False).exists()
    assert not Notification.objects.filter(kind="problem_threshold").exists()
    assert set(ctx.objects["problems"]) == set(Problem.objects.values_list("title", flat=True))
    # 百老弄's published vote: both problems wait for 黄社工, who was told so.
    waiting = {p.title: outcome["label"] for p, outcome in awaiting_decision(user=ctx.users["huangsg"])}
    assert waiting == {"弄堂口电动车乱停，消防通道被堵": "投票胜出", "公共晾衣区被杂物占了，老人没地方晒被子": "未胜出"}
    assert Notification.objects.filter(user=ctx.users["huangsg"], kind="problem_vote_decide").count() == 1
    assert Notification.objects.filter(user=ctx.users["hanxiaoming"], kind="problem_vote_result").exists()
