"""The `user.<id>` and `organiser.<community>` topics registered by accounts, as people see them
through /ws/live/: who may subscribe, and the messages a membership decision sends."""

import pytest
from asgiref.sync import sync_to_async

from accounts import services as account_services
from accounts.models import CommunityMembership
from live import consumers
from tests.conftest import make_member, make_user
from tests.live.support import in_own_loop

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bob(world):
    user = make_user("bob", display_name="张大爷")
    make_member(user, world.a, status="pending")
    return user


@pytest.fixture
def people(alice, olivia, oscar, rita, charlie):
    return {"alice": alice, "olivia": olivia, "oscar": oscar, "rita": rita, "charlie": charlie}


@in_own_loop
async def test_a_person_follows_their_own_notifications(alice, sockets):
    s = await sockets(alice)
    answer = await s.subscribe(f"user.{alice.pk}")
    assert (answer["type"], answer["state"]) == ("snapshot", {"unread": 0})

    await sync_to_async(account_services.notification_send)(user=alice, kind="test", title="您好", url="/me/")
    envelope = await s.receive()
    assert envelope["topic"] == f"user.{alice.pk}"
    assert envelope["seq"] == answer["seq"] + 1
    assert envelope["data"]["type"] == "notification"
    assert envelope["data"]["title"] == "您好"


@pytest.mark.parametrize("who", ["olivia", "charlie", None])
@in_own_loop
async def test_nobody_else_may_follow_a_persons_notifications(people, alice, sockets, who):
    user = people[who] if who else None
    s = await sockets(user)
    await s.send(action="subscribe", topic=f"user.{alice.pk}", last_seq=None)
    assert await s.receive_close() == consumers.CLOSE_FORBIDDEN


@in_own_loop
async def test_an_organiser_follows_the_join_queue_of_their_community(world, olivia, bob, sockets):
    s = await sockets(olivia)
    answer = await s.subscribe(f"organiser.{world.a.pk}")
    assert answer["state"] == {"pending_join_requests": 1}

    membership = await sync_to_async(CommunityMembership.objects.get)(user=bob)
    await sync_to_async(account_services.membership_verify)(actor=olivia, membership_id=membership.pk)
    envelope = await s.receive()
    data = envelope["data"]
    assert (data["type"], data["community"], data["membership"]) == ("join_request_decided", world.a.pk, membership.pk)
    assert data["status"] == "verified"
    assert await s.nothing_more()


@pytest.mark.parametrize("who", ["oscar", "alice", "rita", "charlie", None])
@in_own_loop
async def test_only_organisers_of_the_community_follow_its_join_queue(people, world, sockets, who):
    user = people[who] if who else None
    s = await sockets(user)
    await s.send(action="subscribe", topic=f"organiser.{world.a.pk}", last_seq=None)
    assert await s.receive_close() == consumers.CLOSE_FORBIDDEN


@in_own_loop
async def test_a_verified_resident_and_the_organiser_both_hear_of_a_decision(world, olivia, bob, sockets):
    resident = await sockets(bob)
    organiser = await sockets(olivia)
    await resident.subscribe(f"user.{bob.pk}")
    await organiser.subscribe(f"organiser.{world.a.pk}")
    membership = await sync_to_async(CommunityMembership.objects.get)(user=bob)
    await sync_to_async(account_services.membership_reject)(
        actor=olivia, membership_id=membership.pk, reason="请先到社区登记住址"
    )
    assert (await resident.receive())["data"]["kind"] == "membership_rejected"
    assert (await organiser.receive())["data"]["status"] == "rejected"
