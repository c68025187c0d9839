from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Need, Pledge

from .conftest import make_campaign


def test_the_list_is_public_and_hides_drafts_from_outsiders(api_as, olivia, oscar, campaign, world):
    draft = make_campaign(olivia, world.a, status="draft", title="草稿行动")
    anon_ids = [c["id"] for c in api_as(None).get("/api/campaigns/").json()["results"]]
    assert anon_ids == [campaign.pk]
    assert draft.pk not in [c["id"] for c in api_as(oscar).get("/api/campaigns/").json()["results"]]
    assert draft.pk in [c["id"] for c in api_as(olivia).get("/api/campaigns/").json()["results"]]
    assert api_as(oscar).get(f"/api/campaigns/{draft.pk}/").status_code == 404


def test_list_filters(api_as, olivia, world, campaign):
    other = make_campaign(
        olivia,
        world.a,
        title="暑期课堂",
        tags=["children"],
        needs=[{"dimension": "people", "title": "辅导老师", "target": 5}],
    )
    client = api_as(None)

    def ids(qs):
        return {c["id"] for c in client.get(f"/api/campaigns/?{qs}").json()["results"]}

    assert ids("tag=children") == {other.pk}
    assert ids("dimension=money") == {campaign.pk}
    assert ids(f"community={world.a.pk}") == {campaign.pk, other.pk}
    assert ids(f"community={world.b.pk}") == set()
    assert ids("status=live") == {campaign.pk, other.pk}


def test_partner_filter(api_as, olivia, world):
    with_fund = make_campaign(olivia, world.a, partners=[{"kind": "fund", "id": world.fund_x.pk, "role": "funder"}])
    make_campaign(olivia, world.a, title="另一个")
    body = api_as(None).get(f"/api/campaigns/?partner=fund:{world.fund_x.pk}").json()
    assert [c["id"] for c in body["results"]] == [with_fund.pk]
    assert body["results"][0]["partners"] == [
        {"role": "funder", "kind": "fund", "id": world.fund_x.pk, "name": "幸福基金"}
    ]


def test_create_by_api(api_as, olivia, oscar, world):
    now = timezone.now()
    payload = {
        "title": "楼道焕新",
        "story": "老楼道灯坏了，墙皮脱落。",
        "community_ids": [world.a.pk],
        "starts_at": now.isoformat(),
        "deadline": (now + timedelta(days=10)).isoformat(),
        "money_mode": "keep_what_you_raise",
        "tags": ["elderly", "public_space"],
        "partners": [{"kind": "organisation", "id": world.org.pk, "role": "co_organiser"}],
    }
    assert api_as(None).post("/api/campaigns/", payload, format="json").status_code in (401, 403)
    denied = api_as(oscar).post("/api/campaigns/", payload, format="json")
    assert denied.status_code == 403 and denied.json()["code"] == "permission_denied"
    created = api_as(olivia).post("/api/campaigns/", payload, format="json")
    assert created.status_code == 201
    assert created.json()["status"] == "draft"
    bad = api_as(olivia).post("/api/campaigns/", {**payload, "deadline": payload["starts_at"]}, format="json")
    assert bad.status_code == 400 and "deadline" in bad.json()["fields"]
    assert Campaign.objects.count() == 1


def test_transition_endpoint_per_role(api_as, olivia, alice, world):
    draft = make_campaign(olivia, world.a, status="draft")
    url = f"/api/campaigns/{draft.pk}/transition/"
    assert api_as(alice).post(url, {"to": "in_review"}, format="json").status_code == 403
    assert api_as(olivia).post(url, {"to": "completed"}, format="json").status_code == 409
    assert api_as(olivia).post(url, {"to": "nonsense"}, format="json").status_code == 400
    assert api_as(olivia).post(url, {"to": "in_review"}, format="json").json()["status"] == "in_review"


def test_needs_editor_endpoints(api_as, olivia, oscar, world):
    draft = make_campaign(olivia, world.a, status="draft", needs=[])
    url = f"/api/campaigns/{draft.pk}/needs/"
    need = {"dimension": "resource", "title": "花盆", "target": 40, "unit": "个"}
    assert api_as(oscar).post(url, need, format="json").status_code == 403
    assert api_as(olivia).post(url, {**need, "target": 0}, format="json").status_code == 400
    created = api_as(olivia).post(url, need, format="json")
    assert created.status_code == 201 and created.json()["allow_over_pledge"] is False
    nid = created.json()["id"]
    assert api_as(oscar).patch(f"/api/needs/{nid}/", {"target": 50}, format="json").status_code == 403
    assert api_as(olivia).patch(f"/api/needs/{nid}/", {"target": 50}, format="json").json()["target"] == 50
    assert api_as(oscar).delete(f"/api/needs/{nid}/").status_code == 403
    assert api_as(olivia).delete(f"/api/needs/{nid}/").status_code == 204
    assert not Need.objects.exists()


