"""A newcomer registers on a phone, asks to join her community, the organiser verifies her, and
she sees the notification; the page switches to English and back."""

import re

from playwright.sync_api import expect


def test_register_join_and_get_verified(people, demo):
    resident = people("resident", phone=True)
    page = resident.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_contain_text("众筹微治")
    resident.shot("home-phone")

    page.click("text=注册并加入您的社区")
    page.fill("#id_username", "xiaofang")
    page.fill("#id_display_name", "小方")
    page.fill("#id_password", "short")
    page.fill("#id_password2", "short")
    page.click("button[type=submit].primary")
    expect(page.locator(".field-error").first).to_be_visible()
    resident.shot("register-errors-phone")
    page.fill("#id_password", "neighbour-2026")
    page.fill("#id_password2", "neighbour-2026")
    page.click("button[type=submit].primary")
    expect(page.locator(".messages")).to_contain_text("注册成功")

    page.click("text=幸福社区")
    page.fill("#join-message", "住在 3 幢 2 单元")
    page.click("text=申请加入本社区")
    expect(page.locator(".messages")).to_contain_text("申请已提交")
    expect(page.locator("main .badge.warn")).to_contain_text("审核中")
    resident.shot("community-pending-phone")

    organiser = people("organiser")
    organiser.login("lisg")
    opage = organiser.goto("/organiser/join-requests/")
    row = opage.locator(".request-card", has_text="小方")
    expect(row).to_contain_text("住在 3 幢 2 单元")
    organiser.shot("join-queue-desktop")
    row.get_by_role("button", name="认证").click()
    expect(opage.locator(".messages")).to_contain_text("已认证 小方")

    page = resident.goto("/me/")
    expect(page.locator("#notifications")).to_contain_text("认证居民")
    expect(page.locator("main table.data")).to_contain_text("已认证")
    resident.shot("me-verified-phone")

    page.click("button[value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert re.search(r"/me/$", page.url)
    resident.shot("me-english-phone")
    page.click("button[value=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def test_large_text_mode_persists(people, demo):
    resident = people("elder", phone=True)
    page = resident.goto("/")
    size_before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.click("#large-text-toggle")
    page.reload()
    size_after = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert size_after > size_before
    expect(page.locator("#large-text-toggle")).to_have_attribute("aria-pressed", "true")
    resident.shot("home-large-text-phone")
