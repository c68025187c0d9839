"""Admin for foundation review: funds' rules and calls are edited here; decisions, receipts and the
audit trail are read-only (they change only through the services, which keep the audit trail)."""

from django.contrib import admin

from .models import Application, AuditEvent, Call, FundedItem, FundPolicy, Milestone


@admin.register(FundPolicy)
class FundPolicyAdmin(admin.ModelAdmin):
    list_display = ["fund", "application_two_approvals_above_fen", "item_two_approvals_above_fen"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "fund", "pool", "max_ask_fen", "opens_at", "closes_at", "is_open"]
    list_filter = ["is_open", "fund"]
    search_fields = ["title"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "call", "status", "ask_fen", "approved_cap_fen", "submitted_at"]
    list_filter = ["status", "fund"]
    list_select_related = ["campaign", "call"]


@admin.register(FundedItem)
class FundedItemAdmin(ReadOnlyAdmin):
    list_display = ["description", "campaign", "fund", "amount_fen", "status", "submitted_at"]
    list_filter = ["status", "fund"]
    list_select_related = ["campaign", "fund"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id", "from_status", "to_status"]
    list_filter = ["action", "fund"]
    list_select_related = ["actor"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin):
    list_display = ["title", "campaign", "percent_done", "updated_at"]
    list_select_related = ["campaign"]
