"""社工站工作台 and the organiser pages a station's social workers may open for the communities it
serves: the verified member list (read-only) and the consent records."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AssistanceConsent, CommunityMembership, StationStaff
from campaigns.models import Campaign
from network.models import Community, SocialWorkStation
from problems.models import Problem
from tests.conftest import make_member, make_user

WORKSPACE = "/network/stations/{}/workspace/"


def signed_in(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def sue(world):
    """Sue works at 百丈街道社会工作站, which serves community A (not B)."""
    user = make_user("sue", display_name="徐社工")
    StationStaff.objects.create(user=user, station=world.station)
    return user


@pytest.fixture
def sam(world):
    """Sam works at another station, which serves community B."""
    station = SocialWorkStation.objects.create(township=world.t2, name="东胜街道社会工作站")
    station.communities.add(world.b)
    user = make_user("sam", display_name="孙社工")
    StationStaff.objects.create(user=user, station=station)
    return user


@pytest.fixture
def people(everyone, sue, sam):
    return {**everyone, "sue": sue, "sam": sam}


def make_campaign(community, author, *, status, title):
    now = timezone.now()
    campaign = Campaign.objects.create(
        title=title,
        story="为老人打理社区花园。",
        host_community=community,
        starts_at=now - timedelta(hours=1),
        deadline=now + timedelta(days=7),
        status=status,
        created_by=author,
    )
    campaign.communities.add(community)
    return campaign


def make_problem(community, author, *, status="raised", flagged=False, title="滑梯坏了"):
    return Problem.objects.create(
        community=community,
        author=author,
        title=title,
        description="孩子们没法玩。",
        category=Problem.Category.FACILITIES,
        status=status,
        threshold_reached_at=timezone.now() if flagged else None,
    )


def consent(resident, community, organiser):
    return AssistanceConsent.objects.create(
        resident=resident,
        organiser=organiser,
        community=community,
        method=AssistanceConsent.Method.IN_PERSON,
        scope="代为认筹",
        given_at=timezone.now(),
    )


# --- The workspace -----------------------------------------------------------------------------------


def test_the_workspace_shows_each_served_community_with_counts_and_links(world, sue, alice, olivia, oscar):
    gone = make_user("gone", is_active=False)
    make_member(gone, world.a)  # inactive accounts are not counted
    make_member(make_user("waiting"), world.a, status="pending")
    make_member(make_user("bobby"), world.b)  # B is not served
    consent(alice, world.a, olivia)
    draft = make_campaign(world.a, olivia, status=Campaign.Status.DRAFT, title="花园草稿")
    review = make_campaign(world.a, olivia, status=Campaign.Status.IN_REVIEW, title="审核中的长椅")
    live = make_campaign(world.a, olivia, status=Campaign.Status.LIVE, title="进行中的花园")
    make_campaign(world.a, olivia, status=Campaign.Status.COMPLETED, title="已完成的路灯")
    make_campaign(world.b, oscar, status=Campaign.Status.LIVE, title="和睦社区的行动")
    make_problem(world.a, alice, title="滑梯坏了", flagged=True)
    make_problem(world.a, alice, status="discussing", title="路灯不亮")
    make_problem(world.a, alice, status="adopted", title="已采纳的问题")

    response = signed_in(sue).get(WORKSPACE.format(world.station.pk))

    assert response.status_code == 200
    page = response.content.decode()
    (row,) = response.context["communities"]
    assert row == world.a
    assert (row.member_count, row.consent_count, row.open_problem_count, row.flagged_problem_count) == (2, 1, 2, 1)
    assert [c.pk for c in row.workspace_campaigns] == [draft.pk, review.pk, live.pk]
    assert "社工站工作台" in page
    assert "幸福社区" in page and "和睦社区" not in page
    assert f'href="/organiser/join-requests/?community={world.a.pk}&amp;status=verified"' in page
    assert f'href="/organiser/consents/?community={world.a.pk}"' in page
    assert f'href="/communities/{world.a.pk}/problems/"' in page
    for campaign in (draft, review, live):
        assert f'href="/campaigns/{campaign.pk}/"' in page
    assert "已完成的路灯" not in page and "和睦社区的行动" not in page
    assert "1 个达到关注门槛" in page


def test_the_workspace_of_a_station_without_communities_says_so(world, sue):
    world.station.communities.clear()
    page = signed_in(sue).get(WORKSPACE.format(world.station.pk)).content.decode()
    assert "这个社会工作站还没有登记服务的社区" in page


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("sue", 200),
        ("admin", 200),
        ("sam", 403),  # staff of another station
        ("olivia", 403),  # organiser of a served community, but not the station's staff
        ("oscar", 403),
        ("alice", 403),
        ("rita", 403),
        ("charlie", 403),
    ],
)
def test_who_may_open_the_workspace(people, world, who, expected):
    response = signed_in(people[who]).get(WORKSPACE.format(world.station.pk))
    assert response.status_code == expected
    if expected == 403:
        assert "只有该社工站的社工可以打开它的工作台。" in response.content.decode()


def test_anonymous_is_asked_to_sign_in(world):
    response = Client().get(WORKSPACE.format(world.station.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_unknown_station_is_404(sue):
    assert signed_in(sue).get(WORKSPACE.format(424242)).status_code == 404


def test_the_workspace_costs_the_same_queries_for_one_community_or_many(world, sue, olivia, alice):
    client = signed_in(sue)
    url = WORKSPACE.format(world.station.pk)
    make_campaign(world.a, olivia, status=Campaign.Status.LIVE, title="一")
    make_problem(world.a, alice)
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).context["communities"]) == 1
    for n in range(4):
        extra = Community.objects.create(township=world.t1, name=f"新社区{n}")
        world.station.communities.add(extra)
        organiser = make_user(f"org{n}")
        make_member(organiser, extra, role="organiser")
        for title in ("甲", "乙"):
            make_campaign(extra, organiser, status=Campaign.Status.DRAFT, title=f"{title}{n}")
        make_problem(extra, organiser)
        consent(organiser, extra, organiser)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["communities"]) == 5
    assert len(re.findall(r'href="/campaigns/\d+/"', response.content.decode())) == 9
    assert len(many.captured_queries) == len(one.captured_queries)


# --- Navigation --------------------------------------------------------------------------------------


def test_the_nav_takes_a_social_worker_to_their_station(world, sue):
    page = signed_in(sue).get("/").content.decode()
    assert f'<a href="{WORKSPACE.format(world.station.pk)}">社工站</a>' in page


def test_a_social_worker_of_several_stations_chooses_one(world, sue, sam):
    other = SocialWorkStation.objects.get(name="东胜街道社会工作站")
    StationStaff.objects.create(user=sue, station=other)
    client = signed_in(sue)
    assert '<a href="/network/stations/workspace/">社工站</a>' in client.get("/").content.decode()
    chooser = client.get("/network/stations/workspace/").content.decode()
    assert f'href="{WORKSPACE.format(world.station.pk)}"' in chooser
    assert f'href="{WORKSPACE.format(other.pk)}"' in chooser


def test_the_chooser_goes_straight_to_a_single_station(world, sue):
    response = signed_in(sue).get("/network/stations/workspace/")
    assert response.status_code == 302
    assert response["Location"] == WORKSPACE.format(world.station.pk)


@pytest.mark.parametrize("who", ["olivia", "alice", "charlie"])
def test_others_have_no_station_link_and_no_chooser(people, who):
    client = signed_in(people[who])
    assert ">社工站</a>" not in client.get("/").content.decode()
    refused = client.get("/network/stations/workspace/")
    assert refused.status_code == 403
    assert "只有社工站社工可以打开社工站工作台。" in refused.content.decode()


# --- The member list, read-only for station staff ---------------------------------------------------


def test_a_social_worker_sees_the_verified_members_of_served_communities(world, sue, alice, olivia, oscar):
    make_member(make_user("bobby", display_name="和睦居民"), world.b)
    page = signed_in(sue).get("/organiser/join-requests/")
    assert page.status_code == 200
    assert page.context["status"] == "verified"
    text = page.content.decode()
    assert "王阿姨" in text and "李社工" in text
    assert "和睦居民" not in text and "赵社工" not in text
    assert "入会申请由各社区的社区工作者审核" in text
    assert 'value="pending"' not in text  # no tab for deciding
    # The existing 重设密码 action, for residents only (rule accounts.reset_password).
    assert f'href="/organiser/members/{alice.pk}/password-reset/"' in text
    assert f'href="/organiser/members/{olivia.pk}/password-reset/"' not in text
    assert signed_in(sue).get(f"/organiser/members/{alice.pk}/password-reset/").status_code == 200


def test_a_social_worker_may_not_see_or_decide_join_requests(world, sue):
    waiting = make_member(make_user("waiting", display_name="待审居民"), world.a, status="pending")
    client = signed_in(sue)
    pending = client.get("/organiser/join-requests/?status=pending")
    assert pending.status_code == 403
    assert "待审居民" not in pending.content.decode()
    verified_tab = client.get("/organiser/join-requests/").content.decode()
    assert "待审居民" not in verified_tab and 'name="decision"' not in verified_tab
    client.post(f"/organiser/join-requests/{waiting.pk}/decide/", {"decision": "verify"})
    waiting.refresh_from_db()
    assert waiting.status == CommunityMembership.Status.PENDING


def test_a_social_worker_may_not_list_an_unserved_community(world, sue, oscar):
    response = signed_in(sue).get(f"/organiser/join-requests/?community={world.b.pk}&status=verified")
    assert response.status_code == 403
    assert "赵社工" not in response.content.decode()


@pytest.mark.parametrize("who", ["alice", "rita", "charlie"])
def test_people_without_a_role_may_not_see_members(people, world, who):
    response = signed_in(people[who]).get(f"/organiser/join-requests/?community={world.a.pk}&status=verified")
    assert response.status_code == 403
    assert "李社工" not in response.content.decode()


def test_organisers_keep_deciding_from_the_queue(world, olivia):
    make_member(make_user("waiting", display_name="待审居民"), world.a, status="pending")
    page = signed_in(olivia).get("/organiser/join-requests/")
    assert page.context["status"] == "pending"
    text = page.content.decode()
    assert "待审居民" in text and 'name="decision" value="verify"' in text
    assert "入会申请由各社区的社区工作者审核" not in text


# --- Consent records of one community -----------------------------------------------------------------


def test_the_consent_page_filters_to_one_served_community(world, sue, alice, olivia, oscar):
    bobby = make_user("bobby", display_name="和睦居民")
    make_member(bobby, world.b)
    consent(alice, world.a, olivia)
    consent(bobby, world.b, oscar)
    client = signed_in(sue)
    page = client.get(f"/organiser/consents/?community={world.a.pk}")
    assert page.status_code == 200
    assert [c.resident for c in page.context["records"]] == [alice]
    assert "查看全部社区的登记" in page.content.decode()
    refused = client.get(f"/organiser/consents/?community={world.b.pk}")
    assert refused.status_code == 403
    assert "和睦居民" not in refused.content.decode()
    assert client.get("/organiser/consents/?community=424242").status_code == 404
    own = signed_in(oscar).get(f"/organiser/consents/?community={world.b.pk}")
    assert [c.resident for c in own.context["records"]] == [bobby]
