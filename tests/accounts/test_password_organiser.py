"""代为重设密码: a community worker gives a resident without e-mail a temporary password. Who may,
what it does to the resident's sessions and tokens, and the forced change that follows."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts import services
from accounts.models import FundReviewer, Notification, PasswordReset, StationStaff, User
from core.errors import ApplicationError, NotAuthenticated, PermissionDenied
from tests.conftest import make_member, make_user

PASSWORD = "correct-horse-9"
NEW_PASSWORD = "a-new-passphrase-7"


@pytest.fixture
def sam(world):
    """Sam is a social worker of the station that serves community A."""
    user = make_user("sam", display_name="孙社工")
    StationStaff.objects.create(user=user, station=world.station)
    return user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def issue(actor, resident, note=""):
    return services.password_temporary_issue(actor=actor, resident=resident, note=note)


# --- Who may ----------------------------------------------------------------------------------------


def test_an_organiser_of_the_residents_community_may(alice, olivia):
    record, password = issue(olivia, alice, note="本人到社区办公室")
    assert len(password) == 8
    assert password.isdigit()
    assert (record.user, record.actor, record.community.name, record.note) == (
        alice,
        olivia,
        "幸福社区",
        "本人到社区办公室",
    )
    assert record.created_at is not None


def test_a_social_worker_of_a_station_serving_the_community_may(alice, sam):
    record, _password = issue(sam, alice)
    assert record.actor == sam


@pytest.mark.parametrize("who", ["oscar", "alice_self", "rita", "charlie"])
def test_others_may_not(who, alice, olivia, oscar, rita, charlie):
    actor = {"oscar": oscar, "alice_self": alice, "rita": rita, "charlie": charlie}[who]
    with pytest.raises(PermissionDenied):
        issue(actor, alice)
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    assert not alice.must_change_password
    assert not PasswordReset.objects.exists()
    assert not Notification.objects.exists()


def test_a_resident_may_not_reset_a_neighbour(alice, world):
    neighbour = make_user("neighbour")
    make_member(neighbour, world.a)
    with pytest.raises(PermissionDenied):
        issue(alice, neighbour)


def test_anonymous_may_not(alice):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        issue(AnonymousUser(), alice)


def test_a_pending_member_is_not_reset(olivia, world):
    waiting = make_user("waiting")
    make_member(waiting, world.a, status="pending")
    with pytest.raises(PermissionDenied):
        issue(olivia, waiting)


@pytest.mark.parametrize("office", ["organiser", "reviewer", "staff"])
def test_people_who_hold_an_office_are_not_reset(office, alice, olivia, world):
    """Whoever reads out the temporary password would gain the office's rights."""
    if office == "organiser":
        make_member(alice, world.b, role="organiser")
    elif office == "reviewer":
        FundReviewer.objects.create(user=alice, fund=world.fund_x)
    else:
        User.objects.filter(pk=alice.pk).update(is_staff=True)
        alice.refresh_from_db()
    with pytest.raises(PermissionDenied):
        issue(olivia, alice)


def test_a_note_that_is_too_long_is_refused(alice, olivia):
    with pytest.raises(ApplicationError) as exc:
        issue(olivia, alice, note="长" * 301)
    assert "note" in exc.value.fields
    assert not PasswordReset.objects.exists()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


# --- What it does ------------------------------------------------------------------------------------


def test_old_password_sessions_and_tokens_end(alice, olivia):
    phone = Client()
    assert phone.login(username="alice", password=PASSWORD)
    assert phone.get("/me/").status_code == 200
    token = Token.objects.create(user=alice)

    _record, password = issue(olivia, alice)

    assert phone.get("/me/").status_code == 302  # signed out
    assert not Token.objects.filter(pk=token.pk).exists()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/me/").status_code == 401
    alice.refresh_from_db()
    assert not alice.check_password(PASSWORD)
    assert alice.check_password(password)
    assert password not in alice.password  # only the hash is kept


