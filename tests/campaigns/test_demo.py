import importlib

import pytest


@pytest.mark.django_db
def test_the_demo_seeds_campaigns_at_several_stages_with_pledges_in_every_dimension():
    from campaigns.models import Campaign, Need, Pledge
    from core.demo import DemoContext

    ctx = DemoContext()
    for name in ("network.demo", "problems.demo", "voting.demo", "campaigns.demo"):
        importlib.import_module(name).seed(ctx)
    statuses = set(Campaign.objects.values_list("status", flat=True))
    assert {"live", "delivering", "draft"} <= statuses
    assert set(Pledge.objects.values_list("need__dimension", flat=True)) == {
        "project",
        "idea",
        "resource",
        "money",
        "people",
    }
    for need in Need.objects.all():
        active = Pledge.objects.filter(need=need, status__in=Pledge.ACTIVE)
        values = [p.value for p in active.select_related("need")]
        assert need.pledged_total == sum(values), need
