"""The API of a call: read, PATCH (fields left out keep their value) and close, per role."""

from datetime import timedelta

import pytest
from django.utils import timezone

from review.models import AuditEvent, Call

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(world):
    from tests.conftest import make_user

    return make_user("boss", is_superuser=True, is_staff=True)


@pytest.mark.parametrize(
    ("who", "status"),
    [("rita", 200), ("boss", 200), ("yvonne", 403), ("olivia", 403), ("alice", 403), ("charlie", 403), (None, 401)],
)
def test_who_may_patch_and_close_a_call(who, status, request, api_as, call):
    client = api_as(request.getfixturevalue(who) if who else None)
    assert client.get(f"/api/review/calls/{call.pk}/").status_code == status
    r = client.patch(f"/api/review/calls/{call.pk}/", {"title": "新标题"}, format="json")
    assert r.status_code == status
    assert (Call.objects.get(pk=call.pk).title == "新标题") is (status == 200)
    r = client.post(f"/api/review/calls/{call.pk}/close/", {"reason": "够了"}, format="json")
    assert r.status_code == status
    assert Call.objects.get(pk=call.pk).is_open is (status != 200)
    if status == 200:
        assert r.json()["phase"] == "closed" and r.json()["is_open"] is False
        assert AuditEvent.objects.filter(action__in=["call_updated", "call_closed"]).count() == 2


def test_unknown_calls_are_404(api_as, rita):
    assert api_as(rita).patch("/api/review/calls/999999/", {"title": "x"}, format="json").status_code == 404
    assert api_as(rita).post("/api/review/calls/999999/close/", {}, format="json").status_code == 404


def test_a_patch_changes_only_what_it_names(api_as, rita, call):
    closes = (timezone.now() + timedelta(days=9)).replace(microsecond=0)
    r = api_as(rita).patch(
        f"/api/review/calls/{call.pk}/", {"closes_at": closes.isoformat(), "max_ask_fen": 3_000_000}, format="json"
    )
    assert r.status_code == 200
    out = r.json()
    assert out["max_ask_fen"] == 3_000_000 and out["title"] == call.title and out["tags"] == call.tags
    assert out["questions"] == call.questions and out["phase"] == "open"
    call.refresh_from_db()
    assert call.closes_at == closes
    assert set(AuditEvent.objects.get(action="call_updated").changes) == {"closes_at", "max_ask_fen"}


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"tags": ["nope"]},
        {"max_ask_fen": 0},
        {"townships": ["x"]},
        {"closes_at": "not a date"},
        {"opens_at": "2031-05-02T10:00:00Z", "closes_at": "2031-05-01T10:00:00Z"},
    ],
)
def test_bad_input_is_a_readable_400_and_nothing_changes(body, api_as, rita, call):
    r = api_as(rita).patch(f"/api/review/calls/{call.pk}/", body, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert r.status_code == 400 and r.json()["detail"]
    fresh = Call.objects.get(pk=call.pk)
    assert (fresh.title, fresh.tags, fresh.max_ask_fen, fresh.closes_at) == (
        call.title,
        call.tags,
        call.max_ask_fen,
        None,
    )
    assert not AuditEvent.objects.filter(action="call_updated").exists()


def test_with_applications_a_lower_cap_or_new_questions_are_refused(api_as, rita, call, application):
    r = api_as(rita).patch(f"/api/review/calls/{call.pk}/", {"questions": ["新问题"]}, format="json")
    assert r.status_code == 400 and r.json()["code"] == "call_has_applications" and "questions" in r.json()["fields"]
    r = api_as(rita).patch(f"/api/review/calls/{call.pk}/", {"max_ask_fen": 1000}, format="json")
    assert r.status_code == 400 and "max_ask_fen" in r.json()["fields"]
    assert Call.objects.get(pk=call.pk).max_ask_fen == 2_000_000


def test_a_closed_call_is_a_409_for_patch_and_close(api_as, rita, call):
    assert api_as(rita).post(f"/api/review/calls/{call.pk}/close/", {}, format="json").status_code == 200
    r = api_as(rita).patch(f"/api/review/calls/{call.pk}/", {"title": "再改"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "call_closed"
    assert api_as(rita).post(f"/api/review/calls/{call.pk}/close/", {}, format="json").status_code == 409
    assert Call.objects.get(pk=call.pk).title == call.title


def test_a_call_with_a_window_is_created_through_the_api_and_listed_once_open(api_as, rita, world):
    from .conftest import make_pool

    pool = make_pool(rita, world.fund_x)
    opens = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    r = api_as(rita).post(
        "/api/review/calls/", {"pool": pool.pk, "title": "后天开始", "opens_at": opens.isoformat()}, format="json"
    )
    assert r.status_code == 201 and r.json()["phase"] == "upcoming"
    assert api_as(None).get("/api/review/calls/").json() == []
    Call.objects.filter(pk=r.json()["id"]).update(opens_at=timezone.now() - timedelta(minutes=1))
    assert [c["id"] for c in api_as(None).get("/api/review/calls/").json()] == [r.json()["id"]]
