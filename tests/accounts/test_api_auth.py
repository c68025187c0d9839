"""Registration, session sign-in with CSRF, API tokens, sign-out."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User

PASSWORD = "correct-horse-9"  # the standard people's password (tests/conftest.py)


@pytest.mark.django_db
def test_it_registers_a_person(api):
    response = api.post(
        "/api/auth/register/",
        {"username": "laowang", "password": "a-long-passphrase-7", "display_name": "老王", "preferred_language": "en"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["username"], body["name"], body["preferred_language"]) == ("laowang", "老王", "en")
    assert body["roles"]["verified_communities"] == []
    assert User.objects.get(username="laowang").check_password("a-long-passphrase-7")


@pytest.mark.django_db
def test_it_refuses_a_taken_username_whatever_the_case(api, charlie):
    response = api.post(
        "/api/auth/register/", {"username": "CHARLIE", "password": "a-long-passphrase-7"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["fields"]["username"] == ["这个用户名已被使用，请换一个。"]
    assert User.objects.filter(username__iexact="charlie").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "a-long-passphrase-7"}, "username"),
        ({"username": "x1"}, "password"),
        ({"username": "x2", "password": "12345678"}, "password"),
        ({"username": "x3", "password": "short"}, "password"),
        ({"username": "x4", "password": "a-long-passphrase-7", "preferred_language": "fr"}, "preferred_language"),
        ({"username": "x5", "password": "a-long-passphrase-7", "display_name": "长" * 51}, "display_name"),
        ({"username": "   ", "password": "a-long-passphrase-7"}, "username"),
    ],
)
def test_it_refuses_bad_registrations_with_a_field_message(api, body, field):
    response = api.post("/api/auth/register/", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"][field]
    assert not User.objects.exists()


def test_it_signs_in_with_a_session(alice):
    client = APIClient()
    response = client.post("/api/auth/login/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "王阿姨"
    assert "sessionid" in response.cookies
    assert client.get("/api/me/").json()["username"] == "alice"


def test_session_sign_in_needs_the_csrf_token(alice):
    client = APIClient(enforce_csrf_checks=True)
    refused = client.post("/api/auth/login/", {"username": "alice", "password": PASSWORD}, format="json")
    assert refused.status_code == 403
    token = client.get("/api/auth/csrf/").json()["csrf_token"]
    ok = client.post(
        "/api/auth/login/", {"username": "alice", "password": PASSWORD}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert ok.status_code == 200


def test_a_session_write_needs_the_csrf_token(alice):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="alice", password=PASSWORD)
    response = client.patch("/api/me/", {"display_name": "x"}, format="json")
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.display_name == "王阿姨"


@pytest.mark.parametrize("password", ["wrong-password", ""])
def test_it_refuses_a_wrong_password(alice, password):
    response = APIClient().post("/api/auth/login/", {"username": "alice", "password": password}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] in {"invalid_credentials", "invalid"}


def test_it_refuses_an_inactive_person(alice):
    alice.is_active = False
    alice.save()
    response = APIClient().post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "用户名或密码不正确，请再试一次。"


def test_a_token_works_for_api_clients_and_logout_revokes_it(alice):
    response = APIClient().post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    assert response.json()["user"]["username"] == "alice"
    # The same token comes back on a second request.
    again = APIClient().post("/api/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert again.json()["token"] == key

    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/me/").json()["username"] == "alice"
    assert client.patch("/api/me/", {"display_name": "王阿姨2"}, format="json").status_code == 200

    assert client.post("/api/auth/logout/").status_code == 204
    assert not Token.objects.filter(key=key).exists()
    assert client.get("/api/me/").status_code == 401


def test_a_wrong_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get("/api/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_token_request_with_a_wrong_password_is_refused(alice):
    response = APIClient().post("/api/auth/token/", {"username": "alice", "password": "nope-nope-9"}, format="json")
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_logout_ends_the_session(alice):
    client = APIClient()
    client.login(username="alice", password=PASSWORD)
    assert client.post("/api/auth/logout/").status_code == 204
    assert client.get("/api/me/").status_code == 401


def test_anonymous_requests_get_401_with_a_scheme(api, db):
    response = api.get("/api/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert response.json() == {"detail": "身份认证信息未提供。", "code": "not_authenticated"}


def test_password_guessing_is_slowed_down_per_name(alice, charlie):
    client = APIClient()
    for _ in range(10):
        assert client.post("/api/auth/token/", {"username": "alice", "password": "guess-1234"}).status_code == 400
    blocked = client.post("/api/auth/token/", {"username": "alice", "password": PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "throttled"
    # Another person signing in from the same address is not locked out.
    assert client.post("/api/auth/token/", {"username": "charlie", "password": PASSWORD}).status_code == 200
