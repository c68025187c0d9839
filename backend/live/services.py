"""Publishing to live topics (实时更新).

Domain services call `publish(topic, type, payload)` inside their transaction. Nothing leaves
before the transaction commits, and nothing at all when it rolls back. After commit the message
is numbered (a per-topic sequence), stored in the topic's replay log, stamped with the server time
and sent to the topic's channel-layer group, as an envelope:

    {"topic": "campaign.12", "seq": 7, "epoch": "9f1c2a0b", "at": 1764441234.5, "data": {"type": ..., ...}}

`at` is the Unix time in seconds when the message left the server. Payloads are small dicts of ids
and absolute numbers, so a message that arrives twice, or after a snapshot already holding it,
does no harm.

Publishing never fails the request that changed state: when Redis or the channel layer is down
the failure is logged and counted (`selectors.publish_failures()`), and the topic is remembered.
As soon as Redis answers again (the next publish, or a retry thread with back-off), the topic
skips a sequence number and its subscribers are told to resync: a hole in the numbering that no
replay can cross, so every client, connected or reconnecting, takes a fresh snapshot.
"""

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from . import store
from .store import group_name

logger = logging.getLogger(__name__)

TOPIC_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}\.[A-Za-z0-9_-]{1,64}$")

MAX_UNSENT = 10_000  # topics remembered for a resync while Redis is down
RETRY_DELAYS = (1, 2, 5, 10, 30, 60, 120, 300)  # seconds between resync attempts after a failure

_lock = threading.Lock()
_failures = 0
_unsent: set[str] = set()  # topics whose last message was lost: they need a resync
_retrying = False


def rights_group(user_id: int) -> str:
    """Every open socket of a signed-in person listens here for `recheck(user_id=...)`. The
    hyphen keeps it apart from the topic groups (`live.<kind>.<id>`)."""
    return f"live-rights.{user_id}"


def session_digest(session_key: str) -> str:
    """What a socket and a sign-out compare, so no session key travels through the layer."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def recheck(*, user_id: int | None = None, topic: str | None = None) -> None:
    """Ask open sockets to check their subscriptions again, once the current transaction commits
    (never on rollback; at once outside a transaction).

    - `user_id`: the person's roles or memberships changed. Each of their sockets loads the person
      afresh from its session and asks every topic it holds.
    - `topic`: who may see the object changed (a campaign back to draft or cancelled). Each
      subscriber of the topic asks that topic's rule again.

    A subscription that is no longer allowed ends with a `revoked` message (`consumers`).
    Never raises after commit: a recheck that cannot be sent is logged, and the consumers' own
    periodic check catches up."""
    if topic is not None and not TOPIC_RE.match(topic):
        raise ValueError(f"not a live topic name: {topic!r}")
    sends = []
    if user_id is not None:
        sends.append((rights_group(user_id), {"type": "live.recheck"}))
    if topic is not None:
        sends.append((group_name(topic), {"type": "live.recheck", "topic": topic}))
    if sends:
        transaction.on_commit(lambda: _send_recheck(sends))


def session_ended(*, user_id: int, session_key: str | None) -> None:
    """The person signed out of one session (connected to Django's `user_logged_out`): the
    sockets opened with that session continue as anonymous ones and lose what needs a sign-in;
    their other sessions are checked as after `recheck(user_id=...)`. The session is still in
    the store when the signal is sent, so the sockets are told which one ended."""
    message: dict[str, Any] = {"type": "live.recheck"}
    if session_key:
        message["ended_session"] = session_digest(session_key)
    transaction.on_commit(lambda: _send_recheck([(rights_group(user_id), message)]))


def _send_recheck(sends: list[tuple[str, dict[str, Any]]]) -> None:
    try:
        for group, message in sends:
            store.publish(group, message)
    except Exception:
        logger.warning("live: recheck not sent; the sockets' periodic check will catch up", exc_info=True)


def publish(topic: str, type: str, payload: dict[str, Any] | None = None) -> None:
    """Announce `type` on `topic` once the current transaction commits (never on rollback).

    Outside a transaction it is sent at once. The payload is encoded here (Django's JSON encoder:
    dates, decimals and lazy strings are fine), so a payload that cannot be encoded fails in the
    service that built it, not silently after commit."""
    publish_many([(topic, type, payload)])


def publish_many(messages: Iterable[tuple[str, str, dict[str, Any] | None]]) -> None:
    """Announce several `(topic, type, payload)` messages of one change together, in order, after
    commit: they are numbered, logged and published in one Redis round trip per Redis host.
    Same guarantees as `publish`."""
    batch = []
    for topic, type, payload in messages:
        if not TOPIC_RE.match(topic):
            raise ValueError(f"not a live topic name: {topic!r}")
        data = json.dumps(
            {**(payload or {}), "type": type}, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
        )
        batch.append((topic, data))
    if len(batch) == 1:
        topic, data = batch[0]
        transaction.on_commit(lambda: send_now(topic, data))
    elif batch:
        transaction.on_commit(lambda: send_batch(batch))


def send_now(topic: str, data: str) -> int | None:
    """Number, log and broadcast one message whose `data` is already JSON text.

    Returns the sequence number, or None when Redis failed (logged and counted, never raised:
    the change that caused it has already committed)."""
    return send_batch([(topic, data)])[0]


def send_batch(batch: list[tuple[str, str]]) -> list[int | None]:
    """`send_now` for several `(topic, data)` messages at once, in order: one Redis round trip
    per host (`store.publish_numbered`). Returns each message's sequence number, or None for
    every message when it failed (logged, counted, resynced)."""
    if _unsent:
        repair_unsent()
    at = f"{time.time():.6f}"
    items = [(topic, f'{{"topic":{json.dumps(topic)},"at":{at},"seq":', f',"data":{data}}}') for topic, data in batch]
    try:
        numbered = store.publish_numbered(items)
    except Exception:
        for topic, _data in batch:
            _failed(topic)
        return [None] * len(batch)
    return [seq for seq, _epoch in numbered]


def repair_unsent() -> bool:
    """Make every topic whose message could not go out skip a sequence number and tell its
    subscribers to take a snapshot, so no client keeps a state that misses the change.

    Called before the next publish in this process and by a retry thread after a failure.
    Returns True when nothing is left to repair."""
    with _lock:
        topics = list(_unsent)
    for topic in topics:
        try:
            seq, epoch = store.skip_number(topic)
            store.publish(group_name(topic), {"type": "live.resync", "topic": topic, "seq": seq, "epoch": epoch})
        except Exception:
            logger.warning("live: %s still unreachable; its subscribers will resync later", topic)
            return False
        with _lock:
            _unsent.discard(topic)
    return True


def _failed(topic: str) -> None:
    global _failures
    logger.exception("live: could not publish on %s; subscribers will catch up through a snapshot", topic)
    with _lock:
        _failures += 1
        if len(_unsent) < MAX_UNSENT:
            _unsent.add(topic)
    try:
        store.main_client().incr(store.failures_key())
    except Exception:  # Redis itself is what failed; the process counter still has it
        logger.debug("live: failure counter not stored", exc_info=True)
    _start_retry()


def _start_retry() -> None:
    global _retrying
    with _lock:
        if _retrying:
            return
        _retrying = True
    threading.Thread(target=_retry, name="live-resync", daemon=True).start()


def _retry() -> None:
    global _retrying
    try:
        for delay in RETRY_DELAYS:
            time.sleep(delay)
            if repair_unsent():
                return
    finally:
        with _lock:
            _retrying = False


def failures_in_process() -> int:
    return _failures
