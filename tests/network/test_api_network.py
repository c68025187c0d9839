"""The partner network's read API: lists, filters, details, query counts."""

import pytest

from network.models import (
    CharityFund,
    Community,
    Donor,
    SocialOrganisation,
    SocialWorkStation,
    VolunteerProfile,
    VolunteerTeam,
)
from tests.conftest import make_member, make_user

from .conftest import ROLES

LISTS = [
    "/api/districts/",
    "/api/townships/",
    "/api/communities/",
    "/api/stations/",
    "/api/organisations/",
    "/api/funds/",
    "/api/volunteer-teams/",
]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("role", ROLES)
def test_everyone_may_read_the_network(api_as, everyone, role, path):
    response = api_as(everyone[role]).get(path)
    assert response.status_code == 200
    assert {"count", "results", "next", "previous"} <= set(response.json())


def test_communities_list_with_member_counts(api, world, alice, olivia):
    make_member(make_user("waiting"), world.a, status="pending")
    body = api.get("/api/communities/").json()
    counts = {c["name"]: c["member_count"] for c in body["results"]}
    assert counts == {"幸福社区": 2, "和睦社区": 0}
    first = next(c for c in body["results"] if c["id"] == world.a.pk)
    assert first["township"] == {"id": world.t1.pk, "name": "百丈街道"}
    assert first["district"]["name"] == "鄞州区"
    assert first["url"] == f"/communities/{world.a.pk}/"


def test_communities_filter_by_township_district_kind_and_name(api, world):
    Community.objects.create(township=world.t2, name="东湖村", kind=Community.Kind.VILLAGE)

    def names(query):
        return sorted(c["name"] for c in api.get(f"/api/communities/?{query}").json()["results"])

    assert names(f"township={world.t1.pk}") == ["幸福社区"]
    assert names(f"district={world.district.pk}") == ["东湖村", "和睦社区", "幸福社区"]
    assert names("kind=village") == ["东湖村"]
    assert names("q=幸福") == ["幸福社区"]


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/communities/?township=abc", "township"),
        ("/api/communities/?township=999999", "township"),
        ("/api/communities/?kind=castle", "kind"),
        ("/api/stations/?community=nope", "community"),
        ("/api/funds/?donor_kind=alien", "donor_kind"),
        ("/api/townships/?district=0", "district"),
    ],
)
def test_bad_filters_are_400_with_the_field_named(api, world, path, field):
    response = api.get(path)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]


def test_a_bad_page_is_404_not_500(api, world):
    response = api.get("/api/communities/?page=99")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_community_detail_shows_partners_and_my_membership(api_as, world, alice, olivia, charlie):
    team = VolunteerTeam.objects.create(community=world.a, name="银龄志愿队")
    body = api_as(alice).get(f"/api/communities/{world.a.pk}/").json()
    assert body["stations"] == [{"id": world.station.pk, "name": "百丈街道社会工作站"}]
    assert body["volunteer_teams"] == [{"id": team.pk, "name": "银龄志愿队"}]
    assert body["my_membership"] == {"role": "resident", "status": "verified"}
    assert api_as(olivia).get(f"/api/communities/{world.a.pk}/").json()["my_membership"]["role"] == "organiser"
    assert api_as(charlie).get(f"/api/communities/{world.a.pk}/").json()["my_membership"] is None
    assert api_as(None).get(f"/api/communities/{world.a.pk}/").json()["my_membership"] is None


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/communities/999999/", "找不到这个社区。"),
        ("/api/stations/999999/", "找不到这个社会工作站。"),
        ("/api/organisations/999999/", "找不到这个社会组织。"),
        ("/api/funds/999999/", "找不到这个慈善基金。"),
        ("/api/volunteer-teams/999999/", "找不到这支志愿者队伍。"),
    ],
)
def test_unknown_partners_are_404_with_a_message(api, world, path, message):
    response = api.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": message, "code": "not_found"}


