"""Pages for a fund's calls: the overview lists them by phase with the review rules; reviewers
publish, edit and close calls there; everyone else is turned away."""

from datetime import timedelta

import pytest
from django.utils import timezone

from review import services
from review.models import AuditEvent, Call

from .conftest import make_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(world):
    from tests.conftest import make_user

    return make_user("boss", is_superuser=True, is_staff=True)


def signed_in(client, user):
    client.force_login(user)
    return client


def edit_data(call, **changes):
    data = {
        "form": "edit",
        "title": call.title,
        "description": call.description,
        "max_ask_yuan": "" if call.max_ask_fen is None else str(call.max_ask_fen / 100),
        "tags": list(call.tags),
        "townships": list(call.townships),
        "partner_kinds": list(call.partner_kinds),
        "questions": "\n".join(call.questions),
        "opens_at": "",
        "closes_at": "",
    }
    data.update(changes)
    return data


def test_the_overview_lists_calls_by_phase_with_links_and_the_rules(client, rita, call, world):
    now = timezone.now()
    later = services.call_create(
        actor=rita,
        pool=make_pool(rita, world.fund_x, name="二期池"),
        title="二期征集",
        opens_at=now + timedelta(days=7),
    )
    done = services.call_create(actor=rita, pool=make_pool(rita, world.fund_x, name="一期池"), title="一期征集")
    services.call_close(actor=rita, call_id=done.pk)
    services.fund_policy_set(
        actor=rita, fund=world.fund_x, application_two_approvals_above_fen=1_500_000, item_two_approvals_above_fen=0
    )
    body = signed_in(client, rita).get(f"/review/funds/{world.fund_x.pk}/").content.decode()
    open_at, upcoming_at, closed_at = body.index("正在征集"), body.index("即将开始"), body.index("已结束")
    assert open_at < body.index(call.title) < upcoming_at < body.index(later.title) < closed_at < body.index(done.title)
    assert f"/review/calls/{call.pk}/" in body and f"/review/funds/{world.fund_x.pk}/calls/new/" in body
    assert f"/review/funds/{world.fund_x.pk}/policy/" in body
    assert "申请额高于 15,000.00 元时，要两位不同的评审批准" in body and "每一笔都要两位不同的评审批准" in body


def test_the_overview_query_count_does_not_grow_with_calls(client, rita, olivia, world, django_assert_max_num_queries):
    from tests.campaigns.conftest import make_campaign

    from .conftest import apply

    signed_in(client, rita)
    first = services.call_create(
        actor=rita, pool=make_pool(rita, world.fund_x, name="池0"), title="征集0", questions=["谁受益？"]
    )
    apply(olivia, first, make_campaign(olivia, world.a, title="行动0"))
    with django_assert_max_num_queries(25) as before:
        assert client.get(f"/review/funds/{world.fund_x.pk}/").status_code == 200
    for i in range(1, 5):
        c = services.call_create(
            actor=rita, pool=make_pool(rita, world.fund_x, name=f"池{i}"), title=f"征集{i}", questions=["谁受益？"]
        )
        apply(olivia, c, make_campaign(olivia, world.a, title=f"行动{i}"))
        if i % 2:
            services.call_close(actor=rita, call_id=c.pk)
    with django_assert_max_num_queries(len(before.captured_queries)):
        body = client.get(f"/review/funds/{world.fund_x.pk}/").content.decode()
    assert "征集4" in body and "申请 1 份，待评审 1 份" in body


@pytest.mark.parametrize(
    ("who", "status"),
    [("rita", 200), ("boss", 200), ("yvonne", 403), ("olivia", 403), ("alice", 403), ("charlie", 403)],
)
def test_who_may_open_the_call_pages(who, status, request, client, call, world):
    signed_in(client, request.getfixturevalue(who))
    assert client.get(f"/review/funds/{world.fund_x.pk}/calls/new/").status_code == status
    assert client.get(f"/review/calls/{call.pk}/").status_code == status
    r = client.post(f"/review/calls/{call.pk}/", {"form": "close", "reason": "x"})
    assert r.status_code == (302 if status == 200 else status)
    assert Call.objects.get(pk=call.pk).is_open is (status != 200)


def test_call_pages_need_a_sign_in_and_unknown_ones_are_404(client, rita, call, world):
    for url in (f"/review/funds/{world.fund_x.pk}/calls/new/", f"/review/calls/{call.pk}/"):
        r = client.get(url)
        assert r.status_code == 302 and "/login/" in r["Location"]
    r = client.post(f"/review/calls/{call.pk}/", {"form": "close"})
    assert r.status_code == 302 and Call.objects.get(pk=call.pk).is_open
    signed_in(client, rita)
    assert client.get("/review/calls/999999/").status_code == 404
    assert client.get("/review/funds/999999/calls/new/").status_code == 404


