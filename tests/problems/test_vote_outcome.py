"""A published ballot's result reaches the problems put to it: followers hear how their problem
did, the organisers hear once that the problems wait for their decision, and the problem page, the
organiser's page and the API show the outcome. Adopting or declining stays the organisers'."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Notification
from problems import services
from problems.models import Problem

from .conftest import make_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def voting():
    return pytest.importorskip("voting.services")


def put_to_vote(olivia, world, problems, *, method="approval", quorum=None):
    from voting.models import Ballot
    from voting.services import ballot_update

    now = timezone.now()
    ballot = services.problems_put_to_vote(
        actor=olivia,
        community_id=world.a.pk,
        problem_ids=[p.pk for p in problems],
        question="社区最应该先解决哪个问题？",
        method=method,
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(days=7),
    )
    if quorum is not None:
        ballot_update(actor=olivia, ballot_id=ballot.pk, quorum=quorum)
    Ballot.objects.filter(pk=ballot.pk).update(status="open", opens_at=now - timedelta(minutes=1))
    return ballot


def option_of(ballot, problem) -> int:
    return ballot.options.get(ref_kind="problem", ref_id=problem.pk).pk


def close_and_publish(voting, olivia, ballot, capture):
    voting.ballot_close(ballot_id=ballot.pk, now=timezone.now() + timedelta(days=8))
    with capture(execute=True):
        voting.ballot_publish(actor=olivia, ballot_id=ballot.pk)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def playground_and_lights(alice, bob, olivia, world):
    playground = make_problem(alice, world.a, status="discussing", title="游乐场滑梯坏了")
    lights = make_problem(alice, world.a, status="discussing", title="楼道灯不亮")
    services.follow_add(user=bob, problem_id=playground.pk)
    services.follow_add(user=bob, problem_id=lights.pk)
    return playground, lights


def test_followers_and_organisers_hear_the_result_and_the_decision_stays_with_the_organisers(
    voting, alice, bob, olivia, world, playground_and_lights, django_capture_on_commit_callbacks, published
):
    playground, lights = playground_and_lights
    ballot = put_to_vote(olivia, world, [playground, lights])
    voting.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"options": [option_of(ballot, playground)]})
    voting.vote_cast(
        voter=bob, ballot_id=ballot.pk, choices={"options": [option_of(ballot, playground), option_of(ballot, lights)]}
    )
    Notification.objects.all().delete()

    close_and_publish(voting, olivia, ballot, django_capture_on_commit_callbacks)

    titles = set(Notification.objects.filter(user=bob, kind="problem_vote_result").values_list("title", flat=True))
    assert titles == {
        "您关注的问题“游乐场滑梯坏了”投票结果：投票胜出",
        "您关注的问题“楼道灯不亮”投票结果：未胜出",
    }
    decide = Notification.objects.get(user=olivia, kind="problem_vote_decide")
    assert decide.title == "投票“社区最应该先解决哪个问题？”已公布结果：2 个问题等待您决定是否采纳"
    assert decide.url == "/organiser/problems/#awaiting-heading"
    # Open problem pages hear of it (they offer a reload).
    assert [(t, kind) for t, kind, _payload in published if kind == "problem_vote_result"] == [
        (f"problem.{playground.pk}", "problem_vote_result"),
        (f"problem.{lights.pk}", "problem_vote_result"),
    ]
    # Nobody decided for the organisers: both problems are still in voting.
    assert set(Problem.objects.values_list("status", flat=True)) == {"voting"}

    # The organisers' page lists them; deciding takes a problem off the list.
    page = client_for(olivia).get("/organiser/problems/").content.decode()
    assert "投票已公布、等待决定的问题" in page and "游乐场滑梯坏了" in page and "楼道灯不亮" in page
    services.problem_decide(actor=olivia, problem_id=playground.pk, adopted=True, reason="投票胜出")
    page = client_for(olivia).get("/organiser/problems/").content.decode()
    awaiting = page.split('id="awaiting-heading"')[1].split("</section>")[0]
    assert "楼道灯不亮" in awaiting and "游乐场滑梯坏了" not in awaiting


def test_the_problem_page_and_the_api_show_the_outcome(
    voting, alice, bob, olivia, world, playground_and_lights, django_capture_on_commit_callbacks
):
    playground, lights = playground_and_lights
    ballot = put_to_vote(olivia, world, [playground, lights])
    assert "outcome-heading" not in client_for(bob).get(f"/problems/{playground.pk}/").content.decode()
    assert client_for(bob).get(f"/api/problems/{playground.pk}/").json()["vote_outcome"] is None
    voting.vote_cast(voter=bob, ballot_id=ballot.pk, choices={"options": [option_of(ballot, lights)]})

    close_and_publish(voting, olivia, ballot, django_capture_on_commit_callbacks)

    resident_page = client_for(bob).get(f"/problems/{lights.pk}/").content.decode()
    assert "投票胜出" in resident_page and "结果已公布，等待社区工作者决定是否采纳。" in resident_page
    assert f'href="/ballots/{ballot.pk}/results/"' in resident_page
    organiser_page = client_for(olivia).get(f"/problems/{playground.pk}/").content.decode()
    assert "未胜出" in organiser_page and "决定采纳或不采纳" in organiser_page
    body = client_for(bob).get(f"/api/problems/{lights.pk}/").json()["vote_outcome"]
    assert body == {
        "ballot": ballot.pk,
        "question": "社区最应该先解决哪个问题？",
        "won": True,
        "tie": False,
        "quorum_met": True,
        "label": "投票胜出",
    }
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert english.get(f"/api/problems/{playground.pk}/").json()["vote_outcome"]["label"] == "Not chosen"


def test_a_tie_and_a_missed_quorum_say_so(
    voting, alice, bob, olivia, world, playground_and_lights, django_capture_on_commit_callbacks
):
    playground, lights = playground_and_lights
    ballot = put_to_vote(olivia, world, [playground, lights])
    voting.vote_cast(
        voter=bob, ballot_id=ballot.pk, choices={"options": [option_of(ballot, playground), option_of(ballot, lights)]}
    )
    close_and_publish(voting, olivia, ballot, django_capture_on_commit_callbacks)
    assert set(Notification.objects.filter(user=bob, kind="problem_vote_result").values_list("title", flat=True)) == {
        "您关注的问题“游乐场滑梯坏了”投票结果：并列得票最多",
        "您关注的问题“楼道灯不亮”投票结果：并列得票最多",
    }

    # Another vote with a quorum of five: one paper is not enough, whoever it chose.
    swings = make_problem(alice, world.a, status="discussing", title="秋千松了")
    bench = make_problem(alice, world.a, status="discussing", title="长椅坏了")
    services.follow_add(user=bob, problem_id=swings.pk)
    quorate = put_to_vote(olivia, world, [swings, bench], quorum=5)
    voting.vote_cast(voter=bob, ballot_id=quorate.pk, choices={"options": [option_of(quorate, swings)]})
    close_and_publish(voting, olivia, quorate, django_capture_on_commit_callbacks)
    assert Notification.objects.get(user=bob, kind="problem_vote_result", url=f"/problems/{swings.pk}/").title == (
        "您关注的问题“秋千松了”投票结果：参与投票人数未达要求"
    )


def test_only_the_ballots_own_communities_organisers_hear_and_a_decided_problem_is_not_told_again(
    voting, alice, bob, olivia, oscar, world, playground_and_lights, django_capture_on_commit_callbacks
):
    playground, lights = playground_and_lights
    ballot = put_to_vote(olivia, world, [playground, lights])
    voting.vote_cast(voter=bob, ballot_id=ballot.pk, choices={"options": [option_of(ballot, lights)]})
    # The organiser decided on the playground before publishing the result.
    services.problem_decide(actor=olivia, problem_id=playground.pk, adopted=False, reason="已列入年度维修计划")
    Notification.objects.all().delete()

    close_and_publish(voting, olivia, ballot, django_capture_on_commit_callbacks)

    # Its author and bob follow it; the playground, decided already, is not told about.
    told = Notification.objects.filter(kind="problem_vote_result")
    assert sorted(told.values_list("user__username", "url")) == [
        ("alice", f"/problems/{lights.pk}/"),
        ("bob", f"/problems/{lights.pk}/"),
    ]
    assert Notification.objects.get(kind="problem_vote_decide").user == olivia
    assert not Notification.objects.filter(user=oscar).exists()
    assert services.vote_result_published(ballot_id=ballot.pk + 1000) == 0  # not a ballot: nothing


def test_the_awaiting_list_through_the_api_per_role(
    voting, api_as, alice, bob, olivia, oscar, world, playground_and_lights, django_capture_on_commit_callbacks
):
    playground, lights = playground_and_lights
    ballot = put_to_vote(olivia, world, [playground, lights])
    voting.vote_cast(voter=bob, ballot_id=ballot.pk, choices={"options": [option_of(ballot, lights)]})
    url = "/api/problems/awaiting-decision/"
    assert api_as(olivia).get(url).json() == []  # not published yet
    close_and_publish(voting, olivia, ballot, django_capture_on_commit_callbacks)

    body = api_as(olivia).get(url).json()

    assert [(item["id"], item["vote_outcome"]["won"]) for item in body] == [(playground.pk, False), (lights.pk, True)]
    assert body[1]["community_name"] == world.a.name and body[1]["vote_outcome"]["label"] == "投票胜出"
    assert api_as(oscar).get(url).json() == []  # organiser of another community
    refused = api_as(bob).get(url)
    assert refused.status_code == 403 and refused.json()["detail"] == "只有社区工作者可以查看等待决定的问题。"
    assert api_as(None).get(url).status_code == 401


def test_a_problem_named_in_another_published_ballot_keeps_its_own_outcome(
    voting, alice, bob, olivia, world, playground_and_lights, django_capture_on_commit_callbacks
):
    from problems.selectors import vote_outcomes
    from voting.models import Ballot

    playground, lights = playground_and_lights
    ballot = put_to_vote(olivia, world, [playground, lights])
    voting.vote_cast(voter=bob, ballot_id=ballot.pk, choices={"options": [option_of(ballot, lights)]})
    close_and_publish(voting, olivia, ballot, django_capture_on_commit_callbacks)
    # A later ballot, made in the voting app, decides a third problem and names the playground
    # too; the playground wins there.
    swings = make_problem(alice, world.a, status="discussing", title="秋千松了")
    now = timezone.now()
    other = voting.ballot_create(
        actor=olivia,
        community_ids=[world.a.pk],
        question="周末先修哪个？",
        method="single",
        options=[
            {"label": "修滑梯", "ref_kind": "problem", "ref_id": playground.pk},
            {"label": "修秋千", "ref_kind": "problem", "ref_id": swings.pk},
        ],
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(days=7),
    )
    services.problem_start_voting(actor=olivia, problem_id=swings.pk, ballot_id=other.pk)
    Ballot.objects.filter(pk=other.pk).update(status="open", opens_at=now - timedelta(minutes=1))
    voting.vote_cast(voter=bob, ballot_id=other.pk, choices={"option": option_of(other, playground)})
    close_and_publish(voting, olivia, other, django_capture_on_commit_callbacks)

    problems = list(Problem.objects.filter(pk__in=[playground.pk, lights.pk, swings.pk]))
    found = {pk: (o["ballot_id"], o["won"]) for pk, o in vote_outcomes(problems=problems).items()}
    assert found == {playground.pk: (ballot.pk, False), lights.pk: (ballot.pk, True), swings.pk: (other.pk, False)}
