"""One websocket per page. The client subscribes to topics, optionally with the last sequence it
saw; the consumer checks permission through the topic's registered rule, replays what was missed
(or sends a snapshot), then forwards new messages. Writes never come through the socket."""

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import registry, selectors
from .services import group_name

CLOSE_FORBIDDEN = 4403


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.topics: set[str] = set()
        await self.accept()

    async def disconnect(self, code):
        for topic in self.topics:
            await self.channel_layer.group_discard(group_name(topic), self.channel_name)

    async def receive_json(self, content, **kwargs):
        action = content.get("action")
        topic = str(content.get("topic", ""))
        if action == "subscribe":
            await self._subscribe(topic, content.get("last_seq"))
        elif action == "unsubscribe" and topic in self.topics:
            self.topics.discard(topic)
            await self.channel_layer.group_discard(group_name(topic), self.channel_name)
        else:
            await self.send_json({"type": "error", "detail": "unknown action"})

    async def _subscribe(self, topic: str, last_seq):
        kind = registry.topic_kind(topic)
        if kind is None:
            await self.send_json({"type": "error", "topic": topic, "detail": "unknown topic"})
            return
        user = self.scope.get("user")
        allowed = await database_sync_to_async(selectors.may_subscribe)(user=user, topic=topic)
        if not allowed:
            if kind.private:
                await self.close(code=CLOSE_FORBIDDEN)
            else:
                await self.send_json({"type": "error", "topic": topic, "detail": "forbidden"})
            return
        # Join first, then catch up: a message published in between arrives twice at worst,
        # and the client drops anything with a sequence it has already seen.
        await self.channel_layer.group_add(group_name(topic), self.channel_name)
        self.topics.add(topic)
        catch_up = await database_sync_to_async(selectors.catch_up)(topic=topic, last_seq=last_seq)
        await self.send_json(catch_up)

    async def live_message(self, event):
        await self.send(text_data=json.dumps(event["envelope"], ensure_ascii=False))
