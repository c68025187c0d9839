"""Where live keeps its per-topic state in Redis: the sequence counter, the replay log and the
epoch.

- `seq:<topic>`   the last sequence number given out on the topic (INCR).
- `log:<topic>`   a sorted set of the last REPLAY_LENGTH envelopes, scored by sequence, so a
                  reconnecting client can be sent exactly what it missed.
- `epoch`         a random token per Redis server. Sequences restart at 1 when a Redis without
                  persistence (the embedded one) restarts; a client or consumer that sees a new
                  epoch knows its last sequence means nothing any more and takes a snapshot.

Numbering, logging and publishing happen in one Lua script run (`publish_numbered`), so the log
is never missing a number that was given out, a crash between the steps cannot leave a hole, and
a message costs its publisher one round trip. The script PUBLISHes in the wire format of
channels_redis's PubSub layer (a msgpack map on the channel `<prefix>__group__<group>`), which is
the only layer the platform runs on (`checks`); a topic's keys live on the host the layer hashes
the topic's group to, so the PUBLISH reaches the layer's subscribers when REDIS_URL lists several
hosts. Keys carry the channel layer's prefix so parallel test runs on one Redis never meet.
"""

import secrets
import threading
from typing import Any

import msgpack
import redis
from channels_redis.utils import _consistent_hash
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.commands.core import Script

REPLAY_LENGTH = 200  # envelopes kept per topic for clients that reconnect
LOG_TTL_SECONDS = 7 * 86400  # a topic nobody published on for a week keeps only its counter

# KEYS: epoch, then seq and log per message; ARGV: replay length, new epoch, log TTL, then per
# message head, tail, topic and the group channel to PUBLISH to. Each message is numbered, logged
# and published in the channel layer's wire format (a msgpack map, see `publish`) in one script
# run, so a number that was given out is always in the log before anyone hears of it. Returns
# the epoch, then the seq per message.
_NUMBER_LOG_AND_PUBLISH = """
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[2]
  redis.call('SET', KEYS[1], epoch)
end
local out = {epoch}
for i = 0, (#KEYS - 1) / 2 - 1 do
  local seq_key, log_key = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  local seq = redis.call('INCR', seq_key)
  local envelope = ARGV[4 + 4 * i] .. seq .. ',"epoch":"' .. epoch .. '"' .. ARGV[5 + 4 * i]
  redis.call('ZADD', log_key, seq, envelope)
  redis.call('ZREMRANGEBYRANK', log_key, 0, -(tonumber(ARGV[1]) + 1))
  redis.call('EXPIRE', log_key, ARGV[3])
  redis.call('PUBLISH', ARGV[7 + 4 * i], cmsgpack.pack({
    type = 'live.message', topic = ARGV[6 + 4 * i], seq = seq, epoch = epoch, text = envelope
  }))
  out[#out + 1] = seq
end
return out
"""

_SKIP_NUMBER = """
local seq = redis.call('INCR', KEYS[1])
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[2], epoch)
end
return {seq, epoch}
"""

_clients: dict[str, redis.Redis] = {}
_scripts: dict[int, Script] = {}
_lock = threading.Lock()


def prefix() -> str:
    return f"{layer_prefix()}:live"


def group_name(topic: str) -> str:
    """A topic's channel-layer group. Group names allow only [a-zA-Z0-9._-] and under 100
    characters."""
    return "live." + topic


def group_channel(group: str) -> str:
    """The Redis channel the PubSub layer uses for `group`."""
    return f"{layer_prefix()}__group__{group}"


def layer_prefix() -> str:
    """The channel layer's prefix (read once; again after a settings change in tests)."""
    global _layer_prefix
    if _layer_prefix is None:
        _layer_prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"].get("prefix", "asgi")
    return _layer_prefix


_layer_prefix: str | None = None


@receiver(setting_changed)
def _forget_layer_prefix(setting: str, **kwargs: Any) -> None:
    global _layer_prefix
    if setting == "CHANNEL_LAYERS":
        _layer_prefix = None


