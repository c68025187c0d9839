"""Funding fixtures: a local Stripe test server for the session (the real SDK talks HTTP to it),
live campaigns in each money mode, pools, and a helper that delivers the server's own events to
our webhook with a valid signature."""

import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import FundReviewer, StationStaff
from campaigns.models import Dimension
from funding import matching
from funding.gateway import get_gateway, reset_gateway
from tests.campaigns.conftest import make_campaign
from tests.conftest import make_user

BACKEND = Path(__file__).resolve().parents[2] / "backend"
GOOD_CARD = {"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
DECLINED_CARD = {**GOOD_CARD, "card_number": "4000000000000002"}  # refused when attached
CHARGE_DECLINED_CARD = {**GOOD_CARD, "card_number": "4000000000000341"}  # attaches, refused when charged


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def stripe_server():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "funding.stripe_server", "--port", str(port), "--no-persist"],
        cwd=BACKEND,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("local Stripe server did not start") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def stripe_base(settings, stripe_server):
    settings.STRIPE_API_BASE = stripe_server
    reset_gateway()
    yield stripe_server
    reset_gateway()


@pytest.fixture(autouse=True)
def _generous_throttle(settings):
    rf = dict(settings.REST_FRAMEWORK)
    rf["DEFAULT_THROTTLE_RATES"] = {**rf["DEFAULT_THROTTLE_RATES"], "matched_giving": "1000/min"}
    settings.REST_FRAMEWORK = rf


def _all(service) -> list[dict]:
    found: list[dict] = []
    params: dict = {"limit": 100}
    while True:
        page = service.list(params=params).to_dict()
        found.extend(page["data"])
        if not page.get("has_more") or not page["data"]:
            return found
        params = {"limit": 100, "starting_after": page["data"][-1]["id"]}


def all_intents() -> list[dict]:
    """Every PaymentIntent the local server holds (it outlives each test's database)."""
    return _all(get_gateway().client.v1.payment_intents)


def sign(payload: bytes, secret: str, at: int | None = None) -> str:
    at = at or int(time.time())
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


class Webhooks:
    """Deliver events the way Stripe does: JSON body, `Stripe-Signature` header."""

    def __init__(self, client, secret: str):
        self.client = client
        self.secret = secret

    def post(self, event: dict, *, signature: str | None = None):
        body = json.dumps(event).encode()
        return self.client.post(
            "/api/funding/webhooks/stripe/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature if signature is not None else sign(body, self.secret),
        )

    def server_events(self, object_id: str, type_: str | None = None) -> list[dict]:
        """The events the local Stripe server itself produced for one object, oldest first."""
        events = _all(get_gateway().client.v1.events)
        found = [e for e in events if e["data"]["object"].get("id") == object_id]
        if type_:
            found = [e for e in found if e["type"] == type_]
        return sorted(found, key=lambda e: e["created"])

    def synthesise(self, type_: str, obj: dict, event_id: str) -> dict:
        """An event the local server does not send (see docs/payments.md), shaped like Stripe's."""
        return {"id": event_id, "object": "event", "type": type_, "created": int(time.time()), "data": {"object": obj}}

    def deliver_for(self, object_id: str, type_: str | None = None) -> list:
        return [self.post(e) for e in self.server_events(object_id, type_)]


@pytest.fixture
def webhooks(settings, stripe_base):
    from rest_framework.test import APIClient

    return Webhooks(APIClient(), settings.STRIPE_WEBHOOK_SECRET)


def payment_method_for(card: dict) -> str:
    """A PaymentMethod made on the local server from a test card, as Stripe.js makes it in the
    donor's browser; our pages and API then receive only its `pm_…` id."""
    return get_gateway().create_test_card(
        number=card["card_number"], exp_month=card["exp_month"], exp_year=card["exp_year"], cvc=card["cvc"],
        key=f"test-pm-{time.time_ns()}",
    )  # fmt: skip


def money_need(campaign):
    return campaign.needs.get(dimension=Dimension.MONEY)


def money_campaign(olivia, community, *, mode="keep_what_you_raise", days=5, target=500_000, **extra):
    now = timezone.now()
    return make_campaign(
        olivia,
        community,
        money_mode=mode,
        deadline=now + timedelta(days=days),
        needs=[{"dimension": Dimension.MONEY, "title": "购买花盆和土", "target": target, "allow_over_pledge": True}],
        **extra,
    )


@pytest.fixture
def kwyr_campaign(olivia, world):
    return money_campaign(olivia, world.a, mode="keep_what_you_raise")


@pytest.fixture
def aon_short_campaign(olivia, world):
    return money_campaign(olivia, world.a, mode="all_or_nothing", days=5, target=10_000)


@pytest.fixture
def aon_long_campaign(olivia, world):
    return money_campaign(olivia, world.a, mode="all_or_nothing", days=30, target=10_000)


@pytest.fixture
def admin_user(world):
    from tests.conftest import make_user

    return make_user("boss", is_superuser=True, is_staff=True)


def make_pool(admin, *, tier="city", budget=1_000_000, approve=(), **extra):
    now = timezone.now()
    defaults = {
        "name": extra.pop("name", f"{tier} 配捐池"),
        "tier": tier,
        "budget_fen": budget,
        "starts_at": extra.pop("starts_at", now - timedelta(days=1)),
        "ends_at": extra.pop("ends_at", now + timedelta(days=60)),
    }
    pool = matching.pool_create(actor=admin, **defaults, **extra)
    for campaign in approve:
        matching.pool_approve_campaign(actor=admin, pool_id=pool.pk, campaign_id=campaign.pk)
    return pool


@pytest.fixture
def ruth(world):
    """Reviewer of the other fund (Y): no rights over fund X's pools."""
    user = make_user("ruth", display_name="周评审")
    FundReviewer.objects.create(user=user, fund=world.fund_y)
    return user


@pytest.fixture
def sam(world):
    """Social worker of the station in township 1 (百丈街道)."""
    user = make_user("sam", display_name="孙社工")
    StationStaff.objects.create(user=user, station=world.station)
    return user


@pytest.fixture
def pool_x(admin_user, world):
    return make_pool(admin_user, tier="charity", fund=world.fund_x, name="幸福配捐", budget=100_000)


@pytest.fixture
def donor(world):
    return make_user("donor", display_name="热心居民")


@pytest.fixture
def boss(world):
    """A platform admin (superuser)."""
    return make_user("boss", is_superuser=True)
