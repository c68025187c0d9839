"""Who may and who may not, for every endpoint. alice: resident of A (author of `problem`),
bob: resident of A, olivia: organiser of A, oscar: organiser of B, bea: resident of B,
charlie: nobody, None: anonymous."""

import pytest

from problems import services
from problems.models import Comment, Endorsement, Follow, Problem, ProblemSettings

from .conftest import make_problem


@pytest.fixture
def people(alice, bob, olivia, oscar, bea, charlie):
    return {"alice": alice, "bob": bob, "olivia": olivia, "oscar": oscar, "bea": bea, "charlie": charlie, "anon": None}


def call(api_as, people, who, method, url, data=None):
    client = api_as(people[who])
    return getattr(client, method)(url, data, format="json")


def test_raising_a_problem(api_as, people, world):
    data = {"community": world.a.pk, "title": "标题", "description": "描述", "category": "other"}
    expected = {"anon": 401, "charlie": 403, "oscar": 403, "bea": 403, "bob": 201, "olivia": 201}
    for who, status in expected.items():
        assert call(api_as, people, who, "post", "/api/problems/", data).status_code == status, who
    assert call(api_as, people, "bob", "post", "/api/problems/", {**data, "community": 99999}).status_code == 404


def test_reading_is_public(api_as, people, problem):
    for who in people:
        assert call(api_as, people, who, "get", f"/api/problems/{problem.pk}/").status_code == 200
        assert call(api_as, people, who, "get", f"/api/problems/{problem.pk}/comments/").status_code == 200
        assert call(api_as, people, who, "get", "/api/problems/").status_code == 200


def test_moving_a_problem(api_as, people, problem):
    url = f"/api/problems/{problem.pk}/status/"
    for who, status in {"anon": 401, "charlie": 403, "alice": 403, "bob": 403, "oscar": 403}.items():
        assert call(api_as, people, who, "post", url, {"to_status": "discussing"}).status_code == status, who
    r = call(api_as, people, "olivia", "post", url, {"to_status": "discussing", "reason": "议事"})
    assert r.status_code == 200
    assert r.json()["status"] == "discussing"
    r = call(api_as, people, "olivia", "post", url, {"to_status": "solved"})
    assert r.status_code == 409
    assert r.json()["code"] == "illegal_transition"
    assert call(api_as, people, "olivia", "post", url, {"to_status": "nonsense"}).status_code == 400
    assert call(api_as, people, "olivia", "post", url, {"to_status": "voting"}).status_code == 400


def test_endorsing(api_as, people, problem):
    url = f"/api/problems/{problem.pk}/endorsement/"
    for who, status in {"anon": 401, "charlie": 403, "oscar": 403, "bea": 403}.items():
        assert call(api_as, people, who, "post", url).status_code == status, who
    assert call(api_as, people, "bob", "post", url).json() == {"problem": problem.pk, "count": 1}
    assert call(api_as, people, "olivia", "post", url).json() == {"problem": problem.pk, "count": 2}
    r = call(api_as, people, "bob", "post", url)
    assert (r.status_code, r.json()["code"]) == (409, "already_endorsed")
    assert call(api_as, people, "bob", "delete", url).json() == {"problem": problem.pk, "count": 1}
    assert call(api_as, people, "bob", "delete", url).status_code == 409
    assert Endorsement.objects.filter(problem=problem).count() == 1


def test_following(api_as, people, problem):
    url = f"/api/problems/{problem.pk}/follow/"
    assert call(api_as, people, "anon", "post", url).status_code == 401
    assert call(api_as, people, "charlie", "post", url).json() == {"problem": problem.pk, "following": True}
    assert call(api_as, people, "charlie", "post", url).status_code == 409
    assert call(api_as, people, "charlie", "delete", url).json()["following"] is False
    assert not Follow.objects.filter(user=people["charlie"]).exists()


def test_commenting_editing_and_deleting(api_as, people, problem):
    url = f"/api/problems/{problem.pk}/comments/"
    for who, status in {"anon": 401, "charlie": 403, "oscar": 403, "bea": 403}.items():
        assert call(api_as, people, who, "post", url, {"body": "你好"}).status_code == status, who
    top = call(api_as, people, "bob", "post", url, {"body": "我也遇到过"}).json()
    reply = call(api_as, people, "alice", "post", url, {"body": "谢谢", "parent": top["id"]})
    assert reply.status_code == 201
    assert reply.json()["parent"] == top["id"]

    one = f"/api/problem-comments/{top['id']}/"
    for who, status in {"anon": 401, "alice": 403, "olivia": 403}.items():
        assert call(api_as, people, who, "patch", one, {"body": "改"}).status_code == status, who
        assert call(api_as, people, who, "delete", one).status_code == status, who
    assert call(api_as, people, "bob", "patch", one, {"body": "改好了"}).json()["body"] == "改好了"
    gone = call(api_as, people, "bob", "delete", one).json()
    assert (gone["state"], gone["body"], gone["author_name"]) == ("deleted", "", "")
    listed = call(api_as, people, "anon", "get", url).json()["results"]
    assert [c["state"] for c in listed] == ["deleted", "visible"]
    assert call(api_as, people, "bob", "delete", "/api/problem-comments/99999/").status_code == 404


