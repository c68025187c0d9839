"""Query-string filters of the network's list endpoints (django-filter)."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import (
    CharityFund,
    Community,
    District,
    Donor,
    SocialOrganisation,
    SocialWorkStation,
    Township,
    VolunteerTeam,
)


class _NameSearch(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("名称包含"))

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value.strip()) if value.strip() else queryset


class TownshipFilter(_NameSearch):
    district = django_filters.ModelChoiceFilter(queryset=District.objects.all(), label=_("行政区"))

    class Meta:
        model = Township
        fields = ["district"]


class CommunityFilter(_NameSearch):
    township = django_filters.ModelChoiceFilter(queryset=Township.objects.all(), label=_("乡镇街道"))
    district = django_filters.ModelChoiceFilter(
        field_name="township__district", queryset=District.objects.all(), label=_("行政区")
    )
    kind = django_filters.ChoiceFilter(choices=Community.Kind.choices, label=_("类型"))

    class Meta:
        model = Community
        fields = ["township", "district", "kind"]


class StationFilter(_NameSearch):
    township = django_filters.ModelChoiceFilter(queryset=Township.objects.all(), label=_("乡镇街道"))
    district = django_filters.ModelChoiceFilter(
        field_name="township__district", queryset=District.objects.all(), label=_("行政区")
    )
    community = django_filters.ModelChoiceFilter(
        field_name="communities", queryset=Community.objects.all(), label=_("服务社区")
    )

    class Meta:
        model = SocialWorkStation
        fields = ["township", "district", "community"]


class OrganisationFilter(_NameSearch):
    district = django_filters.ModelChoiceFilter(queryset=District.objects.all(), label=_("行政区"))

    class Meta:
        model = SocialOrganisation
        fields = ["district"]


class FundFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("名称、慈善组织或捐赠方包含"))
    donor_kind = django_filters.ChoiceFilter(
        field_name="donors__kind", choices=Donor.Kind.choices, distinct=True, label=_("捐赠方类型")
    )

    class Meta:
        model = CharityFund
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(foundation__icontains=value) | Q(donors__name__icontains=value)
        ).distinct()


class VolunteerTeamFilter(_NameSearch):
    community = django_filters.ModelChoiceFilter(queryset=Community.objects.all(), label=_("社区"))
    township = django_filters.ModelChoiceFilter(
        field_name="community__township", queryset=Township.objects.all(), label=_("乡镇街道")
    )

    class Meta:
        model = VolunteerTeam
        fields = ["community", "township"]
