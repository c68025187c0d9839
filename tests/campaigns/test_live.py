"""Live messages and the `campaign` topic."""

import pytest

from campaigns import services
from live import registry

from .conftest import make_campaign


@pytest.fixture
def published(monkeypatch):
    sent = []

    def many(messages):
        sent.extend((topic, type, payload or {}) for topic, type, payload in messages)

    monkeypatch.setattr(
        services, "publish", lambda topic, type, payload=None: sent.append((topic, type, payload or {}))
    )
    monkeypatch.setattr(services, "publish_many", many)
    return sent


def test_a_pledge_announces_the_pledger_with_absolute_progress_and_the_organiser_queue(published, alice, needs, world):
    need = needs["resource"]
    services.pledge_create(user=alice, need=need, quantity=30)
    services.pledge_create(user=alice, need=need, quantity=5, anonymous=True)
    pledges = [p for t, k, p in published if k == "pledge"]
    assert (pledges[-1]["pledged"], pledges[-1]["target"], pledges[-1]["count"]) == (35, 100, 2)
    assert (pledges[-1]["confirmed"], pledges[-1]["fulfilled"]) == (0, 0)
    assert [(p["name"], p["dimension"], p["quantity"]) for p in pledges] == [
        ("王阿姨", "resource", 30),
        ("匿名", "resource", 5),
    ]
    assert (pledges[-1]["dimension_label"], pledges[-1]["need"], pledges[-1]["need_title"]) == (
        "筹资源",
        need.pk,
        "花苗",
    )
    topics = {t for t, k, p in published}
    assert f"campaign.{need.campaign_id}" in topics and f"organiser.{world.a.pk}" in topics


def test_progress_carries_each_need_absolute_numbers_the_page_sums_per_dimension(published, olivia, alice, world):
    from campaigns.models import Dimension

    campaign = make_campaign(
        olivia,
        world.a,
        needs=[
            {"dimension": Dimension.RESOURCE, "title": "花苗", "target": 100},
            {"dimension": Dimension.RESOURCE, "title": "花盆", "target": 10},
        ],
    )
    seedlings, pots = campaign.needs.order_by("pk")
    services.pledge_confirm(actor=olivia, pledge_id=services.pledge_create(user=alice, need=pots, quantity=10).pk)
    services.pledge_confirm(actor=olivia, pledge_id=services.pledge_create(user=alice, need=seedlings, quantity=30).pk)
    latest = {}
    for _topic, kind, payload in published:
        if kind in ("progress", "pledge"):
            latest[payload["need"]] = payload
    assert {n: (p["dimension"], p["target"], p["confirmed"]) for n, p in latest.items()} == {
        pots.pk: ("resource", 10, 10),
        seedlings.pk: ("resource", 100, 30),
    }
    # campaign.js derives the dimension's summary from these numbers as campaign_progress() does.
    capped = sum(min(p["confirmed"], p["target"]) * 100 // p["target"] for p in latest.values())
    met = sum(1 for p in latest.values() if p["confirmed"] >= p["target"])
    from campaigns.selectors import campaign_progress

    campaign.refresh_from_db()
    page = next(d for d in campaign_progress(campaign)["dimensions"] if d["dimension"] == "resource")
    assert (page["met"], page["percent"]) == (met, capped // len(latest)) == (1, 65)


def test_going_live_announces_the_campaign_to_its_communities(published, olivia, world):
    campaign = make_campaign(olivia, world.a)
    assert (f"community.{world.a.pk}", "campaign_created") in [(t, k) for t, k, p in published]
    assert (f"campaign.{campaign.pk}", "campaign_status") in [(t, k) for t, k, p in published]


def test_the_campaign_topic_is_public_once_live_and_its_snapshot_holds_progress(olivia, oscar, alice, world, needs):
    from django.contrib.auth.models import AnonymousUser

    kind = registry.topic_kind("campaign.1")
    live_id = str(needs["resource"].campaign_id)
    assert kind.may_subscribe(AnonymousUser(), live_id)
    draft = make_campaign(olivia, world.a, status="draft")
    assert not kind.may_subscribe(oscar, str(draft.pk))
    assert kind.may_subscribe(olivia, str(draft.pk))
    services.pledge_create(user=alice, need=needs["resource"], quantity=4)
    snap = kind.snapshot(live_id)
    assert snap["status"] == "live"
    resource = next(n for n in snap["needs"] if n["dimension"] == "resource")
    assert resource["pledged"] == 4
    assert {d["dimension"] for d in snap["dimensions"]} == {"project", "idea", "resource", "money", "people"}


def test_shift_reminders_also_go_by_email_after_commit(
    alice, needs, shift, mailoutbox, django_capture_on_commit_callbacks
):
    alice.email = "alice@example.org"
    alice.save()
    services.pledge_create(user=alice, need=needs["people"], shift_id=shift.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.shift_reminders_send()
    assert len(mailoutbox) == 1 and "种花志愿者" in mailoutbox[0].subject
