"""Assisted-participation consent (代为参与同意), recorded by an organiser."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import AssistanceConsent
from tests.conftest import make_member, make_user


def _body(resident, community, **extra):
    return {"resident": resident.pk, "community": community.pk, "method": "signed", "scope": "代为投票", **extra}


def test_an_organiser_records_a_consent(api_as, olivia, alice, world):
    given = timezone.now() - timedelta(hours=2)
    response = api_as(olivia).post(
        "/api/organiser/consents/", _body(alice, world.a, given_at=given.isoformat(), note="女儿在场"), format="json"
    )
    assert response.status_code == 201
    consent = AssistanceConsent.objects.get()
    assert (consent.resident, consent.organiser, consent.community) == (alice, olivia, world.a)
    assert abs((consent.given_at - given).total_seconds()) < 1
    listed = api_as(olivia).get("/api/organiser/consents/").json()
    assert [c["resident"]["name"] for c in listed["results"]] == ["王阿姨"]
    assert listed["results"][0]["method_display"] == "书面签字"


def test_the_resident_must_be_a_verified_member_of_that_community(api_as, olivia, charlie, world):
    pending = make_user("pending-person")
    make_member(pending, world.a, status="pending")
    for person in (charlie, pending):
        response = api_as(olivia).post("/api/organiser/consents/", _body(person, world.a), format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "not_member"
        assert response.json()["fields"]["resident"] == ["这位居民还不是该社区的认证成员。"]
    assert not AssistanceConsent.objects.exists()


def test_it_refuses_consent_in_the_future(api_as, olivia, alice, world):
    later = (timezone.now() + timedelta(days=1)).isoformat()
    response = api_as(olivia).post("/api/organiser/consents/", _body(alice, world.a, given_at=later), format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["given_at"] == ["同意时间不能晚于现在。"]
    assert not AssistanceConsent.objects.exists()


def test_it_refuses_missing_or_wrong_fields(api_as, olivia, alice, world):
    for body, field in [
        ({"community": world.a.pk, "method": "signed", "scope": "x"}, "resident"),
        (_body(alice, world.a, method="telepathy"), "method"),
        (_body(alice, world.a, scope=""), "scope"),
        (_body(alice, world.a, scope="长" * 201), "scope"),
        (_body(alice, world.a, given_at="yesterday"), "given_at"),
    ]:
        response = api_as(olivia).post("/api/organiser/consents/", body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()["fields"], body
    assert not AssistanceConsent.objects.exists()


def test_unknown_resident_or_community_is_404(api_as, olivia, alice, world):
    body = _body(alice, world.a)
    assert (
        api_as(olivia).post("/api/organiser/consents/", {**body, "resident": 999999}, format="json").status_code == 404
    )
    assert (
        api_as(olivia).post("/api/organiser/consents/", {**body, "community": 999999}, format="json").status_code == 404
    )


def test_an_outsider_learns_nothing_about_resident_ids(api_as, oscar, world):
    response = api_as(oscar).post(
        "/api/organiser/consents/",
        {"resident": 999999, "community": world.a.pk, "method": "signed", "scope": "x"},
        format="json",
    )
    assert response.status_code == 403


def test_consents_are_listed_per_organiser(api_as, olivia, oscar, alice, world):
    api_as(olivia).post("/api/organiser/consents/", _body(alice, world.a), format="json")
    assert api_as(oscar).get("/api/organiser/consents/").json()["count"] == 0
    assert api_as(oscar).get(f"/api/organiser/consents/?community={world.a.pk}").status_code == 403
    assert api_as(olivia).get(f"/api/organiser/consents/?community={world.a.pk}").json()["count"] == 1


def test_a_station_social_worker_may_record_consent_where_the_station_serves(api_as, alice, world):
    from accounts.models import StationStaff

    worker = make_user("xusg", display_name="徐社工")
    StationStaff.objects.create(user=worker, station=world.station)  # the station serves A, not B
    client = api_as(worker)
    assert client.get("/api/me/").json()["roles"]["assist"] is True
    assert client.post("/api/organiser/consents/", _body(alice, world.a), format="json").status_code == 201
    assert client.get("/api/organiser/consents/").json()["count"] == 1

    bob = make_user("bob")
    make_member(bob, world.b)
    refused = client.post("/api/organiser/consents/", _body(bob, world.b), format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "只有该社区的社区工作者或服务它的社工站社工可以登记代为参与。"
    assert AssistanceConsent.objects.count() == 1
    # Station staff do not verify members: that stays with the community's organisers.
    assert client.get("/api/organiser/join-requests/").status_code == 403


def test_a_station_social_worker_uses_the_consent_page(alice, world):
    from django.test import Client

    from accounts.models import StationStaff

    worker = make_user("xusg", display_name="徐社工")
    StationStaff.objects.create(user=worker, station=world.station)
    client = Client()
    client.force_login(worker)
    html = client.get("/organiser/consents/").content.decode()
    assert "王阿姨（alice）" in html
    assert 'href="/organiser/consents/"' in client.get("/").content.decode()