def test_reporting_hiding_and_the_moderation_queue(api_as, people, problem):
    comment = services.comment_create(author=people["alice"], problem_id=problem.pk, body="不相干的广告")
    report = f"/api/problem-comments/{comment.pk}/report/"
    for who, status in {"anon": 401, "charlie": 403, "bea": 403, "alice": 400}.items():
        assert call(api_as, people, who, "post", report, {"reason": "广告"}).status_code == status, who
    assert call(api_as, people, "bob", "post", report, {"reason": ""}).status_code == 400
    assert call(api_as, people, "bob", "post", report, {"reason": "广告"}).status_code == 201

    queue = "/api/problems/moderation/"
    for who, status in {"anon": 401, "alice": 403, "charlie": 403}.items():
        assert call(api_as, people, who, "get", queue).status_code == status, who
    assert call(api_as, people, "oscar", "get", queue).json()["results"] == []
    items = call(api_as, people, "olivia", "get", queue).json()["results"]
    assert [(i["id"], i["reports"][0]["reason"]) for i in items] == [(comment.pk, "广告")]

    hide = f"/api/problem-comments/{comment.pk}/hide/"
    for who, status in {"anon": 401, "bob": 403, "oscar": 403}.items():
        assert call(api_as, people, who, "post", hide, {"reason": "广告"}).status_code == status, who
    r = call(api_as, people, "olivia", "post", hide, {"reason": "与问题无关的广告"})
    assert (r.status_code, r.json()["state"], r.json()["hidden_reason"]) == (200, "hidden", "与问题无关的广告")
    assert Comment.objects.get(pk=comment.pk).hidden_by == people["olivia"]

    dismiss = f"/api/problem-comments/{comment.pk}/dismiss-reports/"
    assert call(api_as, people, "bob", "post", dismiss).status_code == 403
    assert call(api_as, people, "olivia", "post", dismiss).status_code == 409


def test_community_settings(api_as, people, world):
    url = f"/api/communities/{world.a.pk}/problem-settings/"
    assert call(api_as, people, "anon", "get", url).json()["threshold_now"] == services.DEFAULT_THRESHOLD
    data = {"threshold_kind": "share", "threshold_value": 50}
    for who, status in {"anon": 401, "alice": 403, "oscar": 403}.items():
        assert call(api_as, people, who, "put", url, data).status_code == status, who
    assert (
        call(api_as, people, "olivia", "put", url, {"threshold_kind": "share", "threshold_value": 150}).status_code
        == 400
    )
    r = call(api_as, people, "olivia", "put", url, data)
    assert r.status_code == 200
    # alice, bob and olivia are the verified members of A.
    assert r.json() == {"community": world.a.pk, "threshold_kind": "share", "threshold_value": 50, "threshold_now": 2}
    assert ProblemSettings.objects.get(community=world.a).updated_by == people["olivia"]
    assert call(api_as, people, "anon", "get", "/api/communities/99999/problem-settings/").status_code == 404


def test_community_tags(api_as, people, world):
    url = f"/api/communities/{world.a.pk}/problem-tags/"
    names = [t["name"] for t in call(api_as, people, "anon", "get", url).json()]
    assert names == ["一小", "一老", "困难群体", "公共空间"]
    for who, status in {"anon": 401, "alice": 403, "oscar": 403}.items():
        assert call(api_as, people, who, "post", url, {"name": "新市民"}).status_code == status, who
    assert call(api_as, people, "olivia", "post", url, {"name": "新市民"}).status_code == 201
    assert call(api_as, people, "olivia", "post", url, {"name": "新市民"}).status_code == 409
    assert call(api_as, people, "olivia", "post", url, {"name": "一老"}).status_code == 409
    assert "新市民" in [t["name"] for t in call(api_as, people, "anon", "get", url).json()]
    other = f"/api/communities/{world.b.pk}/problem-tags/"
    assert "新市民" not in [t["name"] for t in call(api_as, people, "anon", "get", other).json()]


def test_putting_problems_to_a_vote_is_for_organisers(api_as, people, world):
    problem = make_problem(people["alice"], world.a, status="discussing")
    url = f"/api/communities/{world.a.pk}/problem-ballots/"
    data = {
        "problem_ids": [problem.pk, make_problem(people["alice"], world.a, status="discussing").pk],
        "question": "先解决哪个？",
        "method": "approval",
        "opens_at": "2030-01-01T09:00:00+08:00",
        "closes_at": "2030-01-08T09:00:00+08:00",
    }
    for who, status in {"anon": 401, "alice": 403, "oscar": 403}.items():
        assert call(api_as, people, who, "post", url, data).status_code == status, who
    assert Problem.objects.get(pk=problem.pk).status == "discussing"


def test_an_organiser_puts_problems_to_a_vote_through_the_api(api_as, people, world):
    pytest.importorskip("voting.services")
    first = make_problem(people["alice"], world.a, status="discussing")
    second = make_problem(people["bob"], world.a, status="discussing", title="楼道灯")
    data = {
        "problem_ids": [second.pk, first.pk],
        "question": "先解决哪个？",
        "method": "approval",
        "opens_at": "2030-01-01T09:00:00+08:00",
        "closes_at": "2030-01-08T09:00:00+08:00",
    }
    url = f"/api/communities/{world.a.pk}/problem-ballots/"
    r = call(api_as, people, "olivia", "post", url, data)
    assert r.status_code == 201, r.json()
    ballot = r.json()["ballot"]
    assert r.json() == {"ballot": ballot, "url": f"/ballots/{ballot}/", "problems": sorted([first.pk, second.pk])}
    assert set(Problem.objects.values_list("status", "ballot_id")) == {("voting", ballot)}
    again = call(api_as, people, "olivia", "post", url, data)
    assert (again.status_code, again.json()["code"]) == (409, "not_discussing")
