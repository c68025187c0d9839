import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Pledge
from tests.conftest import make_user

from .conftest import make_campaign


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


def _many_pledges(needs, n=12):
    users = [make_user(f"p{i}") for i in range(n)]
    for i, u in enumerate(users):
        services.pledge_create(user=u, need=needs["resource"], quantity=1)
        services.pledge_create(user=u, need=needs["idea"], body=f"建议 {i}", anonymous=i % 2 == 0)
        services.pledge_create(user=u, need=needs["money"], amount_fen=100 + i)


def test_campaign_page_shows_progress_forms_and_partners(login, alice, olivia, world):
    campaign = make_campaign(olivia, world.a, partners=[{"kind": "station", "id": world.station.pk, "role": "host"}])
    html = login(alice).get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "百丈街道社会工作站" in html and "主办" in html
    assert "五筹进度" in html and 'role="progressbar"' in html
    for label in ("提交方案", "我来出主意", "我来认筹", "我要捐款", "报名当志愿者"):
        assert label in html
    assert "编辑需求" not in html  # residents see no organiser tools


def test_organisers_see_their_tools(login, olivia, oscar, campaign):
    url = reverse("campaigns:detail", args=[campaign.pk])
    assert "编辑需求" in login(olivia).get(url).content.decode()
    assert "编辑需求" not in login(oscar).get(url).content.decode()


def test_query_counts_of_the_campaign_page_do_not_grow_with_pledges(
    login, alice, needs, campaign, django_assert_max_num_queries
):
    client = login(alice)
    url = reverse("campaigns:detail", args=[campaign.pk])
    _many_pledges(needs, 3)
    with django_assert_max_num_queries(25) as small:
        client.get(url)
    more = [make_user(f"q{i}") for i in range(15)]
    for u in more:
        services.pledge_create(user=u, need=needs["idea"], body="再来一条")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_query_counts_of_the_list_page_are_bounded(client, olivia, world, django_assert_max_num_queries):
    for i in range(3):
        make_campaign(olivia, world.a, title=f"行动{i}")
    with django_assert_max_num_queries(15) as few:
        client.get(reverse("campaigns:list"))
    for i in range(6):
        make_campaign(olivia, world.a, title=f"更多{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("campaigns:list")).status_code == 200


def test_api_list_query_count_is_bounded(api_as, olivia, world, django_assert_max_num_queries):
    for i in range(8):
        make_campaign(
            olivia, world.a, title=f"行动{i}", partners=[{"kind": "fund", "id": world.fund_x.pk, "role": "funder"}]
        )
    with django_assert_max_num_queries(12):
        assert api_as(None).get("/api/campaigns/").status_code == 200


def test_pledging_from_the_page(login, alice, needs):
    client = login(alice)
    response = client.post(
        reverse("campaigns:pledge", args=[needs["resource"].pk]), {f"n{needs['resource'].pk}-quantity": "5"}
    )
    assert response.status_code == 302
    assert Pledge.objects.get().quantity == 5


def test_a_bad_pledge_from_the_page_shows_the_error_inline(login, alice, needs):
    client = login(alice)
    nid = needs["resource"].pk
    response = client.post(reverse("campaigns:pledge", args=[nid]), {f"n{nid}-quantity": "500"})
    assert response.status_code == 400
    assert "认筹已超过目标" in response.content.decode() or "还差" in response.content.decode()
    assert not Pledge.objects.exists()


def test_money_from_the_page_is_in_yuan(login, alice, needs):
    nid = needs["money"].pk
    login(alice).post(reverse("campaigns:pledge", args=[nid]), {f"n{nid}-amount_yuan": "12.50"})
    assert Pledge.objects.get().amount_fen == 1250


def test_my_pledges_and_cancel(login, alice, charlie, needs):
    pledge = services.pledge_create(user=alice, need=needs["resource"], quantity=2)
    client = login(alice)
    assert "花苗" in client.get(reverse("campaigns:my_pledges")).content.decode()
    login(charlie).post(reverse("campaigns:pledge_cancel", args=[pledge.pk]))
    assert Pledge.objects.get().status == "pending"
    login(alice).post(reverse("campaigns:pledge_cancel", args=[pledge.pk]))
    assert Pledge.objects.get().status == "cancelled"


def test_my_pledges_empty_state_says_what_to_do(login, charlie):
    assert "正在进行的众筹行动" in login(charlie).get(reverse("campaigns:my_pledges")).content.decode()


def test_dashboard_is_for_organisers_only(login, alice, olivia, needs):
    assert login(alice).get(reverse("campaigns:dashboard")).status_code == 403
    services.pledge_create(user=alice, need=needs["resource"], quantity=2)
    html = login(olivia).get(reverse("campaigns:dashboard")).content.decode()
    assert "王阿姨" in html


def test_dashboard_bulk_confirm(login, olivia, alice, needs):
    p = services.pledge_create(user=alice, need=needs["resource"], quantity=2)
    login(olivia).post(reverse("campaigns:dashboard"), {"pledge": [p.pk], "action": "confirm"})
    assert Pledge.objects.get().status == "confirmed"


def test_dashboard_query_count_is_bounded(login, olivia, needs, django_assert_max_num_queries):
    _many_pledges(needs, 4)
    client = login(olivia)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("campaigns:dashboard"))
    for u in [make_user(f"z{i}") for i in range(10)]:
        services.pledge_create(user=u, need=needs["idea"], body="更多")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("campaigns:dashboard"))


