"""The campaign list's partner filter: a dropdown of the partners taking part in campaigns the
visitor may see, grouped by kind, that narrows the list."""

import re

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from network.models import VolunteerTeam

from .conftest import make_campaign

pytestmark = pytest.mark.django_db


def _partner_select(html: str) -> str:
    match = re.search(r'<select id="f-partner" name="partner">(.*?)</select>', html, re.S)
    assert match, "no partner dropdown"
    return match.group(1)


@pytest.fixture
def campaigns(olivia, oscar, world):
    team = VolunteerTeam.objects.create(name="银龄志愿队", community=world.a)
    with_station = make_campaign(
        olivia,
        world.a,
        title="花开百老弄",
        partners=[
            {"kind": "station", "id": world.station.pk, "role": "host"},
            {"kind": "fund", "id": world.fund_x.pk, "role": "funder"},
            {"kind": "team", "id": team.pk, "role": "volunteer_team"},
        ],
    )
    with_org = make_campaign(
        oscar,
        world.b,
        title="和睦食堂",
        partners=[{"kind": "organisation", "id": world.org.pk, "role": "co_organiser"}],
    )
    draft = make_campaign(
        oscar,
        world.b,
        status=Campaign.Status.DRAFT,
        title="草稿行动",
        partners=[{"kind": "fund", "id": world.fund_y.pk, "role": "funder"}],
    )
    return with_station, with_org, draft


def test_the_dropdown_lists_partners_of_visible_campaigns_grouped_by_kind(client, campaigns, world):
    html = client.get(reverse("campaigns:list")).content.decode()
    select = _partner_select(html)
    assert '<label for="f-partner">' in html
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    assert groups == ["社会工作站", "社会组织", "慈善基金", "志愿者队伍"]
    assert f'value="station:{world.station.pk}"' in select and world.station.name in select
    assert f'value="organisation:{world.org.pk}"' in select
    assert f'value="fund:{world.fund_x.pk}"' in select and "幸福基金" in select
    assert "阳光基金" not in select  # only funds a draft nobody here may see


def test_organisers_also_see_partners_of_their_own_drafts(client, oscar, campaigns, world):
    client.force_login(oscar)
    select = _partner_select(client.get(reverse("campaigns:list")).content.decode())
    assert f'value="fund:{world.fund_y.pk}"' in select


def test_choosing_a_partner_narrows_the_list_and_stays_selected(client, campaigns, world):
    value = f"organisation:{world.org.pk}"
    html = client.get(reverse("campaigns:list"), {"partner": value}).content.decode()
    assert "和睦食堂" in html and "花开百老弄" not in html
    assert f'<option value="{value}" selected>' in _partner_select(html)
    html = client.get(reverse("campaigns:list"), {"partner": f"fund:{world.fund_x.pk}"}).content.decode()
    assert "花开百老弄" in html and "和睦食堂" not in html


def test_a_bad_partner_value_shows_nothing_rather_than_everything(client, campaigns):
    html = client.get(reverse("campaigns:list"), {"partner": "planet:1"}).content.decode()
    assert "还没有符合条件的众筹行动" in html


def test_the_dropdown_costs_one_query_however_many_partners(client, olivia, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_campaign(olivia, world.a, partners=[{"kind": "station", "id": world.station.pk, "role": "host"}])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("campaigns:list"))
    for i in range(5):
        team = VolunteerTeam.objects.create(name=f"志愿队{i}")
        make_campaign(
            olivia, world.a, title=f"行动{i}", partners=[{"kind": "team", "id": team.pk, "role": "supporter"}]
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("campaigns:list")).content.decode()
    assert _partner_select(html).count('value="team:') == 5