def client(topic: str) -> redis.Redis:
    """The Redis holding `topic`'s state: the host the channel layer uses for the topic's group,
    so one script run can number, log and publish (one connection pool per host and process)."""
    return client_for_channel(group_channel(group_name(topic)))


def client_for_channel(channel: str) -> redis.Redis:
    """The Redis the channel layer uses for `channel`: its hosts and its hash."""
    urls = settings.REDIS_URLS
    url = urls[_consistent_hash(channel, len(urls))]
    found = _clients.get(url)
    if found is None:
        with _lock:
            found = _clients.get(url)
            if found is None:
                found = redis.Redis.from_url(
                    url, socket_timeout=2, socket_connect_timeout=1, health_check_interval=30, decode_responses=True
                )
                _clients[url] = found
    return found


def main_client() -> redis.Redis:
    """The first Redis host: process-wide counters live there."""
    return client_for_channel("")


def seq_key(topic: str) -> str:
    return f"{prefix()}:seq:{topic}"


def log_key(topic: str) -> str:
    return f"{prefix()}:log:{topic}"


def epoch_key() -> str:
    return f"{prefix()}:epoch"


def failures_key() -> str:
    return f"{prefix()}:failures"


def publish_numbered(items: list[tuple[str, str, str]]) -> list[tuple[int, str]]:
    """Number, log and publish several `(topic, head, tail)` messages, in order: each gets the
    next sequence number on its topic, its envelope `head + seq + epoch + tail` is kept in the
    topic's replay log and sent to the topic's group as a `live.message` event. One script run
    per Redis host (a topic's keys and its group's channel are on the same host, see `client`).
    Returns (seq, epoch) per item, in the order given."""
    by_client: dict[int, tuple[redis.Redis, list[int]]] = {}
    for i, (topic, _head, _tail) in enumerate(items):
        r = client(topic)
        by_client.setdefault(id(r), (r, []))[1].append(i)
    out: list[tuple[int, str] | None] = [None] * len(items)
    for r, indexes in by_client.values():
        script = _scripts.get(id(r))
        if script is None:
            script = _scripts[id(r)] = r.register_script(_NUMBER_LOG_AND_PUBLISH)
        keys, args = [epoch_key()], [REPLAY_LENGTH, secrets.token_hex(4), LOG_TTL_SECONDS]
        for i in indexes:
            topic, head, tail = items[i]
            keys += [seq_key(topic), log_key(topic)]
            args += [head, tail, topic, group_channel(group_name(topic))]
        result = script(keys=keys, args=args)
        epoch = result[0]
        for n, i in enumerate(indexes):
            out[i] = (int(result[1 + n]), epoch)
    return [x for x in out if x is not None]


def publish(group: str, message: dict[str, Any]) -> None:
    """Send `message` to a channel-layer group from synchronous code: one PUBLISH of the
    message in the layer's wire format on the group's host, what
    `RedisPubSubChannelLayer.group_send` does without an event loop (`checks` holds the layer
    to that format)."""
    channel = group_channel(group)
    client_for_channel(channel).publish(channel, msgpack.packb(message))


def skip_number(topic: str) -> tuple[int, str]:
    """Give out a sequence number with nothing logged under it: a hole no replay can cross, so
    every client behind it takes a snapshot. Returns (seq, epoch)."""
    seq, epoch = client(topic).eval(_SKIP_NUMBER, 2, seq_key(topic), epoch_key(), secrets.token_hex(4))
    return int(seq), epoch


def position(topic: str) -> tuple[int, str]:
    """The topic's current (seq, epoch); creates the epoch if this Redis has none yet."""
    r = client(topic)
    pipe = r.pipeline(transaction=False)
    pipe.set(epoch_key(), secrets.token_hex(4), nx=True)
    pipe.get(epoch_key())
    pipe.get(seq_key(topic))
    _created, epoch, seq = pipe.execute()
    return int(seq or 0), epoch


def logged(topic: str, first: int, last: int) -> list[str]:
    """Envelope texts with first <= seq <= last still held in the log, in order."""
    if last < first:
        return []
    return client(topic).zrangebyscore(log_key(topic), first, last)
