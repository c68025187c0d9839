"""Applications to a fund's call: criteria, decisions, separation of duties, two approvals."""

import pytest

from accounts.models import FundReviewer
from accounts.permissions import forget_roles
from core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from funding.models import PoolApproval
from review import services
from review.models import Application, AuditEvent

from .conftest import apply

pytestmark = pytest.mark.django_db


def test_it_puts_the_campaign_into_the_pool_when_approved(application, rita, olivia, pool):
    app = services.application_decide(
        actor=rita, application_id=application.pk, decision="approve", conditions="每月报告进展", cap_fen=800_000
    )
    assert app.status == Application.Status.APPROVED
    assert app.approved_cap_fen == 800_000
    approval = PoolApproval.objects.get(pool=pool, campaign_id=app.campaign_id)
    assert approval.cap_override_fen == 800_000 and approval.revoked_at is None
    assert olivia.notifications.filter(kind="application_approved").exists()
    actions = list(
        AuditEvent.objects.filter(object_id=app.pk, object_type="application").values_list("action", flat=True)
    )
    assert actions == ["application_submitted", "application_approve"]


def test_it_refuses_a_cap_above_the_ask(application, rita):
    with pytest.raises(ApplicationError) as exc:
        services.application_decide(actor=rita, application_id=application.pk, decision="approve", cap_fen=2_000_000)
    assert "cap_fen" in exc.value.fields
    assert not PoolApproval.objects.exists()


def test_it_refuses_a_campaign_outside_the_calls_criteria(olivia, call, campaign):
    campaign.tags.all().delete()
    with pytest.raises(ApplicationError) as exc:
        apply(olivia, call, campaign)
    assert "campaign" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        apply(olivia, call, campaign, ask_fen=3_000_000)
    assert "ask_fen" in exc.value.fields
    assert not Application.objects.exists()


def test_it_requires_an_answer_to_every_question(olivia, call, campaign):
    with pytest.raises(ApplicationError) as exc:
        services.application_submit(
            actor=olivia, call_id=call.pk, campaign_id=campaign.pk, ask_fen=100, statement="说明", answers=[]
        )
    assert "answers" in exc.value.fields


def test_it_refuses_a_second_application_to_the_same_call(application, olivia, call, campaign):
    with pytest.raises(Conflict):
        apply(olivia, call, campaign)


@pytest.mark.parametrize("who", ["alice", "oscar", "charlie", "rita"])
def test_only_the_campaigns_organisers_may_apply(who, request, call, campaign):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        apply(user, call, campaign)


def test_the_submitter_can_never_approve_their_own_application(application, olivia, world):
    FundReviewer.objects.create(user=olivia, fund=world.fund_x)
    forget_roles(olivia)
    with pytest.raises(PermissionDenied) as exc:
        services.application_decide(actor=olivia, application_id=application.pk, decision="approve")
    assert exc.value.code == "separation_of_duties"
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


@pytest.mark.parametrize("who", ["yvonne", "oscar", "alice", "charlie"])
def test_people_who_do_not_review_the_fund_cannot_decide(who, request, application):
    user = request.getfixturevalue(who)
    with pytest.raises((NotFound, PermissionDenied)):
        services.application_decide(actor=user, application_id=application.pk, decision="approve")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_above_the_threshold_two_different_reviewers_must_approve(application, rita, luo, world, pool):
    services.fund_policy_set(
        actor=rita, fund=world.fund_x, application_two_approvals_above_fen=500_000, item_two_approvals_above_fen=None
    )
    app = services.application_decide(actor=rita, application_id=application.pk, decision="approve", cap_fen=900_000)
    assert app.status == Application.Status.SUBMITTED
    assert not PoolApproval.objects.exists()
    with pytest.raises(Conflict):  # the same person approving twice is not a second approval
        services.application_decide(actor=rita, application_id=application.pk, decision="approve")
    app = services.application_decide(actor=luo, application_id=application.pk, decision="approve", cap_fen=700_000)
    assert app.status == Application.Status.APPROVED
    assert app.approved_cap_fen == 700_000  # the lower of the two caps
    assert PoolApproval.objects.get(pool=pool).cap_override_fen == 700_000


def test_changes_requested_then_resubmitted_starts_a_new_round(application, rita, luo, olivia, world):
    services.fund_policy_set(
        actor=rita, fund=world.fund_x, application_two_approvals_above_fen=0, item_two_approvals_above_fen=None
    )
    services.application_decide(actor=rita, application_id=application.pk, decision="approve")
    with pytest.raises(ApplicationError):  # a reason is required
        services.application_decide(actor=luo, application_id=application.pk, decision="request_changes")
    app = services.application_decide(
        actor=luo, application_id=application.pk, decision="request_changes", reason="请补充预算明细"
    )
    assert app.status == Application.Status.CHANGES_REQUESTED
    assert olivia.notifications.filter(kind="application_changes_requested").exists()
    app = services.application_resubmit(
        actor=olivia,
        application_id=app.pk,
        ask_fen=900_000,
        statement="预算：花盆 3000 元，土 6000 元。",
        answers=["是"],
    )
    assert (app.status, app.round) == (Application.Status.SUBMITTED, 2)
    # rita's approval was for round 1: in round 2 one approval is not enough
    app = services.application_decide(actor=rita, application_id=app.pk, decision="approve")
    assert app.status == Application.Status.SUBMITTED
    app = services.application_decide(actor=luo, application_id=app.pk, decision="approve")
    assert app.status == Application.Status.APPROVED


def test_a_rejected_application_cannot_be_approved_later(application, rita, luo):
    services.application_decide(actor=rita, application_id=application.pk, decision="reject", reason="不符合指南")
    with pytest.raises(Conflict):
        services.application_decide(actor=luo, application_id=application.pk, decision="approve")
    assert not PoolApproval.objects.exists()
