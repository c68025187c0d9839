import pytest

from tests.conftest import make_member, make_user

ROLES = ["anonymous", "alice", "olivia", "oscar", "rita", "charlie", "admin"]


@pytest.fixture
def everyone(alice, olivia, oscar, rita, charlie, admin_user):
    """Every standard person at once, so a request made as one of them meets the others' data."""
    return {
        "anonymous": None,
        "alice": alice,
        "olivia": olivia,
        "oscar": oscar,
        "rita": rita,
        "charlie": charlie,
        "admin": admin_user,
    }


@pytest.fixture
def pat(world):
    """Pat asked to join community A and waits for an organiser."""
    user = make_user("pat", display_name="新居民小杨", phone="13800000000")
    make_member(user, world.a, status="pending")
    return user


@pytest.fixture
def pat_request(pat, world):
    return pat.memberships.get(community=world.a)


@pytest.fixture
def bob(world):
    """Bob asked to join community B."""
    user = make_user("bob", display_name="老丁")
    return make_member(user, world.b, status="pending")


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Sign-in throttling counts in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
