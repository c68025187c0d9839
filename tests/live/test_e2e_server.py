"""End to end: a real ASGI server (daphne, its own process) on a loopback port with the Redis
channel layer, real websocket clients (the `websockets` library) authenticated by their session
cookie, and changes made over HTTP."""

import asyncio
import json
import secrets

import pytest
import requests
from asgiref.sync import sync_to_async
from django.test import Client
from websockets.asyncio.client import connect

from accounts import services as account_services
from accounts.models import CommunityMembership
from tests.conftest import make_member, make_user
from tests.live.support import in_own_loop
from tests.support import processes

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(tmp_path):
    port = processes.free_port()
    proc = processes.start_asgi_server(port, tmp_path / "daphne.log")
    yield f"127.0.0.1:{port}"
    processes.stop(proc)


@pytest.fixture
def pending(world):
    """Four residents asking to join community A."""
    people = []
    for name in ("bob", "carol", "dave", "erin"):
        user = make_user(name)
        make_member(user, world.a, status="pending")
        people.append(user)
    return people


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Browser:
    """One person's browser: a session cookie, a websocket to /ws/live/ and HTTP requests."""

    def __init__(self, host: str, session: str):
        self.host, self.session = host, session
        self.csrf = secrets.token_hex(16)  # 32 characters: a valid CSRF secret for cookie and header
        self.ws = None

    async def open(self) -> "Browser":
        self.ws = await connect(
            f"ws://{self.host}/ws/live/",
            origin=f"http://{self.host}",
            additional_headers={"Cookie": f"sessionid={self.session}"},
        )
        return self

    async def subscribe(self, topic: str, last_seq=None, epoch=None) -> dict:
        await self.ws.send(json.dumps({"action": "subscribe", "topic": topic, "last_seq": last_seq, "epoch": epoch}))
        return await self.receive()

    async def receive(self, timeout: float = 10) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def post(self, path: str, data: dict) -> requests.Response:
        return await asyncio.to_thread(
            requests.post,
            f"http://{self.host}{path}",
            data=data,
            cookies={"sessionid": self.session, "csrftoken": self.csrf},
            headers={"X-CSRFToken": self.csrf},
            allow_redirects=False,
            timeout=30,
        )


class JoinQueueView:
    """What an organiser's page does with the organiser topic: keep the number of waiting
    requests from the snapshot and the messages that follow."""

    def __init__(self):
        self.pending = None
        self.seq = None
        self.epoch = None

    def apply(self, message: dict) -> None:
        if message.get("type") == "snapshot":
            self.pending = message["state"]["pending_join_requests"]
            self.seq, self.epoch = message["seq"], message["epoch"]
        elif message.get("type") == "replay":
            for envelope in message["messages"]:
                self.apply(envelope)
            self.seq = message["seq"]
        else:
            assert message["seq"] == self.seq + 1, "a sequence number was skipped"
            self.seq = message["seq"]
            data = message["data"]
            if "pending" in data:  # an absolute number: the page simply shows it
                self.pending = data["pending"]
            else:
                self.pending += {"join_request": 1, "join_request_decided": -1}[data["type"]]


@in_own_loop
async def test_a_change_over_http_reaches_two_clients_and_a_reconnecting_one_catches_up(server, world, olivia, pending):
    bob, carol, dave, erin = pending
    memberships = {
        m.user_id: m.pk async for m in CommunityMembership.objects.filter(community=world.a, status="pending")
    }
    organiser = await Browser(server, await sync_to_async(session_of)(olivia)).open()
    resident = await Browser(server, await sync_to_async(session_of)(bob)).open()
    queue = JoinQueueView()
    queue.apply(await organiser.subscribe(f"organiser.{world.a.pk}"))
    assert queue.pending == 4
    unread = (await resident.subscribe(f"user.{bob.pk}"))["state"]["unread"]
    assert unread == 0

    response = await organiser.post(f"/organiser/join-requests/{memberships[bob.pk]}/decide/", {"decision": "verify"})
    assert response.status_code == 302, response.text
    notification = await resident.receive()
    assert notification["data"]["type"] == "notification"
    assert notification["data"]["kind"] == "membership_verified"
    queue.apply(await organiser.receive())
    assert queue.pending == 3

    # The organiser's tab goes away while three more requests are decided.
    await organiser.ws.close()
    for user, data in (
        (carol, {"decision": "verify"}),
        (dave, {"decision": "reject", "reason": "请先到社区登记住址"}),
        (erin, {"decision": "verify"}),
    ):
        response = await organiser.post(f"/organiser/join-requests/{memberships[user.pk]}/decide/", data)
        assert response.status_code == 302, response.text

    await organiser.open()
    answer = await organiser.subscribe(f"organiser.{world.a.pk}", last_seq=queue.seq, epoch=queue.epoch)
    assert answer["type"] == "replay"
    assert len(answer["messages"]) == 3
    queue.apply(answer)
    assert queue.pending == 0
    fresh = await organiser.subscribe(f"organiser.{world.a.pk}")
    assert fresh["state"]["pending_join_requests"] == queue.pending
    assert fresh["seq"] == queue.seq

    # A message published by another process (this test process, like a Celery worker) reaches
    # the browser through Redis.
    await sync_to_async(account_services.notification_send)(user=bob, kind="test", title="来自后台任务")
    assert (await resident.receive())["data"]["title"] == "来自后台任务"

    await organiser.ws.close()
    await resident.ws.close()


@in_own_loop
async def test_a_client_that_missed_more_than_the_log_holds_gets_the_right_state_from_a_snapshot(
    server, world, olivia, pending, settings
):
    from live import store

    organiser = await Browser(server, await sync_to_async(session_of)(olivia)).open()
    queue = JoinQueueView()
    queue.apply(await organiser.subscribe(f"organiser.{world.a.pk}"))
    await organiser.ws.close()
    for user in pending:
        m = await CommunityMembership.objects.aget(user=user)
        response = await organiser.post(f"/organiser/join-requests/{m.pk}/decide/", {"decision": "verify"})
        assert response.status_code == 302
    # Forget the oldest entries, as a long absence would.
    topic = f"organiser.{world.a.pk}"
    await asyncio.to_thread(store.client(topic).zremrangebyrank, store.log_key(topic), 0, 0)

    await organiser.open()
    answer = await organiser.subscribe(f"organiser.{world.a.pk}", last_seq=queue.seq, epoch=queue.epoch)
    assert answer["type"] == "snapshot"
    queue.apply(answer)
    assert queue.pending == 0
    await organiser.ws.close()
