from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.permissions import forget_roles
from core.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from tests.conftest import make_member
from voting import selectors, services
from voting.models import Ballot, Cast, Option, Participation

from .conftest import OPTIONS, option_ids


def test_it_creates_a_draft_with_options_in_order(make_ballot):
    ballot = make_ballot(
        open=False, quorum=2, options=[{"label": "甲"}, {"label": "乙", "ref_kind": "problem", "ref_id": 7}]
    )
    assert ballot.status == "draft"
    assert list(ballot.options.values_list("position", "label", "ref_kind", "ref_id")) == [
        (1, "甲", "", None),
        (2, "乙", "problem", 7),
    ]


def test_it_announces_the_new_ballot_on_each_community(
    make_ballot, world, django_capture_on_commit_callbacks, published
):
    with django_capture_on_commit_callbacks(execute=True):
        ballot = make_ballot(open=False)
    assert (
        f"community.{world.a.pk}",
        {"type": "ballot_created", "community": world.a.pk, "ballot": ballot.pk},
    ) in published


def test_only_organisers_of_every_community_may_create(make_ballot, world, alice, oscar, olivia):
    with pytest.raises(PermissionDenied):
        make_ballot(actor=alice, open=False)
    with pytest.raises(PermissionDenied):
        make_ballot(actor=oscar, open=False)
    with pytest.raises(PermissionDenied):  # olivia organises A but not B
        make_ballot(actor=olivia, open=False, communities=[world.a, world.b])
    make_member(olivia, world.b, role="organiser")

    forget_roles(olivia)
    assert make_ballot(actor=olivia, open=False, communities=[world.a, world.b]).communities.count() == 2
    assert Ballot.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"question": " "}, "question"),
        ({"method": "borda"}, "method"),
        ({"options": [{"label": "只有一个"}]}, "options"),
        ({"options": [{"label": "甲"}, {"label": "甲"}]}, "options"),
        ({"options": [{"label": "甲"}, {"label": "乙", "ref_kind": "problem"}]}, "options"),
        ({"closes_at": timezone.now() - timedelta(days=1)}, "closes_at"),
        ({"quorum": 0}, "quorum"),
        ({"results_policy": "never"}, "results_policy"),
        ({"method": "approval", "max_choices": 9}, "max_choices"),
    ],
)
def test_it_refuses_bad_drafts_with_a_field_message(make_ballot, overrides, field):
    with pytest.raises(ApplicationError) as exc:
        make_ballot(open=False, **overrides)
    assert field in exc.value.fields
    assert Ballot.objects.count() == 0
    assert Option.objects.count() == 0


def test_budget_ballots_need_a_budget_and_costs_within_it(make_ballot):
    with pytest.raises(ApplicationError) as exc:
        make_ballot("budget", open=False, budget_fen=None)
    assert "budget_fen" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        make_ballot("budget", open=False, options=[{"label": "甲", "cost_fen": 100}, {"label": "乙"}])
    assert "options" in exc.value.fields
    with pytest.raises(ApplicationError) as exc:
        make_ballot(
            "budget",
            open=False,
            budget_fen=100,
            options=[{"label": "甲", "cost_fen": 100}, {"label": "乙", "cost_fen": 101}],
        )
    assert "options" in exc.value.fields


def test_drafts_can_be_edited_by_their_organisers_only_while_draft(make_ballot, olivia, oscar):
    ballot = make_ballot(open=False)
    services.ballot_update(
        actor=olivia, ballot_id=ballot.pk, question="新议题", options=[{"label": "一"}, {"label": "二"}]
    )
    ballot.refresh_from_db()
    assert ballot.question == "新议题"
    assert list(ballot.options.values_list("label", flat=True)) == ["一", "二"]
    with pytest.raises(NotFound):  # oscar cannot even see A's draft
        services.ballot_update(actor=oscar, ballot_id=ballot.pk, question="x")
    Ballot.objects.filter(pk=ballot.pk).update(status="open")
    with pytest.raises(Conflict):
        services.ballot_update(actor=olivia, ballot_id=ballot.pk, question="再改")


def test_the_task_opens_and_closes_on_time_once(make_ballot, alice):
    from voting.tasks import advance_ballots

    ballot = make_ballot(open=False)
    assert advance_ballots() == {"opened": 0, "closed": 0}
    Ballot.objects.filter(pk=ballot.pk).update(opens_at=timezone.now() - timedelta(seconds=1))
    assert advance_ballots() == {"opened": 1, "closed": 0}
    assert advance_ballots() == {"opened": 0, "closed": 0}
    services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    assert services.ballot_close(ballot_id=ballot.pk) is True
    assert services.ballot_close(ballot_id=ballot.pk) is False
    assert advance_ballots() == {"opened": 0, "closed": 0}
    ballot.refresh_from_db()
    assert ballot.status == "closed"
    assert ballot.result["ballots"] == 1
    assert ballot.result["winners"] == [option_ids(ballot)[0]]


