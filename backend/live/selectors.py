"""Reads for live: who may subscribe, and what a (re)subscribing client needs to catch up."""

import json
import logging
from typing import Any

import redis
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotAuthenticated, NotFound, PermissionDenied

from . import registry, services, store

logger = logging.getLogger(__name__)


class Unavailable(ApplicationError):
    """Redis, which holds the topics' positions, does not answer."""

    status = 503
    default_code = "unavailable"


def may_subscribe(*, user: Any, topic: str) -> bool:
    """The topic kind's own rule decides; unknown topics and malformed names are refused."""
    kind = registry.topic_kind(topic)
    if kind is None or not services.TOPIC_RE.match(topic):
        return False
    if user is None:
        user = AnonymousUser()
    _kind, object_id = registry.split(topic)
    try:
        return bool(kind.may_subscribe(user, object_id))
    except Exception:  # a rule that fails refuses; it must not take the socket down
        logger.exception("live: subscription rule for %s failed", topic)
        return False


def snapshot(*, topic: str) -> dict[str, Any]:
    """A fresh snapshot: the sequence and epoch are read *before* the state, so a change that
    commits in between is in the state and also arrives as a message (harmless: payloads are
    absolute), never in neither."""
    seq, epoch = store.position(topic)
    kind = registry.topic_kind(topic)
    _kind, object_id = registry.split(topic)
    state = kind.snapshot(object_id) if kind is not None and kind.snapshot is not None else {}
    return {"type": "snapshot", "topic": topic, "seq": seq, "epoch": epoch, "state": state}


def catch_up(*, topic: str, last_seq: Any = None, epoch: Any = None) -> dict[str, Any]:
    """What a subscribing client needs: a replay of the messages after `last_seq` when the log
    still holds every one of them (and the client's epoch is the current one), else a snapshot."""
    if isinstance(last_seq, int) and not isinstance(last_seq, bool) and last_seq >= 0:
        current, current_epoch = store.position(topic)
        if (epoch is None or epoch == current_epoch) and last_seq <= current:
            texts = store.logged(topic, last_seq + 1, current)
            if len(texts) == current - last_seq:
                return {
                    "type": "replay",
                    "topic": topic,
                    "seq": current,
                    "epoch": current_epoch,
                    "messages": [json.loads(t) for t in texts],
                }
    return snapshot(topic=topic)


def missed(*, topic: str, first: int, last: int) -> list[str] | None:
    """Envelope texts for first..last when the log holds all of them, else None."""
    texts = store.logged(topic, first, last)
    return texts if len(texts) == last - first + 1 else None


def topic_snapshot(*, user: Any, topic: str) -> dict[str, Any]:
    """A snapshot for an HTTP client, with the topic's subscription rule applied."""
    if not services.TOPIC_RE.match(topic):
        raise ApplicationError(_("不是有效的实时频道名称。"), code="invalid_topic")
    kind = registry.topic_kind(topic)
    if kind is None:
        raise NotFound(_("没有这个实时频道。"))
    if not may_subscribe(user=user, topic=topic):
        if user is None or not user.is_authenticated:
            raise NotAuthenticated(_("请先登录。"))
        raise PermissionDenied(_("您没有权限查看这个实时频道。"))
    try:
        return snapshot(topic=topic)
    except redis.RedisError as exc:
        logger.warning("live: snapshot of %s unavailable: %s", topic, exc)
        raise Unavailable(_("实时服务暂时不可用，请稍后再试。")) from exc


def positions(*, topics: list[str]) -> dict[str, tuple[int, str]]:
    """The current (seq, epoch) of each topic."""
    return {topic: store.position(topic) for topic in topics}


def publish_failures() -> dict[str, int]:
    """Publishes that did not go out: in this process, and in all processes (kept in Redis)."""
    total = None
    try:
        total = int(store.main_client().get(store.failures_key()) or 0)
    except Exception:
        logger.debug("live: failure counter not readable", exc_info=True)
    return {"process": services.failures_in_process(), "all_processes": total if total is not None else -1}
