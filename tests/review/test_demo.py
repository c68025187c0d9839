"""The review demo loads on top of the network and campaigns demos, and gives reviewers
something in every state."""

import importlib

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_seeds_review_data():
    from core.demo import DemoContext
    from review.models import Application, FundedItem, Milestone

    ctx = DemoContext()
    for name in ("network.demo", "campaigns.demo", "review.demo"):
        importlib.import_module(name).seed(ctx)
    assert set(Application.objects.values_list("status", flat=True)) == {"approved", "submitted"}
    assert set(FundedItem.objects.values_list("status", flat=True)) == {
        "submitted",
        "approved",
        "rejected",
        "changes_requested",
        "disbursed",
    }
    assert Milestone.objects.first().campaign.status == "completed"