def test_pledge_endpoint_with_idempotency_key(api_as, alice, needs):
    url = f"/api/needs/{needs['resource'].pk}/pledges/"
    client = api_as(alice)
    first = client.post(url, {"quantity": 3}, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    again = client.post(url, {"quantity": 3}, format="json", HTTP_IDEMPOTENCY_KEY="abc")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Pledge.objects.count() == 1


def test_pledge_endpoint_refuses_bad_input_and_fields_of_another_dimension(api_as, alice, needs):
    client = api_as(alice)
    url = f"/api/needs/{needs['resource'].pk}/pledges/"
    for payload in (
        {"quantity": 0},
        {"quantity": -1},
        {"quantity": "many"},
        {"quantity": 2, "shift_id": 3},
        {"quantity": 2, "colour": "red"},
    ):
        response = client.post(url, payload, format="json")
        assert response.status_code == 400, payload
        assert response.json()["detail"]
    assert client.post("/api/needs/999999/pledges/", {"quantity": 1}, format="json").status_code == 404
    assert api_as(None).post(url, {"quantity": 1}, format="json").status_code in (401, 403)
    assert not Pledge.objects.exists()


def test_pledge_to_a_closed_campaign_is_409(api_as, alice, campaign, needs):
    Campaign.objects.filter(pk=campaign.pk).update(status="failed")
    response = api_as(alice).post(f"/api/needs/{needs['resource'].pk}/pledges/", {"quantity": 1}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "campaign_closed"


def test_pledge_actions_per_role(api_as, olivia, oscar, alice, charlie, needs):
    pledge = services.pledge_create(user=alice, need=needs["resource"], quantity=2)
    for user in (alice, oscar, charlie):
        assert api_as(user).post(f"/api/pledges/{pledge.pk}/confirm/").status_code == 403
        assert api_as(user).post(f"/api/pledges/{pledge.pk}/reject/", {"reason": "x"}, format="json").status_code == 403
        assert api_as(user).post(f"/api/pledges/{pledge.pk}/fulfil/", {}, format="json").status_code == 403
    assert api_as(charlie).post(f"/api/pledges/{pledge.pk}/cancel/").status_code == 403
    assert api_as(olivia).post(f"/api/pledges/{pledge.pk}/reject/", {}, format="json").status_code == 400
    assert api_as(olivia).post(f"/api/pledges/{pledge.pk}/confirm/").json()["status"] == "confirmed"
    assert api_as(alice).post(f"/api/pledges/{pledge.pk}/cancel/").status_code == 409
    done = api_as(olivia).post(f"/api/pledges/{pledge.pk}/fulfil/", {"received_quantity": 2}, format="json")
    assert done.json()["status"] == "fulfilled"


def test_bulk_endpoint_only_acts_on_the_organisers_pledges(api_as, olivia, oscar, alice, needs):
    p = services.pledge_create(user=alice, need=needs["resource"], quantity=2)
    body = api_as(oscar).post("/api/pledges/bulk/", {"pledge_ids": [p.pk], "action": "confirm"}, format="json").json()
    assert body["done"] == [] and str(p.pk) in body["refused"]
    body = api_as(olivia).post("/api/pledges/bulk/", {"pledge_ids": [p.pk], "action": "confirm"}, format="json").json()
    assert body["done"] == [p.pk]


def test_managed_and_my_pledges(api_as, olivia, oscar, alice, charlie, needs):
    services.pledge_create(user=alice, need=needs["resource"], quantity=2)
    assert api_as(olivia).get("/api/pledges/managed/").json()["count"] == 1
    assert api_as(oscar).get("/api/pledges/managed/").json()["count"] == 0
    assert api_as(olivia).get("/api/pledges/managed/?dimension=money").json()["count"] == 0
    assert api_as(olivia).get("/api/pledges/managed/?date_from=notadate").status_code == 400
    assert api_as(alice).get("/api/pledges/mine/").json()["count"] == 1
    assert api_as(charlie).get("/api/pledges/mine/").json()["count"] == 0
    assert api_as(None).get("/api/pledges/mine/").status_code in (401, 403)


def test_progress_endpoint_reports_needs_and_dimensions(api_as, olivia, alice, needs):
    p = services.pledge_create(user=alice, need=needs["money"], amount_fen=250_000, online_payment=True)
    services.pledge_confirm(actor=None, pledge_id=p.pk, source="payment")
    body = api_as(None).get(f"/api/campaigns/{needs['money'].campaign_id}/progress/").json()
    money = next(d for d in body["dimensions"] if d["dimension"] == "money")
    assert (money["confirmed"], money["target"], money["percent"]) == (250_000, 500_000, 50)
    assert len(body["needs"]) == 5


def test_roster_follow_shift_and_endorse_endpoints(api_as, olivia, oscar, alice, charlie, needs, shift):
    campaign_id = needs["people"].campaign_id
    assert api_as(oscar).get(f"/api/campaigns/{campaign_id}/roster/").status_code == 403
    api_as(alice).post(f"/api/needs/{needs['people'].pk}/pledges/", {"shift_id": shift.pk}, format="json")
    roster = api_as(olivia).get(f"/api/campaigns/{campaign_id}/roster/").json()
    assert roster[0]["volunteers"][0]["name"] == "王阿姨"
    assert api_as(charlie).post(f"/api/campaigns/{campaign_id}/follow/").json() == {"following": True}
    later = (timezone.now() + timedelta(days=1)).isoformat()
    end = (timezone.now() + timedelta(days=1, hours=2)).isoformat()
    shift_url = f"/api/needs/{needs['people'].pk}/shifts/"
    assert (
        api_as(alice).post(shift_url, {"starts_at": later, "ends_at": end, "capacity": 3}, format="json").status_code
        == 403
    )
    assert (
        api_as(olivia).post(shift_url, {"starts_at": later, "ends_at": end, "capacity": 3}, format="json").status_code
        == 201
    )
    idea = services.pledge_create(user=alice, need=needs["idea"], body="好主意")
    assert api_as(charlie).post(f"/api/pledges/{idea.pk}/endorse/").json()["endorsement_count"] == 1
    assert api_as(charlie).post(f"/api/pledges/{idea.pk}/endorse/").status_code == 409


def test_offline_money_endpoint(api_as, olivia, alice, needs, image_file):
    url = f"/api/needs/{needs['money'].pk}/offline-money/"
    data = {"amount_fen": 5000, "contributor_name": "李大伯"}
    assert api_as(alice).post(url, {**data, "evidence": image_file()}, format="multipart").status_code == 403
    assert api_as(olivia).post(url, data, format="multipart").status_code == 400
    created = api_as(olivia).post(url, {**data, "evidence": image_file()}, format="multipart")
    assert created.status_code == 201 and created.json()["source"] == "offline"


def test_updates_endpoint(api_as, olivia, alice, campaign, image_file):
    url = f"/api/campaigns/{campaign.pk}/updates/"
    assert api_as(alice).post(url, {"body": "x"}, format="multipart").status_code == 403
    assert api_as(olivia).post(url, {"body": ""}, format="multipart").status_code == 400
    assert api_as(olivia).post(url, {"body": "已种下", "photos": [image_file()]}, format="multipart").status_code == 201


@pytest.mark.django_db
def test_every_endpoint_is_in_the_schema(api):
    schema = api.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for p in [
        "/api/campaigns/", "/api/campaigns/{campaign_id}/", "/api/campaigns/{campaign_id}/transition/",
        "/api/needs/{need_id}/pledges/", "/api/pledges/bulk/", "/api/pledges/{pledge_id}/confirm/",
        "/api/pledges/managed/", "/api/campaigns/{campaign_id}/roster/",
    ]:  # fmt: skip
        assert p in paths, p
    params = [x["name"] for x in paths["/api/needs/{need_id}/pledges/"]["post"]["parameters"]]
    assert "Idempotency-Key" in params
    assert "409" in paths["/api/needs/{need_id}/pledges/"]["post"]["responses"]


def test_a_money_pledge_without_a_payment_is_refused(api_as, alice, needs):
    """Money is pledged through the giving page/API, which starts a payment; a bare money pledge
    would count towards the need with nothing behind it."""
    from campaigns.models import Pledge

    need = needs["money"]
    response = api_as(alice).post(f"/api/needs/{need.pk}/pledges/", {"amount_fen": 5000}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "use_online_giving"
    assert not Pledge.objects.filter(need=need).exists()
