"""The review API: who may and who may not, per endpoint; error shapes; the schema."""

import pytest

from accounts.models import FundReviewer
from accounts.permissions import forget_roles
from review.models import Application, FundedItem

from .conftest import PDF_BYTES, match_money, png_bytes, submit_item

pytestmark = pytest.mark.django_db


def test_calls_are_listed_for_everyone(api, call):
    r = api.get("/api/review/calls/")
    assert r.status_code == 200 and [c["id"] for c in r.json()] == [call.pk]


def test_an_organiser_applies_through_the_api(api_as, olivia, call, campaign):
    body = {"call": call.pk, "campaign": campaign.pk, "ask_fen": 500_000, "statement": "说明", "answers": ["回答"]}
    r = api_as(olivia).post("/api/review/applications/", body, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "submitted"


@pytest.mark.parametrize(("who", "status"), [("oscar", 403), ("alice", 403), ("rita", 403), (None, 401)])
def test_others_cannot_apply(who, status, request, api_as, call, campaign):
    user = request.getfixturevalue(who) if who else None
    body = {"call": call.pk, "campaign": campaign.pk, "ask_fen": 500_000, "statement": "说明", "answers": ["回答"]}
    r = api_as(user).post("/api/review/applications/", body, format="json")
    assert r.status_code == status
    assert set(r.json()) >= {"detail", "code"}
    assert not Application.objects.exists()


def test_bad_input_is_a_readable_400(api_as, olivia, call, campaign):
    r = api_as(olivia).post(
        "/api/review/applications/", {"call": call.pk, "campaign": campaign.pk, "ask_fen": -5}, format="json"
    )
    assert r.status_code == 400
    assert {"ask_fen", "statement"} <= set(r.json()["fields"])


@pytest.mark.parametrize(
    ("who", "status"), [("rita", 200), ("olivia", 200), ("yvonne", 404), ("oscar", 404), ("alice", 404)]
)
def test_application_detail_per_role(who, status, request, api_as, application):
    r = api_as(request.getfixturevalue(who)).get(f"/api/review/applications/{application.pk}/")
    assert r.status_code == status
    if status == 200:
        data = r.json()
        assert {n["dimension"] for n in data["needs"]} == {"project", "idea", "resource", "money", "people"}
        assert data["questions_and_answers"][0]["answer"]


def test_the_submitter_cannot_approve_via_the_api(api_as, application, olivia, world):
    FundReviewer.objects.create(user=olivia, fund=world.fund_x)
    forget_roles(olivia)
    r = api_as(olivia).post(
        f"/api/review/applications/{application.pk}/decision/", {"decision": "approve"}, format="json"
    )
    assert r.status_code == 403 and r.json()["code"] == "separation_of_duties"


@pytest.mark.parametrize(("who", "status"), [("rita", 200), ("yvonne", 404), ("alice", 404), ("oscar", 404)])
def test_application_decision_per_role(who, status, request, api_as, application):
    r = api_as(request.getfixturevalue(who)).post(
        f"/api/review/applications/{application.pk}/decision/", {"decision": "approve"}, format="json"
    )
    assert r.status_code == status
    application.refresh_from_db()
    assert (application.status == "approved") == (status == 200)


def test_a_reject_without_a_reason_is_refused(api_as, application, rita):
    r = api_as(rita).post(f"/api/review/applications/{application.pk}/decision/", {"decision": "reject"}, format="json")
    assert r.status_code == 400 and "reason" in r.json()["fields"]


@pytest.mark.parametrize(("who", "status"), [("rita", 200), ("yvonne", 403), ("olivia", 403), (None, 401)])
def test_queue_per_role(who, status, request, api_as, application, world, django_assert_max_num_queries):
    user = request.getfixturevalue(who) if who else None
    with django_assert_max_num_queries(12):
        r = api_as(user).get(f"/api/review/funds/{world.fund_x.pk}/queue/")
    assert r.status_code == status
    if status == 200:
        assert [a["id"] for a in r.json()["applications"]] == [application.pk]


def test_queue_queries_do_not_grow_with_the_queue(api_as, rita, olivia, call, world, django_assert_max_num_queries):
    from tests.campaigns.conftest import make_campaign

    from .conftest import apply

    for i in range(4):
        apply(olivia, call, make_campaign(olivia, world.a, title=f"行动{i}"))
    with django_assert_max_num_queries(12):
        r = api_as(rita).get(f"/api/review/funds/{world.fund_x.pk}/queue/")
    assert len(r.json()["applications"]) == 4


def _item_body(application, need, files):
    return {
        "application": application.pk,
        "need": need.pk,
        "description": "花盆 50 个",
        "amount_fen": 30_000,
        "payee": "鄞州园艺店",
        "spent_on": "2026-11-01",
        "receipts": files,
    }


def _file(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_an_organiser_submits_an_item_with_receipts(api_as, olivia, approved, needs):
    body = _item_body(approved, needs["money"], [_file("a.png", png_bytes()), _file("b.pdf", PDF_BYTES)])
    r = api_as(olivia).post("/api/review/items/", body, format="multipart")
    assert r.status_code == 201, r.json()
    item = FundedItem.objects.get()
    assert item.receipts.count() == 2


@pytest.mark.parametrize(
    "upload", [("x.exe", b"MZ\x90\x00"), ("fake.pdf", b"GIF89a not a pdf"), ("fake.png", b"%PDX-1.4")]
)
def test_a_bad_receipt_is_a_400_and_nothing_is_stored(upload, api_as, olivia, approved, needs, settings):
    from .conftest import private_files

    body = _item_body(approved, needs["money"], [_file(*upload)])
    r = api_as(olivia).post("/api/review/items/", body, format="multipart")
    assert r.status_code == 400 and "receipts" in r.json()["fields"]
    assert not FundedItem.objects.exists() and private_files(settings) == []


def test_an_organiser_of_another_community_cannot_submit(api_as, oscar, approved, needs):
    body = _item_body(approved, needs["money"], [_file("a.png", png_bytes())])
    r = api_as(oscar).post("/api/review/items/", body, format="multipart")
    assert r.status_code == 403
    assert not FundedItem.objects.exists()


@pytest.fixture
def item(approved, olivia, needs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return submit_item(olivia, approved, needs["money"], [SimpleUploadedFile("r.png", png_bytes())])


@pytest.mark.parametrize(
    ("who", "status"), [("rita", 200), ("olivia", 200), ("yvonne", 404), ("oscar", 404), ("alice", 404), (None, 401)]
)
def test_receipts_only_for_the_fund_and_the_campaign(who, status, request, api_as, item):
    user = request.getfixturevalue(who) if who else None
    r = api_as(user).get(f"/api/review/receipts/{item.receipts.get().pk}/")
    assert r.status_code == status
    if status == 200:
        assert r["Content-Type"] == "image/png"
        assert b"".join(r.streaming_content) == png_bytes()


def test_receipts_are_not_reachable_under_media_url(client, item):
    name = item.receipts.get().file.name
    assert client.get(f"/media/{name}").status_code == 404


@pytest.mark.parametrize(("who", "status"), [("rita", 200), ("olivia", 404), ("yvonne", 404), ("alice", 404)])
def test_item_decision_per_role(who, status, request, api_as, item):
    r = api_as(request.getfixturevalue(who)).post(
        f"/api/review/items/{item.pk}/decision/", {"decision": "approve"}, format="json"
    )
    # olivia may read the item (she organises the campaign) but not decide: 403 rather than 404
    expected = 403 if who == "olivia" else status
    assert r.status_code == expected


def test_disbursement_via_the_api(api_as, item, rita, luo, campaign):
    match_money(campaign, 100_000)
    assert (
        api_as(rita).post(f"/api/review/items/{item.pk}/decision/", {"decision": "approve"}, format="json").status_code
        == 200
    )
    r = api_as(rita).post(f"/api/review/items/{item.pk}/disbursement/", {"transfer_reference": "TX"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "separation_of_duties"
    r = api_as(luo).post(f"/api/review/items/{item.pk}/disbursement/", {"transfer_reference": "TX"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "disbursed"


def test_disbursement_beyond_the_balance_is_a_409(api_as, item, rita, luo):
    api_as(rita).post(f"/api/review/items/{item.pk}/decision/", {"decision": "approve"}, format="json")
    r = api_as(luo).post(f"/api/review/items/{item.pk}/disbursement/", {"transfer_reference": "TX"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "insufficient_balance"


@pytest.mark.parametrize(("who", "status"), [("rita", 200), ("yvonne", 403), ("olivia", 403)])
def test_audit_and_overview_per_role(who, status, request, api_as, item, world):
    client = api_as(request.getfixturevalue(who))
    assert client.get(f"/api/review/funds/{world.fund_x.pk}/audit/").status_code == status
    assert client.get(f"/api/review/funds/{world.fund_x.pk}/overview/").status_code == status


def test_audit_lists_who_did_what(api_as, item, rita, world):
    r = api_as(rita).get(f"/api/review/funds/{world.fund_x.pk}/audit/")
    actions = [e["action"] for e in r.json()["results"]]
    assert actions[:3] == ["item_submitted", "application_approve", "application_submitted"]


def test_milestones_by_organisers_only(api_as, olivia, oscar, campaign, needs):
    url = f"/api/review/campaigns/{campaign.pk}/milestones/"
    assert api_as(oscar).post(url, {"title": "花园完工"}, format="json").status_code == 403
    r = api_as(olivia).post(url, {"title": "花园完工", "need": needs["resource"].pk}, format="json")
    assert r.status_code == 201
    mid = r.json()["id"]
    bad = api_as(olivia).post(
        f"/api/review/milestones/{mid}/updates/", {"percent_done": 120, "body": "x"}, format="json"
    )
    assert bad.status_code == 400
    ok = api_as(olivia).post(
        f"/api/review/milestones/{mid}/updates/", {"percent_done": 60, "body": "种了一半"}, format="json"
    )
    assert ok.status_code == 201
    public = api_as(None).get(f"/api/review/campaigns/{campaign.pk}/accountability/")
    assert public.status_code == 200 and public.json()["milestones"][0]["percent_done"] == 60


def test_the_schema_documents_every_review_endpoint(api):
    r = api.get("/api/schema/", {"format": "json"})
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in [
        "/api/review/funds/{fund_id}/queue/",
        "/api/review/applications/{application_id}/decision/",
        "/api/review/items/",
        "/api/review/items/{item_id}/disbursement/",
        "/api/review/receipts/{receipt_id}/",
        "/api/review/campaigns/{campaign_id}/accountability/",
    ]:
        assert p in paths
    assert "409" in paths["/api/review/items/{item_id}/disbursement/"]["post"]["responses"]


def test_refusals_are_translated_for_english_readers(api_as, oscar, approved, needs):
    oscar.preferred_language = "en"
    oscar.save()
    body = _item_body(approved, needs["money"], [_file("a.png", png_bytes())])
    r = api_as(oscar).post("/api/review/items/", body, format="multipart", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 403
    assert r.json()["detail"] == "Only organisers of this campaign's communities may submit funded items."


def test_a_reviewer_publishes_a_call_on_their_funds_pool(api_as, rita, yvonne, world):
    from .conftest import make_pool

    pool = make_pool(rita, world.fund_x)
    body = {
        "pool": pool.pk,
        "title": "助老微项目",
        "tags": ["elderly"],
        "max_ask_fen": 100_000,
        "questions": ["谁受益？"],
    }
    assert api_as(yvonne).post("/api/review/calls/", body, format="json").status_code == 403
    assert api_as(None).post("/api/review/calls/", body, format="json").status_code == 401
    r = api_as(rita).post("/api/review/calls/", body, format="json")
    assert r.status_code == 201 and r.json()["questions"] == ["谁受益？"]
    assert api_as(rita).post("/api/review/calls/", body, format="json").status_code == 409
    bad = api_as(rita).post("/api/review/calls/", {**body, "tags": ["nope"]}, format="json")
    assert bad.status_code in (400, 409)


@pytest.mark.parametrize(("who", "status"), [("rita", 200), ("yvonne", 403), ("olivia", 403)])
def test_fund_policy_per_role(who, status, request, api_as, world):
    r = api_as(request.getfixturevalue(who)).put(
        f"/api/review/funds/{world.fund_x.pk}/policy/",
        {"application_two_approvals_above_fen": 1_000_000, "item_two_approvals_above_fen": None},
        format="json",
    )
    assert r.status_code == status
    if status == 200:
        assert r.json()["application_two_approvals_above_fen"] == 1_000_000


def test_queue_counts_approvals_once_whatever_the_number_of_receipts(api_as, olivia, rita, approved, needs, world):
    from review import services

    services.fund_policy_set(
        actor=rita, fund=world.fund_x, application_two_approvals_above_fen=None, item_two_approvals_above_fen=0
    )
    item = submit_item(olivia, approved, needs["money"], [_file("a.png", png_bytes()), _file("b.pdf", PDF_BYTES)])
    services.item_decide(actor=rita, item_id=item.pk, decision="approve")
    r = api_as(rita).get(f"/api/review/funds/{world.fund_x.pk}/queue/")
    [row] = r.json()["items"]
    assert (row["round_approvals"], row["receipt_count"], row["status"]) == (1, 2, "submitted")
