"""Pool approvals in the admin: only the pool's managers, through the matching services, and the
running `matched_fen` is never written from the form."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from funding.models import PoolApproval

from .conftest import make_pool

pytestmark = pytest.mark.django_db


def admin_client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_rita(rita):
    """Fund X's reviewer, with staff access to the approvals admin (Django's model permissions)."""
    rita.is_staff = True
    rita.save()
    rita.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="funding", codename__endswith="poolapproval")
    )
    return rita


@pytest.fixture
def staff_ruth(ruth):
    ruth.is_staff = True
    ruth.save()
    ruth.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="funding", codename__endswith="poolapproval")
    )
    return ruth


def test_a_manager_approves_through_the_service(staff_rita, pool_x, kwyr_campaign):
    client = admin_client(staff_rita)
    assert client.get("/admin/funding/poolapproval/add/").status_code == 200
    response = client.post(
        "/admin/funding/poolapproval/add/",
        {"pool": pool_x.pk, "campaign_id": kwyr_campaign.pk, "cap_override_fen": "3000"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    approval = PoolApproval.objects.get()
    assert (approval.pool_id, approval.campaign_id, approval.cap_override_fen) == (pool_x.pk, kwyr_campaign.pk, 3000)
    assert approval.approved_by == staff_rita and approval.revoked_at is None


def test_someone_who_does_not_manage_the_pool_can_neither_add_nor_change(staff_ruth, admin_user, pool_x, kwyr_campaign):
    approval = make_pool(admin_user, tier="charity", fund=pool_x.fund, approve=[kwyr_campaign]).approvals.get()
    client = admin_client(staff_ruth)
    # Ruth reviews fund Y only: no pool she manages, so no add page; fund X's approvals are hers to see only.
    assert client.get("/admin/funding/poolapproval/add/").status_code == 403
    response = client.post("/admin/funding/poolapproval/add/", {"pool": pool_x.pk, "campaign_id": kwyr_campaign.pk})
    assert response.status_code == 403
    response = client.post(f"/admin/funding/poolapproval/{approval.pk}/change/", {"cap_override_fen": "1"})
    assert response.status_code == 403
    approval.refresh_from_db()
    assert approval.cap_override_fen is None and approval.revoked_at is None


def test_a_manager_cannot_pick_another_funders_pool(staff_rita, admin_user, pool_x, kwyr_campaign):
    city = make_pool(admin_user, tier="city")
    response = admin_client(staff_rita).post(
        "/admin/funding/poolapproval/add/", {"pool": city.pk, "campaign_id": kwyr_campaign.pk}
    )
    assert response.status_code == 200
    assert not PoolApproval.objects.exists()


def test_a_bad_campaign_or_cap_is_a_form_error(staff_rita, pool_x, kwyr_campaign):
    client = admin_client(staff_rita)
    response = client.post("/admin/funding/poolapproval/add/", {"pool": pool_x.pk, "campaign_id": "999999"})
    assert response.status_code == 200 and "找不到这个众筹行动" in response.content.decode()
    response = client.post(
        "/admin/funding/poolapproval/add/",
        {"pool": pool_x.pk, "campaign_id": kwyr_campaign.pk, "cap_override_fen": "-5"},
    )
    assert response.status_code == 200 and "上限不能为负数" in response.content.decode()
    assert not PoolApproval.objects.exists()


def test_changing_the_cap_keeps_the_matched_total_taken_meanwhile(staff_rita, admin_user, pool_x, kwyr_campaign):
    from funding import matching

    approval = matching.pool_approve_campaign(actor=admin_user, pool_id=pool_x.pk, campaign_id=kwyr_campaign.pk)
    client = admin_client(staff_rita)
    page = client.get(f"/admin/funding/poolapproval/{approval.pk}/change/")
    assert page.status_code == 200
    # An allocation takes matches after the form was read; the form even posts a forged total.
    PoolApproval.objects.filter(pk=approval.pk).update(matched_fen=4_200)
    response = client.post(
        f"/admin/funding/poolapproval/{approval.pk}/change/",
        {"active": "on", "cap_override_fen": "8000", "matched_fen": "0"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    approval.refresh_from_db()
    assert approval.matched_fen == 4_200
    assert approval.cap_override_fen == 8_000 and approval.revoked_at is None
    assert approval.approved_by == staff_rita


def test_unticking_revokes_and_ticking_approves_again(staff_rita, admin_user, pool_x, kwyr_campaign):
    from funding import matching

    approval = matching.pool_approve_campaign(actor=admin_user, pool_id=pool_x.pk, campaign_id=kwyr_campaign.pk)
    client = admin_client(staff_rita)
    url = f"/admin/funding/poolapproval/{approval.pk}/change/"
    assert client.post(url, {"cap_override_fen": ""}).status_code == 302
    approval.refresh_from_db()
    assert approval.revoked_at is not None
    assert client.post(url, {"active": "on", "cap_override_fen": ""}).status_code == 302
    approval.refresh_from_db()
    assert approval.revoked_at is None
    assert client.post(f"/admin/funding/poolapproval/{approval.pk}/delete/").status_code == 403
    assert PoolApproval.objects.count() == 1
