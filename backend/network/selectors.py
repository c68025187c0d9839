from django.db.models import Count, Q, QuerySet

from .models import Community


def community_list() -> QuerySet[Community]:
    return (
        Community.objects.select_related("township", "township__district")
        .annotate(member_count=Count("memberships", filter=Q(memberships__status="verified")))
        .order_by("township__name", "name")
    )
