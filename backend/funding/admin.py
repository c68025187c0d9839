"""Admin: pools are opened through the service (so the budget enters the ledger); the ledger,
payments and events are read-only — money is never edited by hand."""

from django.contrib import admin

from . import matching
from .models import (
    CampaignSettlement,
    LedgerEntry,
    LedgerLine,
    Match,
    MatchingPool,
    Payment,
    PoolApproval,
    Refund,
    WebhookEvent,
)

MONEY_FIELDS = ("budget_fen", "remaining_fen", "currency")


@admin.register(MatchingPool)
class MatchingPoolAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "budget_fen", "remaining_fen", "stacking_order", "conditional", "is_active")
    list_filter = ("tier", "is_active", "conditional")
    exclude = ("remaining_fen",)

    def get_readonly_fields(self, request, obj=None):
        # The budget moves only through the ledger: fixed once the pool exists.
        return (*MONEY_FIELDS, "tier", "district", "township", "fund") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("is_active",)}
        created = matching.pool_create(actor=request.user, **fields)
        obj.pk = created.pk
        obj.refresh_from_db()


@admin.register(PoolApproval)
class PoolApprovalAdmin(admin.ModelAdmin):
    list_display = ("pool", "campaign_id", "cap_override_fen", "matched_fen", "approved_at", "revoked_at")
    readonly_fields = ("matched_fen",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LedgerLineInline(admin.TabularInline):
    model = LedgerLine
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "kind", "occurred_at", "campaign_id", "pool", "reference", "hash")
    list_filter = ("kind",)
    inlines = [LedgerLineInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("pk", "pledge_id", "campaign_id", "user", "amount_fen", "flow", "status", "refunded_fen")
    list_filter = ("status", "flow")


admin.site.register(Match, ReadOnlyAdmin)
admin.site.register(Refund, ReadOnlyAdmin)
admin.site.register(WebhookEvent, ReadOnlyAdmin)
admin.site.register(CampaignSettlement, ReadOnlyAdmin)
