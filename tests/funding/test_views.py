"""Pages: give, follow a payment, refund, public accounts with CSV."""

import pytest
from django.test import Client

from campaigns.models import Pledge
from funding.models import Payment, Refund

from .conftest import DECLINED_CARD, GOOD_CARD, make_pool, money_need, payment_method_for

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    if user is not None:
        c.force_login(user)
    return c


def give_data(need, card=GOOD_CARD, **extra):
    """The form as the page posts it: the card became a PaymentMethod in the browser (Stripe.js)."""
    data = {"need": need.pk, "amount_yuan": "20.00", "idempotency_key": "page-1", **extra}
    data.setdefault("payment_method", payment_method_for(card))
    return data


def test_the_give_page_has_labelled_fields_and_explains_the_mode(alice, kwyr_campaign, stripe_base):
    response = client_for(alice).get(f"/funding/campaigns/{kwyr_campaign.pk}/give/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_amount_yuan"' in html and 'type="hidden" name="payment_method"' in html
    assert 'name="card_number"' not in html and 'name="cvc"' not in html  # the card goes to Stripe only
    assert "提交后立即扣款" in html
    assert "consent_to_charge_later" not in html


def test_signed_out_people_are_sent_to_log_in(kwyr_campaign):
    response = client_for(None).get(f"/funding/campaigns/{kwyr_campaign.pk}/give/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_giving_redirects_to_the_payment_page(alice, kwyr_campaign, stripe_base):
    need = money_need(kwyr_campaign)
    response = client_for(alice).post(f"/funding/campaigns/{kwyr_campaign.pk}/give/", give_data(need))
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/funding/payments/{payment.pk}/"
    assert payment.amount_fen == 2_000
    # Stripe has taken the money; its webhook has not come. The page, reloading while it waits,
    # asks Stripe itself and shows the outcome.
    page = client_for(alice).get(response["Location"])
    assert page.status_code == 200 and "已扣款成功，谢谢您的支持！" in page.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


def test_a_saved_card_is_shown_saved_without_waiting_for_stripes_event(alice, olivia, aon_long_campaign, stripe_base):
    """The local Stripe server never sends `setup_intent.succeeded` (and a real event can be late):
    the donor's waiting page finds the card saved by asking Stripe."""
    need = money_need(aon_long_campaign)
    client = client_for(alice)
    response = client.post(
        f"/funding/campaigns/{aon_long_campaign.pk}/give/", give_data(need, consent_to_charge_later="on")
    )
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PROCESSING and payment.stripe_setup_intent_id
    # Someone else's look at the page (the organiser's) asks Stripe nothing and changes nothing.
    assert "正在等待支付机构确认" in client_for(olivia).get(response["Location"]).content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PROCESSING

    html = client.get(response["Location"]).content.decode()

    assert "银行卡已保存。行动成功后扣款；未达成则不会扣款。" in html
    assert 'http-equiv="refresh"' not in html
    payment.refresh_from_db()
    assert payment.status == Payment.Status.METHOD_SAVED
    assert Pledge.objects.get(pk=payment.pledge_id).status == Pledge.Status.CONFIRMED


def test_bad_amount_shows_an_inline_error_and_stores_nothing(alice, kwyr_campaign, stripe_base):
    need = money_need(kwyr_campaign)
    response = client_for(alice).post(f"/funding/campaigns/{kwyr_campaign.pk}/give/", give_data(need, amount_yuan="0"))
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not Payment.objects.exists() and not Pledge.objects.exists()


def test_a_declined_card_is_explained_on_the_page(alice, kwyr_campaign, stripe_base):
    need = money_need(kwyr_campaign)
    response = client_for(alice).post(
        f"/funding/campaigns/{kwyr_campaign.pk}/give/", give_data(need, card=DECLINED_CARD)
    )
    assert response.status_code == 400
    assert "银行卡被拒绝" in response.content.decode()


def test_a_long_all_or_nothing_campaign_asks_for_consent(alice, aon_long_campaign, stripe_base):
    url = f"/funding/campaigns/{aon_long_campaign.pk}/give/"
    assert "consent_to_charge_later" in client_for(alice).get(url).content.decode()
    response = client_for(alice).post(url, give_data(money_need(aon_long_campaign)))
    assert response.status_code == 400
    assert not Payment.objects.exists()
    ok = client_for(alice).post(url, give_data(money_need(aon_long_campaign), consent_to_charge_later="on"))
    assert ok.status_code == 302


def test_payment_page_permissions_and_refund_by_the_organiser(
    alice, olivia, oscar, kwyr_campaign, webhooks, django_capture_on_commit_callbacks
):
    need = money_need(kwyr_campaign)
    client_for(alice).post(f"/funding/campaigns/{kwyr_campaign.pk}/give/", give_data(need))
    payment = Payment.objects.get()
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    url = f"/funding/payments/{payment.pk}/"
    assert client_for(oscar).get(url).status_code == 404
    assert "提交退款" not in client_for(alice).get(url).content.decode()
    assert "提交退款" in client_for(olivia).get(url).content.decode()
    assert client_for(oscar).post(f"{url}refund/", {"amount_yuan": "5", "reason": "测试"}).status_code == 302
    assert not Refund.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(olivia).post(f"{url}refund/", {"amount_yuan": "5", "reason": "重复捐款"})
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED


def test_public_accounts_and_csv(alice, kwyr_campaign, webhooks, world, django_assert_max_num_queries):
    from tests.conftest import make_user

    boss = make_user("boss", is_superuser=True)
    make_pool(boss, tier="charity", fund=world.fund_x, approve=[kwyr_campaign])
    need = money_need(kwyr_campaign)
    client_for(alice).post(f"/funding/campaigns/{kwyr_campaign.pk}/give/", give_data(need))
    payment = Payment.objects.get()
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")

    with django_assert_max_num_queries(20):
        page = client_for(None).get(f"/funding/campaigns/{kwyr_campaign.pk}/money/")
    html = page.content.decode()
    assert page.status_code == 200 and "收支相符" in html and "40.00" in html
    csv = client_for(None).get(f"/funding/campaigns/{kwyr_campaign.pk}/money.csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("seq,") and len(lines) == 1 + 3  # donation, match reserved, committed

    fund_page = client_for(None).get(f"/funding/funds/{world.fund_x.pk}/money/")
    assert fund_page.status_code == 200 and "预算 = 已配捐 + 预留中 + 剩余" in fund_page.content.decode()
    assert client_for(None).get(f"/funding/funds/{world.fund_x.pk}/money.csv").status_code == 200
    assert client_for(None).get("/funding/funds/99999/money/").status_code == 404


def test_the_money_summary_include_renders_for_the_campaign_page(kwyr_campaign):
    from django.template import Context, Template

    html = Template("{% load funding_tags %}{% campaign_money campaign.pk %}").render(
        Context({"campaign": kwyr_campaign})
    )
    assert f'data-money-campaign="{kwyr_campaign.pk}"' in html and "市级配捐" in html


def test_the_give_page_shares_the_matched_giving_rate_limit(alice, kwyr_campaign, stripe_base, settings):
    from django.core.cache import cache

    rf = dict(settings.REST_FRAMEWORK)
    rf["DEFAULT_THROTTLE_RATES"] = {**rf["DEFAULT_THROTTLE_RATES"], "matched_giving": "1/min"}
    settings.REST_FRAMEWORK = rf
    cache.clear()
    need = money_need(kwyr_campaign)
    client = client_for(alice)
    url = f"/funding/campaigns/{kwyr_campaign.pk}/give/"
    assert client.post(url, give_data(need, idempotency_key="p-1")).status_code == 302
    assert client.post(url, give_data(need, idempotency_key="p-2")).status_code == 429
    assert Payment.objects.count() == 1


def test_the_public_accounts_speak_english_too(kwyr_campaign):
    response = client_for(None).get(f"/funding/campaigns/{kwyr_campaign.pk}/money/", HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "Public accounts" in html and "City match" in html


def test_a_fund_reviewer_approves_and_revokes_campaigns_on_the_pools_page(
    rita, olivia, admin_user, world, kwyr_campaign
):
    from funding.models import PoolApproval

    own = make_pool(admin_user, tier="charity", fund=world.fund_x, name="幸福配捐")
    other = make_pool(admin_user, tier="charity", fund=world.fund_y, name="阳光配捐")
    page = client_for(rita).get("/funding/pools/")
    html = page.content.decode()
    assert page.status_code == 200 and "幸福配捐" in html and "阳光配捐" not in html
    assert f'for="id_pool{own.pk}_campaign"' in html

    refused = client_for(rita).post("/funding/pools/", {"pool": other.pk, "campaign": kwyr_campaign.pk})
    assert refused.status_code == 400 and not PoolApproval.objects.exists()
    ok = client_for(rita).post(
        "/funding/pools/", {"pool": own.pk, "campaign": kwyr_campaign.pk, "cap_override_yuan": "300"}
    )
    assert ok.status_code == 302
    assert PoolApproval.objects.get(pool=own).cap_override_fen == 30_000
    assert client_for(olivia).post(f"/funding/pools/{own.pk}/approvals/{kwyr_campaign.pk}/revoke/").status_code == 302
    assert PoolApproval.objects.get(pool=own).revoked_at is None  # olivia does not manage it
    client_for(rita).post(f"/funding/pools/{own.pk}/approvals/{kwyr_campaign.pk}/revoke/")
    assert PoolApproval.objects.get(pool=own).revoked_at is not None
    assert "您不是任何配捐池的管理人员" in client_for(olivia).get("/funding/pools/").content.decode()
