"""A social worker of 百丈街道社会工作站 opens the station workspace on a phone, then the member list
and the consent records of one community it serves."""

import re

from playwright.sync_api import expect


def test_a_social_worker_uses_the_station_workspace_on_a_phone(people, demo_of):
    demo_of("network", "problems", "campaigns")
    worker = people("station-worker", phone=True)
    worker.login("xusg")

    page = worker.goto("/")
    page.locator(".main-nav").get_by_role("link", name="社工站").click()
    expect(page.locator("h1")).to_have_text("社工站工作台")
    cards = page.locator("main .card-list > li.card")
    expect(cards).to_have_count(2)
    happy = cards.filter(has_text="幸福社区")
    expect(happy).to_contain_text("位认证成员")
    expect(happy).to_contain_text("条代为参与记录")
    expect(happy).to_contain_text("个待处理问题")
    expect(page.locator("main")).not_to_contain_text("百老弄社区")  # served by the other station
    worker.check()
    worker.shot("station-workspace-phone")

    happy.get_by_role("link", name="位认证成员").click()
    expect(page.locator("h1")).to_have_text("社区成员")
    expect(page).to_have_title(re.compile("^社区成员"))
    expect(page.locator("main .lead")).to_contain_text("入会申请由各社区的社区工作者审核")
    expect(page.locator("#queue-status option")).to_have_count(1)
    expect(page.locator("main .request-card").first).to_be_visible()
    expect(page.locator("main button[name=decision]")).to_have_count(0)
    expect(page.get_by_role("link", name="重设密码").first).to_be_visible()
    worker.check()
    worker.shot("station-members-phone")

    page.go_back()
    page.locator("main .card-list > li.card", has_text="幸福社区").get_by_role("link", name="条代为参与记录").click()
    expect(page.locator("h1")).to_have_text("代为参与登记")
    expect(page.locator("main h2").first).to_contain_text("幸福社区")
    worker.check()
    worker.shot("station-consents-phone")
