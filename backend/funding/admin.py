"""Admin: pools are opened through the service (so the budget enters the ledger); the ledger,
payments and events are read-only — money is never edited by hand."""

from django import forms
from django.contrib import admin

from accounts.permissions import may

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


class MatchingPoolForm(forms.ModelForm):
    def _post_clean(self):
        super()._post_clean()
        for field, messages in matching.pool_check_rules(self.instance).items():
            self.add_error(field if field in self.fields else None, messages)


@admin.register(MatchingPool)
class MatchingPoolAdmin(admin.ModelAdmin):
    form = MatchingPoolForm
    list_display = ("name", "tier", "budget_fen", "remaining_fen", "stacking_order", "conditional", "is_active")
    list_filter = ("tier", "is_active", "conditional")
    exclude = ("remaining_fen",)

    # Django's model permissions say who may use this admin page at all; the pool rules say for
    # which pools (staff without a funder role get a 403 page, never an error from the service).
    def has_add_permission(self, request):
        return super().has_add_permission(request) and may(request.user, "funding.create_pool")

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may(request.user, "funding.manage_pool", obj))

    def get_readonly_fields(self, request, obj=None):
        # The budget moves only through the ledger (top-ups): fixed once the pool exists.
        return (*MONEY_FIELDS, "tier", "district", "township", "fund") if obj else ()

    def save_model(self, request, obj, form, change):
        if change:
            # Write only the changed rules, never a whole row: `remaining_fen` is taken by
            # allocations meanwhile, and saving the copy read with the form would undo them.
            changes = {f: form.cleaned_data[f] for f in form.changed_data if f in matching.POOL_RULE_FIELDS}
            matching.pool_update(actor=request.user, pool_id=obj.pk, changes=changes)
            if "is_active" in form.changed_data:
                matching.pool_set_active(actor=request.user, pool_id=obj.pk, active=form.cleaned_data["is_active"])
            obj.refresh_from_db()
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
