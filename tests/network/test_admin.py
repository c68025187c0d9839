"""Every partner and role is editable in Django admin; change lists render with their filters."""

import pytest
from django.test import Client

from accounts.models import CommunityMembership, Notification
from network.models import Donor, VolunteerProfile, VolunteerTeam

ADMIN_PAGES = [
    "network/district",
    "network/township",
    "network/community",
    "network/socialworkstation",
    "network/socialorganisation",
    "network/charityfund",
    "network/donor",
    "network/volunteerteam",
    "network/volunteerprofile",
    "accounts/user",
    "accounts/communitymembership",
    "accounts/stationstaff",
    "accounts/organisationstaff",
    "accounts/fundreviewer",
    "accounts/assistanceconsent",
    "accounts/notification",
]


@pytest.fixture
def admin_client_with_data(world, alice, olivia, rita, admin_user):
    team = VolunteerTeam.objects.create(community=world.a, name="银龄志愿队")
    VolunteerProfile.objects.create(user=alice, team=team, skills="园艺")
    Donor.objects.create(fund=world.fund_x, name="海曙建设集团")
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_the_change_list_and_add_form_render(admin_client_with_data, page):
    assert admin_client_with_data.get(f"/admin/{page}/").status_code == 200
    assert admin_client_with_data.get(f"/admin/{page}/add/").status_code == 200


def test_the_community_change_form_shows_organisers(admin_client_with_data, world):
    html = admin_client_with_data.get(f"/admin/network/community/{world.a.pk}/change/").content.decode()
    assert "李社工" in html or "olivia" in html


def test_the_admin_action_verifies_through_the_service(admin_client_with_data, world):
    from tests.conftest import make_member, make_user

    pending = make_member(make_user("waiting"), world.a, status="pending")
    response = admin_client_with_data.post(
        "/admin/accounts/communitymembership/",
        {"action": "verify_selected", "_selected_action": [pending.pk]},
        follow=True,
    )
    assert response.status_code == 200
    pending.refresh_from_db()
    assert pending.status == CommunityMembership.Status.VERIFIED
    assert Notification.objects.filter(user=pending.user, kind="membership_verified").exists()


def test_non_staff_cannot_open_admin(alice):
    client = Client()
    client.force_login(alice)
    assert client.get("/admin/network/community/").status_code == 302
