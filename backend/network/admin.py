"""Partner onboarding (平台管理员): every 五社 partner is created and edited here."""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from accounts.models import CommunityMembership, FundReviewer, OrganisationStaff, StationStaff

from .models import (
    CharityFund,
    Community,
    District,
    Donor,
    SocialOrganisation,
    SocialWorkStation,
    Township,
    VolunteerProfile,
    VolunteerTeam,
)


class TownshipInline(admin.TabularInline):
    model = Township
    extra = 0


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["name", "township_count"]
    search_fields = ["name"]
    inlines = [TownshipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_township_count=Count("townships"))

    @admin.display(description=_("乡镇街道数"), ordering="_township_count")
    def township_count(self, obj) -> int:
        return obj._township_count


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "community_count"]
    list_filter = ["district"]
    search_fields = ["name", "district__name"]
    list_select_related = ["district"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_community_count=Count("communities"))

    @admin.display(description=_("社区数"), ordering="_community_count")
    def community_count(self, obj) -> int:
        return obj._community_count


class OrganiserInline(admin.TabularInline):
    model = CommunityMembership
    extra = 0
    fields = ["user", "role", "status", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    verbose_name = _("社区工作者")
    verbose_name_plural = _("社区工作者（居民的加入申请请在“社区成员”中审核）")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role=CommunityMembership.Role.ORGANISER)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "township", "district", "verified_members", "pending_requests"]
    list_filter = ["kind", "township__district", "township"]
    search_fields = ["name", "address", "township__name"]
    list_select_related = ["township", "township__district"]
    inlines = [OrganiserInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _verified=Count("memberships", filter=Q(memberships__status=CommunityMembership.Status.VERIFIED)),
                _pending=Count("memberships", filter=Q(memberships__status=CommunityMembership.Status.PENDING)),
            )
        )

    @admin.display(description=_("行政区"), ordering="township__district__name")
    def district(self, obj):
        return obj.township.district

    @admin.display(description=_("认证成员"), ordering="_verified")
    def verified_members(self, obj) -> int:
        return obj._verified

    @admin.display(description=_("待审核"), ordering="_pending")
    def pending_requests(self, obj) -> int:
        return obj._pending


class StationStaffInline(admin.TabularInline):
    model = StationStaff
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(SocialWorkStation)
class SocialWorkStationAdmin(admin.ModelAdmin):
    list_display = ["name", "township", "community_count"]
    list_filter = ["township__district", "township"]
    search_fields = ["name", "township__name"]
    list_select_related = ["township"]
    filter_horizontal = ["communities"]
    inlines = [StationStaffInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_community_count=Count("communities"))

    @admin.display(description=_("服务社区数"), ordering="_community_count")
    def community_count(self, obj) -> int:
        return obj._community_count


class OrganisationStaffInline(admin.TabularInline):
    model = OrganisationStaff
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(SocialOrganisation)
class SocialOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "district", "focus"]
    list_filter = ["district"]
    search_fields = ["name", "focus", "description"]
    list_select_related = ["district"]
    inlines = [OrganisationStaffInline]


class DonorInline(admin.TabularInline):
    model = Donor
    extra = 1


class FundReviewerInline(admin.TabularInline):
    model = FundReviewer
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(CharityFund)
class CharityFundAdmin(admin.ModelAdmin):
    list_display = ["name", "foundation", "donor_count", "reviewer_count"]
    search_fields = ["name", "foundation", "donors__name"]
    list_filter = ["donors__kind"]
    inlines = [DonorInline, FundReviewerInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_donors=Count("donors", distinct=True), _reviewers=Count("reviewers", distinct=True))
        )

    @admin.display(description=_("捐赠方数"), ordering="_donors")
    def donor_count(self, obj) -> int:
        return obj._donors

    @admin.display(description=_("评审人数"), ordering="_reviewers")
    def reviewer_count(self, obj) -> int:
        return obj._reviewers


@admin.register(Donor)
class DonorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "fund"]
    list_filter = ["kind", "fund"]
    search_fields = ["name", "fund__name"]
    list_select_related = ["fund"]


class VolunteerProfileInline(admin.TabularInline):
    model = VolunteerProfile
    extra = 0
    fields = ["user", "skills", "availability", "is_public"]
    autocomplete_fields = ["user"]


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "member_count"]
    list_filter = ["community__township", "community"]
    search_fields = ["name", "description", "community__name"]
    list_select_related = ["community"]
    inlines = [VolunteerProfileInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_members=Count("members"))

    @admin.display(description=_("队员数"), ordering="_members")
    def member_count(self, obj) -> int:
        return obj._members


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "skills", "availability", "is_public"]
    list_filter = ["is_public", "team"]
    search_fields = ["user__username", "user__display_name", "skills"]
    list_select_related = ["user", "team"]
    autocomplete_fields = ["user"]
