"""The `reviewer.<fund id>` live topic: private to the fund's reviewers, fed by queue changes."""

import json

import pytest

from live.registry import topic_kind
from review import services

from .conftest import apply

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("who", "allowed"), [("rita", True), ("yvonne", False), ("olivia", False), ("alice", False)])
def test_only_the_funds_reviewers_may_subscribe(who, allowed, request, world):
    kind = topic_kind(f"reviewer.{world.fund_x.pk}")
    assert kind.private
    assert kind.may_subscribe(request.getfixturevalue(who), str(world.fund_x.pk)) is allowed


def test_queue_changes_are_published_after_commit(
    olivia, rita, call, campaign, world, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr("live.services.send_now", lambda topic, data: sent.append((topic, json.loads(data))))
    with django_capture_on_commit_callbacks(execute=True):
        application = apply(olivia, call, campaign)
    topic = f"reviewer.{world.fund_x.pk}"
    assert (topic, {"fund": world.fund_x.pk, "applications": 1, "items": 0, "to_disburse": 0, "type": "queue"}) in sent
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide(actor=rita, application_id=application.pk, decision="approve")
    queue = [d for t, d in sent if t == topic]
    assert queue and queue[-1]["applications"] == 0
    assert any(t == f"user.{olivia.pk}" for t, _d in sent)  # the submitter is notified
    snapshot = topic_kind(topic).snapshot(str(world.fund_x.pk))
    assert snapshot["applications"] == 0
