"""Cheap product-quality checks over the pages people use most, on a 375px phone: every input has a
label, every image has alt text, nothing scrolls sideways (also in large-text mode), and switching
to English keeps the page. Problems on all pages are gathered, so one run lists them all."""

import re

import pytest
from playwright.sync_api import expect


def resident_pages(ctx) -> list[str]:
    from campaigns.models import Campaign
    from problems.models import Problem
    from voting.models import Ballot

    happy = ctx.communities["幸福社区"]
    paths = ["/", "/problems/", "/problems/new/", "/ballots/", "/campaigns/", "/campaigns/my-pledges/", "/me/"]
    paths += ["/network/", f"/communities/{happy.pk}/", f"/network/funds/{ctx.objects['fund'].pk}/", "/me/volunteer/"]
    paths += [f"/problems/{pk}/" for pk in Problem.objects.filter(community=happy).values_list("pk", flat=True)]
    for ballot in Ballot.objects.order_by("pk"):
        paths.append(f"/ballots/{ballot.pk}/")
        paths.append(f"/ballots/{ballot.pk}/receipts/")
    for campaign in Campaign.objects.exclude(status="draft").order_by("pk"):
        paths.append(f"/campaigns/{campaign.pk}/")
    paths.append(f"/funding/campaigns/{ctx.objects['campaigns']['lobby'].pk}/money/")
    return paths


def problems_on(session) -> list[str]:
    try:
        session.check()
    except AssertionError as exc:
        return [str(exc)]
    return []


def test_resident_pages_fit_a_phone_and_are_labelled(people, demo_of):
    ctx = demo_of("network", "problems", "voting", "campaigns", "funding")
    resident = people("sweep", phone=True)
    resident.login("wangayi")
    found: list[str] = []
    paths = resident_pages(ctx)
    for path in paths:
        response = resident.page.goto(path)
        if response.status >= 500:
            found.append(f"{path}: HTTP {response.status}")
            continue
        found += problems_on(resident)

    assert len(paths) >= 25, paths
    resident.page.click("#large-text-toggle")
    expect(resident.page.locator("html")).to_have_class(re.compile("large-text"))
    for path in paths:
        resident.page.goto(path)
        found += [f"large text: {p}" for p in problems_on(resident)]
    resident.page.click("#large-text-toggle")

    assert not found, "\n".join(found)


def test_language_switch_keeps_the_page(people, demo_of):
    demo_of("network", "problems", "voting")
    resident = people("sweep-english", phone=True)
    resident.login("wangayi")
    page = resident.goto("/ballots/?status=open")
    page.get_by_role("link", name="社区活动室开放时间").click()
    ballot_url = page.url
    page.click("button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == ballot_url
    expect(page.get_by_role("link", name="Ballots").first).to_be_visible()
    facts = page.locator(".facts")
    expect(facts).to_contain_text("Opens: ")
    assert "：" not in facts.inner_text()  # no Chinese punctuation left in the English page
    resident.check()
    resident.shot("ballot-english-phone")
    page.click("button[value=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert page.url == ballot_url


def organiser_pages(ctx) -> list[str]:
    campaigns = ctx.objects["campaigns"]
    lobby, flowers = campaigns["lobby"].pk, campaigns["flowers"].pk
    happy = ctx.communities["幸福社区"].pk
    return [
        "/organiser/join-requests/",
        "/organiser/consents/",
        "/organiser/problems/",
        f"/organiser/problems/{happy}/vote/",
        "/ballots/new/",
        "/campaigns/new/",
        "/campaigns/dashboard/",
        f"/campaigns/{lobby}/needs/",
        f"/campaigns/{lobby}/edit/",
        f"/funding/campaigns/{lobby}/money/",
        f"/review/campaigns/{lobby}/",
        f"/campaigns/{lobby}/accountability/",
        f"/campaigns/{flowers}/",
    ]


@pytest.mark.parametrize("username", ["lisg", "huangsg"])
def test_organiser_pages_fit_a_phone_and_are_labelled(people, demo_of, username):
    ctx = demo_of("network", "problems", "voting", "campaigns", "funding")
    organiser = people(f"sweep-{username}", phone=True)
    organiser.login(username)
    found: list[str] = []
    for path in organiser_pages(ctx):
        response = organiser.page.goto(path)
        if response.status >= 500:
            found.append(f"{path}: HTTP {response.status}")
            continue
        found += problems_on(organiser)
    assert not found, "\n".join(found)


def test_the_checks_catch_what_they_look_for(people):
    session = people("sweep-self-test", phone=True)
    page = session.page
    for html, expected in (
        ('<input type="text" name="q">', "inputs without a label"),
        ('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">', "images without alt text"),
        ('<div style="width: 600px">wide</div>', "scrolls sideways"),
    ):
        page.set_content(f"<!DOCTYPE html><meta name=viewport content='width=device-width'><body>{html}</body>")
        with pytest.raises(AssertionError, match=expected):
            session.check()
    page.set_content(
        "<!DOCTYPE html><meta name=viewport content='width=device-width'><body>"
        '<label for="q">搜索</label><input id="q"><img src="data:," alt="照片"></body>'
    )
    session.check()