def test_the_english_message_when_asked_in_english(api, world):
    response = api.get("/api/communities/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["detail"] == "This community could not be found."


def test_funds_list_their_named_donors_and_filter(api, world):
    Donor.objects.create(fund=world.fund_x, name="海曙建设集团", kind=Donor.Kind.CORPORATE)
    Donor.objects.create(fund=world.fund_x, name="鄞州区民政局", kind=Donor.Kind.GOVERNMENT)
    body = api.get("/api/funds/").json()
    fund_x = next(f for f in body["results"] if f["id"] == world.fund_x.pk)
    assert [(d["name"], d["kind_display"]) for d in fund_x["donors"]] == [
        ("海曙建设集团", "企业"),
        ("鄞州区民政局", "政府"),
    ]
    assert [f["name"] for f in api.get("/api/funds/?q=海曙").json()["results"]] == ["幸福基金"]
    assert [f["name"] for f in api.get("/api/funds/?donor_kind=government").json()["results"]] == ["幸福基金"]
    assert api.get(f"/api/funds/{world.fund_x.pk}/").json()["foundation"] == "宁波市慈善总会"


def test_stations_filter_by_township_and_community(api, world):
    other = SocialWorkStation.objects.create(township=world.t2, name="东胜街道社会工作站")
    other.communities.add(world.b)
    assert [s["id"] for s in api.get(f"/api/stations/?township={world.t1.pk}").json()["results"]] == [world.station.pk]
    assert [s["id"] for s in api.get(f"/api/stations/?community={world.b.pk}").json()["results"]] == [other.pk]
    detail = api.get(f"/api/stations/{world.station.pk}/").json()
    assert detail["communities"] == [{"id": world.a.pk, "name": "幸福社区"}]


def test_organisations_and_teams_filter(api, world):
    SocialOrganisation.objects.create(district=world.district, name="青少年成长营", focus="课业辅导")
    assert [o["name"] for o in api.get("/api/organisations/?q=成长").json()["results"]] == ["青少年成长营"]
    VolunteerTeam.objects.create(community=world.a, name="A 队")
    VolunteerTeam.objects.create(community=world.b, name="B 队")
    assert [t["name"] for t in api.get(f"/api/volunteer-teams/?community={world.a.pk}").json()["results"]] == ["A 队"]
    assert [t["name"] for t in api.get(f"/api/volunteer-teams/?township={world.t2.pk}").json()["results"]] == ["B 队"]


def _grow(world, n=15):
    for i in range(n):
        community = Community.objects.create(township=world.t1, name=f"社区{i}")
        make_member(make_user(f"m{i}"), community)
        station = SocialWorkStation.objects.create(township=world.t1, name=f"工作站{i}")
        station.communities.add(community, world.a)
        fund = CharityFund.objects.create(name=f"基金{i}")
        Donor.objects.create(fund=fund, name=f"捐赠方{i}")
        Donor.objects.create(fund=fund, name=f"捐赠方{i}b", kind=Donor.Kind.INDIVIDUAL)
        team = VolunteerTeam.objects.create(community=community, name=f"队{i}")
        VolunteerProfile.objects.create(user=make_user(f"v{i}"), team=team)
        SocialOrganisation.objects.create(district=world.district, name=f"组织{i}")


@pytest.mark.parametrize("path", LISTS)
def test_lists_cost_a_fixed_number_of_queries(api, world, path, django_assert_max_num_queries):
    _grow(world)
    with django_assert_max_num_queries(4):
        response = api.get(path + "?page_size=100")
    assert response.status_code == 200


@pytest.mark.parametrize("kind", ["communities", "stations", "organisations", "funds", "volunteer-teams"])
@pytest.mark.parametrize("role", ROLES)
def test_everyone_may_read_each_partner(api_as, everyone, world, role, kind):
    team = VolunteerTeam.objects.create(community=world.a, name="队")
    pk = {
        "communities": world.a.pk,
        "stations": world.station.pk,
        "organisations": world.org.pk,
        "funds": world.fund_x.pk,
        "volunteer-teams": team.pk,
    }[kind]
    assert api_as(everyone[role]).get(f"/api/{kind}/{pk}/").status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_network_cannot_be_written_through_the_api(api_as, admin_user, world, method):
    response = getattr(api_as(admin_user), method)(f"/api/communities/{world.a.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 405
    world.a.refresh_from_db()
    assert world.a.name == "幸福社区"
