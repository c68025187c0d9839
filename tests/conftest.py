"""Shared fixtures. Standard people, as healthchecks does it:

- alice is a verified resident of 幸福社区 (community A);
- olivia organises community A; oscar organises community B (no rights in A);
- rita reviews charity fund X; charlie is signed up but belongs nowhere.
"""

from pathlib import Path

import pytest

_redis_proc = None


def pytest_configure(config):
    """Start the embedded Redis for this run when no REDIS_URL is given."""
    global _redis_proc
    from django.conf import settings

    if settings.EMBEDDED_REDIS:
        from core import embedded_redis

        port = settings.EMBEDDED_REDIS_PORT
        _redis_proc = embedded_redis.start(port=port, data_dir=Path(settings.VAR_DIR) / f"redis-test-{port}")


def pytest_collection_modifyitems(config, items):
    """Everything under tests/browser is a browser test; browser tests run last, because the
    Playwright instance they share keeps an event loop on the main thread once started."""
    browser_dir = Path(__file__).parent / "browser"
    for item in items:
        if browser_dir in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_unconfigure(config):
    from core import embedded_redis

    embedded_redis.stop(_redis_proc)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _forget_fixed_facts():
    """Rows remembered per process (campaigns.selectors) do not outlive a test: rolled-back
    tests hand out the same ids again."""
    from campaigns import selectors

    selectors.forget_all()
    yield
    selectors.forget_all()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request in English (the test client runs the
    locale middleware in this thread) must not leave the next test speaking English."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()


@pytest.fixture
def world(db):
    """A small network: district → 2 townships → communities A and B; a station; a fund."""
    from network.models import CharityFund, Community, District, SocialOrganisation, SocialWorkStation, Township

    district = District.objects.create(name="鄞州区")
    t1 = Township.objects.create(district=district, name="百丈街道")
    t2 = Township.objects.create(district=district, name="东胜街道")
    a = Community.objects.create(township=t1, name="幸福社区")
    b = Community.objects.create(township=t2, name="和睦社区")
    station = SocialWorkStation.objects.create(township=t1, name="百丈街道社会工作站")
    station.communities.add(a)
    org = SocialOrganisation.objects.create(district=district, name="邻里互助社")
    fund_x = CharityFund.objects.create(name="幸福基金", foundation="宁波市慈善总会")
    fund_y = CharityFund.objects.create(name="阳光基金", foundation="鄞州区慈善总会")
    return type(
        "World",
        (),
        {
            "district": district,
            "a": a,
            "b": b,
            "station": station,
            "org": org,
            "fund_x": fund_x,
            "fund_y": fund_y,
            "t1": t1,
            "t2": t2,
        },
    )


def make_user(username: str, **extra):
    from accounts.models import User

    user = User.objects.create_user(
        username=username, password="correct-horse-9", display_name=extra.pop("display_name", username), **extra
    )
    return user


def make_member(user, community, role="resident", status="verified"):
    from accounts.models import CommunityMembership

    return CommunityMembership.objects.create(user=user, community=community, role=role, status=status)


@pytest.fixture
def alice(world):
    user = make_user("alice", display_name="王阿姨")
    make_member(user, world.a)
    return user


@pytest.fixture
def olivia(world):
    user = make_user("olivia", display_name="李社工")
    make_member(user, world.a, role="organiser")
    return user


@pytest.fixture
def oscar(world):
    user = make_user("oscar", display_name="赵社工")
    make_member(user, world.b, role="organiser")
    return user


@pytest.fixture
def rita(world):
    from accounts.models import FundReviewer

    user = make_user("rita", display_name="陈评审")
    FundReviewer.objects.create(user=user, fund=world.fund_x)
    return user


@pytest.fixture
def charlie(world):
    return make_user("charlie", display_name="路人")


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api_as(api):
    """api_as(user) → an APIClient signed in as `user` (None for anonymous)."""

    def sign_in(user):
        from rest_framework.test import APIClient

        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return sign_in