def test_publishing_needs_a_closed_ballot_and_an_organiser(make_ballot, olivia, oscar, alice):
    ballot = make_ballot()
    with pytest.raises(Conflict):
        services.ballot_publish(actor=olivia, ballot_id=ballot.pk)
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    services.ballot_close(ballot_id=ballot.pk)
    for outsider in (oscar, alice):
        with pytest.raises(PermissionDenied):
            services.ballot_publish(actor=outsider, ballot_id=ballot.pk)
    assert services.ballot_publish(actor=olivia, ballot_id=ballot.pk).status == "published"


def close(ballot):
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    services.ballot_close(ballot_id=ballot.pk)
    ballot.refresh_from_db()


def test_recount_matches_and_fails_on_a_tampered_result(make_ballot, alice, bob, capsys):
    ballot = make_ballot("ranked")
    a, b, c = option_ids(ballot)
    services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"ranking": [a, b]})
    services.vote_cast(voter=bob, ballot_id=ballot.pk, choices={"ranking": [c]})
    close(ballot)
    call_command("recount_ballot", str(ballot.pk))
    assert "matches" in capsys.readouterr().out
    Cast.objects.filter(ballot=ballot, choices={"ranking": [c]}).update(choices={"ranking": [b]})
    with pytest.raises(SystemExit) as exc:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["manage.py", "recount_ballot", str(ballot.pk)])
    assert exc.value.code == 1


def test_quorum_is_reported(make_ballot, alice):
    ballot = make_ballot(quorum=2)
    services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})
    close(ballot)
    assert ballot.result["turnout"] == 1
    assert ballot.result["quorum_met"] is False


def test_results_follow_the_policy(make_ballot, alice, olivia, charlie):
    hidden = make_ballot()
    with pytest.raises(PermissionDenied):
        selectors.ballot_visible_result(user=alice, ballot=hidden)
    live = make_ballot(results_policy="live")
    services.vote_cast(voter=alice, ballot_id=live.pk, choices={"option": option_ids(live)[1]})
    assert selectors.ballot_visible_result(user=charlie, ballot=live)["winners"] == [option_ids(live)[1]]
    close(hidden)
    assert selectors.ballot_visible_result(user=olivia, ballot=hidden)["ballots"] == 0
    with pytest.raises(PermissionDenied):
        selectors.ballot_visible_result(user=alice, ballot=hidden)
    services.ballot_publish(actor=olivia, ballot_id=hidden.pk)
    hidden.refresh_from_db()
    assert selectors.ballot_visible_result(user=charlie, ballot=hidden)["ballots"] == 0


def test_participation_and_cast_share_no_field_but_the_ballot():
    participation = {f.name for f in Participation._meta.get_fields()}
    cast = {f.name for f in Cast._meta.get_fields()}
    assert participation & cast == {"id", "ballot"}
    assert not any("voter" in name or "created" in name or "_at" in name for name in cast)
    assert Cast._meta.pk.get_internal_type() == "UUIDField"
    assert OPTIONS


def test_a_free_option_can_be_on_a_budget_ballot(make_ballot):
    ballot = make_ballot(
        "budget", options=[{"label": "义务劳动", "cost_fen": 0}, {"label": "修缮凉亭", "cost_fen": 600000}]
    )
    assert list(ballot.options.values_list("cost_fen", flat=True)) == [0, 600000]


def test_opening_tells_every_eligible_voter_once(
    make_ballot, alice, bob, olivia, oscar, charlie, django_capture_on_commit_callbacks, published
):
    from accounts.models import Notification

    ballot = make_ballot(open=False)
    Ballot.objects.filter(pk=ballot.pk).update(opens_at=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ballot_open(ballot_id=ballot.pk) is True
    told = set(Notification.objects.filter(kind="ballot_opened").values_list("user__username", flat=True))
    assert told == {"alice", "bob", "olivia"}
    assert services.ballot_notify_opened(ballot_id=ballot.pk) == 0
    assert Notification.objects.filter(kind="ballot_opened").count() == 3
    note = Notification.objects.filter(kind="ballot_opened").first()
    assert note.url == f"/ballots/{ballot.pk}/"
    assert ballot.question in note.title


def test_the_opening_notice_is_written_in_each_persons_language(make_ballot, alice):
    from accounts.models import Notification

    alice.preferred_language = "en"
    alice.save()
    ballot = make_ballot()
    assert services.ballot_notify_opened(ballot_id=ballot.pk) == 2
    assert Notification.objects.get(user=alice).title.startswith("New ballot")
