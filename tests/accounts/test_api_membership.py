"""Joining a community and the organiser's queue, through the API."""

import pytest

from accounts.models import CommunityMembership, Notification
from tests.conftest import make_member, make_user


def test_the_membership_flow_end_to_end(api_as, charlie, olivia, world, django_capture_on_commit_callbacks):
    joined = api_as(charlie).post(f"/api/communities/{world.a.pk}/join/", {"message": "住在 5 幢"}, format="json")
    assert joined.status_code == 201, joined.json()
    body = joined.json()
    assert body["status"] == "pending"
    assert body["community"] == {"id": world.a.pk, "name": "幸福社区"}

    queue = api_as(olivia).get("/api/organiser/join-requests/").json()
    assert [r["user"]["name"] for r in queue["results"]] == ["路人"]
    assert queue["results"][0]["message"] == "住在 5 幢"

    with django_capture_on_commit_callbacks() as callbacks:
        verified = api_as(olivia).post(f"/api/organiser/join-requests/{body['id']}/verify/")
    assert verified.status_code == 200
    assert verified.json()["status"] == "verified"
    assert verified.json()["decided_by"]["name"] == "李社工"
    assert callbacks, "the decision is announced after commit"

    mine = api_as(charlie).get("/api/me/memberships/").json()
    assert [(m["community"]["id"], m["status"]) for m in mine] == [(world.a.pk, "verified")]
    notes = api_as(charlie).get("/api/me/notifications/").json()["results"]
    assert notes[0]["kind"] == "membership_verified"
    assert "幸福社区" in notes[0]["title"]
    assert api_as(olivia).get("/api/organiser/join-requests/").json()["count"] == 0
    assert api_as(charlie).get("/api/me/").json()["roles"]["verified_communities"] == [world.a.pk]


