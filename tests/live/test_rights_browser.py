"""live.js when a right ends while the page is open: signing out in another tab of the same
browser ends the first tab's own topic; the page drops it quietly (badge and indicator hidden,
no error) and follows nothing more."""

import pytest
from playwright.sync_api import expect

from tests.conftest import make_user
from tests.support import processes
from tests.support.browser import PHONE, Session

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path):
    port = processes.free_port()
    proc = processes.start_asgi_server(port, tmp_path / "web.log")
    yield port
    processes.stop(proc)


def test_signing_out_in_another_tab_quietly_ends_the_badge(browser, server, transactional_db):
    from accounts import services

    person = make_user("xiaofang", display_name="小方")
    services.notification_send(user=person, kind="test", title="欢迎加入")
    tab = Session(browser, f"http://127.0.0.1:{server}", "live-rights", PHONE)
    try:
        tab.login("xiaofang", "correct-horse-9")
        page = tab.goto("/")
        indicator = page.locator("#live-indicator")
        badge = page.locator("[data-unread-badge]")
        expect(indicator).to_have_text("实时")
        expect(badge).to_have_text("1")

        other = tab.context.new_page()
        other.goto("/")
        other.locator("form[action='/logout/'] button[type=submit]").click()
        other.wait_for_load_state()

        expect(badge).to_be_hidden()
        expect(indicator).to_be_hidden()
        services.notification_send(user=person, kind="test", title="退出之后的通知")
        page.wait_for_timeout(500)
        expect(badge).to_be_hidden()
        assert page.evaluate("typeof window.ZCLive.subscribe") == "function"
        assert not tab.console_errors, tab.console_errors
    finally:
        tab.close()
