"""The sign-in page stops trying passwords after too many failures for one name (per client, and
from anywhere), and says so; successful sign-ins do not count."""

import pytest
from django.core.cache import cache
from django.test import Client

from accounts import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()
    yield
    cache.clear()


def sign_in(username, password, ip="10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post("/login/", {"username": username, "password": password})


def test_successful_sign_ins_do_not_count(alice):
    for _ in range(services.SIGN_IN_CLIENT_LIMIT[0] + 2):
        assert sign_in("alice", "correct-horse-9").status_code == 302


def test_too_many_failures_from_one_client_are_refused_even_with_the_right_password(alice):
    limit = services.SIGN_IN_CLIENT_LIMIT[0]
    for _ in range(limit):
        response = sign_in("alice", "wrong")
        assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    refused = sign_in("alice", "correct-horse-9")
    assert refused.status_code == 429
    assert "登录尝试太频繁" in refused.content.decode()
    assert "_auth_user_id" not in refused.wsgi_request.session
    # Another client is not blocked by this one's failures (until the per-name limit).
    assert sign_in("alice", "correct-horse-9", ip="10.0.0.2").status_code == 302


def test_guesses_spread_over_many_clients_hit_the_per_name_limit(alice):
    limit = services.SIGN_IN_NAME_LIMIT[0]
    for i in range(limit):
        sign_in("Alice", "wrong", ip=f"10.1.{i // 250}.{i % 250}")
    assert sign_in("alice", "correct-horse-9", ip="10.9.9.9").status_code == 429
    assert sign_in("bob-the-other", "whatever", ip="10.9.9.9").status_code == 200  # other names unaffected


def test_the_refusal_is_translated():
    for _ in range(services.SIGN_IN_CLIENT_LIMIT[0]):
        sign_in("nobody", "wrong")
    response = Client(REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="en").post(
        "/login/", {"username": "nobody", "password": "wrong"}
    )
    assert response.status_code == 429 and "Too many sign-in attempts" in response.content.decode()


def test_the_api_sign_ins_share_the_same_limit(alice):
    from rest_framework.test import APIClient

    for _ in range(services.SIGN_IN_CLIENT_LIMIT[0]):
        sign_in("alice", "wrong")
    api = APIClient(REMOTE_ADDR="10.0.0.1")
    refused = api.post("/api/auth/token/", {"username": "alice", "password": "correct-horse-9"}, format="json")
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
