"""Campaign fixtures: a live campaign of community A with one need in each of the 五筹."""

from datetime import timedelta

import pytest
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, Dimension


def make_campaign(
    organiser, community, *, status=Campaign.Status.LIVE, money_mode="all_or_nothing", needs=None, **extra
):
    """Create a campaign through the services and move it to `status` (live by default)."""
    now = timezone.now()
    campaign = services.campaign_create(
        actor=organiser,
        title=extra.pop("title", "花开百老弄"),
        story=extra.pop("story", "为留守老人和随迁老人种花，一起打理社区花园。"),
        community_ids=[community.pk],
        starts_at=extra.pop("starts_at", now - timedelta(hours=1)),
        deadline=extra.pop("deadline", now + timedelta(days=7)),
        money_mode=money_mode,
        tags=extra.pop("tags", ["elderly"]),
        **extra,
    )
    for spec in needs if needs is not None else DEFAULT_NEEDS:
        services.need_create(actor=organiser, campaign_id=campaign.pk, **spec)
    if status in (Campaign.Status.IN_REVIEW, Campaign.Status.LIVE):
        services.campaign_transition(actor=organiser, campaign_id=campaign.pk, to=Campaign.Status.IN_REVIEW)
    if status == Campaign.Status.LIVE:
        services.campaign_transition(actor=organiser, campaign_id=campaign.pk, to=Campaign.Status.LIVE)
    campaign.refresh_from_db()
    return campaign


DEFAULT_NEEDS = [
    {"dimension": Dimension.PROJECT, "title": "花园设计方案", "target": 3},
    {
        "dimension": Dimension.IDEA,
        "title": "怎样让老人常来",
        "target": 10,
        "required": False,
        "allow_over_pledge": True,
    },
    {"dimension": Dimension.RESOURCE, "title": "花苗", "target": 100, "unit": "株"},
    {"dimension": Dimension.MONEY, "title": "购买花盆和土", "target": 500_000},
    {"dimension": Dimension.PEOPLE, "title": "种花志愿者", "target": 20, "skills": "园艺"},
]


@pytest.fixture
def campaign(olivia, world):
    return make_campaign(olivia, world.a)


@pytest.fixture
def needs(campaign):
    return {n.dimension: n for n in campaign.needs.all()}


@pytest.fixture
def shift(olivia, needs):
    now = timezone.now()
    return services.shift_create(
        actor=olivia,
        need_id=needs["people"].pk,
        starts_at=now + timedelta(hours=3),
        ends_at=now + timedelta(hours=6),
        capacity=5,
        place="社区花园",
    )


@pytest.fixture
def image_file():
    """A real PNG, made with Pillow."""

    def make(name="receipt.png"):
        from io import BytesIO

        from django.core.files.uploadedfile import SimpleUploadedFile
        from PIL import Image

        buf = BytesIO()
        Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
        return SimpleUploadedFile(name, buf.getvalue(), content_type="image/png")

    return make
