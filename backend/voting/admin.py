"""Admin screens. The Cast screen shows papers with no voter; the Participation screen shows
voters with no paper. Neither can be edited, so the admin cannot alter a count."""

from django.contrib import admin

from .models import Ballot, Cast, Option, Participation


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0
    fields = ["position", "label", "description", "cost_fen", "ref_kind", "ref_id"]


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    list_display = ["question", "method", "status", "opens_at", "closes_at"]
    list_filter = ["status", "method"]
    search_fields = ["question"]
    inlines = [OptionInline]
    readonly_fields = ["status", "result", "tallied_at", "published_at", "created_by"]
    filter_horizontal = ["communities"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Participation)
class ParticipationAdmin(ReadOnlyAdmin):
    list_display = ["ballot", "voter"]
    list_filter = ["ballot"]
    fields = ["ballot", "voter"]


@admin.register(Cast)
class CastAdmin(ReadOnlyAdmin):
    list_display = ["check_code", "ballot", "choices"]
    list_filter = ["ballot"]
    fields = ["ballot", "check_code", "choices"]
