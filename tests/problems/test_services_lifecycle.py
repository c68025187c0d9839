import pytest

from core.errors import Conflict, NotAuthenticated, PermissionDenied
from problems import services
from problems.models import Problem, StatusChange

from .conftest import make_problem

S = Problem.Status


def history(problem):
    return list(
        StatusChange.objects.filter(problem=problem).values_list("from_status", "to_status", "actor_id", "reason")
    )


def test_an_organiser_moves_a_problem_through_its_whole_life(problem, olivia):
    services.problem_open_discussion(actor=olivia, problem_id=problem.pk, reason="进入议事")
    services.problem_start_voting(actor=olivia, problem_id=problem.pk, ballot_id=7)
    services.problem_decide(actor=olivia, problem_id=problem.pk, adopted=True, reason="票数第一")
    services.problem_start_solving(actor=olivia, problem_id=problem.pk, campaign_id=3)
    done = services.problem_mark_solved(actor=olivia, problem_id=problem.pk, reason="已修好")
    assert done.status == S.SOLVED
    assert (done.ballot_id, done.campaign_id) == (7, 3)
    assert history(problem) == [
        ("", "raised", problem.author_id, ""),
        ("raised", "discussing", olivia.pk, "进入议事"),
        ("discussing", "voting", olivia.pk, ""),
        ("voting", "adopted", olivia.pk, "票数第一"),
        ("adopted", "solving", olivia.pk, ""),
        ("solving", "solved", olivia.pk, "已修好"),
    ]


def test_system_moves_have_no_actor_and_need_no_permission(problem):
    make = Problem.objects.filter(pk=problem.pk)
    make.update(status=S.VOTING, ballot_id=5)
    services.problem_decide(actor=None, problem_id=problem.pk, adopted=False, reason="投票未通过")
    last = StatusChange.objects.filter(problem=problem).last()
    assert (last.to_status, last.actor_id, last.reason) == ("declined", None, "投票未通过")


@pytest.mark.parametrize(
    ("status", "move"),
    [
        ("raised", lambda p, u: services.problem_start_voting(actor=u, problem_id=p.pk, ballot_id=1)),
        ("raised", lambda p, u: services.problem_decide(actor=u, problem_id=p.pk, adopted=True, reason="")),
        ("discussing", lambda p, u: services.problem_start_solving(actor=u, problem_id=p.pk, campaign_id=1)),
        ("voting", lambda p, u: services.problem_open_discussion(actor=u, problem_id=p.pk)),
        ("adopted", lambda p, u: services.problem_mark_solved(actor=u, problem_id=p.pk, reason="")),
        ("declined", lambda p, u: services.problem_open_discussion(actor=u, problem_id=p.pk)),
        ("solved", lambda p, u: services.problem_start_solving(actor=u, problem_id=p.pk, campaign_id=2)),
    ],
)
def test_it_refuses_illegal_moves_and_records_nothing(alice, olivia, world, status, move):
    problem = make_problem(alice, world.a, status=status)
    before = history(problem)
    with pytest.raises(Conflict) as exc:
        move(problem, olivia)
    assert exc.value.code == "illegal_transition"
    assert "不能把" in str(exc.value.message)
    problem.refresh_from_db()
    assert problem.status == status
    assert history(problem) == before


def test_residents_and_other_communities_organisers_may_not_move(problem, alice, oscar, charlie):
    for person in (alice, oscar, charlie):
        with pytest.raises(PermissionDenied):
            services.problem_open_discussion(actor=person, problem_id=problem.pk)
    problem.refresh_from_db()
    assert problem.status == S.RAISED


def test_an_anonymous_actor_is_asked_to_sign_in(problem):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        services.problem_open_discussion(actor=AnonymousUser(), problem_id=problem.pk)


def test_declining_needs_a_reason(alice, olivia, world):
    problem = make_problem(alice, world.a, status="discussing")
    with pytest.raises(Exception, match="原因"):
        services.problem_decide(actor=olivia, problem_id=problem.pk, adopted=False, reason="  ")


def test_voting_and_solving_need_positive_ids(alice, olivia, world):
    problem = make_problem(alice, world.a, status="discussing")
    with pytest.raises(Exception, match="投票编号"):
        services.problem_start_voting(actor=olivia, problem_id=problem.pk, ballot_id=0)


def test_followers_hear_about_a_move_but_not_the_organiser_who_made_it(problem, alice, bob, olivia):
    from accounts.models import Notification

    services.follow_add(user=bob, problem_id=problem.pk)
    services.follow_add(user=olivia, problem_id=problem.pk)
    services.problem_open_discussion(actor=olivia, problem_id=problem.pk)
    notified = set(Notification.objects.filter(kind="problem_status").values_list("user_id", flat=True))
    assert notified == {alice.pk, bob.pk}


def test_a_move_is_announced_on_the_community_and_problem_topics(problem, olivia, published):
    services.problem_open_discussion(actor=olivia, problem_id=problem.pk)
    topics = {(t, kind) for t, kind, _p in published}
    assert (f"community.{problem.community_id}", "problem_status") in topics
    assert (f"problem.{problem.pk}", "problem_status") in topics


def test_the_move_api_dispatches_and_refuses_voting_by_hand(problem, olivia):
    with pytest.raises(Exception, match="发起投票"):
        services.problem_move(actor=olivia, problem_id=problem.pk, to_status="voting")
    moved = services.problem_move(actor=olivia, problem_id=problem.pk, to_status="declined", reason="重复问题")
    assert moved.status == S.DECLINED


def test_adopted_problems_for_the_campaign_form(alice, olivia, oscar, bea, world):
    adopted_a = make_problem(alice, world.a, status="adopted")
    make_problem(alice, world.a, status="discussing")
    adopted_b = make_problem(bea, world.b, status="adopted")
    from problems.selectors import problems_adopted_for

    assert list(problems_adopted_for(community_ids=[world.a.pk])) == [adopted_a]
    assert set(problems_adopted_for(community_ids=[world.a.pk, world.b.pk])) == {adopted_a, adopted_b}
