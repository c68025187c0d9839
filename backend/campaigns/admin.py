"""Platform admin views. Counters and lifecycle states are read-only here: they move only
through the services, which keep them exact and announce the change."""

from django.contrib import admin

from .models import Campaign, CampaignPartner, CampaignTag, Need, Pledge, ProgressUpdate, Shift


class NeedInline(admin.TabularInline):
    model = Need
    extra = 0
    fields = [
        "dimension",
        "title",
        "target",
        "unit",
        "required",
        "allow_over_pledge",
        "pledged_total",
        "confirmed_total",
        "fulfilled_total",
    ]
    readonly_fields = ["pledged_total", "confirmed_total", "fulfilled_total"]


class PartnerInline(admin.TabularInline):
    model = CampaignPartner
    extra = 0


class TagInline(admin.TabularInline):
    model = CampaignTag
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["title", "host_community", "status", "money_mode", "starts_at", "deadline"]
    list_filter = ["status", "money_mode", "host_community"]
    search_fields = ["title"]
    readonly_fields = ["status", "closed_at", "created_by", "created_at", "updated_at"]
    inlines = [NeedInline, PartnerInline, TagInline]


@admin.register(Pledge)
class PledgeAdmin(admin.ModelAdmin):
    list_display = ["pk", "campaign", "need", "user", "status", "source", "quantity", "amount_fen", "created_at"]
    list_filter = ["status", "source", "need__dimension"]
    list_select_related = ["campaign", "need", "user"]
    search_fields = ["campaign__title", "user__username", "user__display_name", "contributor_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["need", "starts_at", "ends_at", "capacity", "signed_up", "place"]
    list_select_related = ["need"]
    readonly_fields = ["signed_up"]


@admin.register(ProgressUpdate)
class ProgressUpdateAdmin(admin.ModelAdmin):
    list_display = ["campaign", "author", "created_at"]
    list_select_related = ["campaign", "author"]