def test_csv_export_has_bom_columns_and_chinese(login, olivia, oscar, alice, needs):
    services.pledge_create(user=alice, need=needs["idea"], body="在花园里放长椅，老人可以歇脚", anonymous=True)
    services.pledge_create(user=alice, need=needs["money"], amount_fen=12345)
    response = login(olivia).get(reverse("campaigns:dashboard_csv") + "?dimension=idea")
    raw = response.content
    assert response["Content-Type"].startswith("text/csv")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == [
        "编号",
        "认筹时间",
        "行动",
        "维度",
        "需求",
        "认筹人",
        "匿名",
        "状态",
        "来源",
        "数量",
        "单位",
        "金额（元）",
        "内容",
        "班次",
        "服务分钟",
        "原因",
    ]
    assert len(rows) == 2
    assert rows[1][3] == "筹智慧" and rows[1][5] == "王阿姨" and rows[1][6] == "是"
    assert rows[1][12] == "在花园里放长椅，老人可以歇脚"
    money = list(
        csv.reader(
            io.StringIO(
                login(olivia).get(reverse("campaigns:dashboard_csv") + "?dimension=money").content.decode("utf-8-sig")
            )
        )
    )
    assert money[1][11] == "123.45"
    assert login(oscar).get(reverse("campaigns:dashboard_csv")).content.decode("utf-8-sig").count("\n") == 1
    assert login(alice).get(reverse("campaigns:dashboard_csv")).status_code == 403


def test_create_edit_and_needs_pages(login, olivia, alice, world):
    client = login(olivia)
    now = timezone.localtime()
    response = client.post(
        reverse("campaigns:create"),
        {
            "title": "楼道焕新",
            "story": "楼道灯坏了",
            "communities": [world.a.pk],
            "starts_at": now.strftime("%Y-%m-%dT%H:%M"),
            "deadline": (now + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "money_mode": "all_or_nothing",
            "tags": ["public_space"],
            "organisations": [world.org.pk],
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("campaigns:needs", args=[campaign.pk])
    assert campaign.partners.get().role == "co_organiser"
    client.post(
        reverse("campaigns:needs", args=[campaign.pk]),
        {"form": "need", "dimension": "money", "title": "灯具", "target": "800", "required": "on"},
    )
    assert campaign.needs.get().target == 80_000
    assert client.get(reverse("campaigns:edit", args=[campaign.pk])).status_code == 200
    assert login(alice).get(reverse("campaigns:needs", args=[campaign.pk])).status_code == 404
    assert login(alice).get(reverse("campaigns:create")).status_code == 403


def test_roster_page_signs_in_and_out(login, olivia, alice, oscar, needs, shift):
    pledge = services.pledge_create(user=alice, need=needs["people"], shift_id=shift.pk)
    url = reverse("campaigns:roster", args=[needs["people"].campaign_id])
    assert login(oscar).get(url).status_code == 403
    client = login(olivia)
    assert "王阿姨" in client.get(url).content.decode()
    client.post(url, {"pledge": pledge.pk, "event": "in"})
    assert Pledge.objects.get().signed_in_at is not None


def test_transition_from_the_page(login, olivia, world):
    draft = make_campaign(olivia, world.a, status="draft")
    login(olivia).post(reverse("campaigns:transition", args=[draft.pk]), {"to": "in_review"})
    draft.refresh_from_db()
    assert draft.status == "in_review"


def test_list_empty_state(client, world):
    assert "还没有符合条件的众筹行动" in client.get(reverse("campaigns:list")).content.decode()


def test_visitors_see_a_live_campaign_and_are_asked_to_log_in_to_pledge(client, olivia, world, campaign):
    html = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "登录后参与认筹" in html
    draft = make_campaign(olivia, world.a, status="draft")
    assert client.get(reverse("campaigns:detail", args=[draft.pk])).status_code == 404


def test_pages_switch_to_english(client, campaign):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("campaigns:detail", args=[campaign.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Needs and pledges" in html and "Log in to pledge" in html


def test_admin_lists_campaigns_and_pledges(client, olivia, alice, needs):
    admin_user = make_user("root", is_staff=True, is_superuser=True)
    services.pledge_create(user=alice, need=needs["resource"], quantity=2)
    client.force_login(admin_user)
    assert client.get("/admin/campaigns/campaign/").status_code == 200
    assert client.get(f"/admin/campaigns/campaign/{needs['resource'].campaign_id}/change/").status_code == 200
    assert client.get("/admin/campaigns/pledge/").status_code == 200
