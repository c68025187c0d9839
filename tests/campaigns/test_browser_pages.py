"""The campaign pages in a real browser at phone width (375px): nothing wider than the screen,
every input labelled, and a resident can pledge with the page's own form."""

import pytest

from campaigns.models import Pledge

from .conftest import make_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW_JS = "() => document.documentElement.scrollWidth"
UNLABELLED_JS = """() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter((el) => !["hidden", "submit", "button"].includes(el.type))
  .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
  .map((el) => el.outerHTML.slice(0, 120))"""


@pytest.fixture
def phone(browser):
    """The suite's one headless Chromium (tests/support/browser.py)."""
    return browser


def _page_as(phone, live_server, client, user):
    context = phone.new_context(viewport={"width": 375, "height": 800}, locale="zh-CN", base_url=live_server.url)
    if user is not None:
        client.force_login(user)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context.new_page()


def test_a_resident_pledges_from_a_phone(phone, live_server, client, olivia, alice, world):
    campaign = make_campaign(olivia, world.a, partners=[{"kind": "station", "id": world.station.pk, "role": "host"}])
    page = _page_as(phone, live_server, client, alice)
    page.goto(f"/campaigns/{campaign.pk}/")
    assert page.evaluate(OVERFLOW_JS) <= 375
    need = campaign.needs.get(dimension="resource")
    box = page.locator(f"#need-{need.pk}")
    box.locator("summary").click()
    assert page.evaluate(UNLABELLED_JS) == []
    box.get_by_label("数量").fill("6")
    box.get_by_role("button", name="提交").click()
    page.wait_for_url("**/campaigns/my-pledges/")
    assert "花苗" in page.content()
    assert Pledge.objects.get().quantity == 6


@pytest.mark.parametrize("path", ["list", "dashboard", "needs", "roster", "my_pledges", "create"])
def test_organiser_pages_fit_a_phone_and_label_every_input(phone, live_server, client, olivia, world, path):
    campaign = make_campaign(olivia, world.a)
    urls = {
        "list": "/campaigns/",
        "dashboard": "/campaigns/dashboard/",
        "needs": f"/campaigns/{campaign.pk}/needs/",
        "roster": f"/campaigns/{campaign.pk}/roster/",
        "my_pledges": "/campaigns/my-pledges/",
        "create": "/campaigns/new/",
    }
    page = _page_as(phone, live_server, client, olivia)
    response = page.goto(urls[path])
    assert response.status == 200
    assert page.evaluate(OVERFLOW_JS) <= 375, path
    assert page.evaluate(UNLABELLED_JS) == [], path
