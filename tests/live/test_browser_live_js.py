"""live.js in headless Chromium: the header's "实时" indicator and unread badge follow the
person's own topic; when the server goes away the indicator says so, and after it comes back the
page catches up on what it missed."""

import pytest
from playwright.sync_api import expect

from tests.conftest import make_user
from tests.support import processes
from tests.support.browser import PHONE, Session

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path):
    """Our own ASGI server, so the test may stop and restart it on the same port."""

    class Server:
        port = processes.free_port()
        proc = None

        def start(self):
            self.proc = processes.start_asgi_server(self.port, tmp_path / "web.log")

        def stop(self):
            processes.stop(self.proc)

    s = Server()
    s.start()
    yield s
    s.stop()


def test_the_badge_follows_notifications_and_catches_up_after_a_reconnect(browser, server, transactional_db):
    from accounts import services

    person = make_user("xiaofang", display_name="小方")
    services.notification_send(user=person, kind="test", title="欢迎加入")
    tab = Session(browser, f"http://127.0.0.1:{server.port}", "live", PHONE)
    try:
        tab.login("xiaofang", "correct-horse-9")
        page = tab.goto("/")
        indicator = page.locator("#live-indicator")
        badge = page.locator("[data-unread-badge]")
        expect(indicator).to_have_text("实时")
        expect(badge).to_have_text("1")
        expect(badge).to_have_attribute("aria-label", "1 条未读通知")

        services.notification_send(user=person, kind="test", title="第二条通知")
        expect(badge).to_have_text("2")
        tab.shot("live-badge-phone")

        server.stop()
        expect(indicator).to_have_text("重新连接中…")
        expect(indicator).to_have_class("live-indicator reconnecting")
        for n in range(3):  # published by this process while no browser can hear it
            services.notification_send(user=person, kind="test", title=f"错过的通知 {n}")
        server.start()
        expect(indicator).to_have_text("实时", timeout=20000)
        expect(badge).to_have_text("5")

        # Asking for someone else's private topic gets the socket closed; the page drops that
        # topic, reconnects at once and keeps its own.
        page.evaluate("window.ZCLive.subscribe('user.999999', function () {})")
        services.notification_send(user=person, kind="test", title="之后的通知")
        expect(badge).to_have_text("6")
        expect(indicator).to_have_text("实时")
        # Chromium itself logs each refused reconnect while the server was down; nothing else.
        unexpected = [e for e in tab.console_errors if "ERR_CONNECTION_REFUSED" not in e]
        assert not unexpected, unexpected
    finally:
        tab.close()
