"""The /ws/live/ protocol on a registered test topic: snapshot, ordered messages, replay after
missed messages, snapshot when the log no longer covers the gap, refusals."""

import json
from unittest import mock

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from live import consumers, services, store
from tests.live.support import in_own_loop

pytestmark = [pytest.mark.django_db(transaction=True)]


def publish_values(topic: str, *values: int) -> None:
    for value in values:
        with transaction.atomic():
            services.publish(topic, "changed", {"value": value})


@in_own_loop
async def test_it_sends_a_snapshot_then_each_message_in_order(room, sockets):
    room.value = 7
    s = await sockets()
    answer = await s.subscribe("room.open")
    assert answer == {
        "type": "snapshot",
        "topic": "room.open",
        "seq": 0,
        "epoch": answer["epoch"],
        "state": {"value": 7},
    }

    await sync_to_async(publish_values)("room.open", 1, 2, 3)
    received = [await s.receive() for _ in range(3)]
    assert [m["seq"] for m in received] == [1, 2, 3]
    assert [m["data"] for m in received] == [{"value": v, "type": "changed"} for v in (1, 2, 3)]
    assert all(m["topic"] == "room.open" and m["epoch"] == answer["epoch"] for m in received)
    assert all(isinstance(m["at"], float) for m in received)
    assert await s.nothing_more()


@in_own_loop
async def test_messages_reach_only_the_topic_subscribed(room, sockets):
    s = await sockets()
    await s.subscribe("room.open")
    await sync_to_async(publish_values)("room.other", 1)
    assert await s.nothing_more()


@in_own_loop
async def test_a_reconnecting_client_gets_exactly_the_messages_it_missed(room, sockets):
    await sync_to_async(publish_values)("room.open", 1, 2, 3, 4)
    s = await sockets()
    first = await s.subscribe("room.open", last_seq=4)
    answer = await s.subscribe("room.open", last_seq=1, epoch=first["epoch"])
    assert answer["type"] == "replay"
    assert answer["seq"] == 4
    assert [m["seq"] for m in answer["messages"]] == [2, 3, 4]
    assert [m["data"]["value"] for m in answer["messages"]] == [2, 3, 4]

    await sync_to_async(publish_values)("room.open", 5)
    assert (await s.receive())["seq"] == 5


@in_own_loop
async def test_an_up_to_date_client_gets_an_empty_replay(room, sockets):
    await sync_to_async(publish_values)("room.open", 1, 2)
    s = await sockets()
    answer = await s.subscribe("room.open", last_seq=2)
    assert (answer["type"], answer["seq"], answer["messages"]) == ("replay", 2, [])


@in_own_loop
async def test_it_sends_a_snapshot_when_the_log_no_longer_covers_the_gap(room, sockets, monkeypatch):
    monkeypatch.setattr(store, "REPLAY_LENGTH", 3)
    await sync_to_async(publish_values)("room.open", 1, 2, 3, 4, 5, 6)
    room.value = 6
    s = await sockets()
    answer = await s.subscribe("room.open", last_seq=1)
    assert answer["type"] == "snapshot"
    assert answer["seq"] == 6
    assert answer["state"] == {"value": 6}
    # Three are still held, so a client that missed only those gets a replay.
    assert (await s.subscribe("room.open", last_seq=3))["type"] == "replay"


@in_own_loop
async def test_a_sequence_from_another_epoch_gets_a_snapshot(room, sockets):
    await sync_to_async(publish_values)("room.open", 1, 2)
    s = await sockets()
    assert (await s.subscribe("room.open", last_seq=1, epoch="not-this-one"))["type"] == "snapshot"
    # A client ahead of the server (Redis lost its counters) cannot be replayed either.
    assert (await s.subscribe("room.open", last_seq=9))["type"] == "snapshot"


@in_own_loop
async def test_out_of_order_deliveries_are_forwarded_in_sequence(room, sockets):
    """Two publishers: seq 2 reaches the group before seq 1. The client still sees 1 then 2."""
    s = await sockets()
    await s.subscribe("room.open")
    envelopes = await sync_to_async(_number, thread_sensitive=False)("room.open", 2)
    layer = get_channel_layer()
    for seq, epoch, text in reversed(envelopes):
        await layer.group_send(
            services.group_name("room.open"),
            {"type": "live.message", "topic": "room.open", "seq": seq, "epoch": epoch, "text": text},
        )
    assert [(await s.receive())["seq"] for _ in range(2)] == [1, 2]
    assert await s.nothing_more()


@in_own_loop
async def test_a_message_lost_on_the_way_is_filled_from_the_log(room, sockets):
    s = await sockets()
    await s.subscribe("room.open")
    envelopes = await sync_to_async(_number, thread_sensitive=False)("room.open", 3)
    layer = get_channel_layer()
    for seq, epoch, text in (envelopes[0], envelopes[2]):  # seq 2 never reaches the group
        await layer.group_send(
            services.group_name("room.open"),
            {"type": "live.message", "topic": "room.open", "seq": seq, "epoch": epoch, "text": text},
        )
    received = [await s.receive() for _ in range(3)]
    assert [m["seq"] for m in received] == [1, 2, 3]
    assert received[1]["data"] == {"value": 2, "type": "changed"}


