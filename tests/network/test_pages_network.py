"""Public pages of the partner network, and the volunteer profile page."""

import pytest
from django.test import Client

from network.models import Donor, VolunteerProfile, VolunteerTeam
from tests.conftest import make_member, make_user


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def team(world):
    return VolunteerTeam.objects.create(community=world.a, name="幸福社区银龄志愿队", description="低龄老人志愿服务")


def test_the_community_page_links_to_its_station_and_team(world, team):
    html = Client().get(f"/communities/{world.a.pk}/").content.decode()
    assert f'href="/network/stations/{world.station.pk}/"' in html
    assert f'href="/network/volunteer-teams/{team.pk}/"' in html
    assert "登录后申请加入" in html


def test_the_community_page_tells_an_organiser_about_waiting_requests(world, olivia, oscar):
    make_member(make_user("newbie"), world.a, status="pending")
    assert "有 1 条加入申请等待您审核。" in signed_in(olivia).get(f"/communities/{world.a.pk}/").content.decode()
    assert "等待您审核" not in signed_in(oscar).get(f"/communities/{world.a.pk}/").content.decode()


def test_the_directory_lists_every_kind_of_partner(world, team):
    Donor.objects.create(fund=world.fund_x, name="海曙建设集团")
    html = Client().get("/network/").content.decode()
    for text in ["幸福社区", "百丈街道社会工作站", "邻里互助社", "幸福基金", "海曙建设集团", "幸福社区银龄志愿队"]:
        assert text in html


def test_the_directory_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    from network.models import CharityFund, Community, SocialWorkStation

    for i in range(15):
        c = Community.objects.create(township=world.t1, name=f"社区{i}")
        SocialWorkStation.objects.create(township=world.t1, name=f"站{i}").communities.add(c)
        Donor.objects.create(fund=CharityFund.objects.create(name=f"基金{i}"), name="捐赠方")
        VolunteerTeam.objects.create(community=c, name=f"队{i}")
    with django_assert_max_num_queries(14):
        assert Client().get("/network/").status_code == 200


def test_the_station_page(world):
    html = Client().get(f"/network/stations/{world.station.pk}/").content.decode()
    assert "百丈街道社会工作站" in html
    assert f'href="/communities/{world.a.pk}/"' in html


def test_the_organisation_page(world):
    world.org.focus = "邻里互助"
    world.org.save()
    html = Client().get(f"/network/organisations/{world.org.pk}/").content.decode()
    assert "邻里互助社" in html
    assert "邻里互助" in html


def test_the_fund_page_names_its_donors(world):
    Donor.objects.create(fund=world.fund_x, name="海曙建设集团", kind=Donor.Kind.CORPORATE)
    html = Client().get(f"/network/funds/{world.fund_x.pk}/").content.decode()
    assert "海曙建设集团" in html
    assert "企业" in html
    assert "还没有登记捐赠方。" in Client().get(f"/network/funds/{world.fund_y.pk}/").content.decode()


def test_the_team_page_shows_only_public_members_without_phone_numbers(world, team):
    shown = make_user("shown", display_name="王阿姨", phone="13811112222")
    VolunteerProfile.objects.create(user=shown, team=team, skills="园艺, 编织", is_public=True)
    hidden = make_user("hidden", display_name="不公开的人")
    VolunteerProfile.objects.create(user=hidden, team=team, is_public=False)
    html = Client().get(f"/network/volunteer-teams/{team.pk}/").content.decode()
    assert "王阿姨" in html
    assert "编织" in html
    assert "不公开的人" not in html
    assert "13811112222" not in html
    assert "2 名队员" in html


@pytest.mark.parametrize(
    "path",
    [
        "/communities/999999/",
        "/network/stations/999999/",
        "/network/organisations/999999/",
        "/network/funds/999999/",
        "/network/volunteer-teams/999999/",
    ],
)
def test_unknown_partner_pages_are_404(db, path):
    assert Client().get(path).status_code == 404


def test_the_english_directory(world):
    client = Client()
    client.post("/language/", {"language": "en", "next": "/"})
    html = client.get("/network/").content.decode()
    assert "Social-work stations" in html
    assert "Partner network" in html


def test_the_volunteer_profile_page(alice, team):
    client = signed_in(alice)
    assert client.get("/me/volunteer/").status_code == 200
    response = client.post(
        "/me/volunteer/",
        {"skills": "园艺, 编织", "availability": "周末", "team": team.pk, "is_public": "on"},
        follow=True,
    )
    assert "志愿者档案已保存，谢谢您！" in response.content.decode()
    assert VolunteerProfile.objects.get(user=alice).team == team


def test_the_volunteer_profile_page_refuses_another_communitys_team_inline(oscar, team):
    response = signed_in(oscar).post("/me/volunteer/", {"skills": "木工", "team": team.pk})
    assert "只有该社区的认证居民可以加入这支志愿者队伍。" in response.content.decode()
    assert not VolunteerProfile.objects.filter(user=oscar).exists()


def test_the_volunteer_profile_page_needs_sign_in(db):
    response = Client().get("/me/volunteer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_community_page_names_its_organisers(world, olivia, oscar):
    html = Client().get(f"/communities/{world.a.pk}/").content.decode()
    assert "李社工" in html
    assert "赵社工" not in html


def test_the_english_community_page_puts_its_colons_inside_the_translation(world, team, olivia):
    world.a.address = "宁波市海曙区1号"
    world.a.save()
    client = Client()
    client.post("/language/", {"language": "en", "next": "/"})
    html = client.get(f"/communities/{world.a.pk}/").content.decode()
    assert "Address: 宁波市海曙区1号" in html and "Volunteer team: " in html and "Organisers: " in html
    assert "：" not in html.replace("宁波市海曙区1号", "")
