"""Browser fixtures, loaded for the whole suite (`-p tests.support.browser` in pyproject.toml) so
that one Playwright instance serves every browser test. Browser journeys: headless Chromium from Debian's packages, driven by Playwright, against a real
ASGI server, a real Celery worker and the local Stripe-compatible server, sharing this test run's
database and Redis."""

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.demo import DEMO_PASSWORD
from tests.support import processes

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("ZC_REQUIRE_BROWSER") == "1" or os.environ.get("CI"):
            pytest.fail("Debian's chromium is required for the browser tests (apt-get install chromium)")
        pytest.skip("chromium is not installed; CI installs it (apt-get install chromium fonts-wqy-zenhei)")
    return path


@pytest.fixture(scope="session")
def platform(django_db_setup, django_db_blocker, tmp_path_factory):
    """The platform as `make run` starts it (ASGI server, Celery worker and the local
    Stripe-compatible server), on this run's database."""
    from django.conf import settings

    logs = tmp_path_factory.mktemp("platform-logs")
    port = processes.free_port()
    stripe_port = processes.free_port()
    # The local Stripe-compatible server keeps its state in memory and signs its webhooks to
    # this run's web server, as `make run` wires it.
    stripe_log = open(logs / "stripe.log", "wb")  # noqa: SIM115 - closed with the process
    stripe = subprocess.Popen(
        [sys.executable, "-m", "funding.stripe_server", "--port", str(stripe_port), "--no-persist",
         "--webhook-url", f"http://127.0.0.1:{port}/api/funding/webhooks/stripe/",
         "--webhook-secret", settings.STRIPE_WEBHOOK_SECRET],
        cwd=processes.BACKEND, env=processes.child_env(), stdout=stripe_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    stripe_env = {"STRIPE_API_BASE": f"http://127.0.0.1:{stripe_port}"}
    worker = server = None
    try:
        processes.wait_for_port(stripe_port, stripe, logs / "stripe.log")
        worker = processes.start_worker(logs / "worker.log", **stripe_env)
        server = processes.start_asgi_server(port, logs / "web.log", **stripe_env)
        yield type("Platform", (), {"url": f"http://127.0.0.1:{port}", "logs": logs})
    finally:
        processes.stop(server)
        processes.stop(worker)
        processes.stop(stripe)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's own database
    # work (fixtures, assertions) is still ordinary synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update"],
        )
        yield b
        b.close()


UNLABELLED_INPUTS_JS = """() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter((el) => !["hidden", "submit", "button", "reset", "image"].includes(el.type))
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
    && !el.getAttribute("aria-labelledby") && !el.getAttribute("title"))
  .map((el) => el.outerHTML.slice(0, 160))"""

IMAGES_WITHOUT_ALT_JS = """() => Array.from(document.querySelectorAll("img:not([alt])"))
  .map((el) => el.outerHTML.slice(0, 160))"""


HTTP_STATUS_LOG = "Failed to load resource: the server responded with a status of"


class Session:
    """One person in one browser context, collecting console errors and taking screenshots."""

    def __init__(self, browser, base_url: str, name: str, viewport: dict):
        self.name = name
        self.base_url = base_url
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=base_url)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.console_errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.page.on("response", self._on_response)

    def _on_console(self, message) -> None:
        # The browser also logs every page answered with a 4xx (a refused form is one); failed
        # sub-resources are caught from their responses instead, so those lines add nothing.
        if message.type == "error" and not message.text.startswith(HTTP_STATUS_LOG):
            self.console_errors.append(message.text)

    def _on_response(self, response) -> None:
        """Any server error, and any failed script, stylesheet, image or fetch, is an error."""
        kind = response.request.resource_type
        if response.status >= 500 or (response.status >= 400 and kind != "document"):
            self.console_errors.append(f"HTTP {response.status} for {kind} {response.url}")

    def goto(self, path: str):
        self.page.goto(path)
        return self.page

    def login(self, username: str, password: str = DEMO_PASSWORD):
        self.goto("/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit].primary")
        self.page.wait_for_load_state()

    def check(self) -> None:
        """The cheap product-quality checks on the page as it is now: every input has a label,
        every image has alt text, and a phone-sized page does not scroll sideways. Waits for the
        page's load event first: after a form post the DOM can be queried before the stylesheet
        applies, and an unstyled photo is as wide as its file."""
        page = self.page
        page.wait_for_load_state("load")
        unlabelled = page.evaluate(UNLABELLED_INPUTS_JS)
        assert not unlabelled, f"inputs without a label on {page.url}: {unlabelled}"
        no_alt = page.evaluate(IMAGES_WITHOUT_ALT_JS)
        assert not no_alt, f"images without alt text on {page.url}: {no_alt}"
        if page.viewport_size["width"] <= PHONE["width"]:
            widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert widths[0] <= widths[1], f"{page.url} scrolls sideways at {widths[1]}px: {widths[0]}px wide"

    def shot(self, label: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self.name}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self):
        self.context.close()


@pytest.fixture
def people(browser, platform, transactional_db):
    """people("resident", phone=True) → a Session; console errors are asserted at the end.

    It asks for the database itself so that its browsers close before the database is emptied
    after the test: a page still open (a live campaign page, a request in flight) keeps the
    server querying, and on PostgreSQL that query and the emptying TRUNCATE can deadlock."""
    sessions: list[Session] = []

    def open_session(name: str, phone: bool = False) -> Session:
        s = Session(browser, platform.url, name, PHONE if phone else DESKTOP)
        sessions.append(s)
        return s

    yield open_session
    errors = {s.name: s.console_errors for s in sessions if s.console_errors}
    for s in sessions:
        s.close()
    assert not errors, f"console errors in the browser: {errors}"


@pytest.fixture
def demo_of(transactional_db):
    """demo_of("network", "problems", "voting") loads only those apps' demo data (in the usual
    order), so a journey does not depend on apps it never visits. Returns the DemoContext."""
    from django.db import transaction

    from core.demo import SEED_MODULES, DemoContext

    def load(*apps: str):
        unknown = set(apps) - {m.partition(".")[0] for m in SEED_MODULES}
        assert not unknown, f"no demo module for {unknown}"
        ctx = DemoContext()
        with transaction.atomic():
            for module_name in SEED_MODULES:
                if module_name.partition(".")[0] in apps:
                    importlib.import_module(module_name).seed(ctx)
        return ctx

    return load


@pytest.fixture
def demo(transactional_db):
    """The demo data, loaded into this test's database."""
    from core.demo import seed_demo

    seed_demo()


def fill_test_card(page, number: str, *, month: str = "12", year: str = "34", cvc: str = "123") -> None:
    """Type a test card into the card element of a giving page. Stripe.js is the local Stripe
    server's stand-in here: its inputs sit in our page (Stripe's own live in an iframe)."""
    box = page.locator("[data-card-element]")
    box.get_by_label("卡号 Card number").fill(number.replace(" ", ""))
    box.get_by_label("有效期月 Expiry month (MM)").fill(month)
    box.get_by_label("有效期年 Expiry year (YY)").fill(year)
    box.get_by_label("安全码 CVC").fill(cvc)
