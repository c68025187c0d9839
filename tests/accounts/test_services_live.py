"""Membership changes are announced after commit with absolute numbers."""

import pytest

from accounts import services


@pytest.fixture
def sent(monkeypatch):
    """What accounts publishes, recorded when the transaction commits (as live sends it)."""
    from django.db import transaction

    messages = []

    def publish(topic, type, payload=None):
        transaction.on_commit(lambda: messages.append((topic, {"type": type, **(payload or {})})))

    monkeypatch.setattr(services, "publish", publish)
    return messages


def test_a_join_request_announces_the_waiting_count(charlie, pat, world, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_request(user=charlie, community=world.a)
    assert sent == [
        (
            f"organiser.{world.a.pk}",
            {"type": "join_request", "community": world.a.pk, "membership": sent[0][1]["membership"], "pending": 2},
        )
    ]


def test_a_decision_announces_the_new_count_and_notifies(
    olivia, pat, pat_request, world, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_verify(actor=olivia, membership_id=pat_request.pk)
    topics = {topic: message for topic, message in sent}
    assert topics[f"organiser.{world.a.pk}"]["pending"] == 0
    assert topics[f"organiser.{world.a.pk}"]["status"] == "verified"
    assert topics[f"user.{pat.pk}"]["kind"] == "membership_verified"
    assert topics[f"community.{world.a.pk}"] == {"type": "members", "community": world.a.pk, "member_count": 2}


def test_a_refused_decision_announces_nothing(oscar, pat_request, sent, django_capture_on_commit_callbacks):
    from core.errors import PermissionDenied

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(PermissionDenied):
        services.membership_verify(actor=oscar, membership_id=pat_request.pk)
    assert sent == []