@in_own_loop
async def test_a_gap_the_log_cannot_fill_becomes_a_snapshot(room, sockets, monkeypatch):
    s = await sockets()
    await s.subscribe("room.open")
    monkeypatch.setattr(store, "REPLAY_LENGTH", 1)
    envelopes = await sync_to_async(_number, thread_sensitive=False)("room.open", 3)
    room.value = 30
    seq, epoch, text = envelopes[2]
    await get_channel_layer().group_send(
        services.group_name("room.open"),
        {"type": "live.message", "topic": "room.open", "seq": seq, "epoch": epoch, "text": text},
    )
    answer = await s.receive()
    assert (answer["type"], answer["seq"], answer["state"]) == ("snapshot", 3, {"value": 30})
    assert await s.nothing_more()


@in_own_loop
async def test_duplicates_are_dropped(room, sockets):
    s = await sockets()
    await s.subscribe("room.open")
    ((seq, epoch, text),) = await sync_to_async(_number, thread_sensitive=False)("room.open", 1)
    event = {"type": "live.message", "topic": "room.open", "seq": seq, "epoch": epoch, "text": text}
    await get_channel_layer().group_send(services.group_name("room.open"), event)
    await get_channel_layer().group_send(services.group_name("room.open"), event)
    assert (await s.receive())["seq"] == 1
    assert await s.nothing_more()


@in_own_loop
async def test_unsubscribing_stops_the_messages(room, sockets):
    s = await sockets()
    await s.subscribe("room.open")
    await s.send(action="unsubscribe", topic="room.open")
    await s.nothing_more(0.2)
    await sync_to_async(publish_values)("room.open", 1)
    assert await s.nothing_more()


@in_own_loop
async def test_a_refused_public_topic_answers_an_error_and_keeps_the_socket(room, sockets, alice):
    s = await sockets(alice)
    answer = await s.subscribe("room.staff")
    assert (answer["type"], answer["code"], answer["topic"]) == ("error", "forbidden", "room.staff")
    assert answer["detail"]
    assert (await s.subscribe("room.open"))["type"] == "snapshot"


@in_own_loop
async def test_a_refused_private_topic_closes_the_socket(room, sockets, alice):
    s = await sockets(alice)
    await s.send(action="subscribe", topic="vault.secret", last_seq=None)
    assert await s.receive_close() == consumers.CLOSE_FORBIDDEN


@in_own_loop
async def test_the_allowed_person_may_subscribe_to_the_private_topic(room, sockets, olivia):
    s = await sockets(olivia)
    assert (await s.subscribe("vault.secret"))["type"] == "snapshot"


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ({"action": "subscribe", "topic": "nothing.1"}, "unknown_topic"),
        ({"action": "subscribe", "topic": "room.<script>"}, "unknown_topic"),
        ({"action": "subscribe", "topic": 5}, "unknown_topic"),
        ({"action": "publish", "topic": "room.open"}, "bad_request"),
        (["subscribe"], "bad_request"),
    ],
)
@in_own_loop
async def test_bad_requests_get_an_error_not_a_crash(room, sockets, message, code):
    s = await sockets()
    await s.communicator.send_to(text_data=json.dumps(message))
    assert (await s.receive())["code"] == code
    await s.communicator.send_to(text_data="{not json")
    assert (await s.receive())["code"] == "bad_request"
    assert (await s.subscribe("room.open"))["type"] == "snapshot"


@in_own_loop
async def test_a_socket_may_hold_a_bounded_number_of_topics(room, sockets, olivia, monkeypatch):
    monkeypatch.setattr(consumers, "MAX_TOPICS", 2)
    s = await sockets(olivia)
    await s.subscribe("room.open")
    await s.subscribe("room.a")
    assert (await s.subscribe("room.open"))["type"] == "snapshot"  # asking again is a catch-up
    assert (await s.subscribe("room.b"))["code"] == "too_many_topics"


def _number(topic: str, count: int) -> list[tuple[int, str, str]]:
    """Number and log `count` messages whose PUBLISH reaches nobody (as when the layer's
    subscription is reconnecting); returns (seq, epoch, envelope) each."""
    out = []
    with mock.patch.object(store, "group_channel", lambda group: "nobody-listens"):
        for value in range(1, count + 1):
            head = f'{{"topic":"{topic}","at":1.0,"seq":'
            tail = f',"data":{{"value":{value},"type":"changed"}}}}'
            ((seq, epoch),) = store.publish_numbered([(topic, head, tail)])
            out.append((seq, epoch, store.logged(topic, seq, seq)[0]))
    return out


def test_publish_refuses_a_malformed_topic_name():
    with pytest.raises(ValueError, match="not a live topic"):
        services.publish("room 1", "changed")


def test_publish_refuses_a_payload_that_is_not_json():
    with pytest.raises(TypeError):
        services.publish("room.open", "changed", {"when": object()})


@in_own_loop
async def test_a_lost_last_message_is_noticed_by_the_periodic_check(room, sockets, monkeypatch):
    monkeypatch.setattr(consumers, "CHECK_EVERY", 0.2)
    s = await sockets()
    await s.subscribe("room.open")
    await sync_to_async(_number, thread_sensitive=False)("room.open", 2)  # logged, never sent
    received = [await s.receive() for _ in range(2)]
    assert [m["seq"] for m in received] == [1, 2]
    assert await s.nothing_more()


@in_own_loop
async def test_a_failing_subscription_rule_refuses_without_closing(room, sockets, monkeypatch):
    from live import registry

    def broken(user, object_id):
        raise LookupError(object_id)

    monkeypatch.setitem(registry._kinds, "broken", registry.TopicKind(kind="broken", may_subscribe=broken))
    s = await sockets()
    assert (await s.subscribe("broken.1"))["code"] == "forbidden"
    assert (await s.subscribe("room.open"))["type"] == "snapshot"
