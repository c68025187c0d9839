"""Publishing to live topics. Domain services call `publish()` inside their transaction; the
message goes out only after commit, with a per-topic sequence number and the server time."""

import contextlib
import json
import logging
import time
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

REPLAY_LENGTH = 200  # messages kept per topic for clients that reconnect


def group_name(topic: str) -> str:
    """Channel-layer group names allow only [a-zA-Z0-9._-]."""
    return "live." + topic


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)


def publish(topic: str, type: str, payload: dict[str, Any] | None = None) -> None:
    """Announce `type` on `topic` after the current transaction commits (never on rollback)."""
    message = {"type": type, **(payload or {})}
    transaction.on_commit(lambda: send_now(topic, message))


def send_now(topic: str, message: dict[str, Any]) -> dict[str, Any] | None:
    """Number, store and broadcast a message. A failure of Redis or the channel layer is logged
    and counted, never raised: the change that caused it has already committed."""
    from channels.layers import get_channel_layer

    try:
        r = _redis()
        seq = int(r.incr(f"live:seq:{topic}"))
        envelope = {"topic": topic, "seq": seq, "at": time.time(), "data": message}
        key = f"live:log:{topic}"
        pipe = r.pipeline()
        pipe.rpush(key, json.dumps(envelope, ensure_ascii=False))
        pipe.ltrim(key, -REPLAY_LENGTH, -1)
        pipe.execute()
        layer = get_channel_layer()
        async_to_sync(layer.group_send)(group_name(topic), {"type": "live.message", "envelope": envelope})
        return envelope
    except Exception:
        logger.exception("live publish failed for %s", topic)
        with contextlib.suppress(Exception):
            _redis().incr("live:failures")
        return None