def test_a_reviewer_publishes_a_call_on_the_page(client, rita, world):
    pool = make_pool(rita, world.fund_x, name="新池")
    page = signed_in(client, rita).get(f"/review/funds/{world.fund_x.pk}/calls/new/").content.decode()
    assert "新池" in page and 'name="townships"' in page and "百丈街道" in page
    for name in ("title", "description", "opens_at", "closes_at", "max_ask_yuan", "questions", "pool"):
        assert f'for="id_{name}"' in page  # every field has its label
    closes = (timezone.localtime() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    r = client.post(
        f"/review/funds/{world.fund_x.pk}/calls/new/",
        {
            "pool": pool.pk,
            "title": "助老征集",
            "description": "支持助老项目",
            "tags": ["elderly"],
            "townships": [world.t1.pk],
            "partner_kinds": ["station"],
            "max_ask_yuan": "8000",
            "questions": "谁受益？\n\n谁来维护？\n",
            "opens_at": "",
            "closes_at": closes,
        },
    )
    assert r.status_code == 302 and r["Location"] == f"/review/funds/{world.fund_x.pk}/"
    call = Call.objects.get(pool=pool)
    assert (call.title, call.tags, call.townships, call.partner_kinds, call.max_ask_fen, call.questions) == (
        "助老征集",
        ["elderly"],
        [world.t1.pk],
        ["station"],
        800_000,
        ["谁受益？", "谁来维护？"],
    )
    assert timezone.localtime(call.closes_at).strftime("%Y-%m-%dT%H:%M") == closes and call.opens_at is None
    assert AuditEvent.objects.filter(action="call_created", object_id=call.pk, actor=rita).exists()
    assert "新池" not in client.get(f"/review/funds/{world.fund_x.pk}/calls/new/").content.decode()


def test_bad_input_on_the_new_call_page_is_shown_inline_and_nothing_is_stored(client, rita, world):
    pool = make_pool(rita, world.fund_x)
    r = signed_in(client, rita).post(
        f"/review/funds/{world.fund_x.pk}/calls/new/",
        {
            "pool": pool.pk,
            "title": "窗口颠倒",
            "opens_at": "2031-05-02T10:00",
            "closes_at": "2031-05-01T10:00",
            "max_ask_yuan": "-5",
        },
    )
    body = r.content.decode()
    assert r.status_code == 400 and 'class="field-error"' in body and not Call.objects.exists()
    r = client.post(
        f"/review/funds/{world.fund_x.pk}/calls/new/",
        {"pool": pool.pk, "title": "窗口颠倒", "opens_at": "2031-05-02T10:00", "closes_at": "2031-05-01T10:00"},
    )
    assert r.status_code == 400 and "截止时间要晚于开始时间" in r.content.decode() and not Call.objects.exists()


def test_without_a_free_pool_the_page_says_how_to_get_one(client, rita, call, world):
    body = signed_in(client, rita).get(f"/review/funds/{world.fund_x.pk}/calls/new/").content.decode()
    assert "请先在“配捐池管理”开设配捐池" in body and "/funding/pools/" in body and '<form method="post"' not in body


def test_a_reviewer_edits_a_call_on_its_page_and_the_edit_is_audited(client, rita, call):
    r = signed_in(client, rita).post(
        f"/review/calls/{call.pk}/", edit_data(call, title="改过的标题", tags=["children"], max_ask_yuan="100")
    )
    assert r.status_code == 302
    call.refresh_from_db()
    assert (call.title, call.tags, call.max_ask_fen) == ("改过的标题", ["children"], 10_000)
    event = AuditEvent.objects.get(action="call_updated")
    assert set(event.changes) == {"title", "tags", "max_ask_fen"}


def test_with_applications_the_page_locks_the_criteria_and_explains_why(client, rita, call, application):
    page = signed_in(client, rita).get(f"/review/calls/{call.pk}/").content.decode()
    assert "已经有申请了。为了不让已提交的申请失效" in page
    assert 'name="questions"' in page and "disabled" in page.split('name="questions"')[1].split(">")[0]
    # Posted values of locked fields are ignored; the title still changes.
    r = client.post(
        f"/review/calls/{call.pk}/", edit_data(call, title="新标题", questions="别的问题", tags=["children"])
    )
    assert r.status_code == 302
    call.refresh_from_db()
    assert (
        call.title == "新标题" and call.questions == ["项目如何让老人受益？"] and call.tags == ["elderly", "children"]
    )
    r = client.post(f"/review/calls/{call.pk}/", edit_data(call, max_ask_yuan="100"))
    body = r.content.decode()
    assert r.status_code == 400 and "最高申请额只能提高或取消" in body
    assert Call.objects.get(pk=call.pk).max_ask_fen == 2_000_000


def test_a_reviewer_closes_a_call_early_on_its_page(client, rita, call, application):
    r = signed_in(client, rita).post(f"/review/calls/{call.pk}/", {"form": "close", "reason": "预算用完"})
    assert r.status_code == 302
    assert not Call.objects.get(pk=call.pk).is_open
    assert AuditEvent.objects.get(action="call_closed").reason == "预算用完"
    page = client.get(f"/review/calls/{call.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and "这个申报指南已经结束" in body and 'value="edit"' not in body
    r = client.post(f"/review/calls/{call.pk}/", edit_data(call, title="结束后改"))
    assert r.status_code == 302 and Call.objects.get(pk=call.pk).title == call.title
    assert AuditEvent.objects.filter(action="call_closed").count() == 1
