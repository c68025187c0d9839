"""The demo loads once, with every kind of partner and a join request waiting."""

import pytest

from accounts.models import CommunityMembership
from core.demo import seed_demo
from network.models import CharityFund, Community, SocialWorkStation, VolunteerTeam


@pytest.mark.django_db
def test_the_network_demo_loads_once():
    from core.demo import DemoContext
    from network import demo

    ctx = DemoContext()
    demo.seed(ctx)
    assert Community.objects.count() == 4
    assert SocialWorkStation.objects.count() == 2
    assert CharityFund.objects.get().donors.count() == 2
    assert VolunteerTeam.objects.count() == 3
    assert VolunteerTeam.objects.filter(community__isnull=True).count() == 1
    assert CommunityMembership.objects.filter(status="pending").count() == 2
    assert seed_demo() is False, "a second load changes nothing"
