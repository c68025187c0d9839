import json
from typing import Any

from . import registry
from .services import REPLAY_LENGTH, _redis


def may_subscribe(*, user: Any, topic: str) -> bool:
    kind = registry.topic_kind(topic)
    if kind is None:
        return False
    _kind, object_id = registry.split(topic)
    return bool(kind.may_subscribe(user, object_id))


def catch_up(*, topic: str, last_seq: Any) -> dict:
    """What a (re)subscribing client needs: the messages after `last_seq` when we still hold them
    all, otherwise a snapshot of the current state with the sequence it corresponds to."""
    r = _redis()
    current = int(r.get(f"live:seq:{topic}") or 0)
    if isinstance(last_seq, int) and 0 <= last_seq <= current:
        raw = r.lrange(f"live:log:{topic}", 0, -1)
        missed = [json.loads(m) for m in raw]
        missed = [m for m in missed if m["seq"] > last_seq]
        if len(missed) == current - last_seq and len(missed) <= REPLAY_LENGTH:
            return {"type": "replay", "topic": topic, "seq": current, "messages": missed}
    kind = registry.topic_kind(topic)
    _kind, object_id = registry.split(topic)
    state = kind.snapshot(object_id) if kind and kind.snapshot else {}
    return {"type": "snapshot", "topic": topic, "seq": current, "state": state}
