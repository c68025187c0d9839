"""An open socket loses a subscription once the right to it is gone: promptly when a service says
rights changed, or at the latest on the consumer's periodic check. Public topics and other
people's sockets are not touched."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import Client

from accounts import services as account_services
from accounts.models import CommunityMembership
from live import consumers, registry, services
from tests.conftest import make_member, make_user
from tests.live.support import Socket, in_own_loop

pytestmark = [pytest.mark.django_db(transaction=True)]


def publish(topic: str, value: int = 1) -> None:
    with transaction.atomic():
        services.publish(topic, "changed", {"value": value})


def demote(user, community) -> None:
    """The organiser role taken away as an administrator would: no announcement."""
    CommunityMembership.objects.filter(user=user, community=community).update(role=CommunityMembership.Role.RESIDENT)


def signed_in(user) -> tuple[Client, str]:
    client = Client()
    client.force_login(user)
    return client, f"sessionid={client.cookies['sessionid'].value}"


async def socket_with_session(user) -> tuple[Client, Socket]:
    client, cookie = await sync_to_async(signed_in)(user)
    return client, await Socket(cookie).connect()


async def until(s, kind: str, timeout: float = 4) -> tuple[dict, list[dict]]:
    """Read until a message of `type` arrives; returns it and what came before."""
    before = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await s.receive(timeout=max(0.1, deadline - loop.time()))
        if message.get("type") == kind:
            return message, before
        before.append(message)


@pytest.fixture
def quick_rights(monkeypatch):
    """Position checks every 0.2 s, each with a rights check."""
    monkeypatch.setattr(consumers, "CHECK_EVERY", 0.2)
    monkeypatch.setattr(consumers, "RIGHTS_EVERY", 1)


@pytest.fixture
def no_periodic_rights(monkeypatch):
    """Only a prompt recheck can revoke anything during the test."""
    monkeypatch.setattr(consumers, "RIGHTS_EVERY", 10**9)


@in_own_loop
async def test_the_periodic_check_ends_a_removed_organisers_queue(quick_rights, olivia, world, sockets):
    s = await sockets(olivia)
    organiser, community = f"organiser.{world.a.pk}", f"community.{world.a.pk}"
    await s.subscribe(organiser)
    await s.subscribe(community)
    await sync_to_async(demote)(olivia, world.a)

    revoked, _before = await until(s, "revoked")
    assert revoked["topic"] == organiser
    assert revoked["detail"]

    await sync_to_async(publish)(organiser, 5)
    await sync_to_async(publish)(community, 6)
    message = await s.receive()
    assert (message["topic"], message["data"]["value"]) == (community, 6)
    assert await s.nothing_more()
    # The socket's person was read again: asking for the queue now is refused.
    await s.send(action="subscribe", topic=organiser)
    assert await s.receive_close() == consumers.CLOSE_FORBIDDEN


@in_own_loop
async def test_a_prompt_recheck_ends_the_queue_at_once_and_touches_no_one_else(
    no_periodic_rights, olivia, alice, world, sockets
):
    organiser, community = f"organiser.{world.a.pk}", f"community.{world.a.pk}"
    hers = await sockets(olivia)
    await hers.subscribe(organiser)
    other = await sockets(alice)
    await other.subscribe(community)

    await sync_to_async(demote)(olivia, world.a)
    await sync_to_async(publish)(organiser, 1)
    assert (await hers.receive())["seq"] == 1  # not announced: still forwarded

    await sync_to_async(services.recheck)(user_id=olivia.pk)
    revoked = await hers.receive()
    assert (revoked["type"], revoked["topic"]) == ("revoked", organiser)
    await sync_to_async(publish)(organiser, 2)
    assert await hers.nothing_more()
    assert await other.nothing_more(0.1)


@in_own_loop
async def test_a_recheck_for_an_unchanged_person_keeps_every_subscription(no_periodic_rights, olivia, world, sockets):
    organiser = f"organiser.{world.a.pk}"
    s = await sockets(olivia)
    await s.subscribe(organiser)
    await sync_to_async(services.recheck)(user_id=olivia.pk)
    await sync_to_async(publish)(organiser, 3)
    message = await s.receive()
    assert (message["topic"], message["data"]["value"]) == (organiser, 3)


@in_own_loop
async def test_a_recheck_is_sent_only_when_the_change_commits(no_periodic_rights, olivia, world, sockets):
    organiser = f"organiser.{world.a.pk}"
    s = await sockets(olivia)
    await s.subscribe(organiser)

    def rolled_back():
        with pytest.raises(RuntimeError), transaction.atomic():
            demote(olivia, world.a)
            services.recheck(user_id=olivia.pk)
            raise RuntimeError

    await sync_to_async(rolled_back)()
    assert await s.nothing_more()
    await sync_to_async(publish)(organiser, 4)
    assert (await s.receive())["data"]["value"] == 4


@pytest.fixture
def pending_room(monkeypatch):
    """`pending.<community>`: only for people whose request to join is still pending there."""
    from accounts.permissions import roles_of

    def may_subscribe(user, object_id: str) -> bool:
        return object_id.isdigit() and int(object_id) in roles_of(user).pending_communities

    monkeypatch.setitem(
        registry._kinds,
        "pending",
        registry.TopicKind(kind="pending", may_subscribe=may_subscribe, snapshot=lambda _id: {}),
    )


@in_own_loop
async def test_a_membership_decision_rechecks_the_persons_sockets(
    no_periodic_rights, pending_room, olivia, world, sockets
):
    bob = await sync_to_async(make_user)("bob")
    membership = await sync_to_async(make_member)(bob, world.a, status="pending")
    s = await sockets(bob)
    topic = f"pending.{world.a.pk}"
    assert (await s.subscribe(topic))["type"] == "snapshot"

    await sync_to_async(account_services.membership_reject)(
        actor=olivia, membership_id=membership.pk, reason="不在本社区"
    )
    revoked, _before = await until(s, "revoked")
    assert revoked["topic"] == topic


@in_own_loop
async def test_signing_out_ends_that_sessions_own_topic_only(no_periodic_rights, olivia, world, sockets):
    own, community = f"user.{olivia.pk}", f"community.{world.a.pk}"
    client, signed_out = await socket_with_session(olivia)
    await signed_out.subscribe(own)
    await signed_out.subscribe(community)
    _phone, elsewhere = await socket_with_session(olivia)  # another device, still signed in
    await elsewhere.subscribe(own)

    response = await sync_to_async(client.post)("/logout/")
    assert response.status_code == 302
    revoked = await signed_out.receive()
    assert (revoked["type"], revoked["topic"]) == ("revoked", own)

    await sync_to_async(publish)(own, 7)
    await sync_to_async(publish)(community, 8)
    assert (await elsewhere.receive())["data"]["value"] == 7
    message = await signed_out.receive()
    assert (message["topic"], message["data"]["value"]) == (community, 8)
    assert await signed_out.nothing_more()
    await signed_out.close()
    await elsewhere.close()


@in_own_loop
async def test_signing_out_through_the_api_ends_the_own_topic(no_periodic_rights, alice, sockets):
    own = f"user.{alice.pk}"
    client, s = await socket_with_session(alice)
    await s.subscribe(own)
    response = await sync_to_async(client.post)("/api/auth/logout/")
    assert response.status_code == 204
    revoked = await s.receive()
    assert (revoked["type"], revoked["topic"]) == ("revoked", own)
    await s.close()


@in_own_loop
async def test_a_session_removed_without_a_sign_out_is_noticed_by_the_periodic_check(quick_rights, alice, sockets):
    own = f"user.{alice.pk}"
    _client, s = await socket_with_session(alice)
    await s.subscribe(own)
    await sync_to_async(lambda: Session.objects.all().delete())()  # expired and cleared
    revoked, _before = await until(s, "revoked")
    assert revoked["topic"] == own
    await s.close()


@in_own_loop
async def test_public_topics_survive_every_check(quick_rights, room, alice, world, sockets):
    anonymous = await sockets()
    resident = await sockets(alice)
    topics = ["room.open", f"community.{world.a.pk}"]
    for s in (anonymous, resident):
        for topic in topics:
            await s.subscribe(topic)
    await asyncio.sleep(1)  # several rights checks
    await sync_to_async(services.recheck)(user_id=alice.pk)
    for topic in topics:
        await sync_to_async(services.recheck)(topic=topic)
        await sync_to_async(publish)(topic, 9)
    for s in (anonymous, resident):
        received = [await s.receive() for _ in topics]
        assert [m["topic"] for m in received] == topics
        assert all(m["data"]["value"] == 9 for m in received)


@in_own_loop
async def test_a_cancelled_campaign_leaves_the_public_but_not_its_organisers(
    no_periodic_rights, olivia, alice, world, sockets
):
    from campaigns import services as campaign_services
    from campaigns.models import Campaign
    from tests.campaigns.conftest import make_campaign

    campaign = await sync_to_async(make_campaign)(olivia, world.a)
    topic = f"campaign.{campaign.pk}"
    organiser, resident, anonymous = await sockets(olivia), await sockets(alice), await sockets()
    for s in (organiser, resident, anonymous):
        assert (await s.subscribe(topic))["type"] == "snapshot"

    await sync_to_async(campaign_services.campaign_transition)(
        actor=olivia, campaign_id=campaign.pk, to=Campaign.Status.CANCELLED
    )
    for s in (resident, anonymous):
        revoked, before = await until(s, "revoked")
        assert revoked["topic"] == topic
        assert [m["data"]["status"] for m in before if m["data"]["type"] == "campaign_status"] == ["cancelled"]
    status = await organiser.receive()
    assert status["data"] == {"type": "campaign_status", "campaign": campaign.pk, "status": "cancelled"}

    await sync_to_async(publish)(topic, 10)
    values = []
    while 10 not in values:  # the cancellation's own messages may come first
        values.append((await organiser.receive())["data"].get("value"))
    assert await resident.nothing_more()
    assert await anonymous.nothing_more(0.1)


@in_own_loop
async def test_a_temporary_password_gives_public_topics_only_until_it_is_replaced(olivia, world, sockets):
    await sync_to_async(type(olivia).objects.filter(pk=olivia.pk).update)(must_change_password=True)
    s = await sockets(olivia)
    assert (await s.subscribe(f"community.{world.a.pk}"))["type"] == "snapshot"
    await s.send(action="subscribe", topic=f"organiser.{world.a.pk}")
    assert await s.receive_close() == consumers.CLOSE_FORBIDDEN

    await sync_to_async(type(olivia).objects.filter(pk=olivia.pk).update)(must_change_password=False)
    again = await sockets(olivia)
    assert (await again.subscribe(f"organiser.{world.a.pk}"))["type"] == "snapshot"
