from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import make_member, make_user

OPTIONS = [{"label": "修缮凉亭"}, {"label": "增设座椅"}, {"label": "安装路灯"}]
BUDGET_OPTIONS = [
    {"label": "修缮凉亭", "cost_fen": 600000},
    {"label": "增设座椅", "cost_fen": 500000},
    {"label": "安装路灯", "cost_fen": 400000},
]


@pytest.fixture
def bob(world):
    """A second verified resident of community A."""
    user = make_user("bob", display_name="张叔")
    make_member(user, world.a)
    return user


@pytest.fixture
def make_ballot(world, olivia):
    """make_ballot(method="single", open=True, **overrides) → a ballot of community A."""
    from voting import services
    from voting.models import Ballot

    def build(method="single", open=True, actor=None, communities=None, **overrides):
        now = timezone.now()
        kwargs = {
            "actor": actor or olivia,
            "community_ids": [c.pk for c in (communities or [world.a])],
            "question": "小区花园怎么改？",
            "method": method,
            "options": BUDGET_OPTIONS if method == "budget" else OPTIONS,
            "opens_at": now + timedelta(hours=1),
            "closes_at": now + timedelta(days=7),
        }
        if method == "budget":
            kwargs["budget_fen"] = 1000000
        kwargs.update(overrides)
        ballot = services.ballot_create(**kwargs)
        if open:
            Ballot.objects.filter(pk=ballot.pk).update(status="open", opens_at=now - timedelta(minutes=1))
            ballot.refresh_from_db()
        return ballot

    return build


def option_ids(ballot):
    return list(ballot.options.order_by("position").values_list("pk", flat=True))


@pytest.fixture
def published(monkeypatch):
    """Messages sent to live topics after commit, as (topic, message dict)."""
    import json

    sent = []

    def capture(topic, data):
        sent.append((topic, json.loads(data) if isinstance(data, str) else data))

    monkeypatch.setattr("live.services.send_now", capture)
    return sent