def test_the_resident_is_notified_in_their_language(alice, olivia, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issue(olivia, alice)
    note = Notification.objects.get(user=alice)
    assert note.kind == "password_reset"
    assert "李社工" in note.title
    assert "幸福社区" in note.body


def test_the_temporary_password_works_once_and_forces_a_change(alice, olivia):
    _record, password = issue(olivia, alice)
    client = Client()
    signed = client.post("/login/", {"username": "alice", "password": password})
    assert signed.status_code == 302

    # Every page leads to choosing a new password first.
    home = client.get("/me/")
    assert home.status_code == 302
    assert home["Location"].startswith("/me/password/new/")
    form = client.get(home["Location"])
    assert form.status_code == 200
    assert '<label for="id_new_password1">' in form.content.decode()

    # The temporary password no longer works anywhere else.
    assert not Client().login(username="alice", password=password)
    again = Client().post("/login/", {"username": "alice", "password": password})
    assert again.status_code == 200

    weak = client.post("/me/password/new/", {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200
    assert weak.context["form"].errors

    done = client.post(
        "/me/password/new/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "next": "https://elsewhere.example/"},
    )
    assert done.status_code == 302
    assert done["Location"] == "/"  # never sent off the site
    assert client.get("/me/").status_code == 200  # still signed in, free to go
    alice.refresh_from_db()
    assert not alice.must_change_password
    assert alice.temporary_password_expires_at is None
    assert Client().login(username="alice", password=NEW_PASSWORD)


def test_an_expired_temporary_password_is_refused_with_a_message(alice, olivia):
    _record, password = issue(olivia, alice)
    User.objects.filter(pk=alice.pk).update(temporary_password_expires_at=timezone.now() - timedelta(minutes=1))
    page = Client().post("/login/", {"username": "alice", "password": password})
    assert page.status_code == 200
    assert "临时密码已过期" in page.content.decode()
    api = Client().post(
        "/api/auth/token/", {"username": "alice", "password": password}, content_type="application/json"
    )
    assert api.status_code == 400
    assert api.json()["code"] == "temporary_password_expired"
    alice.refresh_from_db()
    assert alice.check_password(password)  # not used up by the refused attempts


def test_the_api_refuses_until_the_password_is_changed(alice, olivia, world):
    _record, password = issue(olivia, alice)
    got = APIClient().post("/api/auth/token/", {"username": "alice", "password": password}, format="json")
    assert got.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {got.json()['token']}")

    refused = api.get("/api/me/notifications/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "password_change_required"
    assert api.get("/api/me/").json()["must_change_password"] is True
    assert api.patch("/api/me/", {"display_name": "x"}, format="json").status_code == 403
    assert (
        APIClient().post("/api/auth/token/", {"username": "alice", "password": password}, format="json").status_code
        == 400
    )

    bad = api.post("/api/me/password/", {"new_password": "123"}, format="json")
    assert bad.status_code == 400
    assert "new_password" in bad.json()["fields"]

    changed = api.post("/api/me/password/", {"new_password": NEW_PASSWORD}, format="json")
    assert changed.status_code == 204
    # The token ended with the change; a new sign-in works normally.
    assert api.get("/api/me/").status_code == 401
    fresh = APIClient().post("/api/auth/token/", {"username": "alice", "password": NEW_PASSWORD}, format="json")
    api.credentials(HTTP_AUTHORIZATION=f"Token {fresh.json()['token']}")
    assert api.get("/api/me/notifications/").status_code == 200


def test_a_session_api_client_is_held_back_too(alice, olivia):
    _record, password = issue(olivia, alice)
    client = APIClient(enforce_csrf_checks=False)
    assert (
        client.post("/api/auth/login/", {"username": "alice", "password": password}, format="json").status_code == 200
    )
    refused = client.get("/api/me/memberships/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "password_change_required"
    assert client.post("/api/me/password/", {"new_password": NEW_PASSWORD}, format="json").status_code == 204
    assert client.get("/api/me/memberships/").status_code == 200  # this session stays signed in


def test_changing_a_password_through_the_api_needs_the_old_one(alice, api):
    api.force_authenticate(alice)
    wrong = api.post("/api/me/password/", {"old_password": "nope", "new_password": NEW_PASSWORD}, format="json")
    assert wrong.status_code == 400
    assert "old_password" in wrong.json()["fields"]
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
    ok = api.post("/api/me/password/", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert ok.status_code == 204
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


# --- API ---------------------------------------------------------------------------------------------


URL = "/api/organiser/members/{}/password-reset/"


def test_the_api_gives_the_temporary_password_once(alice, olivia, api_as):
    response = api_as(olivia).post(URL.format(alice.pk), {"note": "电话确认"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["user"] == {"id": alice.pk, "name": "王阿姨"}
    assert body["community"]["name"] == "幸福社区"
    assert len(body["temporary_password"]) == 8
    assert body["expires_at"]
    record = PasswordReset.objects.get(pk=body["id"])
    assert (record.actor, record.note) == (olivia, "电话确认")
    assert Client().login(username="alice", password=body["temporary_password"])


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 401), ("alice", 403), ("oscar", 403), ("rita", 403), ("charlie", 403)]
)
def test_the_api_refuses_others(who, status, everyone, api_as):
    alice = everyone["alice"]
    target = alice if who != "alice" else make_member(make_user("neighbour"), alice.memberships.first().community).user
    response = api_as(everyone[who]).post(URL.format(target.pk), {}, format="json")
    assert response.status_code == status
    assert response.json()["detail"]
    assert not PasswordReset.objects.exists()
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_the_api_refuses_bad_input(alice, olivia, api_as):
    client = api_as(olivia)
    assert client.post(URL.format(999999), {}, format="json").status_code == 404
    too_long = client.post(URL.format(alice.pk), {"note": "长" * 301}, format="json")
    assert too_long.status_code == 400
    assert "note" in too_long.json()["fields"]
    assert not PasswordReset.objects.exists()


# --- Pages -------------------------------------------------------------------------------------------


def test_the_organiser_resets_from_the_member_list(alice, olivia):
    client = signed_in(olivia)
    members = client.get("/organiser/join-requests/?status=verified").content.decode()
    url = f"/organiser/members/{alice.pk}/password-reset/"
    assert f'href="{url}"' in members
    assert f'href="/organiser/members/{olivia.pk}/password-reset/"' not in members  # not for organisers

    form = client.get(url)
    assert form.status_code == 200
    page = form.content.decode()
    assert '<label for="id_confirmed">' in page
    assert '<label for="id_note">' in page

    unconfirmed = client.post(url, {"note": ""})
    assert unconfirmed.status_code == 400
    assert "请先与居民本人确认。" in unconfirmed.content.decode()
    assert not PasswordReset.objects.exists()

    issued = client.post(url, {"confirmed": "on", "note": "本人来电"})
    assert issued.status_code == 200
    assert issued["Cache-Control"].startswith("max-age=0") or "no-store" in issued["Cache-Control"]
    password = issued.context["password"]
    assert 'id="temporary-password"' in issued.content.decode()
    assert password in issued.content.decode()
    assert Client().login(username="alice", password=password)
    assert PasswordReset.objects.get().note == "本人来电"


@pytest.mark.parametrize("who", ["oscar", "alice", "rita", "charlie"])
def test_the_page_refuses_others(who, everyone):
    alice = everyone["alice"]
    client = signed_in(everyone[who])
    url = f"/organiser/members/{alice.pk}/password-reset/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirmed": "on"}).status_code == 403
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_the_page_asks_anonymous_to_sign_in(alice):
    response = Client().get(f"/organiser/members/{alice.pk}/password-reset/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_member_list_costs_the_same_queries_for_more_members(olivia, world, django_assert_max_num_queries):
    client = signed_in(olivia)
    for n in range(3):
        make_member(make_user(f"r{n}"), world.a)
    client.get("/organiser/join-requests/?status=verified")  # warm caches
    with django_assert_max_num_queries(30) as few:
        client.get("/organiser/join-requests/?status=verified")
    for n in range(3, 15):
        make_member(make_user(f"r{n}"), world.a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/organiser/join-requests/?status=verified")
    assert page.content.decode().count("/password-reset/") == 15
