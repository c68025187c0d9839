import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import consent_record
from voting import services
from voting.models import Ballot, Cast, Participation

from .conftest import option_ids


def create_body(world, **over):
    now = timezone.now()
    body = {
        "community_ids": [world.a.pk],
        "question": "广场舞时间怎么定？",
        "method": "approval",
        "max_choices": 2,
        "options": [
            {"label": "早上七点"},
            {"label": "晚上七点"},
            {"label": "晚上八点", "ref_kind": "problem", "ref_id": 3},
        ],
        "opens_at": (now + timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(days=3)).isoformat(),
    }
    body.update(over)
    return body


def test_organisers_create_ballots_through_the_api(api_as, world, olivia):
    r = api_as(olivia).post("/api/ballots/", create_body(world), format="json")
    assert r.status_code == 201, r.content
    assert r.json()["status"] == "draft"
    assert [o["label"] for o in r.json()["options"]] == ["早上七点", "晚上七点", "晚上八点"]
    assert r.json()["options"][2]["ref_kind"] == "problem"


@pytest.mark.parametrize(("who", "status"), [("alice", 403), ("oscar", 403), ("charlie", 403), (None, 401)])
def test_others_may_not_create_ballots(api_as, world, request, who, status):
    user = request.getfixturevalue(who) if who else None
    r = api_as(user).post("/api/ballots/", create_body(world), format="json")
    assert r.status_code == status
    assert r.json()["code"] in {"permission_denied", "not_authenticated"}
    assert Ballot.objects.count() == 0


def test_a_bad_draft_gets_field_messages(api_as, world, olivia):
    r = api_as(olivia).post("/api/ballots/", create_body(world, options=[{"label": "只有一个"}]), format="json")
    assert r.status_code == 400
    assert "options" in r.json()["fields"]
    r = api_as(olivia).post("/api/ballots/", create_body(world, method="budget"), format="json")
    assert r.status_code == 400
    assert {"budget_fen", "options"} <= set(r.json()["fields"])


def test_drafts_are_edited_by_organisers_only(api_as, make_ballot, olivia, oscar, alice):
    ballot = make_ballot(open=False)
    assert (
        api_as(olivia).patch(f"/api/ballots/{ballot.pk}/", {"question": "改过的"}, format="json").json()["question"]
        == "改过的"
    )
    assert api_as(oscar).patch(f"/api/ballots/{ballot.pk}/", {"question": "x"}, format="json").status_code == 404
    assert api_as(alice).patch(f"/api/ballots/{ballot.pk}/", {"question": "x"}, format="json").status_code == 404
    assert api_as(None).patch(f"/api/ballots/{ballot.pk}/", {"question": "x"}, format="json").status_code in (401, 403)


def test_list_hides_other_communities_drafts_and_keeps_queries_bounded(
    api_as, make_ballot, olivia, oscar, alice, django_assert_max_num_queries
):
    for method in ("single", "approval", "ranked", "score", "budget"):
        make_ballot(method)
    draft = make_ballot(open=False)
    with django_assert_max_num_queries(8):
        r = api_as(alice).get("/api/ballots/")
    assert r.status_code == 200
    ids = [b["id"] for b in r.json()["results"]]
    assert len(ids) == 5 and draft.pk not in ids
    assert draft.pk in [b["id"] for b in api_as(olivia).get("/api/ballots/").json()["results"]]
    assert draft.pk not in [b["id"] for b in api_as(oscar).get("/api/ballots/").json()["results"]]
    assert api_as(None).get(f"/api/ballots/{draft.pk}/").status_code == 404
    assert len(api_as(None).get("/api/ballots/?status=open").json()["results"]) == 5


