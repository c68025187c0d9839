import pytest

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
