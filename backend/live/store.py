"""Where live keeps its per-topic state in Redis: the sequence counter, the replay log and the
epoch.

- `seq:<topic>`   the last sequence number given out on the topic (INCR).
- `log:<topic>`   a sorted set of the last REPLAY_LENGTH envelopes, scored by sequence, so a
                  reconnecting client can be sent exactly what it missed.
- `epoch`         a random token per Redis server. Sequences restart at 1 when a Redis without
                  persistence (the embedded one) restarts; a client or consumer that sees a new
                  epoch knows its last sequence means nothing any more and takes a snapshot.

Numbering and logging happen in one Lua script, so the log is never missing a number that was
given out and a crash between the two steps cannot leave a hole. Keys carry the channel layer's
prefix so parallel test runs on one Redis never meet, and a topic always lives on the same shard
when REDIS_URL lists several hosts.
"""

import secrets
import threading
import zlib

import redis
from django.conf import settings
from redis.commands.core import Script

REPLAY_LENGTH = 200  # envelopes kept per topic for clients that reconnect
LOG_TTL_SECONDS = 7 * 86400  # a topic nobody published on for a week keeps only its counter

_NUMBER_AND_LOG = """
local seq = redis.call('INCR', KEYS[1])
local epoch = redis.call('GET', KEYS[3])
if not epoch then
  epoch = ARGV[4]
  redis.call('SET', KEYS[3], epoch)
end
local envelope = ARGV[1] .. seq .. ',"epoch":"' .. epoch .. '"' .. ARGV[2]
redis.call('ZADD', KEYS[2], seq, envelope)
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[3]) + 1))
redis.call('EXPIRE', KEYS[2], ARGV[5])
return {seq, epoch, envelope}
"""

# KEYS: epoch, then seq and log per message; ARGV: replay length, new epoch, log TTL, then head
# and tail per message. Returns the epoch, then seq and envelope per message.
_NUMBER_AND_LOG_MANY = """
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[2]
  redis.call('SET', KEYS[1], epoch)
end
local out = {epoch}
for i = 0, (#KEYS - 1) / 2 - 1 do
  local seq_key, log_key = KEYS[2 + 2 * i], KEYS[3 + 2 * i]
  local seq = redis.call('INCR', seq_key)
  local envelope = ARGV[4 + 2 * i] .. seq .. ',"epoch":"' .. epoch .. '"' .. ARGV[5 + 2 * i]
  redis.call('ZADD', log_key, seq, envelope)
  redis.call('ZREMRANGEBYRANK', log_key, 0, -(tonumber(ARGV[1]) + 1))
  redis.call('EXPIRE', log_key, ARGV[3])
  out[#out + 1] = seq
  out[#out + 1] = envelope
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
    return f"{settings.CHANNEL_LAYERS['default']['CONFIG'].get('prefix', 'asgi')}:live"


def client(topic: str) -> redis.Redis:
    """The Redis holding `topic`'s state (one connection pool per host and process)."""
    urls = settings.REDIS_URLS
    url = urls[zlib.crc32(topic.encode()) % len(urls)]
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
    return client("")


def seq_key(topic: str) -> str:
    return f"{prefix()}:seq:{topic}"


def log_key(topic: str) -> str:
    return f"{prefix()}:log:{topic}"


def epoch_key() -> str:
    return f"{prefix()}:epoch"


def failures_key() -> str:
    return f"{prefix()}:failures"


def number_and_log(topic: str, head: str, tail: str) -> tuple[int, str, str]:
    """Give the next sequence number on `topic` and store the envelope `head + seq + epoch + tail`.

    Returns (seq, epoch, envelope JSON text)."""
    r = client(topic)
    script = _scripts.get(id(r))
    if script is None:
        script = _scripts[id(r)] = r.register_script(_NUMBER_AND_LOG)
    seq, epoch, envelope = script(
        keys=[seq_key(topic), log_key(topic), epoch_key()],
        args=[head, tail, REPLAY_LENGTH, secrets.token_hex(4), LOG_TTL_SECONDS],
    )
    return int(seq), epoch, envelope


def number_and_log_many(items: list[tuple[str, str, str]]) -> list[tuple[int, str, str]]:
    """`number_and_log` for several `(topic, head, tail)` at once: one round trip per Redis host
    (topics on one host are numbered in one script run, in order). Returns (seq, epoch, envelope)
    per item, in the order given."""
    by_client: dict[int, tuple[redis.Redis, list[int]]] = {}
    for i, (topic, _head, _tail) in enumerate(items):
        r = client(topic)
        by_client.setdefault(id(r), (r, []))[1].append(i)
    out: list[tuple[int, str, str] | None] = [None] * len(items)
    for r, indexes in by_client.values():
        script = _scripts.get(-id(r))
        if script is None:
            script = _scripts[-id(r)] = r.register_script(_NUMBER_AND_LOG_MANY)
        keys, args = [epoch_key()], [REPLAY_LENGTH, secrets.token_hex(4), LOG_TTL_SECONDS]
        for i in indexes:
            topic, head, tail = items[i]
            keys += [seq_key(topic), log_key(topic)]
            args += [head, tail]
        result = script(keys=keys, args=args)
        epoch = result[0]
        for n, i in enumerate(indexes):
            out[i] = (int(result[1 + 2 * n]), epoch, result[2 + 2 * n])
    return [x for x in out if x is not None]


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
