"""Live publishes in the channel layer's own format from a Redis script: a real layer subscriber
reads what the script sent, a topic's keys sit on the host the layer uses for its group, and the
settings that would break the format are refused at start-up."""

import asyncio

import pytest
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.core.checks import run_checks
from django.test import override_settings

from live import checks, services, store
from tests.live.support import in_own_loop


@in_own_loop
async def test_a_layer_subscriber_reads_the_scripts_message_and_a_plain_publish():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = services.group_name("room.format")
    await layer.group_add(group, channel)
    try:
        head, tail = '{"topic":"room.format","at":1.0,"seq":', ',"data":{"type":"changed","名":"花"}}'
        ((seq, epoch),) = await asyncio.to_thread(store.publish_numbered, [("room.format", head, tail)])
        got = await asyncio.wait_for(layer.receive(channel), 5)
        assert got == {
            "type": "live.message",
            "topic": "room.format",
            "seq": seq,
            "epoch": epoch,
            "text": f'{head}{seq},"epoch":"{epoch}"{tail}',
        }
        await asyncio.to_thread(store.publish, group, {"type": "live.recheck", "topic": "room.format"})
        assert await asyncio.wait_for(layer.receive(channel), 5) == {"type": "live.recheck", "topic": "room.format"}
    finally:
        await layer.group_discard(group, channel)


@in_own_loop
async def test_each_topic_is_kept_on_the_host_the_layer_sends_its_group_to():
    hosts = [f"redis://10.0.0.{i}:6379/0" for i in range(1, 4)]
    layer = RedisPubSubChannelLayer(hosts=hosts, prefix=store.layer_prefix())
    loop_layer = layer._get_layer()
    with override_settings(REDIS_URLS=hosts):
        store._clients.clear()
        try:
            seen = set()
            for n in range(40):
                topic = f"campaign.{n}"
                shard = loop_layer._get_shard(store.group_channel(services.group_name(topic)))
                expected = hosts[loop_layer._shards.index(shard)]
                pool = store.client(topic).connection_pool.connection_kwargs
                assert f"redis://{pool['host']}:{pool['port']}/0" == expected
                seen.add(expected)
            assert len(seen) == 3
        finally:
            store._clients.clear()


@pytest.mark.parametrize(
    ("layer", "code"),
    [
        ({"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {}}, "live.E001"),
        ({"BACKEND": checks.PUBSUB_LAYER, "CONFIG": {"symmetric_encryption_keys": ["k"]}}, "live.E002"),
        ({"BACKEND": checks.PUBSUB_LAYER, "CONFIG": {"serializer_format": "json"}}, "live.E002"),
    ],
)
def test_a_layer_live_cannot_publish_to_is_refused_at_start_up(layer, code):
    with override_settings(CHANNEL_LAYERS={"default": layer}):
        assert code in {e.id for e in run_checks()}


def test_the_platforms_layer_passes_the_check():
    assert not [e for e in run_checks() if e.id.startswith("live.")]
