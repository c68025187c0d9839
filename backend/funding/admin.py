"""Admin: pools are opened through the service (so the budget enters the ledger); the ledger,
payments and events are read-only — money is never edited by hand."""

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.permissions import may

from . import matching, selectors
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


class PoolApprovalForm(forms.ModelForm):
    """Checks what `matching.pool_approve_campaign` would refuse, so the admin shows a form error
    instead of failing; the admin then writes through the services only."""

    active = forms.BooleanField(label=_("入池中"), required=False, help_text=_("取消勾选即撤出配捐池。"))
    user: Any = None

    class Meta:
        model = PoolApproval
        fields = ("pool", "campaign_id", "cap_override_fen")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["active"].initial = self.instance.revoked_at is None

    def clean_cap_override_fen(self) -> int | None:
        cap = self.cleaned_data.get("cap_override_fen")
        if cap is not None and cap < 0:
            raise forms.ValidationError(_("上限不能为负数。"))
        return cap

    def clean(self) -> dict[str, Any]:
        from campaigns.models import Campaign

        data = super().clean()
        approval = self.instance if self.instance.pk else None
        pool = approval.pool if approval else data.get("pool")
        campaign_id = approval.campaign_id if approval else data.get("campaign_id")
        if pool is None or campaign_id is None:
            return data
        if not may(self.user, "funding.manage_pool", pool):
            raise forms.ValidationError(_("只有该配捐方的管理人员可以管理这个配捐池。"))
        reapprove = approval is None or (
            data.get("active") and (approval.revoked_at is not None or "cap_override_fen" in self.changed_data)
        )
        if not reapprove:
            return data
        if (
            approval is None
            and PoolApproval.objects.filter(pool=pool, campaign_id=campaign_id, revoked_at__isnull=True).exists()
        ):
            raise forms.ValidationError(_("这个众筹行动已经在配捐池中。"))
        status = Campaign.objects.filter(pk=campaign_id).values_list("status", flat=True).first()
        if status is None:
            self.add_error("campaign_id" if approval is None else None, _("找不到这个众筹行动。"))
        elif status in (Campaign.Status.FAILED, Campaign.Status.CANCELLED, Campaign.Status.COMPLETED):
            raise forms.ValidationError(_("这个众筹行动已经结束，不能再入池。"))
        return data


@admin.register(PoolApproval)
class PoolApprovalAdmin(admin.ModelAdmin):
    """Approvals go through `matching.pool_approve_campaign` / `pool_revoke_campaign`, for the
    pool's managers only; `matched_fen` is taken by allocations and never written from a form."""

    form = PoolApprovalForm
    list_display = ("pool", "campaign_id", "cap_override_fen", "matched_fen", "approved_at", "revoked_at")
    ADD_FIELDS = ("pool", "campaign_id", "cap_override_fen")
    FIXED_FIELDS = ("pool", "campaign_id", "matched_fen", "approved_by", "approved_at", "revoked_at")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and bool(selectors.pools_managed_by(user=request.user))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or may(request.user, "funding.manage_pool", obj.pool))

    def has_delete_permission(self, request, obj=None):
        # The row carries the campaign's matched total: revoke instead.
        return False

    def get_fields(self, request, obj=None):
        return (*self.FIXED_FIELDS, "active", "cap_override_fen") if obj else self.ADD_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return self.FIXED_FIELDS if obj else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "pool":
            managed = [pool.pk for pool in selectors.pools_managed_by(user=request.user)]
            kwargs["queryset"] = MatchingPool.objects.filter(pk__in=managed)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            approval = matching.pool_approve_campaign(
                actor=request.user,
                pool_id=data["pool"].pk,
                campaign_id=data["campaign_id"],
                cap_override_fen=data.get("cap_override_fen"),
            )
            obj.pk = approval.pk
            obj.refresh_from_db()
            return
        # The admin's change view runs in one transaction, so a new cap (revoke, then approve
        # again with it) never leaves the campaign out of the pool for others to see.
        live = PoolApproval.objects.filter(pk=obj.pk, revoked_at__isnull=True).exists()
        wants = data.get("active", False)
        if live and (not wants or "cap_override_fen" in form.changed_data):
            matching.pool_revoke_campaign(actor=request.user, pool_id=obj.pool_id, campaign_id=obj.campaign_id)
        if wants and (not live or "cap_override_fen" in form.changed_data):
            matching.pool_approve_campaign(
                actor=request.user,
                pool_id=obj.pool_id,
                campaign_id=obj.campaign_id,
                cap_override_fen=data.get("cap_override_fen"),
            )
        obj.refresh_from_db()


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
