"""Two problems of 幸福社区 were put to a vote and the vote has closed. The organiser publishes the
result; the resident's open problem page hears of it live and, reloaded, shows how the problem did.
The organiser finds it among the problems waiting for a decision and adopts it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def closed_vote(ctx):
    """Two problems in discussion, put to an approval vote by 李社工, voted on and closed."""
    from problems import services
    from voting import services as voting
    from voting.models import Ballot

    community = ctx.communities["幸福社区"]
    author, neighbour, organiser = ctx.users["wangayi"], ctx.users["zhangshu"], ctx.users["lisg"]
    problems = []
    for title in ("东门健身器材晃动", "3 幢楼顶漏水"):
        problem = services.problem_create(
            author=author, community_id=community.pk, title=title, description="请社区看看。", category="safety"
        )
        services.problem_open_discussion(actor=organiser, problem_id=problem.pk)
        problems.append(problem)
    now = timezone.now()
    ballot = services.problems_put_to_vote(
        actor=organiser,
        community_id=community.pk,
        problem_ids=[p.pk for p in problems],
        question="先修哪一处？",
        method="approval",
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(days=7),
    )
    Ballot.objects.filter(pk=ballot.pk).update(status="open", opens_at=now - timedelta(minutes=1))
    roof = ballot.options.get(ref_id=problems[1].pk).pk
    for voter in (author, neighbour):
        voting.vote_cast(voter=voter, ballot_id=ballot.pk, choices={"options": [roof]})
    voting.ballot_close(ballot_id=ballot.pk, now=now + timedelta(days=8))
    return ballot, problems


def test_the_published_result_reaches_the_problem_and_the_organiser_adopts_it(people, demo_of):
    ctx = demo_of("network", "problems")
    ballot, (_gym, roof) = closed_vote(ctx)

    resident = people("vote-outcome-resident", phone=True)
    resident.login("wangayi")
    page = resident.goto(f"/problems/{roof.pk}/")
    expect(page.locator("[data-status-label]")).to_have_text("投票中")
    expect(page.locator("#outcome-heading")).to_have_count(0)
    expect(page.locator("#live-indicator")).to_have_text("实时")

    organiser = people("vote-outcome-organiser")
    organiser.login("lisg")
    opage = organiser.goto(f"/ballots/{ballot.pk}/")
    opage.get_by_role("button", name="公布结果").click()
    opage.wait_for_load_state()

    # The resident's open page offers the reload by itself.
    note = page.locator("[data-vote-result]")
    expect(note).to_be_visible()
    note.get_by_role("link", name="刷新查看").click()
    outcome = page.locator(".vote-outcome")
    expect(outcome).to_contain_text("投票胜出")
    expect(outcome).to_contain_text("先修哪一处？")
    expect(outcome).to_contain_text("结果已公布，等待社区工作者决定是否采纳。")
    resident.check()
    resident.shot("problem-vote-outcome-phone")
    page.get_by_role("button", name="大字模式").click()
    resident.check()
    page.get_by_role("button", name="大字模式").click()

    opage = organiser.goto("/organiser/problems/")
    awaiting = opage.locator("section", has=opage.locator("#awaiting-heading"))
    expect(awaiting.locator("li.card")).to_have_count(2)
    expect(awaiting.locator("li.card", has_text="东门健身器材晃动")).to_contain_text("未胜出")
    awaiting.locator("li.card", has_text="3 幢楼顶漏水").get_by_role("link", name="去决定是否采纳").click()
    expect(opage.locator(".vote-outcome")).to_contain_text("请参考投票结果")
    opage.select_option("#id_to_status", "adopted")
    opage.fill("#id_reason", "居民投票选出，下月施工")
    opage.click("text=更改状态")
    expect(opage.locator("[data-status-label]")).to_have_text("已采纳")
    organiser.check()
    organiser.shot("problem-vote-outcome-adopted-desktop")

    opage = organiser.goto("/organiser/problems/")
    awaiting = opage.locator("section", has=opage.locator("#awaiting-heading"))
    expect(awaiting.locator("li.card")).to_have_count(1)
