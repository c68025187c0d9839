"""GET/PUT /api/me/volunteer-profile/ and who may join which team."""

import pytest

from network.models import VolunteerProfile, VolunteerTeam


@pytest.fixture
def team_a(world):
    return VolunteerTeam.objects.create(community=world.a, name="幸福社区银龄志愿队")


@pytest.fixture
def open_team(world):
    return VolunteerTeam.objects.create(community=None, name="街道应急志愿队")


def test_it_creates_and_reads_a_profile(api_as, alice, team_a):
    client = api_as(alice)
    assert client.get("/api/me/volunteer-profile/").status_code == 404
    response = client.put(
        "/api/me/volunteer-profile/",
        {"skills": "园艺，编织、 园艺, 电工", "availability": " 周末上午 ", "team": team_a.pk},
        format="json",
    )
    assert response.status_code == 200
    body = client.get("/api/me/volunteer-profile/").json()
    assert body["skills"] == "园艺, 编织, 电工"
    assert body["skill_list"] == ["园艺", "编织", "电工"]
    assert body["availability"] == "周末上午"
    assert body["team"] == {"id": team_a.pk, "name": "幸福社区银龄志愿队"}
    assert body["is_public"] is True


def test_putting_again_replaces_the_profile(api_as, alice, team_a):
    client = api_as(alice)
    client.put("/api/me/volunteer-profile/", {"skills": "园艺", "team": team_a.pk}, format="json")
    client.put("/api/me/volunteer-profile/", {"skills": "摄影", "team": None, "is_public": False}, format="json")
    profile = VolunteerProfile.objects.get(user=alice)
    assert (profile.skills, profile.team, profile.is_public) == ("摄影", None, False)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("alice", 200),
        ("olivia", 200),
        ("oscar", 403),
        ("rita", 403),
        ("charlie", 403),
        ("admin", 200),
    ],
)
def test_who_may_join_community_as_team(api_as, everyone, team_a, role, expected):
    response = api_as(everyone[role]).put("/api/me/volunteer-profile/", {"team": team_a.pk}, format="json")
    assert response.status_code == expected
    joined = VolunteerProfile.objects.filter(team=team_a).count()
    assert joined == (1 if expected == 200 else 0), "a refusal writes nothing"


@pytest.mark.parametrize("role", ["alice", "oscar", "rita", "charlie", "admin"])
def test_anyone_signed_in_may_join_a_team_without_a_community(api_as, everyone, open_team, role):
    response = api_as(everyone[role]).put("/api/me/volunteer-profile/", {"team": open_team.pk}, format="json")
    assert response.status_code == 200


def test_a_refused_team_leaves_the_old_profile(api_as, charlie, team_a):
    client = api_as(charlie)
    client.put("/api/me/volunteer-profile/", {"skills": "驾驶"}, format="json")
    response = client.put("/api/me/volunteer-profile/", {"skills": "搬运", "team": team_a.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "只有该社区的认证居民可以加入这支志愿者队伍。"
    assert VolunteerProfile.objects.get(user=charlie).skills == "驾驶"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"team": 999999}, 404, "team"),
        ({"team": "x"}, 400, "team"),
        ({"skills": "长" * 201}, 400, "skills"),
        ({"availability": "长" * 201}, 400, "availability"),
        ({"skills": ",".join(["技能"] * 60)}, 200, None),  # duplicates collapse to one
        ({"skills": ",".join(f"技能{i}" for i in range(10, 50))}, 400, "skills"),  # 199 typed, 238 normalised
    ],
)
def test_bad_profiles_are_refused(api_as, alice, body, status, field):
    response = api_as(alice).put("/api/me/volunteer-profile/", body, format="json")
    assert response.status_code == status, response.json()
    if field:
        assert field in response.json()["fields"]
        assert not VolunteerProfile.objects.filter(user=alice).exists()
