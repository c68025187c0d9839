"""Notifications: stored, pushed after commit, emailed once in the recipient's language."""

from smtplib import SMTPException

import pytest
from django.core import mail

from accounts import services
from accounts.models import Notification
from accounts.tasks import notification_email


def test_a_notification_is_emailed_once_after_commit(alice, django_capture_on_commit_callbacks):
    alice.email = "wang@example.com"
    alice.save()
    with django_capture_on_commit_callbacks(execute=True):
        note = services.notification_send(user=alice, kind="t", title="您好", body="正文", url="/me/")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "您好"
    assert "正文" in mail.outbox[0].body
    assert "/me/" in mail.outbox[0].body
    note.refresh_from_db()
    assert note.emailed_at is not None

    notification_email.delay(note.pk)  # a second run of the task sends nothing
    assert len(mail.outbox) == 1


def test_no_email_without_an_address(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_send(user=alice, kind="t", title="您好")
    assert mail.outbox == []


def test_nothing_is_sent_when_the_transaction_rolls_back(alice, django_capture_on_commit_callbacks):
    from django.db import transaction

    alice.email = "wang@example.com"
    alice.save()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.notification_send(user=alice, kind="t", title="您好")
        raise RuntimeError("boom")
    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_a_gone_notification_is_skipped_quietly(db):
    assert services.notification_email_send(notification_id=424242) is False


def test_a_failed_send_releases_the_claim(alice, monkeypatch):
    alice.email = "wang@example.com"
    alice.save()
    note = Notification.objects.create(user=alice, kind="t", title="x")

    def broken(**kwargs):
        raise SMTPException("server down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(SMTPException):
        services.notification_email_send(notification_id=note.pk)
    note.refresh_from_db()
    assert note.emailed_at is None


def test_a_decision_is_written_in_the_residents_language(api_as, olivia, world):
    from tests.conftest import make_member, make_user

    english = make_user("tom", preferred_language="en")
    request = make_member(english, world.a, status="pending")
    api_as(olivia).post(f"/api/organiser/join-requests/{request.pk}/verify/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert Notification.objects.get(user=english).title == "You are now a verified resident of 幸福社区"
