"""Review fixtures, on top of the shared people:

- rita and luo review fund X (luo is the second reviewer for the two-approval rule);
- yvonne reviews fund Y only; olivia organises community A (the campaign's), oscar community B;
- a charity pool of fund X with a call, and a live campaign of community A with five needs.
"""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import FundReviewer
from review import services
from tests.campaigns.conftest import make_campaign
from tests.conftest import make_user


@pytest.fixture
def luo(world):
    user = make_user("luo", display_name="罗评审")
    FundReviewer.objects.create(user=user, fund=world.fund_x)
    return user


@pytest.fixture
def yvonne(world):
    user = make_user("yvonne", display_name="杨评审")
    FundReviewer.objects.create(user=user, fund=world.fund_y)
    return user


def make_pool(actor, fund, budget_fen=10_000_000, **extra):
    from funding.matching import pool_create

    now = timezone.now()
    return pool_create(
        actor=actor,
        name=extra.pop("name", f"{fund.name}配捐池"),
        tier="charity",
        fund=fund,
        budget_fen=budget_fen,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=60),
        **extra,
    )


@pytest.fixture
def pool(rita, world):
    return make_pool(rita, world.fund_x)


@pytest.fixture
def call(rita, pool):
    return services.call_create(
        actor=rita,
        pool=pool,
        title="一老一小微项目配捐",
        tags=["elderly", "children"],
        max_ask_fen=2_000_000,
        questions=["项目如何让老人受益？"],
    )


@pytest.fixture
def campaign(olivia, world):
    return make_campaign(olivia, world.a)


@pytest.fixture
def needs(campaign):
    return {n.dimension: n for n in campaign.needs.all()}


def apply(olivia, call, campaign, ask_fen=1_000_000):
    return services.application_submit(
        actor=olivia,
        call_id=call.pk,
        campaign_id=campaign.pk,
        ask_fen=ask_fen,
        statement="为社区花园购买花盆和土。",
        answers=["老人每天来浇花，有了去处。"],
    )


@pytest.fixture
def application(olivia, call, campaign):
    return apply(olivia, call, campaign)


@pytest.fixture
def approved(application, rita):
    return services.application_decide(actor=rita, application_id=application.pk, decision="approve")


def match_money(campaign, amount_fen, pledge_id=9001, donor=None):
    """Make the pools add their committed match to a donation of `amount_fen` (1:1 pools)."""
    from funding.matching import match_allocate

    return match_allocate(
        pledge_id=pledge_id,
        campaign_id=campaign.pk,
        donor_id=(donor or campaign.created_by).pk,
        amount_fen=amount_fen,
        currency="cny",
        hold_until_success=False,
    )


def png_bytes() -> bytes:
    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def png():
    def make(name="receipt.png"):
        return SimpleUploadedFile(name, png_bytes(), content_type="image/png")

    return make


@pytest.fixture
def pdf():
    def make(name="invoice.pdf"):
        return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")

    return make


def submit_item(olivia, application, need, receipts, amount_fen=30_000, **extra):
    return services.item_submit(
        actor=olivia,
        application_id=application.pk,
        need_id=need.pk,
        description=extra.pop("description", "花盆 50 个"),
        amount_fen=amount_fen,
        payee=extra.pop("payee", "鄞州园艺店"),
        spent_on=extra.pop("spent_on", timezone.localdate()),
        receipts=receipts,
    )


def private_files(settings) -> list:
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT).parent / "private"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
