"""Who may and who may not, per endpoint and per role.

alice: donor (resident of A); olivia: organiser of A (the campaign's community); oscar:
organiser of B; rita: reviewer of fund X; charlie: nobody; None: not signed in."""

import pytest

from campaigns.models import Campaign
from funding.models import Payment

from .conftest import GOOD_CARD, make_pool, money_need

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(api_as, alice, kwyr_campaign, webhooks):
    body = (
        api_as(alice)
        .post(
            "/api/funding/pledges/",
            {"need": money_need(kwyr_campaign).pk, "amount_fen": 1_000, **GOOD_CARD},
            format="json",
            HTTP_IDEMPOTENCY_KEY="perm-1",
        )
        .json()
    )
    payment = Payment.objects.get(pk=body["id"])
    webhooks.deliver_for(payment.stripe_payment_intent_id, "payment_intent.succeeded")
    return payment


@pytest.fixture
def people(alice, olivia, oscar, rita, charlie):
    return {"alice": alice, "olivia": olivia, "oscar": oscar, "rita": rita, "charlie": charlie, "anon": None}


def test_payment_detail(api_as, people, payment):
    expect = {"alice": 200, "olivia": 200, "oscar": 403, "rita": 403, "charlie": 403, "anon": 401}
    for who, code in expect.items():
        assert api_as(people[who]).get(f"/api/funding/payments/{payment.pk}/").status_code == code, who


def test_refund(api_as, people, payment):
    expect = {"anon": 401, "alice": 403, "oscar": 403, "rita": 403, "charlie": 403}
    for who, code in expect.items():
        response = api_as(people[who]).post(
            f"/api/funding/payments/{payment.pk}/refunds/", {"amount_fen": 100, "reason": "测试"}, format="json"
        )
        assert response.status_code == code, who
    ok = api_as(people["olivia"]).post(
        f"/api/funding/payments/{payment.pk}/refunds/", {"amount_fen": 100, "reason": "测试"}, format="json"
    )
    assert ok.status_code == 202


def test_refund_by_a_platform_admin(api_as, admin_user, payment):
    response = api_as(admin_user).post(
        f"/api/funding/payments/{payment.pk}/refunds/", {"amount_fen": 100, "reason": "管理员退款"}, format="json"
    )
    assert response.status_code == 202


def test_card_update_only_by_the_donor(api_as, people, payment):
    for who in ("olivia", "oscar", "charlie"):
        response = api_as(people[who]).post(f"/api/funding/payments/{payment.pk}/card/", GOOD_CARD, format="json")
        assert response.status_code == 404, who
    assert api_as(None).post(f"/api/funding/payments/{payment.pk}/card/", GOOD_CARD, format="json").status_code == 401
    # The donor may, but only while the payment needs a new card.
    assert (
        api_as(people["alice"]).post(f"/api/funding/payments/{payment.pk}/card/", GOOD_CARD, format="json").status_code
        == 409
    )


def test_ledger_verify(api_as, people, admin_user):
    expect = {"rita": 200, "alice": 403, "olivia": 403, "oscar": 403, "charlie": 403, "anon": 401}
    for who, code in expect.items():
        assert api_as(people[who]).get("/api/funding/ledger/verify/").status_code == code, who
    assert api_as(admin_user).get("/api/funding/ledger/verify/").json()["ok"] is True


def test_pool_approval_by_the_funder_only(api_as, people, admin_user, world, kwyr_campaign):
    pool = make_pool(admin_user, tier="charity", fund=world.fund_x)
    url = f"/api/funding/pools/{pool.pk}/approvals/"
    for who, code in {"anon": 401, "alice": 403, "olivia": 403, "oscar": 403, "charlie": 403}.items():
        assert api_as(people[who]).post(url, {"campaign": kwyr_campaign.pk}, format="json").status_code == code, who
    response = api_as(people["rita"]).post(
        url, {"campaign": kwyr_campaign.pk, "cap_override_fen": 5_000}, format="json"
    )
    assert response.status_code == 201
    assert api_as(people["rita"]).post(url, {"campaign": kwyr_campaign.pk}, format="json").status_code == 409
    assert api_as(people["rita"]).post(url, {"campaign": 999_999}, format="json").status_code == 404
    assert (
        api_as(people["rita"])
        .post(url, {"campaign": kwyr_campaign.pk, "cap_override_fen": -1}, format="json")
        .status_code
        == 400
    )
    revoke = f"/api/funding/pools/{pool.pk}/approvals/{kwyr_campaign.pk}/"
    assert api_as(people["olivia"]).delete(revoke).status_code == 403
    assert api_as(people["rita"]).delete(revoke).status_code == 200


def test_public_money_and_ledger_for_visible_campaigns(api_as, people, payment, kwyr_campaign):
    for who in people:
        client = api_as(people[who])
        assert client.get(f"/api/funding/campaigns/{kwyr_campaign.pk}/money/").status_code == 200
        ledger = client.get(f"/api/funding/campaigns/{kwyr_campaign.pk}/ledger/")
        assert ledger.status_code == 200 and ledger.json()["totals"]["adds_up"] is True
    Campaign.objects.filter(pk=kwyr_campaign.pk).update(status=Campaign.Status.DRAFT)
    assert api_as(None).get(f"/api/funding/campaigns/{kwyr_campaign.pk}/money/").status_code == 404
    assert api_as(None).get(f"/api/funding/campaigns/{kwyr_campaign.pk}/ledger/").status_code == 404


def test_public_fund_ledger_and_pool_list(api_as, admin_user, world):
    make_pool(admin_user, tier="charity", fund=world.fund_x, budget=50_000)
    response = api_as(None).get(f"/api/funding/funds/{world.fund_x.pk}/ledger/")
    assert response.status_code == 200
    assert response.json()["totals"]["available_fen"] == 50_000
    assert api_as(None).get("/api/funding/funds/999999/ledger/").status_code == 404
    assert len(api_as(None).get("/api/funding/pools/").json()) == 1
    assert api_as(None).get(f"/api/funding/pools/?fund={world.fund_y.pk}").json() == []
    assert api_as(None).get("/api/funding/pools/?fund=x").status_code == 400


def test_list_and_report_queries_stay_bounded(api_as, admin_user, world, kwyr_campaign, django_assert_max_num_queries):
    from funding import matching
    from tests.conftest import make_user

    pool = make_pool(admin_user, approve=[kwyr_campaign])
    for i in range(15):
        matching.match_allocate(
            pledge_id=10_000 + i, campaign_id=kwyr_campaign.pk, donor_id=make_user(f"d{i}").pk, amount_fen=100,
            currency="cny", hold_until_success=False,
        )  # fmt: skip
    with django_assert_max_num_queries(12):
        assert api_as(None).get(f"/api/funding/campaigns/{kwyr_campaign.pk}/ledger/").status_code == 200
    with django_assert_max_num_queries(8):
        assert api_as(None).get("/api/funding/pools/").status_code == 200
    with django_assert_max_num_queries(10):
        assert api_as(None).get(f"/api/funding/campaigns/{kwyr_campaign.pk}/money/").status_code == 200
    assert pool.pk
