"""One websocket per page at /ws/live/. Writes never come through the socket; it only listens.

Protocol (JSON text frames):

    client → {"action": "subscribe", "topic": "campaign.12", "last_seq": 41 | null, "epoch": "…" | null}
    server → {"type": "replay", "topic", "seq", "epoch", "messages": [envelope, …]}   all it missed
           | {"type": "snapshot", "topic", "seq", "epoch", "state": {…}}           or the current state
    server → envelope {"topic", "seq", "epoch", "at", "data": {"type": …, …}}        then each message
    client → {"action": "unsubscribe", "topic": "campaign.12"}
    server → {"type": "error", "topic", "code", "detail"}                            a refused request
    server → {"type": "revoked", "topic", "detail"}                  a subscription no longer allowed

Subscribing again to a topic already subscribed is how a client asks for a catch-up.

Rights are asked when a topic is subscribed, and again while the socket stays open: promptly when
a service says they changed (`services.recheck`, `services.session_ended`: the socket joins its
person's group `live-rights.<user id>` and each topic's group hears rechecks of that topic), and
every RIGHTS_EVERY position checks (once a minute) in case a change was not announced. A check
reads the socket's session afresh (signed out or expired: the socket goes on as an anonymous
one), loads the person and their roles once, and asks each topic's rule. A topic no longer allowed
is answered with `revoked` and nothing more of it is forwarded; the socket stays open, private
topic or not.

A private topic (a person's notifications) refused to someone else closes the socket with
CLOSE_FORBIDDEN; refusing a public topic only answers an error.

Ordering: two processes may publish seq 6 before seq 5 reaches the group. The consumer forwards
each topic strictly in sequence order: a message ahead of a gap waits up to GAP_WAIT seconds for
the missing ones, then the gap is filled from the replay log, or when the log no longer holds it,
a snapshot replaces it. A message lost at the end of a topic leaves no gap behind it, so every
CHECK_EVERY seconds the consumer also compares its topics with their current position. So a
client sees every sequence number once, in order, or a snapshot.
"""

import asyncio
import json
import logging
import random
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.utils.translation import gettext as _

from . import registry, selectors
from .services import TOPIC_RE, group_name, rights_group, session_digest

logger = logging.getLogger(__name__)

CLOSE_FORBIDDEN = 4403
CLOSE_TRY_AGAIN = 1013  # the standard "try again later" close code: Redis was unreachable
MAX_TOPICS = 50
GAP_WAIT = 0.25  # seconds a message ahead of a gap waits for the missing ones
CHECK_EVERY = 15  # seconds between checks that no message was lost at the end of a topic
RIGHTS_EVERY = 4  # every this many of those checks, the subscriptions' rights are checked too