def test_a_rejected_person_reads_the_reason_and_may_ask_again(api_as, pat, pat_request, olivia, world):
    rejected = api_as(olivia).post(
        f"/api/organiser/join-requests/{pat_request.pk}/reject/", {"reason": "地址不在本社区"}, format="json"
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    note = Notification.objects.get(user=pat)
    assert note.kind == "membership_rejected"
    assert note.body == "地址不在本社区"
    assert api_as(pat).get("/api/me/memberships/").json()[0]["reason"] == "地址不在本社区"

    again = api_as(pat).post(f"/api/communities/{world.a.pk}/join/", {"message": "已搬入 3 幢"}, format="json")
    assert again.status_code == 201
    pat_request.refresh_from_db()
    assert (pat_request.status, pat_request.reason, pat_request.decided_by) == ("pending", "", None)


def test_it_refuses_a_second_request_while_one_is_pending(api_as, pat, world):
    response = api_as(pat).post(f"/api/communities/{world.a.pk}/join/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "already_requested"
    assert response.json()["detail"] == "您的加入申请已提交，正在等待社区审核。"
    assert CommunityMembership.objects.filter(user=pat).count() == 1


def test_it_refuses_joining_twice(api_as, alice, world):
    response = api_as(alice).post(f"/api/communities/{world.a.pk}/join/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "already_member"
    assert CommunityMembership.objects.get(user=alice).status == "verified"


def test_it_answers_404_for_an_unknown_community(api_as, charlie):
    response = api_as(charlie).post("/api/communities/999999/join/", {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "找不到这个社区。", "code": "not_found"}
    assert not CommunityMembership.objects.filter(user=charlie).exists()


def test_it_refuses_a_too_long_message(api_as, charlie, world):
    response = api_as(charlie).post(f"/api/communities/{world.a.pk}/join/", {"message": "长" * 301}, format="json")
    assert response.status_code == 400
    assert "message" in response.json()["fields"]
    assert not CommunityMembership.objects.filter(user=charlie).exists()


def test_joining_needs_a_signed_in_person(api, world):
    response = api.post(f"/api/communities/{world.a.pk}/join/", {}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not CommunityMembership.objects.exists()


def test_an_organiser_of_b_cannot_verify_a_request_in_a(api_as, oscar, pat_request):
    response = api_as(oscar).post(f"/api/organiser/join-requests/{pat_request.pk}/verify/")
    assert response.status_code == 403
    assert response.json()["detail"] == "只有该社区的社区工作者可以审核加入申请。"
    pat_request.refresh_from_db()
    assert pat_request.status == "pending"
    assert not Notification.objects.exists()


def test_an_organiser_of_b_cannot_reject_a_request_in_a(api_as, oscar, pat_request):
    response = api_as(oscar).post(
        f"/api/organiser/join-requests/{pat_request.pk}/reject/", {"reason": "不认识"}, format="json"
    )
    assert response.status_code == 403
    pat_request.refresh_from_db()
    assert pat_request.status == "pending"


def test_a_resident_cannot_verify_themselves(api_as, pat, pat_request):
    response = api_as(pat).post(f"/api/organiser/join-requests/{pat_request.pk}/verify/")
    assert response.status_code == 403
    pat_request.refresh_from_db()
    assert pat_request.status == "pending"


def test_rejecting_needs_a_reason(api_as, olivia, pat_request):
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        response = api_as(olivia).post(f"/api/organiser/join-requests/{pat_request.pk}/reject/", body, format="json")
        assert response.status_code == 400, body
        assert "reason" in response.json()["fields"]
    pat_request.refresh_from_db()
    assert pat_request.status == "pending"
    assert not Notification.objects.exists()


def test_a_request_is_decided_once(api_as, olivia, pat_request):
    assert api_as(olivia).post(f"/api/organiser/join-requests/{pat_request.pk}/verify/").status_code == 200
    again = api_as(olivia).post(
        f"/api/organiser/join-requests/{pat_request.pk}/reject/", {"reason": "重复"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_decided"
    pat_request.refresh_from_db()
    assert pat_request.status == "verified"
    assert Notification.objects.count() == 1


def test_deciding_an_unknown_request_is_404(api_as, olivia):
    response = api_as(olivia).post("/api/organiser/join-requests/424242/verify/")
    assert response.status_code == 404
    assert response.json()["detail"] == "找不到这条加入申请。"


def test_the_queue_shows_only_the_organisers_communities(api_as, olivia, oscar, pat_request, bob, admin_user, world):
    assert [r["id"] for r in api_as(olivia).get("/api/organiser/join-requests/").json()["results"]] == [pat_request.pk]
    assert [r["id"] for r in api_as(oscar).get("/api/organiser/join-requests/").json()["results"]] == [bob.pk]
    everything = api_as(admin_user).get("/api/organiser/join-requests/").json()
    assert {r["id"] for r in everything["results"]} == {pat_request.pk, bob.pk}


def test_the_queue_filters_by_community_and_status(api_as, olivia, pat_request, alice, world):
    own = api_as(olivia).get(f"/api/organiser/join-requests/?community={world.a.pk}").json()
    assert [r["id"] for r in own["results"]] == [pat_request.pk]
    verified = api_as(olivia).get("/api/organiser/join-requests/?status=verified").json()
    assert {r["user"]["name"] for r in verified["results"]} == {"王阿姨", "李社工"}
    other = api_as(olivia).get(f"/api/organiser/join-requests/?community={world.b.pk}")
    assert other.status_code == 403
    bad = api_as(olivia).get("/api/organiser/join-requests/?status=maybe")
    assert bad.status_code == 400
    assert "status" in bad.json()["fields"]
    unknown = api_as(olivia).get("/api/organiser/join-requests/?community=999999")
    assert unknown.status_code == 404


def test_the_queue_refuses_people_who_organise_nothing(api_as, alice, rita, charlie):
    for person in (alice, rita, charlie):
        response = api_as(person).get("/api/organiser/join-requests/")
        assert response.status_code == 403
        assert response.json()["detail"] == "只有社区工作者可以查看入会申请。"


def test_the_queue_costs_a_fixed_number_of_queries(api_as, olivia, world, django_assert_max_num_queries):
    for i in range(30):
        make_member(make_user(f"applicant{i}"), world.a, status="pending")
    client = api_as(olivia)
    with django_assert_max_num_queries(8):
        body = client.get("/api/organiser/join-requests/?page_size=50").json()
    assert body["count"] == 30


def test_my_memberships_cost_a_fixed_number_of_queries(api_as, world, django_assert_max_num_queries):
    from network.models import Community

    person = make_user("busy")
    for i in range(15):
        make_member(person, Community.objects.create(township=world.t1, name=f"社区{i}"), status="pending")
    client = api_as(person)
    with django_assert_max_num_queries(3):
        assert len(client.get("/api/me/memberships/").json()) == 15


@pytest.mark.django_db
def test_two_requests_at_once_leave_one_record(charlie, world):
    """The database constraint holds even when the service's own check is bypassed."""
    from django.db import IntegrityError, transaction

    make_member(charlie, world.b, status="pending")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommunityMembership.objects.create(user=charlie, community=world.b)
    assert CommunityMembership.objects.filter(user=charlie, community=world.b).count() == 1


def test_the_member_list_leaves_out_waiting_and_rejected_people(
    api_as, olivia, pat, alice, world, django_assert_max_num_queries
):
    for i in range(20):
        make_member(make_user(f"member{i}"), world.a)
    make_member(make_user("turned-away"), world.a, status="rejected")
    client = api_as(olivia)
    with django_assert_max_num_queries(10):
        body = client.get(f"/api/communities/{world.a.pk}/members/?page_size=50").json()
    names = {m["username"] for m in body["results"]}
    assert body["count"] == 22
    assert "pat" not in names and "turned-away" not in names
    assert api_as(olivia).get("/api/communities/999999/members/").status_code == 404
