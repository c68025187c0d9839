import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.utils import timezone

from live.registry import topic_kind
from tests.conftest import make_user
from voting import services
from voting.models import Ballot

from .conftest import option_ids


def test_ballot_topic_is_public_past_draft(make_ballot, alice, olivia):
    kind = topic_kind("ballot.1")
    assert kind is not None and kind.private is False
    draft = make_ballot(open=False)
    opened = make_ballot()
    assert kind.may_subscribe(AnonymousUser(), str(opened.pk)) is True
    assert kind.may_subscribe(AnonymousUser(), str(draft.pk)) is False
    assert kind.may_subscribe(alice, str(draft.pk)) is False
    assert kind.may_subscribe(olivia, str(draft.pk)) is True
    assert kind.may_subscribe(alice, "nope") is False


def test_snapshot_has_turnout_and_results_only_when_public(make_ballot, alice):
    kind = topic_kind("ballot.1")
    hidden = make_ballot()
    live = make_ballot(results_policy="live")
    for ballot in (hidden, live):
        services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})
    snap = kind.snapshot(str(hidden.pk))
    assert (snap["turnout"], snap["assisted"], snap["status"]) == (1, 0, "open")
    assert "result" not in snap
    assert kind.snapshot(str(live.pk))["result"]["ballots"] == 1


def test_admin_screens_never_pair_voter_and_paper(make_ballot, alice):
    ballot = make_ballot()
    services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})
    admin = make_user("root", is_staff=True, is_superuser=True)
    c = Client()
    c.force_login(admin)
    casts = c.get("/admin/voting/cast/").content.decode()
    participations = c.get("/admin/voting/participation/").content.decode()
    assert alice.display_name not in casts and "alice" not in casts
    assert "option" not in participations
    assert alice.display_name in participations


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_close_a_ballot_once(make_ballot, alice, published):
    ballot = make_ballot()
    services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        barrier.wait()
        try:
            outcomes.append(services.ballot_close(ballot_id=ballot.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [False, True]
    assert [m for t, m in published if m["type"] == "ballot_status"] == [
        {"type": "ballot_status", "ballot": ballot.pk, "status": "closed"}
    ]
    assert Ballot.objects.get(pk=ballot.pk).result["ballots"] == 1


def test_pages_render_in_english(make_ballot, alice):
    ballot = make_ballot("budget")
    c = Client()
    c.force_login(alice)
    c.cookies["django_language"] = "en"
    html = c.get(f"/ballots/{ballot.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Submit ballot" in html
    assert "yuan" in html