@dataclass
class _Topic:
    next_seq: int
    epoch: str
    pending: dict[int, str] = field(default_factory=dict)
    timer: asyncio.Task | None = None


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.topics: dict[str, _Topic] = {}
        # The user was resolved by the auth middleware; its session is read again at each check.
        user = self.scope.get("user")
        self.user_id: int | None = user.pk if user is not None and user.is_authenticated else None
        self.session_key: str | None = None
        if self.user_id is not None:
            self.session_key = getattr(self.scope.get("session"), "session_key", None)
            await self.channel_layer.group_add(rights_group(self.user_id), self.channel_name)
        await self.accept()
        self.checker = asyncio.create_task(self._check_periodically())

    async def disconnect(self, code: int) -> None:
        if getattr(self, "checker", None) is not None:
            self.checker.cancel()
        if getattr(self, "user_id", None) is not None:
            await self.channel_layer.group_discard(rights_group(self.user_id), self.channel_name)
            self.user_id = None
        for topic, state in getattr(self, "topics", {}).items():
            if state.timer is not None:
                state.timer.cancel()
            await self.channel_layer.group_discard(group_name(topic), self.channel_name)
        self.topics = {}

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            content = json.loads(text_data or "")
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self._error("", "bad_request", _("无法识别的请求。"))
            return
        action, topic = content.get("action"), content.get("topic")
        if not isinstance(topic, str) or not TOPIC_RE.match(topic):
            await self._error(str(topic or ""), "unknown_topic", _("没有这个实时频道。"))
        elif action == "subscribe":
            last_seq, epoch = content.get("last_seq"), content.get("epoch")
            await self._subscribe(
                topic,
                last_seq if isinstance(last_seq, int) and not isinstance(last_seq, bool) else None,
                epoch if isinstance(epoch, str) else None,
            )
        elif action == "unsubscribe":
            await self._unsubscribe(topic)
        else:
            await self._error(topic, "bad_request", _("无法识别的请求。"))

    async def _subscribe(self, topic: str, last_seq: int | None, epoch: str | None) -> None:
        if topic not in self.topics:
            if len(self.topics) >= MAX_TOPICS:
                await self._error(topic, "too_many_topics", _("订阅的实时频道太多了。"))
                return
            kind = registry.topic_kind(topic)
            if kind is None:
                await self._error(topic, "unknown_topic", _("没有这个实时频道。"))
                return
            user = self.scope.get("user")
            allowed = await database_sync_to_async(selectors.may_subscribe)(user=user, topic=topic)
            if not allowed:
                if kind.private:
                    await self.close(code=CLOSE_FORBIDDEN)
                else:
                    await self._error(topic, "forbidden", _("您没有权限查看这个实时频道。"))
                return
        try:
            # Join first, then read the catch-up: a message published in between is either in
            # the catch-up or arrives through the group (or both; duplicates are dropped).
            await self.channel_layer.group_add(group_name(topic), self.channel_name)
            answer = await database_sync_to_async(selectors.catch_up)(topic=topic, last_seq=last_seq, epoch=epoch)
        except Exception:
            logger.exception("live: subscribe to %s failed", topic)
            await self.close(code=CLOSE_TRY_AGAIN)
            return
        previous = self.topics.get(topic)
        state = _Topic(next_seq=answer["seq"] + 1, epoch=answer["epoch"])
        if previous is not None:
            if previous.timer is not None:
                previous.timer.cancel()
            state.pending = {s: t for s, t in previous.pending.items() if s >= state.next_seq}
        self.topics[topic] = state
        await self.send(text_data=json.dumps(answer, ensure_ascii=False))
        await self._flush(topic, state)

    async def _unsubscribe(self, topic: str) -> None:
        state = self.topics.pop(topic, None)
        if state is None:
            return
        if state.timer is not None:
            state.timer.cancel()
        await self.channel_layer.group_discard(group_name(topic), self.channel_name)

    async def live_message(self, event: dict[str, Any]) -> None:
        """A published envelope from the group: forward in sequence order."""
        topic, seq = event["topic"], event["seq"]
        state = self.topics.get(topic)
        if state is None:
            return
        if event["epoch"] != state.epoch:
            # Redis lost its counters (restart without persistence): numbers started again.
            await self._resnapshot(topic)
            return
        if seq < state.next_seq:
            return
        state.pending[seq] = event["text"]
        await self._flush(topic, state)

    async def live_resync(self, event: dict[str, Any]) -> None:
        """A message on the topic was lost while Redis was unreachable: send a fresh snapshot."""
        state = self.topics.get(event["topic"])
        if state is not None and (event["epoch"] != state.epoch or event["seq"] >= state.next_seq):
            await self._resnapshot(event["topic"])

    async def live_gap(self, event: dict[str, Any]) -> None:
        """GAP_WAIT passed and a message is still missing: fill it from the log or re-snapshot."""
        topic = event["topic"]
        state = self.topics.get(topic)
        if state is None or not state.pending:
            return
        state.timer = None
        await self._fill(topic, state, max(state.pending))

    async def live_recheck(self, event: dict[str, Any]) -> None:
        """Rights changed (`services.recheck`, `services.session_ended`): with `topic`, ask that
        topic's rule again for the person already loaded; else load the person afresh and ask
        every topic held. A signed-out session makes the socket an anonymous one."""
        ended = event.get("ended_session")
        if ended and self.session_key and session_digest(self.session_key) == ended:
            self.session_key = None
        topic = event.get("topic")
        if topic is None:
            await self._check_rights()
        elif topic in self.topics:
            allowed = await database_sync_to_async(selectors.may_subscribe)(user=self.scope.get("user"), topic=topic)
            if not allowed:
                await self._revoke(topic)

    async def _check_rights(self) -> None:
        user, refused = await database_sync_to_async(selectors.subscription_rights)(
            session_key=self.session_key, topics=list(self.topics)
        )
        self.scope["user"] = user  # later subscriptions are decided with the fresh roles too
        if not user.is_authenticated:
            self.session_key = None
            if self.user_id is not None:
                await self.channel_layer.group_discard(rights_group(self.user_id), self.channel_name)
                self.user_id = None
        for topic in refused:
            await self._revoke(topic)

    async def _revoke(self, topic: str) -> None:
        """The subscription is no longer allowed: stop forwarding it and say so."""
        state = self.topics.pop(topic, None)
        if state is None:
            return
        if state.timer is not None:
            state.timer.cancel()
        await self.channel_layer.group_discard(group_name(topic), self.channel_name)
        detail = _("您已无权查看这个实时频道，已停止推送。")
        await self.send(text_data=json.dumps({"type": "revoked", "topic": topic, "detail": detail}, ensure_ascii=False))

    async def live_check(self, event: dict[str, Any]) -> None:
        """A lost *last* message leaves no gap to notice; compare with the topic's position now
        and then. A message still on its way is filled from the log and later dropped as a
        duplicate. Every RIGHTS_EVERY checks the subscriptions' rights are asked again first, in
        case a change was not announced (an edit in the admin, an expired session)."""
        if event.get("rights"):
            await self._check_rights()
        quiet = [topic for topic, state in self.topics.items() if not state.pending]
        positions = await sync_to_async(selectors.positions, thread_sensitive=False)(topics=quiet)
        for topic, (seq, epoch) in positions.items():
            state = self.topics.get(topic)
            if state is None or state.pending:
                continue
            if epoch != state.epoch:
                await self._resnapshot(topic)
            elif seq >= state.next_seq:
                await self._fill(topic, state, seq)

    async def _fill(self, topic: str, state: _Topic, last: int) -> None:
        texts = await sync_to_async(selectors.missed, thread_sensitive=False)(
            topic=topic, first=state.next_seq, last=last
        )
        if texts is None:
            await self._resnapshot(topic)
            return
        for offset, text in enumerate(texts):
            state.pending.setdefault(state.next_seq + offset, text)
        await self._flush(topic, state)

    async def _check_periodically(self) -> None:
        # Spread the sockets' checks over the period rather than run them all at once.
        await asyncio.sleep(random.uniform(0, CHECK_EVERY))  # noqa: S311 - not for security
        checks = 0
        while True:
            if self.topics:
                checks += 1
                rights = checks % RIGHTS_EVERY == 0
                await self.channel_layer.send(self.channel_name, {"type": "live.check", "rights": rights})
            await asyncio.sleep(CHECK_EVERY)

    async def _flush(self, topic: str, state: _Topic) -> None:
        while state.next_seq in state.pending:
            await self.send(text_data=state.pending.pop(state.next_seq))
            state.next_seq += 1
        for stale in [s for s in state.pending if s < state.next_seq]:
            del state.pending[stale]
        if state.pending and state.timer is None:
            state.timer = asyncio.create_task(self._wake_after_gap(topic))
        elif not state.pending and state.timer is not None:
            state.timer.cancel()
            state.timer = None

    async def _wake_after_gap(self, topic: str) -> None:
        await asyncio.sleep(GAP_WAIT)
        # Through our own channel, so the fill runs in turn with the other messages.
        await self.channel_layer.send(self.channel_name, {"type": "live.gap", "topic": topic})

    async def _resnapshot(self, topic: str) -> None:
        previous = self.topics.get(topic)
        if previous is not None and previous.timer is not None:
            previous.timer.cancel()
        answer = await database_sync_to_async(selectors.snapshot)(topic=topic)
        state = _Topic(next_seq=answer["seq"] + 1, epoch=answer["epoch"])
        if previous is not None and previous.epoch == state.epoch:
            state.pending = {s: t for s, t in previous.pending.items() if s >= state.next_seq}
        self.topics[topic] = state
        await self.send(text_data=json.dumps(answer, ensure_ascii=False))
        await self._flush(topic, state)

    async def _error(self, topic: str, code: str, detail: str) -> None:
        await self.send(
            text_data=json.dumps({"type": "error", "topic": topic, "code": code, "detail": detail}, ensure_ascii=False)
        )
