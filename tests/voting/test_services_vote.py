import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.permissions import forget_roles
from accounts.services import consent_record
from core.errors import ApplicationError, Conflict, NotAuthenticated, NotFound, PermissionDenied
from tests.conftest import make_member, make_user
from voting import selectors, services
from voting.models import Ballot, Cast, Participation

from .conftest import option_ids


def nothing_stored():
    return Participation.objects.count() == 0 and Cast.objects.count() == 0


def test_a_vote_is_stored_apart_from_the_voter_with_a_receipt(make_ballot, alice):
    ballot = make_ballot()
    first = option_ids(ballot)[0]
    receipt = services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": first})
    assert Participation.objects.get().voter == alice
    cast = Cast.objects.get()
    assert cast.choices == {"option": first}
    assert cast.check_code == receipt.check_code
    assert receipt.receipt.replace("-", "") not in Participation.objects.values_list("receipt_hash", flat=True)[0]
    assert selectors.receipt_lookup(ballot=ballot, receipt=receipt.receipt.lower()) == cast


def test_it_refuses_a_second_ballot(make_ballot, alice):
    ballot = make_ballot()
    a, b, _ = option_ids(ballot)
    services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": a})
    with pytest.raises(Conflict) as exc:
        services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": b})
    assert exc.value.code == "already_voted"
    assert list(Cast.objects.values_list("choices", flat=True)) == [{"option": a}]


def test_a_revote_replaces_the_paper_only_with_the_receipt(make_ballot, alice, bob):
    ballot = make_ballot("approval", allow_revote=True)
    a, b, c = option_ids(ballot)
    mine = services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"options": [a]})
    other = services.vote_cast(voter=bob, ballot_id=ballot.pk, choices={"options": [c]})
    with pytest.raises(ApplicationError) as exc:
        services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"options": [b]})
    assert exc.value.code == "receipt_required"
    with pytest.raises(ApplicationError):  # someone else's receipt does not unlock alice's vote
        services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"options": [b]}, receipt=other.receipt)
    again = services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"options": [b, c]}, receipt=mine.receipt)
    assert again.revote is True
    assert again.check_code == mine.check_code
    assert sorted(map(str, Cast.objects.values_list("choices", flat=True))) == sorted(
        [str({"options": [b, c]}), str({"options": [c]})]
    )
    assert Participation.objects.count() == 2


def test_it_refuses_voting_before_open_and_after_close(make_ballot, alice, olivia):
    draft = make_ballot(open=False)
    with pytest.raises(Conflict) as exc:  # olivia is a verified member who can see the draft
        services.vote_cast(voter=olivia, ballot_id=draft.pk, choices={"option": option_ids(draft)[0]})
    assert exc.value.code == "not_open"
    ballot = make_ballot()
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(Conflict) as exc:  # past closing time even before the task has run
        services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})
    assert exc.value.code == "closed"
    assert nothing_stored()


def test_residents_cannot_see_or_vote_in_a_draft(make_ballot, alice):
    draft = make_ballot(open=False)
    with pytest.raises(NotFound):
        services.vote_cast(voter=alice, ballot_id=draft.pk, choices={"option": option_ids(draft)[0]})


def test_only_verified_members_may_vote(make_ballot, world, charlie, oscar):
    from django.contrib.auth.models import AnonymousUser

    ballot = make_ballot()
    pending = make_user("pat")
    make_member(pending, world.a, status="pending")
    for outsider in (charlie, oscar, pending):
        with pytest.raises(PermissionDenied):
            services.vote_cast(voter=outsider, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})
    with pytest.raises(NotAuthenticated):
        services.vote_cast(voter=AnonymousUser(), ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})
    assert nothing_stored()


def test_members_of_any_of_the_ballots_communities_may_vote(make_ballot, world, olivia, oscar, alice):
    make_member(olivia, world.b, role="organiser")
    forget_roles(olivia)
    ballot = make_ballot(communities=[world.a, world.b])
    services.vote_cast(voter=oscar, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})
    services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": None})
    assert selectors.ballot_turnout(ballot=ballot)["turnout"] == 2
    assert selectors.ballot_eligible_count(ballot=ballot) == 3


