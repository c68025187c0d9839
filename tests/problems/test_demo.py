from accounts.models import Notification
from core.demo import DemoContext
from problems.models import Comment, Problem


def test_the_demo_seeds_problems_at_several_stages(db):
    from network import demo as network_demo
    from problems import demo

    ctx = DemoContext()
    network_demo.seed(ctx)
    demo.seed(ctx)
    statuses = set(Problem.objects.values_list("status", flat=True))
    assert statuses == {"raised", "discussing", "adopted"}
    assert Problem.objects.values("community").distinct().count() == 4
    assert Comment.objects.filter(parent__isnull=False).exists()
    roof = Problem.objects.get(title__contains="屋顶漏水")
    assert roof.status == "adopted"
    assert roof.endorsement_count == 2
    # 幸福社区's threshold is 5: the playground (4 neighbours) is not flagged yet.
    assert not Problem.objects.filter(threshold_reached_at__isnull=False).exists()
    assert not Notification.objects.filter(kind="problem_threshold").exists()
    assert set(ctx.objects["problems"]) == set(Problem.objects.values_list("title", flat=True))
