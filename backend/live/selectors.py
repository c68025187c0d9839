"""Reads for live: who may subscribe, and what a (re)subscribing client needs to catch up."""

import json
import logging
from importlib import import_module
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model, load_backend
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotAuthenticated, NotFound, PermissionDenied

from . import registry, services, store

logger = logging.getLogger(__name__)


class Unavailable(ApplicationError):
    """Redis, which holds the topics' positions, does not answer."""

    status = 503
    default_code = "unavailable"


def may_subscribe(*, user: Any, topic: str) -> bool:
    """The topic kind's own rule decides; unknown topics and malformed names are refused. A
    person who must still replace a temporary password is asked about as an anonymous one."""
    kind = registry.topic_kind(topic)
    if kind is None or not services.TOPIC_RE.match(topic):
        return False
    if user is None or getattr(user, "must_change_password", False):
        # Someone who signed in with a temporary password sees only what anyone may see until
        # they choose their own (as pages and the API hold them back).
        user = AnonymousUser()
    _kind, object_id = registry.split(topic)
    try:
        return bool(kind.may_subscribe(user, object_id))
    except Exception:  # a rule that fails refuses; it must not take the socket down
        logger.exception("live: subscription rule for %s failed", topic)
        return False


def socket_user(*, session_key: str | None) -> Any:
    """The person a socket's session belongs to *now*, read afresh from the session store: an
    AnonymousUser once the session ended (signed out, expired, removed) or no longer holds
    (the account was deactivated, or its password changed elsewhere). The same rules as Django's
    `auth.get_user`, without its side effects (it would flush or cycle the session)."""
    if not session_key:
        return AnonymousUser()
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError):
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    user = load_backend(backend_path).get_user(user_id)
    if user is None:
        return AnonymousUser()
    if hasattr(user, "get_session_auth_hash"):
        stored = session.get(HASH_SESSION_KEY) or ""
        hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
        if not stored or not any(constant_time_compare(stored, h) for h in hashes):
            return AnonymousUser()
    return user


def subscription_rights(*, session_key: str | None, topics: list[str]) -> tuple[Any, list[str]]:
    """One check of an open socket's rights: the person loaded once (their roles then load once
    and are shared by every topic's rule), each topic asked in turn. Returns (the person now,
    the topics no longer allowed).

    Cost per check: the session and the person (2 queries when signed in, none when anonymous),
    their roles once, plus whatever a topic's own rule reads (none for the roles-only and public
    rules)."""
    user = socket_user(session_key=session_key)
    return user, [topic for topic in topics if not may_subscribe(user=user, topic=topic)]


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
