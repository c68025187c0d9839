"""People and problems for the problems tests. bob is a second verified resident of community A;
bea is a verified resident of community B."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.conftest import make_member, make_user


@pytest.fixture
def bob(world):
    user = make_user("bob", display_name="张叔")
    make_member(user, world.a)
    return user


@pytest.fixture
def bea(world):
    user = make_user("bea", display_name="和睦居民")
    make_member(user, world.b)
    return user


@pytest.fixture
def published(monkeypatch):
    """Live messages the problems services announce, as (topic, type, payload)."""
    sent: list[tuple[str, str, dict]] = []
    monkeypatch.setattr(
        "problems.services.publish", lambda topic, type, payload=None: sent.append((topic, type, payload))
    )
    return sent


def make_problem(
    author, community, *, status="raised", title="小区游乐场滑梯坏了", description="滑梯断了，孩子们没法玩。", **extra
):
    from problems import services
    from problems.models import Problem

    problem = services.problem_create(
        author=author,
        community_id=community.pk,
        title=title,
        description=description,
        category=extra.pop("category", "facilities"),
        **extra,
    )
    # Jump straight to the wanted stage; the lifecycle itself is tested through the services.
    fields = {"status": status}
    if status == "voting":
        fields["ballot_id"] = 1
    if status in ("solving", "solved"):
        fields["campaign_id"] = 1
    Problem.objects.filter(pk=problem.pk).update(**fields)
    problem.refresh_from_db()
    return problem


@pytest.fixture
def problem(alice, world):
    return make_problem(alice, world.a)


def image_file(name="photo.jpg", fmt="JPEG", size=(120, 90), content_type="image/jpeg"):
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buf, fmt)
    return SimpleUploadedFile(name, buf.getvalue(), content_type=content_type)
