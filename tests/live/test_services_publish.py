"""Publishing: after commit only, nothing on rollback, and a Redis or channel-layer failure never
fails the request that changed state; its subscribers resync once Redis answers again."""

import json
import logging

import pytest
from asgiref.sync import sync_to_async
from django.db import transaction
from django.test import Client

from accounts.models import CommunityMembership, Notification
from live import selectors, services, store
from tests.conftest import make_member, make_user
from tests.live.support import in_own_loop
from tests.support.processes import free_port

pytestmark = [pytest.mark.django_db(transaction=True)]


class Boom(Exception):
    pass


@in_own_loop
async def test_a_rolled_back_transaction_sends_nothing(room, sockets):
    s = await sockets()
    await s.subscribe("room.open")

    def change_then_fail():
        with transaction.atomic():
            services.publish("room.open", "changed", {"value": 1})
            raise Boom

    with pytest.raises(Boom):
        await sync_to_async(change_then_fail)()
    assert await s.nothing_more()
    assert await sync_to_async(store.position)("room.open") == (0, (await s.subscribe("room.open"))["epoch"])


@in_own_loop
async def test_nothing_is_sent_before_the_commit(room, sockets):
    s = await sockets()
    await s.subscribe("room.open")
    seen_inside: list[bool] = []

    async def probe() -> bool:
        return await s.nothing_more(0.3)

    def change():
        from asgiref.sync import async_to_sync

        with transaction.atomic():
            services.publish("room.open", "changed", {"value": 1})
            seen_inside.append(async_to_sync(probe)())

    await sync_to_async(change)()
    assert seen_inside == [True]
    assert (await s.receive())["data"]["value"] == 1


def _dead_redis(settings):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.REDIS_URLS = [dead]
    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "CONFIG": {**settings.CHANNEL_LAYERS["default"]["CONFIG"], "hosts": [dead]},
        }
    }


@pytest.fixture
def bob(world):
    user = make_user("bob", display_name="张大爷")
    make_member(user, world.a, status="pending")
    return user


@pytest.fixture
def no_retry_thread(monkeypatch):
    """The test drives recovery itself instead of waiting for the retry thread."""
    monkeypatch.setattr(services, "RETRY_DELAYS", ())
    monkeypatch.setattr(services, "_unsent", set())


@in_own_loop
async def test_a_dead_channel_layer_does_not_fail_the_request_and_clients_resync(
    world, olivia, bob, sockets, settings, caplog, no_retry_thread
):
    live_settings = (settings.REDIS_URLS, settings.CHANNEL_LAYERS)
    s = await sockets(bob)
    first = await s.subscribe(f"user.{bob.pk}")
    assert first["state"] == {"unread": 0}
    before = services.failures_in_process()
    membership = await sync_to_async(CommunityMembership.objects.get)(user=bob)

    _dead_redis(settings)

    def verify_over_http():
        client = Client()
        client.force_login(olivia)
        return client.post(f"/organiser/join-requests/{membership.pk}/decide/", {"decision": "verify"})

    with caplog.at_level(logging.ERROR, logger="live.services"):
        response = await sync_to_async(verify_over_http)()
    assert response.status_code == 302
    await sync_to_async(membership.refresh_from_db)()
    assert membership.status == CommunityMembership.Status.VERIFIED
    assert await sync_to_async(Notification.objects.filter(user=bob).count)() == 1
    assert services.failures_in_process() >= before + 1
    assert "could not publish" in caplog.text
    assert f"user.{bob.pk}" in services._unsent

    settings.REDIS_URLS, settings.CHANNEL_LAYERS = live_settings
    # The connected client is told to take a snapshot as soon as Redis answers again ...
    assert await sync_to_async(services.repair_unsent)()
    answer = await s.receive()
    assert (answer["type"], answer["state"]) == ("snapshot", {"unread": 1})

    # ... and a client that reconnects with the sequence it had gets a snapshot, not an empty replay.
    late = await sockets(bob)
    again = await late.subscribe(f"user.{bob.pk}", last_seq=first["seq"], epoch=first["epoch"])
    assert (again["type"], again["state"]) == ("snapshot", {"unread": 1})


def test_a_failed_publish_is_counted(db, settings, no_retry_thread):
    _dead_redis(settings)
    before = services.failures_in_process()
    with transaction.atomic():
        services.publish("room.open", "changed", {"value": 1})
    assert services.failures_in_process() == before + 1
    assert selectors.publish_failures()["process"] == before + 1


@in_own_loop
async def test_messages_published_together_arrive_in_order_numbered_per_topic(room, sockets):
    s = await sockets()
    start = (await s.subscribe("room.open"))["seq"]

    def change():
        with transaction.atomic():
            services.publish_many(
                [
                    ("room.open", "first", {"value": 1}),
                    ("room.side", "elsewhere", {"value": 2}),
                    ("room.open", "second", {"value": 3}),
                ]
            )

    await sync_to_async(change)()
    first, second = await s.receive(), await s.receive()
    assert [(m["seq"], m["data"]["type"], m["data"]["value"]) for m in (first, second)] == [
        (start + 1, "first", 1),
        (start + 2, "second", 3),
    ]
    assert await s.nothing_more()
    assert (await sync_to_async(store.position)("room.side"))[0] == 1
    logged = await sync_to_async(store.logged)("room.open", start + 1, start + 2)
    assert [json.loads(text) for text in logged] == [first, second]


def test_a_rolled_back_batch_sends_nothing_and_a_bad_topic_fails_in_the_service(db):
    with pytest.raises(ValueError):
        services.publish_many([("room.open", "fine", {}), ("not a topic", "bad", {})])
    with pytest.raises(Boom), transaction.atomic():
        services.publish_many([("room.open", "a", {}), ("room.side", "b", {})])
        raise Boom
    assert store.position("room.open")[0] == 0 and store.position("room.side")[0] == 0


def test_a_failed_batch_counts_each_topic_and_resyncs_them(db, settings, no_retry_thread):
    _dead_redis(settings)
    before = services.failures_in_process()
    with transaction.atomic():
        services.publish_many([("room.open", "a", {}), ("room.side", "b", {})])
    assert services.failures_in_process() == before + 2
    assert {"room.open", "room.side"} <= services._unsent
