"""Putting problems to a vote goes through voting.services.ballot_create."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict
from problems import services
from problems.models import Problem

from .conftest import make_problem


@pytest.fixture
def ballot_create():
    module = pytest.importorskip("voting.services")
    if not hasattr(module, "ballot_create"):
        pytest.skip("voting.services.ballot_create is not there yet")
    return module.ballot_create


def vote(actor, community, problems, **extra):
    now = timezone.now()
    return services.problems_put_to_vote(
        actor=actor,
        community_id=community.pk,
        problem_ids=[p.pk for p in problems],
        question="社区最应该先解决哪个问题？",
        method=extra.pop("method", "approval"),
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        **extra,
    )


def test_it_creates_one_ballot_with_an_option_per_problem(ballot_create, alice, olivia, world):
    first = make_problem(alice, world.a, status="discussing", title="游乐场")
    second = make_problem(alice, world.a, status="discussing", title="楼道灯")
    ballot = vote(olivia, world.a, [first, second])
    for p in (first, second):
        p.refresh_from_db()
        assert (p.status, p.ballot_id) == ("voting", ballot.pk)
    options = list(ballot.options.values_list("label", "ref_kind", "ref_id").order_by("ref_id"))
    assert options == [("游乐场", "problem", first.pk), ("楼道灯", "problem", second.pk)]


def test_a_problem_not_in_discussion_spoils_the_whole_vote(ballot_create, alice, olivia, world):
    ready = make_problem(alice, world.a, status="discussing")
    raised = make_problem(alice, world.a, status="raised")
    with pytest.raises(Conflict):
        vote(olivia, world.a, [ready, raised])
    assert Problem.objects.get(pk=raised.pk).status == "raised"
    assert Problem.objects.get(pk=ready.pk).status == "discussing"


def test_another_communitys_problem_cannot_be_put_to_vote(ballot_create, alice, bea, olivia, world):
    theirs = make_problem(bea, world.b, status="discussing")
    mine = make_problem(alice, world.a, status="discussing")
    with pytest.raises(Conflict):
        vote(olivia, world.a, [mine, theirs])
    assert Problem.objects.get(pk=theirs.pk).status == "discussing"


def test_the_voting_apps_refusal_leaves_problems_in_discussion(ballot_create, alice, olivia, world):
    from core.errors import ApplicationError

    ready = [make_problem(alice, world.a, status="discussing") for _i in range(2)]
    with pytest.raises(ApplicationError) as exc:
        vote(olivia, world.a, ready, method="no-such-method")
    assert "method" in exc.value.fields
    assert set(Problem.objects.values_list("status", flat=True)) == {"discussing"}


def test_one_problem_alone_is_not_a_vote(ballot_create, alice, olivia, world):
    from core.errors import ApplicationError

    ready = make_problem(alice, world.a, status="discussing")
    with pytest.raises(ApplicationError) as exc:
        vote(olivia, world.a, [ready])
    assert "problem_ids" in exc.value.fields
    assert Problem.objects.get(pk=ready.pk).status == "discussing"
