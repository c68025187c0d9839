import threading

import pytest
from django.db import connection

from accounts.models import Notification
from core.errors import Conflict, PermissionDenied
from problems import services
from problems.models import Endorsement, Problem, ProblemSettings
from tests.conftest import make_member, make_user

from .conftest import make_problem


def test_a_resident_endorses_once(problem, bob):
    assert services.endorsement_add(user=bob, problem_id=problem.pk) == 1
    with pytest.raises(Conflict) as exc:
        services.endorsement_add(user=bob, problem_id=problem.pk)
    assert exc.value.code == "already_endorsed"
    problem.refresh_from_db()
    assert problem.endorsement_count == 1
    assert Endorsement.objects.filter(problem=problem).count() == 1


def test_only_verified_members_of_the_community_endorse(problem, oscar, bea, charlie, world):
    pending = make_user("pending")
    make_member(pending, world.a, status="pending")
    for person in (oscar, bea, charlie, pending):
        with pytest.raises(PermissionDenied):
            services.endorsement_add(user=person, problem_id=problem.pk)
    assert Endorsement.objects.count() == 0


def test_taking_an_endorsement_back(problem, bob):
    services.endorsement_add(user=bob, problem_id=problem.pk)
    assert services.endorsement_remove(user=bob, problem_id=problem.pk) == 0
    with pytest.raises(Conflict):
        services.endorsement_remove(user=bob, problem_id=problem.pk)


def test_decided_problems_take_no_more_endorsements(alice, bob, world):
    problem = make_problem(alice, world.a, status="adopted")
    with pytest.raises(Conflict):
        services.endorsement_add(user=bob, problem_id=problem.pk)


def test_reaching_the_threshold_flags_once_and_notifies_followers_and_organisers_once(
    problem, alice, bob, olivia, oscar, world, published
):
    ProblemSettings.objects.create(community=world.a, threshold_kind="count", threshold_value=2)
    follower = make_user("follower")
    services.follow_add(user=follower, problem_id=problem.pk)
    carol = make_user("carol")
    make_member(carol, world.a)

    services.endorsement_add(user=bob, problem_id=problem.pk)
    problem.refresh_from_db()
    assert problem.threshold_reached_at is None
    assert not Notification.objects.filter(kind="problem_threshold").exists()

    services.endorsement_add(user=alice, problem_id=problem.pk)
    services.endorsement_remove(user=alice, problem_id=problem.pk)
    services.endorsement_add(user=alice, problem_id=problem.pk)
    services.endorsement_add(user=carol, problem_id=problem.pk)

    problem.refresh_from_db()
    assert problem.threshold_reached_at is not None
    notified = list(Notification.objects.filter(kind="problem_threshold").values_list("user_id", flat=True))
    # alice follows as the author; olivia organises A; oscar (community B) hears nothing.
    assert sorted(notified) == sorted([alice.pk, follower.pk, olivia.pk])
    flagged = [p for t, kind, p in published if kind == "problem_flagged"]
    assert flagged == [{"problem": problem.pk, "count": 2}]
    counts = [p["count"] for t, kind, p in published if kind == "endorsements" and t.startswith("community.")]
    assert counts == [1, 2, 1, 2, 3]


def test_a_share_threshold_counts_verified_members(problem, alice, bob, olivia, world):
    # alice, bob and olivia are verified members of A: 50% of 3 is 2 (rounded up).
    ProblemSettings.objects.create(community=world.a, threshold_kind="share", threshold_value=50)
    assert services.endorsement_threshold(community_id=world.a.pk) == 2
    services.endorsement_add(user=bob, problem_id=problem.pk)
    problem.refresh_from_db()
    assert problem.threshold_reached_at is None
    services.endorsement_add(user=olivia, problem_id=problem.pk)
    problem.refresh_from_db()
    assert problem.threshold_reached_at is not None


def test_the_default_threshold_applies_without_settings(world):
    assert services.endorsement_threshold(community_id=world.a.pk) == services.DEFAULT_THRESHOLD


def _run_at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_concurrent_endorsements_are_counted_exactly(world, alice):
    problem = make_problem(alice, world.a)
    people = []
    for i in range(6):
        person = make_user(f"neighbour{i}")
        make_member(person, world.a)
        people.append(person)
    # Six neighbours at once, and one of them double-clicks.
    jobs = [lambda p=p: services.endorsement_add(user=p, problem_id=problem.pk) for p in people]
    jobs.append(lambda: services.endorsement_add(user=people[0], problem_id=problem.pk))
    results = _run_at_once(jobs)

    conflicts = [r for r in results if isinstance(r, Conflict)]
    others = [r for r in results if isinstance(r, Exception) and not isinstance(r, Conflict)]
    assert others == []
    assert len(conflicts) == 1
    problem.refresh_from_db()
    assert problem.endorsement_count == 6 == Endorsement.objects.filter(problem=problem).count()
    assert sorted(r for r in results if isinstance(r, int)) == [1, 2, 3, 4, 5, 6]


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_concurrent_endorsements_cross_the_threshold_once(world, alice):
    from accounts.models import CommunityMembership

    problem = make_problem(alice, world.a)
    ProblemSettings.objects.create(community=world.a, threshold_kind="count", threshold_value=3)
    people = []
    for i in range(5):
        person = make_user(f"neighbour{i}")
        make_member(person, world.a)
        people.append(person)
    results = _run_at_once([lambda p=p: services.endorsement_add(user=p, problem_id=problem.pk) for p in people])
    assert sorted(results) == [1, 2, 3, 4, 5]
    assert Notification.objects.filter(kind="problem_threshold", user=alice).count() == 1
    assert CommunityMembership.objects.filter(community=world.a).count() == 6
    assert Problem.objects.get(pk=problem.pk).threshold_reached_at is not None