def test_voting_through_the_api_returns_a_receipt_and_no_identity(api_as, make_ballot, alice):
    ballot = make_ballot("ranked")
    a, b, c = option_ids(ballot)
    r = api_as(alice).post(f"/api/ballots/{ballot.pk}/votes/", {"choices": {"ranking": [c, a]}}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"ballot", "receipt", "check_code", "revote"}
    again = api_as(alice).post(f"/api/ballots/{ballot.pk}/votes/", {"choices": {"ranking": [b]}}, format="json")
    assert again.status_code == 409
    check = api_as(None).post(f"/api/ballots/{ballot.pk}/receipt-check/", {"receipt": body["receipt"]}, format="json")
    assert check.json() == {"check_code": body["check_code"], "choices": {"ranking": [c, a]}}
    wrong = api_as(None).post(
        f"/api/ballots/{ballot.pk}/receipt-check/", {"receipt": "0000-0000-0000-0000"}, format="json"
    )
    assert wrong.status_code == 404


@pytest.mark.parametrize(("who", "status"), [("charlie", 403), ("oscar", 403), (None, 401)])
def test_ineligible_people_cannot_vote_and_nothing_is_stored(api_as, make_ballot, request, who, status):
    ballot = make_ballot()
    user = request.getfixturevalue(who) if who else None
    r = api_as(user).post(
        f"/api/ballots/{ballot.pk}/votes/", {"choices": {"option": option_ids(ballot)[0]}}, format="json"
    )
    assert r.status_code == status
    assert Participation.objects.count() == Cast.objects.count() == 0


def test_invalid_choice_is_a_400_with_a_message(api_as, make_ballot, alice):
    ballot = make_ballot("score")
    r = api_as(alice).post(
        f"/api/ballots/{ballot.pk}/votes/", {"choices": {"scores": {str(option_ids(ballot)[0]): 9}}}, format="json"
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_choice"
    assert "0 到 5" in r.json()["detail"]
    assert r.json()["fields"]["choices"]
    r = api_as(alice).post(f"/api/ballots/{ballot.pk}/votes/", {}, format="json")
    assert r.status_code == 400
    assert Participation.objects.count() == 0


def test_voting_after_close_is_a_409(api_as, make_ballot, alice):
    ballot = make_ballot()
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    r = api_as(alice).post(f"/api/ballots/{ballot.pk}/votes/", {"choices": {"option": None}}, format="json")
    assert r.status_code == 409
    assert r.json()["code"] == "closed"


def test_turnout_shows_eligible_only_to_organisers(api_as, make_ballot, alice, olivia, oscar):
    ballot = make_ballot()
    services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": None})
    mine = api_as(alice).get(f"/api/ballots/{ballot.pk}/turnout/").json()
    assert (mine["turnout"], mine["eligible"], mine["has_voted"]) == (1, None, True)
    assert api_as(olivia).get(f"/api/ballots/{ballot.pk}/turnout/").json()["eligible"] == 2
    assert api_as(oscar).get(f"/api/ballots/{ballot.pk}/turnout/").json()["eligible"] is None


def test_results_api_follows_the_policy_and_publishing(api_as, make_ballot, alice, olivia, oscar):
    ballot = make_ballot()
    services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[1]})
    assert api_as(alice).get(f"/api/ballots/{ballot.pk}/result/").status_code == 403
    assert api_as(olivia).get(f"/api/ballots/{ballot.pk}/result/").status_code == 403
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    services.ballot_close(ballot_id=ballot.pk)
    assert api_as(olivia).get(f"/api/ballots/{ballot.pk}/result/").json()["winners"] == [option_ids(ballot)[1]]
    assert api_as(alice).get(f"/api/ballots/{ballot.pk}/result/").status_code == 403
    assert api_as(alice).get(f"/api/ballots/{ballot.pk}/papers/").status_code == 409
    assert api_as(oscar).post(f"/api/ballots/{ballot.pk}/publish/").status_code == 403
    assert api_as(alice).post(f"/api/ballots/{ballot.pk}/publish/").status_code == 403
    assert api_as(olivia).post(f"/api/ballots/{ballot.pk}/publish/").json()["status"] == "published"
    assert api_as(olivia).post(f"/api/ballots/{ballot.pk}/publish/").status_code == 409
    assert api_as(None).get(f"/api/ballots/{ballot.pk}/result/").json()["turnout"] == 1
    papers = api_as(None).get(f"/api/ballots/{ballot.pk}/papers/").json()["results"]
    assert papers == [{"check_code": Cast.objects.get().check_code, "choices": {"option": option_ids(ballot)[1]}}]