@pytest.mark.parametrize(
    ("method", "choices"),
    [
        ("single", {"option": 999999}),
        ("single", {"options": []}),
        ("approval", {"options": "all"}),
        ("ranked", {"ranking": [1, 1]}),
        ("score", {"scores": {"x": 3}}),
        ("budget", {"options": "first"}),
        ("approval", "not a dict"),
    ],
)
def test_invalid_choices_store_nothing(make_ballot, alice, method, choices):
    ballot = make_ballot(method)
    with pytest.raises(ApplicationError) as exc:
        services.vote_cast(voter=alice, ballot_id=ballot.pk, choices=choices)
    assert exc.value.code == "invalid_choice"
    assert "choices" in exc.value.fields
    assert nothing_stored()


def test_a_budget_paper_over_budget_is_refused(make_ballot, alice):
    ballot = make_ballot("budget")  # budget 10 000 yuan, costs 6 000 / 5 000 / 4 000
    a, b, c = option_ids(ballot)
    with pytest.raises(ApplicationError):
        services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"options": [a, b]})
    services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"options": [a, c]})
    assert Cast.objects.get().choices == {"options": [a, c]}


def test_turnout_and_live_results_are_announced(make_ballot, alice, django_capture_on_commit_callbacks, published):
    ballot = make_ballot(results_policy="live")
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})
    topic = f"ballot.{ballot.pk}"
    assert (topic, {"type": "turnout", "ballot": ballot.pk, "turnout": 1, "assisted": 0}) in published
    results = [m for t, m in published if t == topic and m["type"] == "results"]
    assert results[0]["result"]["ballots"] == 1
    assert not any("alice" in str(m) or str(alice.pk) == str(m.get("voter")) for _, m in published)


def test_turnout_only_ballots_do_not_announce_results(
    make_ballot, alice, django_capture_on_commit_callbacks, published
):
    ballot = make_ballot()
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})
    assert [m["type"] for _, m in published] == ["turnout"]


# --- assisted voting ----------------------------------------------------------------------------


def test_an_organiser_votes_for_a_resident_with_consent(make_ballot, world, olivia, alice):
    ballot = make_ballot()
    consent = consent_record(organiser=olivia, resident=alice, community=world.a, method="in_person", scope="代为投票")
    receipt = services.vote_cast_assisted(
        organiser=olivia, ballot_id=ballot.pk, voter_id=alice.pk, consent_id=consent.pk, choices={"option": None}
    )
    assert Participation.objects.get().voter == alice
    assert Cast.objects.get().assisted is True
    assert selectors.ballot_turnout(ballot=ballot) == {"ballot": ballot.pk, "turnout": 1, "assisted": 1}
    assert receipt.receipt
    with pytest.raises(Conflict):  # alice cannot vote a second time herself
        services.vote_cast(voter=alice, ballot_id=ballot.pk, choices={"option": option_ids(ballot)[0]})


def test_assisted_voting_needs_this_organisers_consent_record(make_ballot, world, olivia, oscar, alice, bob, charlie):
    ballot = make_ballot()
    consent = consent_record(organiser=olivia, resident=alice, community=world.a, method="phone", scope="代为投票")
    with pytest.raises(ApplicationError) as exc:  # consent was given for alice, not bob
        services.vote_cast_assisted(
            organiser=olivia, ballot_id=ballot.pk, voter_id=bob.pk, consent_id=consent.pk, choices={"option": None}
        )
    assert exc.value.code == "consent_required"
    for stranger in (oscar, charlie, alice):
        with pytest.raises(PermissionDenied):
            services.vote_cast_assisted(
                organiser=stranger,
                ballot_id=ballot.pk,
                voter_id=alice.pk,
                consent_id=consent.pk,
                choices={"option": None},
            )
    assert nothing_stored()


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_count_once(make_ballot, alice):
    from accounts.models import User

    ballot = make_ballot()
    first = option_ids(ballot)[0]
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        voter = User.objects.get(pk=alice.pk)
        barrier.wait()
        try:
            services.vote_cast(voter=voter, ballot_id=ballot.pk, choices={"option": first})
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    assert Participation.objects.filter(ballot=ballot).count() == 1
    assert Cast.objects.filter(ballot=ballot).count() == 1
