"""Live fixtures: a test topic kind, clean per-topic state in Redis, and websocket clients that
go through the real ASGI stack (origin check, session cookie authentication, routing)."""

import pytest

from live import registry, store
from tests.live.support import Sockets


@pytest.fixture(autouse=True)
def _clean_live_state():
    """Sequences and logs start empty in each test (keys carry this run's prefix)."""

    r, pattern = store.main_client(), f"{store.prefix()}:*"  # before any test points settings elsewhere

    def wipe():
        keys = list(r.scan_iter(match=pattern, count=500))
        if keys:
            r.delete(*keys)

    wipe()
    yield
    wipe()


class Room:
    """State behind the `room.<name>` test topics: `room.open` is public, `room.staff` is for
    olivia only and not private (refused with an error), `room.secret` is private to olivia."""

    def __init__(self):
        self.value = 0


@pytest.fixture
def room(monkeypatch):
    state = Room()

    def may_subscribe(user, object_id: str) -> bool:
        return object_id == "open" or (user.is_authenticated and user.username == "olivia")

    monkeypatch.setitem(
        registry._kinds,
        "room",
        registry.TopicKind(kind="room", may_subscribe=may_subscribe, snapshot=lambda _id: {"value": state.value}),
    )
    monkeypatch.setitem(
        registry._kinds,
        "vault",
        registry.TopicKind(
            kind="vault", may_subscribe=may_subscribe, snapshot=lambda _id: {"value": state.value}, private=True
        ),
    )
    return state


@pytest.fixture
def sockets():
    """`await sockets(user)` → a connected websocket (anonymous for None), closed after the test."""
    return Sockets()
