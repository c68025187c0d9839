"""Set-up and checks for the pledge benchmark, run inside the bench settings:

python bench_data.py prepare   → prints {"need": id, "tokens": [...]} as JSON
python bench_data.py verify N  → prints what is stored for the need as JSON
"""

import json
import os
import sys
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Count, Sum  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import CommunityMembership, User  # noqa: E402
from campaigns import services  # noqa: E402
from campaigns.models import Campaign, Need, Pledge  # noqa: E402
from network.models import Community, District, Township  # noqa: E402

RESIDENTS = 200


def prepare() -> dict:
    call_command("migrate", verbosity=0, interactive=False)
    tag = timezone.now().strftime("%H%M%S%f")
    district, _ = District.objects.get_or_create(name=f"压测区{tag}")
    township = Township.objects.create(district=district, name="压测街道")
    community = Community.objects.create(township=township, name="压测社区")
    organiser = User.objects.create_user(username=f"bench-org-{tag}", password=None, display_name="压测社工")
    CommunityMembership.objects.create(user=organiser, community=community, role="organiser", status="verified")
    now = timezone.now()
    campaign = services.campaign_create(
        actor=organiser,
        title="压测行动",
        story="压测",
        community_ids=[community.pk],
        starts_at=now - timedelta(minutes=5),
        deadline=now + timedelta(days=1),
    )
    need = services.need_create(
        actor=organiser,
        campaign_id=campaign.pk,
        dimension="resource",
        title="热门物资",
        target=10**12,
        unit="件",
        allow_over_pledge=True,
    )
    services.campaign_transition(actor=organiser, campaign_id=campaign.pk, to=Campaign.Status.IN_REVIEW)
    services.campaign_transition(actor=organiser, campaign_id=campaign.pk, to=Campaign.Status.LIVE)
    users = User.objects.bulk_create(
        [User(username=f"bench-{tag}-{i}", display_name=f"居民{i}") for i in range(RESIDENTS)]
    )
    CommunityMembership.objects.bulk_create(
        [CommunityMembership(user=u, community=community, status="verified") for u in users]
    )
    tokens = [Token.objects.create(user=u).key for u in users]
    return {"need": need.pk, "tokens": tokens}


def verify(need_id: int) -> dict:
    need = Need.objects.get(pk=need_id)
    pledges = Pledge.objects.filter(need=need)
    agg = pledges.aggregate(n=Count("pk"), q=Sum("quantity"))
    dup_keys = pledges.values("user_id", "idempotency_key").annotate(c=Count("pk")).filter(c__gt=1).count()
    return {
        "stored_pledges": agg["n"],
        "stored_quantity": int(agg["q"] or 0),
        "need_pledged_total": need.pledged_total,
        "need_pledge_count": need.pledge_count,
        "duplicate_keys": dup_keys,
    }


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        print(json.dumps(prepare()))
    else:
        print(json.dumps(verify(int(sys.argv[2]))))
