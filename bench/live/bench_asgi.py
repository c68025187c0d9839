"""The platform's ASGI application plus /ws/bare/: the baseline, a consumer that joins one group
and forwards whatever is sent to it, with no sequence, ordering, permission or snapshot work."""

import os

from channels.auth import AuthMiddlewareStack
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path

from config.asgi import django_asgi_app
from live import consumers
from live.routing import websocket_urlpatterns

if os.environ.get("BENCH_CHECK_EVERY"):  # a diagnostic knob: the consumers' periodic position check
    consumers.CHECK_EVERY = float(os.environ["BENCH_CHECK_EVERY"])

BARE_GROUP = "bench.bare"


class BareConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.channel_layer.group_add(BARE_GROUP, self.channel_name)
        await self.accept()
        await self.send(text_data='{"type":"ready"}')

    async def disconnect(self, code):
        await self.channel_layer.group_discard(BARE_GROUP, self.channel_name)

    async def bare_message(self, event):
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, path("ws/bare/", BareConsumer.as_asgi())])),
    }
)
