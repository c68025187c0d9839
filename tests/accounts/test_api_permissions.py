"""Who may and who may not, for every accounts endpoint and every standard role.

alice: verified resident of A · olivia: organiser of A · oscar: organiser of B · rita: reviewer of
fund X · charlie: nobody · anonymous · admin: platform admin.
"""

import pytest

from accounts.models import AssistanceConsent, CommunityMembership

from .conftest import ROLES


def _client(api_as, everyone, role):
    return api_as(everyone[role])


def _expect(table: dict[str, int]) -> list:
    assert set(table) == set(ROLES), "every role is listed"
    return list(table.items())


@pytest.mark.parametrize("path", ["/api/me/", "/api/me/memberships/", "/api/me/notifications/"])
@pytest.mark.parametrize("role", ROLES)
def test_personal_endpoints_need_a_signed_in_person(api_as, everyone, role, path):
    response = _client(api_as, everyone, role).get(path)
    assert response.status_code == (401 if role == "anonymous" else 200)


@pytest.mark.parametrize(
    ("role", "expected"),
    _expect({"anonymous": 401, "alice": 409, "olivia": 409, "oscar": 201, "rita": 201, "charlie": 201, "admin": 201}),
)
def test_who_may_ask_to_join_community_a(api_as, everyone, world, role, expected):
    before = CommunityMembership.objects.count()
    response = _client(api_as, everyone, role).post(f"/api/communities/{world.a.pk}/join/", {}, format="json")
    assert response.status_code == expected
    assert CommunityMembership.objects.count() == before + (1 if expected == 201 else 0)


@pytest.mark.parametrize(
    ("role", "expected"),
    _expect({"anonymous": 401, "alice": 403, "olivia": 200, "oscar": 200, "rita": 403, "charlie": 403, "admin": 200}),
)
def test_who_may_read_the_join_queue(api_as, everyone, role, expected):
    assert _client(api_as, everyone, role).get("/api/organiser/join-requests/").status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    _expect({"anonymous": 401, "alice": 403, "olivia": 200, "oscar": 403, "rita": 403, "charlie": 403, "admin": 200}),
)
def test_who_may_read_community_as_queue(api_as, everyone, world, role, expected):
    response = _client(api_as, everyone, role).get(f"/api/organiser/join-requests/?community={world.a.pk}")
    assert response.status_code == expected


@pytest.mark.parametrize("action", ["verify", "reject"])
@pytest.mark.parametrize(
    ("role", "expected"),
    _expect({"anonymous": 401, "alice": 403, "olivia": 200, "oscar": 403, "rita": 403, "charlie": 403, "admin": 200}),
)
def test_who_may_decide_a_request_in_a(api_as, everyone, pat_request, role, expected, action):
    response = _client(api_as, everyone, role).post(
        f"/api/organiser/join-requests/{pat_request.pk}/{action}/", {"reason": "信息不全"}, format="json"
    )
    assert response.status_code == expected
    pat_request.refresh_from_db()
    if expected == 200:
        assert pat_request.status == ("verified" if action == "verify" else "rejected")
    else:
        assert pat_request.status == "pending"


@pytest.mark.parametrize(
    ("role", "expected"),
    _expect({"anonymous": 401, "alice": 403, "olivia": 201, "oscar": 403, "rita": 403, "charlie": 403, "admin": 201}),
)
def test_who_may_record_a_consent_in_a(api_as, everyone, world, role, expected):
    body = {"resident": everyone["alice"].pk, "community": world.a.pk, "method": "in_person", "scope": "代为投票"}
    response = _client(api_as, everyone, role).post("/api/organiser/consents/", body, format="json")
    assert response.status_code == expected
    assert AssistanceConsent.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize(
    ("role", "expected"),
    _expect({"anonymous": 401, "alice": 403, "olivia": 200, "oscar": 200, "rita": 403, "charlie": 403, "admin": 200}),
)
def test_who_may_list_consents(api_as, everyone, role, expected):
    assert _client(api_as, everyone, role).get("/api/organiser/consents/").status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    _expect({"anonymous": 401, "alice": 200, "olivia": 200, "oscar": 200, "rita": 200, "charlie": 200, "admin": 200}),
)
def test_who_may_mark_notifications_read(api_as, everyone, role, expected):
    response = _client(api_as, everyone, role).post("/api/me/notifications/mark-read/", {}, format="json")
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    _expect({"anonymous": 401, "alice": 200, "olivia": 200, "oscar": 200, "rita": 200, "charlie": 200, "admin": 200}),
)
def test_who_may_change_their_profile(api_as, everyone, role, expected):
    response = _client(api_as, everyone, role).patch("/api/me/", {"display_name": "新名字"}, format="json")
    assert response.status_code == expected
    if expected == 200:
        everyone[role].refresh_from_db()
        assert everyone[role].display_name == "新名字"


@pytest.mark.parametrize("role", ROLES)
def test_anyone_may_register_sign_in_and_get_a_token(api_as, everyone, role):
    client = _client(api_as, everyone, role)
    created = client.post(
        "/api/auth/register/", {"username": f"new-{role}", "password": "a-long-passphrase-7"}, format="json"
    )
    assert created.status_code == 201
    token = client.post(
        "/api/auth/token/", {"username": f"new-{role}", "password": "a-long-passphrase-7"}, format="json"
    )
    assert token.status_code == 200


@pytest.mark.parametrize(
    ("role", "expected"),
    _expect({"anonymous": 401, "alice": 204, "olivia": 204, "oscar": 204, "rita": 204, "charlie": 204, "admin": 204}),
)
def test_who_may_sign_out(api_as, everyone, role, expected):
    assert _client(api_as, everyone, role).post("/api/auth/logout/").status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    _expect({"anonymous": 401, "alice": 404, "olivia": 404, "oscar": 404, "rita": 404, "charlie": 404, "admin": 404}),
)
def test_who_may_read_their_volunteer_profile(api_as, everyone, role, expected):
    assert _client(api_as, everyone, role).get("/api/me/volunteer-profile/").status_code == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    _expect({"anonymous": 401, "alice": 403, "olivia": 200, "oscar": 403, "rita": 403, "charlie": 403, "admin": 200}),
)
def test_who_may_list_community_as_members(api_as, everyone, world, role, expected):
    response = _client(api_as, everyone, role).get(f"/api/communities/{world.a.pk}/members/")
    assert response.status_code == expected
    if expected == 200:
        assert {m["name"] for m in response.json()["results"]} == {"王阿姨", "李社工"}
        assert "phone" not in response.json()["results"][0]
