"""Giving online on a phone (375px) through Stripe.js: the card goes from the browser to the local
Stripe-compatible server, our page posts only the PaymentMethod id. A declined card is explained
next to the card field; a good card ends with the pledge confirmed by the server's webhook; a card
whose bank asks for 3-D Secure is authenticated in Stripe.js's window and settled by our server
asking Stripe; without JavaScript the page says so and offers the cash alternative."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from tests.support.browser import PHONE, fill_test_card

HAPPY = "幸福社区"
TITLE = "楼道扶手加装"
NEED = "扶手材料费"


def launch_money_campaign(ctx):
    """A live keep-what-you-raise 幸福社区 campaign with one money need, launched by 李社工."""
    from campaigns import services
    from campaigns.models import Campaign, Dimension

    organiser = ctx.users["lisg"]
    now = timezone.now()
    campaign = services.campaign_create(
        actor=organiser,
        title=TITLE,
        story="老楼楼道没有扶手，老人上下楼不安全。想给三个单元装上扶手。",
        community_ids=[ctx.communities[HAPPY].pk],
        starts_at=now - timedelta(hours=1),
        deadline=now + timedelta(days=20),
        money_mode=Campaign.MoneyMode.KEEP_WHAT_YOU_RAISE,
        tags=["elderly"],
    )
    services.need_create(
        actor=organiser, campaign_id=campaign.pk, dimension=Dimension.MONEY, title=NEED, target=200_000
    )
    services.campaign_transition(actor=organiser, campaign_id=campaign.pk, to=Campaign.Status.IN_REVIEW)
    services.campaign_transition(actor=organiser, campaign_id=campaign.pk, to=Campaign.Status.LIVE)
    return campaign


def open_give_page(session, campaign):
    page = session.goto(f"/campaigns/{campaign.pk}/")
    page.locator(".card.need", has_text=NEED).get_by_role("link", name="我要捐款").click()
    expect(page.locator("h1")).to_have_text("我要捐款")
    expect(page.locator("[data-card-element] input").first).to_be_visible()
    return page


def payment_of(pk):
    from funding.models import Payment

    return Payment.objects.get(pk=pk)


def test_resident_gives_through_stripe_js_and_the_webhook_confirms(people, demo_of):
    from campaigns.models import Pledge
    from funding.models import Payment

    ctx = demo_of("network", "problems", "voting", "campaigns")
    campaign = launch_money_campaign(ctx)
    resident = people("giver", phone=True)
    resident.login("wangayi")

    page = open_give_page(resident, campaign)
    resident.check()
    resident.shot("give-phone")
    # Large text: still no sideways scrolling at phone width.
    page.get_by_role("button", name="大字模式").click()
    expect(page.locator("html")).to_have_class("large-text")
    resident.check()
    resident.shot("give-large-text-phone")
    page.get_by_role("button", name="大字模式").click()
    expect(page.locator("html")).not_to_have_class("large-text")

    # Sending without a card is stopped in the browser, in our words, next to the card field.
    page.get_by_label("捐款金额（元）").fill("50")
    page.get_by_role("button", name="确认捐款").click()
    expect(page.locator("#card-errors")).to_contain_text("请填写完整的卡号")
    assert not Payment.objects.exists()

    # A card the bank declines: the page comes back with the reason at the card field.
    fill_test_card(page, "4000 0000 0000 0002")
    page.get_by_role("button", name="确认捐款").click()
    expect(page.locator("#card-errors")).to_contain_text("银行卡被拒绝")
    expect(page.get_by_label("捐款金额（元）")).to_have_value("50")
    resident.check()
    resident.shot("give-declined-phone")
    assert Payment.objects.get().status == Payment.Status.FAILED

    # A good card: Stripe.js makes the PaymentMethod, the local server's webhook confirms the pledge.
    fill_test_card(page, "4242 4242 4242 4242")
    page.get_by_role("button", name="确认捐款").click()
    expect(page.locator("h1")).to_contain_text("50.00")
    expect(page.locator("[role=status]").last).to_contain_text("已扣款成功", timeout=30000)
    paid = Payment.objects.get(status=Payment.Status.SUCCEEDED)
    assert paid.stripe_payment_method_id.startswith("pm_") and paid.amount_fen == 5_000
    assert Pledge.objects.get(pk=paid.pledge_id).status == Pledge.Status.FULFILLED
    resident.check()
    resident.shot("give-succeeded-phone")


def test_the_bank_asks_for_3d_secure(people, demo_of):
    from campaigns.models import Pledge
    from funding.models import Payment

    ctx = demo_of("network", "problems", "voting", "campaigns")
    campaign = launch_money_campaign(ctx)
    resident = people("giver-3ds", phone=True)
    resident.login("wangayi")
    page = open_give_page(resident, campaign)
    page.get_by_label("捐款金额（元）").fill("30")
    fill_test_card(page, "4000 0027 6000 3184")
    page.get_by_role("button", name="确认捐款").click()

    # Stripe.js opens the bank's window on the payment page; the donor completes it.
    expect(page.locator("h2", has_text="银行验证")).to_be_visible()
    resident.shot("give-3ds-phone")
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.locator("[role=status]").last).to_contain_text("已扣款成功", timeout=30000)
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.FULFILLED
    expect(page.locator("[data-stripe-action]")).to_have_count(0)


def test_without_javascript_the_page_offers_cash_instead(browser, platform, demo_of):
    from core.demo import DEMO_PASSWORD

    ctx = demo_of("network", "problems", "voting", "campaigns")
    campaign = launch_money_campaign(ctx)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=platform.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/login/")
        page.fill("#id_username", "wangayi")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit].primary")
        page.goto(f"/funding/campaigns/{campaign.pk}/give/")
        main = page.locator("main")
        expect(main).to_contain_text("在线捐款需要浏览器开启 JavaScript")
        expect(main).to_contain_text("交给社区工作者")
        expect(page.get_by_role("button", name="确认捐款")).to_be_hidden()
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1]
    finally:
        context.close()
