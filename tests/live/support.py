"""Helpers for the live tests: websocket clients through the real ASGI application and a runner
for async tests."""

import asyncio
import contextlib
import functools
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


class Socket:
    """A websocket client through the real ASGI application (origin check, session cookie
    authentication, routing), with the conversation helpers the tests need."""

    def __init__(self, cookie: str | None = None):
        from config.asgi import application

        headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
        if cookie is not None:
            headers.append((b"cookie", cookie.encode()))
        self.communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)

    async def connect(self) -> "Socket":
        connected, _code = await self.communicator.connect()
        assert connected
        return self

    async def send(self, **message: Any) -> None:
        await self.communicator.send_to(text_data=json.dumps(message))

    async def subscribe(self, topic: str, last_seq: int | None = None, epoch: str | None = None) -> dict:
        await self.send(action="subscribe", topic=topic, last_seq=last_seq, epoch=epoch)
        return await self.receive()

    async def receive(self, timeout: float = 3) -> dict:
        output = await self.communicator.receive_output(timeout)
        assert output["type"] == "websocket.send", output
        return json.loads(output["text"])

    async def receive_close(self, timeout: float = 3) -> int:
        output = await self.communicator.receive_output(timeout)
        assert output["type"] == "websocket.close", output
        return output.get("code")

    async def nothing_more(self, timeout: float = 0.5) -> bool:
        return await self.communicator.receive_nothing(timeout)

    async def close(self) -> None:
        await self.communicator.disconnect()


class Sockets:
    """`await sockets(user)` → a connected Socket (anonymous for None)."""

    def __init__(self):
        self.opened: list[Socket] = []

    async def __call__(self, user=None) -> Socket:
        s = Socket(await sync_to_async(session_cookie)(user) if user is not None else None)
        self.opened.append(s)
        return await s.connect()

    async def close_all(self) -> None:
        for s in self.opened:
            with contextlib.suppress(Exception):  # the server already closed it in refusal tests
                await s.close()


def in_own_loop(test):
    """Run an async test in a fresh event loop on a thread of its own, closing its sockets at the
    end. (Once a browser test ran, Playwright's sync API keeps a loop running on the main thread
    for the rest of the session, and no other loop may run there.)"""

    @functools.wraps(test)
    def run(*args, **kwargs):
        async def main():
            try:
                await test(*args, **kwargs)
            finally:
                if isinstance(kwargs.get("sockets"), Sockets):
                    await kwargs["sockets"].close_all()

        with ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, main()).result()

    return run
