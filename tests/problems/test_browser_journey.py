"""A resident raises a problem with a photo on her phone; a neighbour says 我也关心 and her open page
counts it live; the organiser opens the discussion; a comment is reported and hidden."""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def neighbourhood(demo_of):
    """The partner network and the problems demo only, so this journey depends on nothing else."""
    return demo_of("network", "problems")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_raise_endorse_discuss_and_moderate(people, neighbourhood, tmp_path):
    photo = tmp_path / "slide.png"
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 60)).save(buf, "PNG")
    photo.write_bytes(buf.getvalue())

    resident = people("problem-resident", phone=True)
    resident.login("wangayi")
    page = resident.goto("/problems/")
    expect(page.locator("h1")).to_contain_text("社区问题")
    assert no_sideways_scroll(page)
    resident.shot("problems-list-phone")

    page.click("text=提出问题")
    page.fill("#id_title", "健身器材螺丝松了")
    page.fill("#id_description", "小区东门的健身器材有两颗螺丝松了，老人用的时候晃得厉害。")
    page.select_option("#id_category", "safety")
    page.check("text=一老")
    page.fill("#id_place", "东门健身角")
    page.set_input_files("#id_photos", str(photo))
    assert no_sideways_scroll(page)
    resident.shot("problem-new-phone")
    page.click("text=提交问题")
    expect(page.locator(".message")).to_contain_text("问题已提出")
    expect(page.locator("h1")).to_contain_text("健身器材螺丝松了")
    expect(page.locator(".photos img")).to_have_count(1)
    expect(page.locator("#live-indicator")).to_be_visible()
    problem_url = page.url
    assert no_sideways_scroll(page)
    resident.shot("problem-detail-phone")

    neighbour = people("problem-neighbour")
    neighbour.login("zhangshu")
    npage = neighbour.goto(problem_url)
    npage.click("button:has-text('我也关心')")
    expect(npage.locator(".message")).to_contain_text("已有 1 位邻居")
    # The resident's open page counts it without a reload.
    expect(page.locator(".big-count [data-endorsements]")).to_have_text("1")

    npage.fill("#id_body", "东门那边晚上也没有灯，一起反映一下。")
    npage.click("text=发表评论")
    expect(npage.locator(".comment")).to_contain_text("晚上也没有灯")
    expect(page.locator("[data-comment-count]")).to_have_text("1")
    # The author's "回复" and "删除" are boxes of one height on one line, their text centred in them
    # (measured once the page after the post has loaded its stylesheets).
    npage.wait_for_load_state("load")
    actions = npage.locator(".comment .comment-actions").first
    reply = actions.locator("summary", has_text="回复").bounding_box()
    delete = actions.get_by_role("button", name="删除").bounding_box()
    assert abs(reply["y"] - delete["y"]) < 1 and abs(reply["height"] - delete["height"]) < 1, (reply, delete)

    organiser = people("problem-organiser")
    organiser.login("lisg")
    opage = organiser.goto(problem_url)
    opage.select_option("#id_to_status", "discussing")
    opage.fill("#id_reason", "安排下周居民议事会讨论")
    opage.click("text=更改状态")
    expect(opage.locator(".message")).to_contain_text("讨论中")
    expect(opage.locator(".history")).to_contain_text("安排下周居民议事会讨论")
    expect(page.locator("[data-status-changed]")).to_be_visible()
    organiser.shot("problem-organiser-desktop")

    page.reload()
    comment = page.locator(".comment", has_text="晚上也没有灯")
    comment.locator("summary", has_text="举报").click()
    comment.locator("input[name=reason]").fill("测试举报")
    comment.locator("text=提交举报").click()
    expect(page.locator(".message")).to_contain_text("已举报")

    qpage = organiser.goto("/organiser/problems/")
    row = qpage.locator("tr", has_text="晚上也没有灯")
    row.locator("input[name=reason]").fill("与本问题无关")
    row.locator("text=隐藏评论").click()
    expect(qpage.locator(".message")).to_contain_text("评论已隐藏")
    organiser.shot("problems-moderation-desktop")
    page.reload()
    expect(page.locator(".comments")).to_contain_text("与本问题无关")

    # Large text on a phone still fits the screen.
    page.click("#large-text-toggle")
    page.reload()
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") >= 22
    assert no_sideways_scroll(page)
    resident.shot("problem-detail-large-text-phone")
