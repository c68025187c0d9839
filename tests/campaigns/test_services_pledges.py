from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, IdeaEndorsement, Need, Pledge, Shift
from core.errors import ApplicationError, Conflict, NotAuthenticated, PermissionDenied
from tests.conftest import make_user

P = Pledge.Status


def counters(need):
    need.refresh_from_db()
    return need.pledged_total, need.confirmed_total, need.fulfilled_total


def test_a_resource_pledge_moves_the_counters_through_its_lifecycle(olivia, alice, needs):
    need = needs["resource"]
    pledge = services.pledge_create(user=alice, need=need, quantity=30, estimated_value_fen=9000)
    assert (pledge.status, pledge.campaign_id, pledge.source) == (P.PENDING, need.campaign_id, "resident")
    assert counters(need) == (30, 0, 0)
    services.pledge_confirm(actor=olivia, pledge_id=pledge.pk)
    assert counters(need) == (30, 30, 0)
    services.pledge_fulfil(actor=olivia, pledge_id=pledge.pk, received_quantity=28)
    assert counters(need) == (30, 30, 28)


def test_cancel_and_reject_take_the_pledge_out_of_the_counts(olivia, alice, needs):
    need = needs["resource"]
    a = services.pledge_create(user=alice, need=need, quantity=5)
    b = services.pledge_create(user=alice, need=need, quantity=7)
    services.pledge_confirm(actor=olivia, pledge_id=b.pk)
    services.pledge_cancel(actor=alice, pledge_id=a.pk)
    services.pledge_reject(actor=olivia, pledge_id=b.pk, reason="品种不合适")
    assert counters(need) == (0, 0, 0)
    assert Need.objects.get(pk=need.pk).pledge_count == 0
    assert Pledge.objects.get(pk=b.pk).reason == "品种不合适"


def test_only_the_pledger_may_cancel_and_only_while_pending(olivia, alice, charlie, needs):
    pledge = services.pledge_create(user=alice, need=needs["resource"], quantity=1)
    with pytest.raises(PermissionDenied):
        services.pledge_cancel(actor=charlie, pledge_id=pledge.pk)
    services.pledge_confirm(actor=olivia, pledge_id=pledge.pk)
    with pytest.raises(Conflict):
        services.pledge_cancel(actor=alice, pledge_id=pledge.pk)


