"""Topics are registered by the domain apps; live knows only their names, who may subscribe and
how to build a snapshot. A topic is `<kind>.<id>`, e.g. `campaign.12` or `user.5` (kind: lower
case letters, digits and `_`; id: up to 64 of `[A-Za-z0-9_-]`).

- `may_subscribe(user, object_id) -> bool` is asked at each subscription with the socket's user
  (possibly anonymous), and again while the subscription lasts (a recheck, and once a minute),
  so keep it cheap: the user's roles are loaded once per check and shared by every topic's rule.
  An id that names nothing should answer False, not raise.
- `snapshot(object_id) -> dict` is the current state as the topic's messages describe it, small
  and JSON-serialisable; it runs on every (re)subscription that cannot be answered by a replay.
- `private=True`: refusing someone closes their socket (code 4403) instead of answering an error.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TopicKind:
    kind: str
    may_subscribe: Callable[[Any, str], bool]  # (user, object id) -> bool
    snapshot: Callable[[str], dict] | None = None  # (object id) -> current state
    private: bool = False


_kinds: dict[str, TopicKind] = {}


def register_topic(
    kind: str,
    *,
    may_subscribe: Callable[[Any, str], bool],
    snapshot: Callable[[str], dict] | None = None,
    private: bool = False,
) -> None:
    """Called by a domain app in its AppConfig.ready()."""
    _kinds[kind] = TopicKind(kind=kind, may_subscribe=may_subscribe, snapshot=snapshot, private=private)


def topic_kind(topic: str) -> TopicKind | None:
    kind, _, _obj = topic.partition(".")
    return _kinds.get(kind)


def split(topic: str) -> tuple[str, str]:
    kind, _, obj = topic.partition(".")
    return kind, obj