def test_assisted_vote_api(api_as, make_ballot, world, olivia, oscar, alice):
    ballot = make_ballot()
    consent = consent_record(organiser=olivia, resident=alice, community=world.a, method="signed", scope="投票")
    body = {"voter_id": alice.pk, "consent_id": consent.pk, "choices": {"option": option_ids(ballot)[0]}}
    assert api_as(oscar).post(f"/api/ballots/{ballot.pk}/assisted-votes/", body, format="json").status_code == 403
    assert api_as(alice).post(f"/api/ballots/{ballot.pk}/assisted-votes/", body, format="json").status_code == 403
    r = api_as(olivia).post(f"/api/ballots/{ballot.pk}/assisted-votes/", body, format="json")
    assert r.status_code == 201
    assert api_as(None).get(f"/api/ballots/{ballot.pk}/turnout/").json()["assisted"] == 1


def test_no_response_puts_a_voter_next_to_choices(api_as, make_ballot, alice, olivia):
    """Secrecy: walk every read endpoint after a published ballot; none names the voter."""
    ballot = make_ballot(results_policy="live")
    receipt = services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[2]})
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    services.ballot_close(ballot_id=ballot.pk)
    services.ballot_publish(actor=olivia, ballot_id=ballot.pk)
    identity = {
        alice.username,
        alice.display_name,
        f'"voter": {alice.pk}',
        f'"voter_id": {alice.pk}',
        f'"user": {alice.pk}',
    }
    for client in (api_as(None), api_as(alice), api_as(olivia)):
        responses = [
            client.get("/api/ballots/"),
            client.get(f"/api/ballots/{ballot.pk}/"),
            client.get(f"/api/ballots/{ballot.pk}/turnout/"),
            client.get(f"/api/ballots/{ballot.pk}/result/"),
            client.get(f"/api/ballots/{ballot.pk}/papers/"),
            client.post(f"/api/ballots/{ballot.pk}/receipt-check/", {"receipt": receipt.receipt}, format="json"),
        ]
        for r in responses:
            assert r.status_code == 200
            text = json.dumps(r.json(), ensure_ascii=False)
            assert not any(marker in text for marker in identity), text


def test_the_schema_documents_every_ballot_endpoint(api_as):
    r = api_as(None).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    paths = json.loads(r.content)["paths"] if r["content-type"].startswith("application/json") else None
    if paths is None:
        import yaml

        paths = yaml.safe_load(r.content)["paths"]
    for suffix in (
        "",
        "{ballot_id}/",
        "{ballot_id}/votes/",
        "{ballot_id}/assisted-votes/",
        "{ballot_id}/turnout/",
        "{ballot_id}/result/",
        "{ballot_id}/papers/",
        "{ballot_id}/receipt-check/",
        "{ballot_id}/publish/",
    ):
        assert f"/api/ballots/{suffix}" in paths
    assert "409" in paths["/api/ballots/{ballot_id}/votes/"]["post"]["responses"]


def test_only_drafts_are_deleted_and_only_by_their_organisers(api_as, make_ballot, olivia, oscar, alice):
    draft = make_ballot(open=False)
    assert api_as(oscar).delete(f"/api/ballots/{draft.pk}/").status_code == 404
    assert api_as(alice).delete(f"/api/ballots/{draft.pk}/").status_code == 404
    assert api_as(None).delete(f"/api/ballots/{draft.pk}/").status_code == 401
    assert api_as(olivia).delete(f"/api/ballots/{draft.pk}/").status_code == 204
    assert not Ballot.objects.filter(pk=draft.pk).exists()
    opened = make_ballot()
    assert api_as(alice).delete(f"/api/ballots/{opened.pk}/").status_code == 403
    assert api_as(olivia).delete(f"/api/ballots/{opened.pk}/").status_code == 409