@pytest.mark.parametrize("who", ["alice", "oscar", "charlie", "rita"])
def test_only_organisers_of_the_campaign_may_confirm_reject_or_fulfil(request, alice, needs, who):
    pledge = services.pledge_create(user=alice, need=needs["resource"], quantity=1)
    user = request.getfixturevalue(who)
    for call in (
        lambda: services.pledge_confirm(actor=user, pledge_id=pledge.pk),
        lambda: services.pledge_reject(actor=user, pledge_id=pledge.pk, reason="不需要"),
        lambda: services.pledge_fulfil(actor=user, pledge_id=pledge.pk),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert Pledge.objects.get(pk=pledge.pk).status == P.PENDING


def test_money_pledges_are_confirmed_by_the_payment_and_refunded_by_funding(olivia, alice, needs):
    need = needs["money"]
    pledge = services.pledge_create(user=alice, need=need, amount_fen=10_000, anonymous=True, online_payment=True)
    assert (pledge.source, pledge.status, pledge.display_name) == ("online", P.PENDING, "匿名")
    with pytest.raises(Conflict):
        services.pledge_confirm(actor=olivia, pledge_id=pledge.pk)
    services.pledge_confirm(actor=None, pledge_id=pledge.pk, source="payment")
    assert counters(need) == (10_000, 10_000, 0)
    services.pledge_mark_refunded(pledge_id=pledge.pk, reason="行动未达成")
    assert counters(need) == (0, 0, 0)
    assert Pledge.objects.get(pk=pledge.pk).status == P.REFUNDED


def test_a_failed_payment_drops_the_pending_pledge(alice, needs):
    pledge = services.pledge_create(user=alice, need=needs["money"], amount_fen=500, online_payment=True)
    services.pledge_drop(pledge_id=pledge.pk, reason="银行卡被拒")
    assert counters(needs["money"]) == (0, 0, 0)
    assert Pledge.objects.get(pk=pledge.pk).status == P.CANCELLED


def test_a_failed_charge_at_close_drops_the_confirmed_online_money_pledge(alice, needs):
    need = needs["money"]
    kept = services.pledge_create(user=make_user("donor"), need=need, amount_fen=3_000, online_payment=True)
    services.pledge_confirm(actor=None, pledge_id=kept.pk, source="payment")
    pledge = services.pledge_create(user=alice, need=need, amount_fen=10_000, online_payment=True)
    services.pledge_confirm(actor=None, pledge_id=pledge.pk, source="payment")
    assert counters(need) == (13_000, 13_000, 0)
    services.pledge_drop(pledge_id=pledge.pk, reason="扣款未成功")
    assert counters(need) == (3_000, 3_000, 0)
    assert Need.objects.get(pk=need.pk).pledge_count == 1
    dropped = Pledge.objects.get(pk=pledge.pk)
    assert (dropped.status, dropped.reason) == (P.CANCELLED, "扣款未成功")
    services.pledge_drop(pledge_id=pledge.pk, reason="扣款未成功")  # a second call changes nothing
    assert counters(need) == (3_000, 3_000, 0)


def test_drop_refuses_confirmed_pledges_that_are_not_unpaid_online_money(olivia, alice, needs, image_file):
    resource = services.pledge_create(user=alice, need=needs["resource"], quantity=3)
    services.pledge_confirm(actor=olivia, pledge_id=resource.pk)
    cash = services.pledge_record_offline(
        actor=olivia, need_id=needs["money"].pk, amount_fen=2_000, evidence=image_file(), contributor_name="张大爷"
    )
    for pledge_id in (resource.pk, cash.pk):
        with pytest.raises(Conflict):
            services.pledge_drop(pledge_id=pledge_id, reason="扣款未成功")
    assert counters(needs["resource"]) == (3, 3, 0)
    assert counters(needs["money"]) == (2_000, 2_000, 2_000)


def test_payment_confirmation_is_only_for_money(alice, needs):
    pledge = services.pledge_create(user=alice, need=needs["resource"], quantity=1)
    with pytest.raises(Conflict):
        services.pledge_confirm(actor=None, pledge_id=pledge.pk, source="payment")


def test_an_organiser_records_cash_with_a_receipt(olivia, alice, needs, image_file):
    pledge = services.pledge_record_offline(
        actor=olivia, need_id=needs["money"].pk, amount_fen=20_000, evidence=image_file(), contributor_name="张大爷"
    )
    assert (pledge.source, pledge.status, pledge.display_name) == ("offline", P.FULFILLED, "张大爷")
    assert counters(needs["money"]) == (20_000, 20_000, 20_000)
    with pytest.raises(PermissionDenied):
        services.pledge_record_offline(
            actor=alice, need_id=needs["money"].pk, amount_fen=1, evidence=image_file(), contributor_name="x"
        )


def test_cash_without_a_real_receipt_photo_is_refused(olivia, needs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ApplicationError) as exc:
        services.pledge_record_offline(
            actor=olivia,
            need_id=needs["money"].pk,
            amount_fen=100,
            evidence=SimpleUploadedFile("r.png", b"xx"),
            contributor_name="张",
        )
    assert "evidence" in exc.value.fields
    assert not Pledge.objects.exists()


# --- bad input per dimension: a clear 4xx, nothing stored ---------------------------------------


@pytest.mark.parametrize(
    ("dimension", "kwargs", "field"),
    [
        ("resource", {"quantity": 0}, "quantity"),
        ("resource", {"quantity": -3}, "quantity"),
        ("resource", {"quantity": 2, "estimated_value_fen": -1}, "estimated_value_fen"),
        ("resource", {"quantity": 2, "amount_fen": 100}, "amount_fen"),
        ("resource", {"quantity": 2, "shift_id": 1}, "shift_id"),
        ("money", {"amount_fen": 0}, "amount_fen"),
        ("money", {"amount_fen": -100}, "amount_fen"),
        ("money", {}, "amount_fen"),
        ("money", {"amount_fen": 100, "currency": "usd"}, "currency"),
        ("money", {"amount_fen": 100, "quantity": 3}, "quantity"),
        ("money", {"amount_fen": 100, "summary": "x"}, "summary"),
        ("project", {"summary": "方案", "body": "做法"}, "carried_by"),
        ("project", {"summary": "方案", "body": "做法", "carried_by": "我", "budget_fen": -5}, "budget_fen"),
        ("idea", {"body": "  "}, "body"),
        ("idea", {"body": "好主意", "estimated_value_fen": 1}, "estimated_value_fen"),
        ("people", {}, "shift_id"),
        ("people", {"shift_id": 1, "quantity": 2}, "quantity"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(alice, needs, dimension, kwargs, field):
    with pytest.raises(ApplicationError) as exc:
        services.pledge_create(user=alice, need=needs[dimension], online_payment=dimension == "money", **kwargs)
    assert exc.value.status == 400
    assert field in exc.value.fields
    assert not Pledge.objects.exists()
    assert counters(needs[dimension]) == (0, 0, 0)


def test_a_shift_in_the_past_cannot_be_booked(olivia, alice, needs, shift):
    Shift.objects.filter(pk=shift.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(ApplicationError) as exc:
        services.pledge_create(user=alice, need=needs["people"], shift_id=shift.pk)
    assert "shift_id" in exc.value.fields
    assert not Pledge.objects.exists()
    assert counters(needs["people"]) == (0, 0, 0)


def test_a_shift_cannot_be_created_in_the_past(olivia, needs):
    now = timezone.now()
    with pytest.raises(ApplicationError) as exc:
        services.shift_create(
            actor=olivia, need_id=needs["people"].pk, starts_at=now - timedelta(hours=1), ends_at=now, capacity=2
        )
    assert "starts_at" in exc.value.fields


def test_a_full_shift_and_a_second_signup_are_refused(alice, charlie, olivia, needs, shift):
    Shift.objects.filter(pk=shift.pk).update(capacity=1)
    services.pledge_create(user=alice, need=needs["people"], shift_id=shift.pk)
    with pytest.raises(Conflict) as exc:
        services.pledge_create(user=alice, need=needs["people"], shift_id=shift.pk)
    assert exc.value.code in ("shift_full", "already_signed_up")
    with pytest.raises(Conflict):
        services.pledge_create(user=charlie, need=needs["people"], shift_id=shift.pk)
    assert Pledge.objects.count() == 1
    assert Shift.objects.get(pk=shift.pk).signed_up == 1


def test_cancelling_a_signup_frees_the_seat(alice, needs, shift):
    pledge = services.pledge_create(user=alice, need=needs["people"], shift_id=shift.pk)
    assert Shift.objects.get(pk=shift.pk).signed_up == 1
    services.pledge_cancel(actor=alice, pledge_id=pledge.pk)
    assert Shift.objects.get(pk=shift.pk).signed_up == 0


def test_sign_in_and_out_records_the_hours_served(olivia, alice, needs, shift):
    pledge = services.pledge_create(user=alice, need=needs["people"], shift_id=shift.pk)
    start = timezone.now()
    services.shift_sign(actor=olivia, pledge_id=pledge.pk, event="in", at=start)
    done = services.shift_sign(
        actor=olivia, pledge_id=pledge.pk, event="out", at=start + timedelta(hours=2, minutes=30)
    )
    assert (done.status, done.minutes_served) == (P.FULFILLED, 150)
    need = Need.objects.get(pk=needs["people"].pk)
    assert (need.fulfilled_total, need.minutes_served) == (1, 150)


@pytest.mark.parametrize(
    "status", [Campaign.Status.DRAFT, Campaign.Status.FAILED, Campaign.Status.SUCCEEDED, Campaign.Status.CANCELLED]
)
def test_pledging_to_a_campaign_that_is_not_live_is_refused(alice, campaign, needs, status):
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    with pytest.raises(Conflict) as exc:
        services.pledge_create(user=alice, need=Need.objects.get(pk=needs["resource"].pk), quantity=1)
    assert exc.value.code == "campaign_closed"
    assert not Pledge.objects.exists()


def test_pledging_after_the_deadline_is_refused_even_before_the_close_job(alice, campaign, needs):
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Conflict):
        services.pledge_create(user=alice, need=Need.objects.get(pk=needs["resource"].pk), quantity=1)


def test_over_pledging_is_refused_by_default_and_allowed_when_turned_on(alice, needs):
    need = needs["resource"]
    services.pledge_create(user=alice, need=need, quantity=90)
    with pytest.raises(Conflict) as exc:
        services.pledge_create(user=alice, need=need, quantity=11)
    assert exc.value.code == "target_reached"
    services.pledge_create(user=alice, need=need, quantity=10)
    assert counters(need)[0] == 100
    Need.objects.filter(pk=need.pk).update(allow_over_pledge=True)
    services.pledge_create(user=alice, need=Need.objects.get(pk=need.pk), quantity=5)
    assert counters(need)[0] == 105


def test_anonymous_visitors_cannot_pledge(needs):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        services.pledge_create(user=AnonymousUser(), need=needs["resource"], quantity=1)


def test_a_repeated_idempotency_key_returns_the_same_pledge(alice, needs):
    first = services.pledge_create(user=alice, need=needs["resource"], quantity=4, idempotency_key="k-1")
    again = services.pledge_create(user=alice, need=needs["resource"], quantity=4, idempotency_key="k-1")
    assert first.pk == again.pk
    assert Pledge.objects.count() == 1
    assert counters(needs["resource"])[0] == 4
    with pytest.raises(Conflict):
        services.pledge_create(user=alice, need=needs["idea"], body="想法", idempotency_key="k-1")


def test_the_same_key_from_another_person_is_another_pledge(alice, charlie, needs):
    services.pledge_create(user=alice, need=needs["resource"], quantity=1, idempotency_key="same")
    services.pledge_create(user=charlie, need=needs["resource"], quantity=1, idempotency_key="same")
    assert Pledge.objects.count() == 2


def test_ideas_are_endorsed_once_per_person_and_not_by_their_author(alice, charlie, oscar, needs):
    idea = services.pledge_create(user=alice, need=needs["idea"], body="每周三下午开放花园")
    services.idea_endorse(user=charlie, pledge_id=idea.pk)
    services.idea_endorse(user=oscar, pledge_id=idea.pk)
    with pytest.raises(Conflict):
        services.idea_endorse(user=charlie, pledge_id=idea.pk)
    with pytest.raises(PermissionDenied):
        services.idea_endorse(user=alice, pledge_id=idea.pk)
    assert Pledge.objects.get(pk=idea.pk).endorsement_count == 2 == IdeaEndorsement.objects.count()


def test_adopting_an_idea_counts_as_fulfilled(olivia, alice, needs):
    idea = services.pledge_create(user=alice, need=needs["idea"], body="请孩子们给老人画花")
    done = services.pledge_fulfil(actor=olivia, pledge_id=idea.pk)
    assert done.adopted is True
    assert counters(needs["idea"]) == (1, 1, 1)


def test_bulk_actions_report_each_refusal_without_undoing_the_rest(olivia, alice, needs):
    a = services.pledge_create(user=alice, need=needs["resource"], quantity=1)
    b = services.pledge_create(user=alice, need=needs["resource"], quantity=2)
    services.pledge_cancel(actor=alice, pledge_id=b.pk)
    result = services.pledges_bulk(actor=olivia, pledge_ids=[a.pk, b.pk], action="confirm")
    assert result["done"] == [a.pk]
    assert list(result["refused"]) == [b.pk]
    assert counters(needs["resource"]) == (1, 1, 0)


def test_proposals_become_a_ballot_through_voting(olivia, alice, charlie, needs, monkeypatch):
    import sys
    import types

    import voting

    calls = []
    fake = types.ModuleType("voting.services")
    fake.ballot_create = lambda **kw: calls.append(kw) or types.SimpleNamespace(pk=9)
    monkeypatch.setitem(sys.modules, "voting.services", fake)
    monkeypatch.setattr(voting, "services", fake, raising=False)
    p1 = services.pledge_create(
        user=alice, need=needs["project"], summary="立体花架", body="沿墙搭花架", carried_by="张叔", budget_fen=80_000
    )
    p2 = services.pledge_create(
        user=charlie, need=needs["project"], summary="花坛", body="砌三个花坛", carried_by="邻里互助社"
    )
    now = timezone.now()
    ballot = services.proposals_to_ballot(
        actor=olivia, campaign_id=needs["project"].campaign_id, pledge_ids=[p1.pk, p2.pk], question="选哪个方案？",
        opens_at=now, closes_at=now + timedelta(days=3),
    )  # fmt: skip
    assert ballot.pk == 9
    options = calls[0]["options"]
    assert {o["ref_id"] for o in options} == {p1.pk, p2.pk}
    assert {o["ref_kind"] for o in options} == {"proposal"}
    assert calls[0]["community_ids"] == [needs["project"].campaign.host_community_id]
    with pytest.raises(PermissionDenied):
        services.proposals_to_ballot(
            actor=alice, campaign_id=needs["project"].campaign_id, pledge_ids=[p1.pk, p2.pk], question="?", opens_at=now,
            closes_at=now + timedelta(days=1),
        )  # fmt: skip


def test_shift_reminders_are_sent_once_per_signup(alice, needs, shift, mailoutbox):
    from accounts.models import Notification

    alice.email = "alice@example.org"
    alice.save()
    services.pledge_create(user=alice, need=needs["people"], shift_id=shift.pk)

    assert services.shift_reminders_send() == 1
    assert services.shift_reminders_send() == 0
    assert Notification.objects.filter(user=alice, kind="shift_reminder").count() == 1


def test_notifications_are_written_in_the_pledgers_language(olivia, alice, needs):
    from accounts.models import Notification

    alice.preferred_language = "en"
    alice.save()
    pledge = services.pledge_create(user=alice, need=needs["resource"], quantity=1)
    services.pledge_reject(actor=olivia, pledge_id=pledge.pk, reason="已经够了")
    note = Notification.objects.get(user=alice, kind="pledge_rejected")
    assert note.title == "Your pledge to “花苗” was not taken up"
    assert note.body == "已经够了"
