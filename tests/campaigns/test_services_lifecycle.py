from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Need, Pledge
from campaigns.signals import campaign_closed
from core.errors import Conflict, NotAuthenticated, PermissionDenied
from tests.conftest import make_user

from .conftest import make_campaign

S = Campaign.Status


@pytest.fixture
def draft(olivia, world):
    return make_campaign(olivia, world.a, status=S.DRAFT)


def test_an_organiser_creates_a_draft_with_tags_and_partners(olivia, world):
    campaign = make_campaign(
        olivia,
        world.a,
        status=S.DRAFT,
        partners=[
            {"kind": "station", "id": world.station.pk, "role": "host"},
            {"kind": "fund", "id": world.fund_x.pk, "role": "funder"},
        ],
    )
    assert campaign.status == S.DRAFT
    assert campaign.host_community_id == world.a.pk
    assert {p.role for p in campaign.partners.all()} == {"host", "funder"}
    assert [t.tag for t in campaign.tags.all()] == ["elderly"]


@pytest.mark.parametrize("who", ["alice", "oscar", "charlie"])
def test_only_organisers_of_the_community_may_create(request, world, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        make_campaign(user, world.a, status=S.DRAFT)
    assert not Campaign.objects.exists()


def test_a_deadline_before_the_start_is_refused(olivia, world):
    now = timezone.now()
    with pytest.raises(services.ApplicationError) as exc:
        make_campaign(olivia, world.a, status=S.DRAFT, starts_at=now, deadline=now - timedelta(hours=1))
    assert "deadline" in exc.value.fields


def test_a_fake_cover_image_is_refused(olivia, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("cover.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(services.ApplicationError) as exc:
        make_campaign(olivia, world.a, status=S.DRAFT, cover=fake)
    assert "cover" in exc.value.fields
    assert not Campaign.objects.exists()


def test_submit_and_approve_by_the_host_organiser(olivia, draft):
    services.campaign_transition(actor=olivia, campaign_id=draft.pk, to=S.IN_REVIEW)
    services.campaign_transition(actor=olivia, campaign_id=draft.pk, to=S.LIVE)
    draft.refresh_from_db()
    assert draft.status == S.LIVE


@pytest.mark.parametrize("who", ["alice", "oscar", "charlie", "rita"])
def test_others_may_not_submit(request, draft, who):
    with pytest.raises(PermissionDenied):
        services.campaign_transition(actor=request.getfixturevalue(who), campaign_id=draft.pk, to=S.IN_REVIEW)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_staff_of_the_station_serving_the_host_community_may_approve(olivia, draft, world):
    from accounts.models import StationStaff

    services.campaign_transition(actor=olivia, campaign_id=draft.pk, to=S.IN_REVIEW)
    xu = make_user("xu")
    StationStaff.objects.create(user=xu, station=world.station)
    services.campaign_transition(actor=xu, campaign_id=draft.pk, to=S.LIVE)
    draft.refresh_from_db()
    assert draft.status == S.LIVE


@pytest.mark.parametrize("who", ["alice", "oscar", "rita"])
def test_others_may_not_approve(request, olivia, draft, who):
    services.campaign_transition(actor=olivia, campaign_id=draft.pk, to=S.IN_REVIEW)
    with pytest.raises(PermissionDenied):
        services.campaign_transition(actor=request.getfixturevalue(who), campaign_id=draft.pk, to=S.LIVE)


def test_station_staff_of_another_township_may_not_approve(olivia, draft, world):
    from accounts.models import StationStaff
    from network.models import SocialWorkStation

    other = SocialWorkStation.objects.create(township=world.t2, name="东胜街道社会工作站")
    other.communities.add(world.b)
    dong = make_user("dong")
    StationStaff.objects.create(user=dong, station=other)
    services.campaign_transition(actor=olivia, campaign_id=draft.pk, to=S.IN_REVIEW)
    with pytest.raises(PermissionDenied):
        services.campaign_transition(actor=dong, campaign_id=draft.pk, to=S.LIVE)


def test_sending_back_needs_a_reason(olivia, draft):
    services.campaign_transition(actor=olivia, campaign_id=draft.pk, to=S.IN_REVIEW)
    with pytest.raises(services.ApplicationError):
        services.campaign_transition(actor=olivia, campaign_id=draft.pk, to=S.DRAFT)
    services.campaign_transition(actor=olivia, campaign_id=draft.pk, to=S.DRAFT, reason="请补充预算")
    draft.refresh_from_db()
    assert (draft.status, draft.review_note) == (S.DRAFT, "请补充预算")


@pytest.mark.parametrize("to", [S.LIVE, S.SUCCEEDED, S.FAILED, S.DELIVERING, S.COMPLETED])
def test_illegal_edges_from_draft_are_refused(olivia, draft, to):
    with pytest.raises(Conflict) as exc:
        services.campaign_transition(actor=olivia, campaign_id=draft.pk, to=to)
    assert exc.value.code == "illegal_transition"


def test_a_person_cannot_close_a_live_campaign_by_hand(olivia, campaign):
    with pytest.raises(Conflict):
        services.campaign_transition(actor=olivia, campaign_id=campaign.pk, to=S.SUCCEEDED)


def test_submitting_without_needs_is_refused(olivia, world):
    campaign = make_campaign(olivia, world.a, status=S.DRAFT, needs=[])
    with pytest.raises(Conflict) as exc:
        services.campaign_transition(actor=olivia, campaign_id=campaign.pk, to=S.IN_REVIEW)
    assert exc.value.code == "no_needs"


def test_anonymous_is_asked_to_log_in(draft):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        services.campaign_transition(actor=AnonymousUser(), campaign_id=draft.pk, to=S.IN_REVIEW)


def test_needs_are_locked_once_live(olivia, campaign):
    with pytest.raises(Conflict):
        services.need_create(actor=olivia, campaign_id=campaign.pk, dimension="resource", title="铲子", target=5)


def test_cancelling_a_live_campaign_sends_campaign_cancelled(olivia, campaign, django_capture_on_commit_callbacks):
    from campaigns.signals import campaign_cancelled

    got = []

    def receiver(sender, campaign_id, **kw):
        got.append(campaign_id)

    campaign_cancelled.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.campaign_transition(actor=olivia, campaign_id=campaign.pk, to=S.CANCELLED)
    finally:
        campaign_cancelled.disconnect(receiver)
    assert got == [campaign.pk]


# --- deadline closing ---------------------------------------------------------------------------


def _meet_all_required(campaign):
    Need.objects.filter(campaign=campaign, required=True).update(
        pledged_total=models_f("target"), confirmed_total=models_f("target")
    )


def models_f(name):
    from django.db.models import F

    return F(name)


def _listen():
    got = []

    def receiver(sender, campaign_id, outcome, **kw):
        got.append((campaign_id, outcome))

    campaign_closed.connect(receiver, weak=False)
    return got, receiver


def test_deadline_closes_as_succeeded_when_every_required_need_is_met(campaign, django_capture_on_commit_callbacks):
    _meet_all_required(campaign)
    got, receiver = _listen()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = services.campaign_close(campaign_id=campaign.pk, now=campaign.deadline + timedelta(seconds=1))
    finally:
        campaign_closed.disconnect(receiver)
    campaign.refresh_from_db()
    assert outcome == campaign.status == S.SUCCEEDED
    assert got == [(campaign.pk, "succeeded")]


def test_deadline_closes_as_failed_when_a_required_need_is_short(campaign):
    _meet_all_required(campaign)
    Need.objects.filter(campaign=campaign, dimension="resource").update(confirmed_total=99)
    assert services.campaign_close(campaign_id=campaign.pk, now=campaign.deadline) == S.FAILED


def test_keep_what_you_raise_money_is_never_required(olivia, world):
    campaign = make_campaign(olivia, world.a, money_mode="keep_what_you_raise")
    _meet_all_required(campaign)
    Need.objects.filter(campaign=campaign, dimension="money").update(pledged_total=0, confirmed_total=0)
    assert services.campaign_close(campaign_id=campaign.pk, now=campaign.deadline) == S.SUCCEEDED


def test_closing_before_the_deadline_does_nothing(campaign):
    assert services.campaign_close(campaign_id=campaign.pk) is None
    campaign.refresh_from_db()
    assert campaign.status == S.LIVE


def test_closing_twice_closes_once_and_signals_once(campaign, django_capture_on_commit_callbacks):
    got, receiver = _listen()
    later = campaign.deadline + timedelta(minutes=1)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = services.campaigns_close_due(now=later)
            second = services.campaigns_close_due(now=later)
            third = services.campaign_close(campaign_id=campaign.pk, now=later)
    finally:
        campaign_closed.disconnect(receiver)
    assert first == {campaign.pk: "failed"}
    assert second == {}
    assert third is None
    assert got == [(campaign.pk, "failed")]


def test_the_beat_task_closes_due_campaigns(campaign):
    from campaigns.tasks import close_due_campaigns

    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    close_due_campaigns.delay()
    campaign.refresh_from_db()
    assert campaign.status == S.FAILED


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_close_once(olivia, world):
    import threading

    from django.db import connection

    campaign = make_campaign(olivia, world.a)
    Campaign.objects.filter(pk=campaign.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    results, barrier = [], threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(services.campaign_close(campaign_id=campaign.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results, key=str) == sorted(["failed", None], key=str)


def test_delivering_and_completed_after_success(olivia, oscar, campaign):
    _meet_all_required(campaign)
    services.campaign_close(campaign_id=campaign.pk, now=campaign.deadline)
    with pytest.raises(PermissionDenied):
        services.campaign_transition(actor=oscar, campaign_id=campaign.pk, to=S.DELIVERING)
    services.campaign_transition(actor=olivia, campaign_id=campaign.pk, to=S.DELIVERING)
    services.campaign_transition(actor=olivia, campaign_id=campaign.pk, to=S.COMPLETED)
    campaign.refresh_from_db()
    assert campaign.status == S.COMPLETED and campaign.closed_at is not None


def test_a_failed_campaign_cannot_start_delivering(olivia, campaign):
    services.campaign_close(campaign_id=campaign.pk, now=campaign.deadline)
    with pytest.raises(Conflict):
        services.campaign_transition(actor=olivia, campaign_id=campaign.pk, to=S.DELIVERING)


def test_progress_updates_notify_followers(
    olivia, alice, charlie, campaign, image_file, django_capture_on_commit_callbacks
):
    from accounts.models import Notification

    services.campaign_follow(user=alice, campaign_id=campaign.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_update_post(
            actor=olivia, campaign_id=campaign.pk, body="第一批花苗已种下", photos=[image_file("a.png")]
        )
    assert Notification.objects.filter(user=alice, kind="campaign_update").count() == 1
    assert not Notification.objects.filter(user=charlie).exists()
    with pytest.raises(PermissionDenied):
        services.progress_update_post(actor=alice, campaign_id=campaign.pk, body="我也想发")


def test_pledges_are_untouched_by_closing(campaign, alice, needs):
    services.pledge_create(user=alice, need=needs["resource"], quantity=3)
    services.campaign_close(campaign_id=campaign.pk, now=campaign.deadline)
    assert Pledge.objects.get().status == "pending"


@pytest.fixture
def fake_problems(monkeypatch):
    """Stand in for problems.services so the hooks can be observed."""
    import sys
    import types

    import problems

    calls = []
    fake = types.ModuleType("problems.services")
    fake.problem_start_solving = lambda **kw: calls.append(("start_solving", kw))
    fake.problem_mark_solved = lambda **kw: calls.append(("mark_solved", kw))
    monkeypatch.setitem(sys.modules, "problems.services", fake)
    monkeypatch.setattr(problems, "services", fake, raising=False)
    return calls


def test_a_campaign_from_a_problem_moves_it_to_solving_and_solved(olivia, world, fake_problems):
    campaign = make_campaign(olivia, world.a, problem_id=42)
    assert fake_problems == [("start_solving", {"actor": olivia, "problem_id": 42, "campaign_id": campaign.pk})]
    _meet_all_required(campaign)
    services.campaign_close(campaign_id=campaign.pk, now=campaign.deadline)
    services.campaign_transition(actor=olivia, campaign_id=campaign.pk, to=S.DELIVERING)
    services.campaign_transition(actor=olivia, campaign_id=campaign.pk, to=S.COMPLETED, reason="花园建成")
    assert fake_problems[-1] == ("mark_solved", {"actor": olivia, "problem_id": 42, "reason": "花园建成"})


def test_a_refusal_from_problems_stores_no_campaign(olivia, world, fake_problems, monkeypatch):
    import sys

    def refuse(**kw):
        raise Conflict("问题尚未通过")

    monkeypatch.setattr(sys.modules["problems.services"], "problem_start_solving", refuse)
    with pytest.raises(Conflict):
        make_campaign(olivia, world.a, status=S.DRAFT, problem_id=7, needs=[])
    assert not Campaign.objects.exists()
