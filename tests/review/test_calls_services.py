"""Calls for applications: publishing with a window, editing without invalidating submitted
applications, closing early, and the window applied to organisers' applications."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import ApplicationError, Conflict, PermissionDenied
from review import services
from review.models import AuditEvent, Call

from .conftest import apply, make_pool

pytestmark = pytest.mark.django_db


def edit(actor, call, **changes):
    values = {
        f: getattr(call, f)
        for f in (
            "title",
            "description",
            "tags",
            "townships",
            "partner_kinds",
            "max_ask_fen",
            "questions",
            "opens_at",
            "closes_at",
        )
    }
    return services.call_update(actor=actor, call_id=call.pk, **{**values, **changes})


def test_a_call_without_applications_may_change_everything_and_each_change_is_audited(rita, call, world):
    closes = timezone.now() + timedelta(days=10)
    edit(
        rita,
        call,
        title="新标题",
        tags=["children"],
        townships=[world.t2.pk],
        partner_kinds=["station"],
        max_ask_fen=500_000,
        questions=["新问题？"],
        closes_at=closes,
    )
    call.refresh_from_db()
    assert (call.title, call.tags, call.townships, call.partner_kinds, call.max_ask_fen, call.questions) == (
        "新标题",
        ["children"],
        [world.t2.pk],
        ["station"],
        500_000,
        ["新问题？"],
    )
    event = AuditEvent.objects.get(action="call_updated")
    assert event.actor == rita and event.fund_id == call.fund_id and event.object_id == call.pk
    assert event.changes["title"] == ["一老一小微项目配捐", "新标题"]
    assert event.changes["max_ask_fen"] == [2_000_000, 500_000]
    assert event.changes["closes_at"][0] is None and event.changes["closes_at"][1].startswith(str(closes.year))


def test_saving_without_changes_leaves_no_audit_event(rita, call):
    edit(rita, call, tags=list(reversed(call.tags)))
    assert not AuditEvent.objects.filter(action="call_updated").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tags", ["children"]),
        ("questions", ["换一个问题？"]),
        ("partner_kinds", ["team"]),
        ("max_ask_fen", 500_000),
        ("opens_at", timezone.now() + timedelta(days=3)),
    ],
)
def test_once_applied_a_change_that_could_invalidate_applications_is_refused(field, value, rita, call, application):
    with pytest.raises(ApplicationError) as exc:
        edit(rita, call, **{field: value})
    assert exc.value.code == "call_has_applications" and field in exc.value.fields
    fresh = Call.objects.get(pk=call.pk)
    assert getattr(fresh, field) == getattr(call, field)
    assert not AuditEvent.objects.filter(action="call_updated").exists()


def test_once_applied_the_townships_are_fixed_too(rita, call, application, world):
    with pytest.raises(ApplicationError) as exc:
        edit(rita, call, townships=[world.t1.pk])
    assert "townships" in exc.value.fields and Call.objects.get(pk=call.pk).townships == []


def test_once_applied_title_deadline_and_a_higher_or_no_cap_still_change(rita, call, application):
    closes = timezone.now() + timedelta(days=5)
    edit(rita, call, title="延期了", description="新的说明", max_ask_fen=3_000_000, closes_at=closes)
    call.refresh_from_db()
    assert (call.title, call.description, call.max_ask_fen, call.closes_at) == ("延期了", "新的说明", 3_000_000, closes)
    edit(rita, call, max_ask_fen=None)
    call.refresh_from_db()
    assert call.max_ask_fen is None
    assert AuditEvent.objects.filter(action="call_updated").count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"tags": ["nope"]}, "tags"),
        ({"townships": [999_999]}, "townships"),
        ({"partner_kinds": ["bank"]}, "partner_kinds"),
        ({"max_ask_fen": 0}, "max_ask_fen"),
        ({"questions": [f"问题{i}" for i in range(21)]}, "questions"),
        (
            {"opens_at": timezone.now() + timedelta(days=5), "closes_at": timezone.now() + timedelta(days=2)},
            "closes_at",
        ),
        ({"closes_at": timezone.now() - timedelta(minutes=1)}, "closes_at"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_stored(changes, field, rita, call):
    with pytest.raises(ApplicationError) as exc:
        edit(rita, call, **changes)
    assert field in exc.value.fields
    assert Call.objects.get(pk=call.pk).title == call.title
    assert not AuditEvent.objects.filter(action="call_updated").exists()


@pytest.mark.parametrize("who", ["yvonne", "olivia", "alice", "charlie"])
def test_only_the_funds_reviewers_edit_or_close_a_call(who, request, call):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        edit(user, call, title="不该改")
    with pytest.raises(PermissionDenied):
        services.call_close(actor=user, call_id=call.pk)
    fresh = Call.objects.get(pk=call.pk)
    assert fresh.title == call.title and fresh.is_open


def test_a_second_reviewer_of_the_fund_may_edit(luo, call):
    edit(luo, call, title="罗评审改的")
    assert Call.objects.get(pk=call.pk).title == "罗评审改的"


def test_closing_early_stops_applications_keeps_submitted_ones_and_is_audited(rita, olivia, call, application, world):
    from tests.campaigns.conftest import make_campaign

    services.call_close(actor=rita, call_id=call.pk, reason="预算已用完")
    call.refresh_from_db()
    assert not call.is_open and call.phase() == "closed"
    event = AuditEvent.objects.get(action="call_closed")
    assert (event.from_status, event.to_status, event.reason, event.actor) == ("open", "closed", "预算已用完", rita)
    with pytest.raises(Conflict) as exc:
        apply(olivia, call, make_campaign(olivia, world.a, title="晚来的行动"))
    assert exc.value.code == "call_closed"
    decided = services.application_decide(actor=rita, application_id=application.pk, decision="approve")
    assert decided.status == "approved"
    with pytest.raises(Conflict):
        services.call_close(actor=rita, call_id=call.pk)
    with pytest.raises(Conflict):
        edit(rita, call, title="结束后再改")
    assert AuditEvent.objects.filter(action="call_closed").count() == 1


def test_the_window_decides_the_phase_and_when_organisers_may_apply(rita, olivia, world, campaign):
    now = timezone.now()
    call = services.call_create(
        actor=rita,
        pool=make_pool(rita, world.fund_x),
        title="下个月开始",
        opens_at=now + timedelta(days=3),
        closes_at=now + timedelta(days=30),
    )
    assert call.phase() == "upcoming" and call.phase(now + timedelta(days=4)) == "open"
    assert call.phase(now + timedelta(days=31)) == "closed"
    with pytest.raises(Conflict) as exc:
        services.application_submit(
            actor=olivia, call_id=call.pk, campaign_id=campaign.pk, ask_fen=1000, statement="说明"
        )
    assert exc.value.code == "call_not_open_yet"
    from review.selectors import open_calls

    assert call not in open_calls()
    edit(rita, call, opens_at=None)
    assert call in open_calls()
    services.application_submit(actor=olivia, call_id=call.pk, campaign_id=campaign.pk, ask_fen=1000, statement="说明")


def test_a_call_past_its_deadline_is_closed(rita, olivia, call, campaign):
    Call.objects.filter(pk=call.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    call.refresh_from_db()
    assert call.phase() == "closed"
    with pytest.raises(Conflict):
        apply(olivia, call, campaign)
    with pytest.raises(Conflict):
        services.call_close(actor=rita, call_id=call.pk)
