from live.registry import topic_kind
from live.selectors import may_subscribe
from problems import services
from problems.selectors import community_snapshot, problem_snapshot

from .conftest import make_problem


def test_community_and_problem_topics_are_public(problem, charlie):
    from django.contrib.auth.models import AnonymousUser

    for topic in (f"community.{problem.community_id}", f"problem.{problem.pk}"):
        assert topic_kind(topic) is not None
        assert may_subscribe(user=AnonymousUser(), topic=topic)
        assert may_subscribe(user=charlie, topic=topic)


def test_the_community_snapshot_counts_statuses_and_open_endorsements(alice, bob, world):
    raised = make_problem(alice, world.a)
    make_problem(alice, world.a, status="discussing")
    adopted = make_problem(alice, world.a, status="adopted")
    services.endorsement_add(user=bob, problem_id=raised.pk)
    state = community_snapshot(community_id=world.a.pk)
    assert state["status_counts"]["raised"] == 1
    assert state["status_counts"]["discussing"] == 1
    assert state["status_counts"]["adopted"] == 1
    assert state["status_counts"]["solved"] == 0
    assert state["endorsements"][str(raised.pk)] == 1
    assert str(adopted.pk) not in state["endorsements"]


def test_the_problem_snapshot(problem, bob):
    services.endorsement_add(user=bob, problem_id=problem.pk)
    services.comment_create(author=bob, problem_id=problem.pk, body="支持")
    assert problem_snapshot(problem_id=problem.pk) == {
        "problem": problem.pk,
        "status": "raised",
        "endorsements": 1,
        "comments": 1,
    }


def test_raising_announces_problem_created(alice, world, published):
    problem = make_problem(alice, world.a)
    assert (f"community.{world.a.pk}", "problem_created", {"problem": problem.pk, "status": "raised"}) in published
