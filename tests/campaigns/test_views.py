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
        services.pledge_create(user=u, need=needs["money"], amount_fen=100 + i, online_payment=True)


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


def test_money_is_never_pledged_from_the_campaign_form_but_sent_to_the_giving_page(login, alice, needs):
    need = needs["money"]
    response = login(alice).post(reverse("campaigns:pledge", args=[need.pk]), {f"n{need.pk}-amount_yuan": "12.50"})
    give = reverse("funding:give", args=[need.campaign_id])
    assert response.status_code == 302 and response["Location"] == f"{give}?need={need.pk}"
    assert not Pledge.objects.exists()


def test_the_money_need_links_to_online_giving_and_the_money_summary_is_shown(login, alice, needs):
    need = needs["money"]
    html = login(alice).get(reverse("campaigns:detail", args=[need.campaign_id])).content.decode()
    give = reverse("funding:give", args=[need.campaign_id])
    assert f'href="{give}?need={need.pk}"' in html
    assert f"n{need.pk}-amount_yuan" not in html  # no money form that would leave an unpaid pledge
    assert "资金筹集" in html and "居民捐款（已确认）" in html


def test_a_campaign_without_money_needs_has_no_money_summary(login, alice, olivia, world):
    campaign = make_campaign(olivia, world.a, needs=[{"dimension": "resource", "title": "花苗", "target": 5}])
    html = login(alice).get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "资金筹集" not in html


def test_organisers_get_the_review_link_and_everyone_the_accountability_page(login, alice, olivia, oscar, campaign):
    url = reverse("campaigns:detail", args=[campaign.pk])
    review = reverse("review:campaign", args=[campaign.pk])
    accountability = reverse("review:accountability", args=[campaign.pk])
    organiser = login(olivia).get(url).content.decode()
    assert f'href="{review}"' in organiser and "配捐与支出" in organiser
    for user in (alice, oscar):
        html = login(user).get(url).content.decode()
        assert f'href="{review}"' not in html
        assert f'href="{accountability}"' in html


def test_idea_endorsements_are_shown_in_words(login, alice, olivia, needs):
    services.pledge_create(user=olivia, need=needs["idea"], body="下午茶时间开放花园")
    html = login(alice).get(reverse("campaigns:detail", args=[needs["idea"].campaign_id])).content.decode()
    assert "赞同 0" in html and "👍" not in html


def test_the_create_form_names_the_problem_the_campaign_will_solve(login, olivia, world):
    from tests.problems.conftest import make_problem

    problem = make_problem(olivia, world.a, status="adopted", title="楼道灯坏了")
    html = login(olivia).get(reverse("campaigns:create") + f"?problem={problem.pk}").content.decode()
    assert "这个行动将解决的问题" in html and "楼道灯坏了" in html
    assert reverse("problems:detail", args=[problem.pk]) in html
    missing = login(olivia).get(reverse("campaigns:create") + "?problem=99999").content.decode()
    assert "找不到要解决的问题" in missing


def test_a_campaign_created_from_the_form_solves_the_problem(login, olivia, world):
    from tests.problems.conftest import make_problem

    problem = make_problem(olivia, world.a, status="adopted", title="楼道灯坏了")
    now = timezone.localtime()
    response = login(olivia).post(
        reverse("campaigns:create") + f"?problem={problem.pk}",
        {
            "title": "点亮楼道",
            "story": "换上声控灯，老人夜里下楼不再摸黑。",
            "communities": [world.a.pk],
            "starts_at": (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "deadline": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
            "money_mode": "keep_what_you_raise",
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and campaign.problem_id == problem.pk
    problem.refresh_from_db()
    assert (problem.status, problem.campaign_id) == ("solving", campaign.pk)


def test_the_needs_form_says_which_dimensions_are_required_by_default(login, olivia, campaign):
    draft = make_campaign(olivia, campaign.host_community, status="draft", needs=[])
    html = login(olivia).get(reverse("campaigns:needs", args=[draft.pk])).content.decode()
    assert 'data-required-by-default="project resource money people"' in html
    assert "campaigns/needs.js" in html


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


def test_dashboard_rows_are_named_by_person_and_need_with_a_select_all_box(login, olivia, alice, needs):
    services.pledge_create(user=alice, need=needs["resource"], quantity=2)
    html = login(olivia).get(reverse("campaigns:dashboard")).content.decode()
    assert "data-select-all" in html and "全选" in html
    assert "选择 王阿姨 对“花苗”的认筹" in html
    assert "campaigns/dashboard.js" in html


def test_dashboard_tells_an_empty_filter_from_no_pledges(login, olivia, alice, needs):
    client = login(olivia)
    nothing_yet = client.get(reverse("campaigns:dashboard")).content.decode()
    assert "还没有认筹" in nothing_yet and "清除筛选" not in nothing_yet
    services.pledge_create(user=alice, need=needs["resource"], quantity=2)
    filtered = client.get(reverse("campaigns:dashboard") + "?status=fulfilled").content.decode()
    assert "没有符合筛选条件的认筹" in filtered
    assert f'href="{reverse("campaigns:dashboard")}"' in filtered and "清除筛选" in filtered


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
    services.pledge_create(user=alice, need=needs["money"], amount_fen=12345, online_payment=True)
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


def test_csv_export_follows_the_organisers_language(login, olivia, alice, needs):
    services.pledge_create(user=alice, need=needs["idea"], body="在花园里放长椅", anonymous=True)
    olivia.preferred_language = "en"
    olivia.save()
    client = login(olivia)
    client.post("/i18n/setlang/", {"language": "en"})
    response = client.get(reverse("campaigns:dashboard_csv") + "?dimension=idea", HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["No.", "Pledged at", "Campaign"] and rows[1][6] == "Yes"
    assert rows[1][12] == "在花园里放长椅"  # what people wrote stays as written


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


def test_labels_keep_their_colon_inside_the_translation(login, olivia, needs):
    client = login(olivia)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("campaigns:detail", args=[needs["people"].campaign_id])).content.decode()
    assert "Communities: " in html and "Skills needed: " in html
    assert "Communities：" not in html and "Time：" not in html
