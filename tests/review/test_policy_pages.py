"""The page of a fund's review rules (评审规则) and the API beside it, per role."""

import pytest

from review.models import AuditEvent, FundPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(world):
    from tests.conftest import make_user

    return make_user("boss", is_superuser=True, is_staff=True)


def signed_in(client, user):
    client.force_login(user)
    return client


def url(world):
    return f"/review/funds/{world.fund_x.pk}/policy/"


@pytest.mark.parametrize(
    ("who", "status"),
    [("rita", 200), ("boss", 200), ("yvonne", 403), ("olivia", 403), ("alice", 403), ("charlie", 403)],
)
def test_who_may_open_and_save_the_rules(who, status, request, client, world):
    signed_in(client, request.getfixturevalue(who))
    assert client.get(url(world)).status_code == status
    r = client.post(url(world), {"application_rule": "all", "item_rule": "one"})
    assert r.status_code == (302 if status == 200 else status)
    assert FundPolicy.objects.filter(fund=world.fund_x).exists() is (status == 200)


def test_the_rules_page_needs_a_sign_in(client, charlie, world):
    r = client.get(url(world))
    assert r.status_code == 302 and "/login/" in r["Location"]
    assert client.post(url(world), {"application_rule": "all", "item_rule": "all"}).status_code == 302
    assert not FundPolicy.objects.exists()
    assert signed_in(client, charlie).get("/review/funds/999999/policy/").status_code == 404


def test_the_page_explains_every_setting_in_plain_words(client, rita, world):
    body = signed_in(client, rita).get(url(world)).content.decode()
    for text in ("双人批准", "一位评审批准就可以", "每一笔都要两位不同的评审都批准", "不能评审自己提交的申请或支出"):
        assert text in body
    for name in ("application_above_yuan", "item_above_yuan"):
        assert f'for="id_{name}"' in body
    assert body.count("<legend>") >= 2  # each radio group is labelled
    assert "本基金目前只有 1 位评审" in body


def test_a_second_reviewer_removes_the_warning(client, rita, luo, world):
    assert "本基金目前只有" not in signed_in(client, rita).get(url(world)).content.decode()


@pytest.mark.parametrize(
    ("data", "application_fen", "item_fen"),
    [
        ({"application_rule": "one", "item_rule": "one"}, None, None),
        ({"application_rule": "all", "item_rule": "all"}, 0, 0),
        (
            {
                "application_rule": "above",
                "application_above_yuan": "15000",
                "item_rule": "above",
                "item_above_yuan": "3000.5",
            },
            1_500_000,
            300_050,
        ),
    ],
)
def test_each_choice_is_stored_as_the_threshold_and_audited(data, application_fen, item_fen, client, rita, world):
    FundPolicy.objects.create(
        fund=world.fund_x, application_two_approvals_above_fen=123, item_two_approvals_above_fen=456
    )
    assert signed_in(client, rita).post(url(world), data).status_code == 302
    policy = FundPolicy.objects.get(fund=world.fund_x)
    assert (policy.application_two_approvals_above_fen, policy.item_two_approvals_above_fen) == (
        application_fen,
        item_fen,
    )
    event = AuditEvent.objects.get(action="policy_set")
    assert event.actor == rita and event.changes["application_two_approvals_above_fen"] == [123, application_fen]
    page = client.get(url(world)).content.decode()
    chosen = data["application_rule"]
    assert f'value="{chosen}"' in page and "checked" in page.split(f'value="{chosen}"')[1].split(">")[0]


@pytest.mark.parametrize(
    "data",
    [
        {"application_rule": "above", "item_rule": "one"},
        {"application_rule": "above", "application_above_yuan": "-1", "item_rule": "one"},
        {"application_rule": "sometimes", "item_rule": "one"},
        {"item_rule": "one"},
    ],
)
def test_bad_input_is_shown_inline_and_nothing_is_stored(data, client, rita, world):
    r = signed_in(client, rita).post(url(world), data)
    assert r.status_code == 400 and 'class="field-error"' in r.content.decode()
    assert not FundPolicy.objects.exists() and not AuditEvent.objects.exists()


def test_the_overview_shows_the_rules_and_links_to_this_page(client, rita, world):
    signed_in(client, rita).post(
        url(world), {"application_rule": "one", "item_rule": "above", "item_above_yuan": "3000"}
    )
    body = client.get(f"/review/funds/{world.fund_x.pk}/").content.decode()
    assert "配捐申请：一位评审批准就可以。" in body and "支出：金额高于 3,000.00 元时，要两位不同的评审批准。" in body
    assert url(world) in body


@pytest.mark.parametrize("who", ["yvonne", "olivia", "alice", "charlie", None])
def test_the_policy_api_refuses_others(who, request, api_as, world):
    client = api_as(request.getfixturevalue(who) if who else None)
    body = {"application_two_approvals_above_fen": 0, "item_two_approvals_above_fen": None}
    r = client.put(f"/api/review/funds/{world.fund_x.pk}/policy/", body, format="json")
    assert r.status_code == (401 if who is None else 403)
    assert not FundPolicy.objects.exists()


def test_the_policy_api_refuses_negative_amounts(api_as, rita, world):
    body = {"application_two_approvals_above_fen": -1, "item_two_approvals_above_fen": None}
    r = api_as(rita).put(f"/api/review/funds/{world.fund_x.pk}/policy/", body, format="json")
    assert r.status_code == 400 and not FundPolicy.objects.exists()
