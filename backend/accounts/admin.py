"""People, roles and memberships in Django admin. Deciding a join request here goes through the
same service as the organiser's queue, so the resident is notified either way."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.errors import ApplicationError

from . import services
from .models import (
    AssistanceConsent,
    CommunityMembership,
    FundReviewer,
    Notification,
    OrganisationStaff,
    PasswordReset,
    StationStaff,
    User,
)


class MembershipInline(admin.TabularInline):
    model = CommunityMembership
    fk_name = "user"
    extra = 0
    fields = ["community", "role", "status", "reason", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["community"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "phone", "preferred_language", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "preferred_language"]
    search_fields = ["username", "display_name", "phone", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            _("众筹微治"),
            {
                "fields": [
                    "display_name",
                    "phone",
                    "preferred_language",
                    "must_change_password",
                    "temporary_password_expires_at",
                ]
            },
        ),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("众筹微治"), {"fields": ["display_name", "phone", "preferred_language"]}),
    )
    inlines = [MembershipInline]


@admin.register(CommunityMembership)
class CommunityMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "status", "message", "created_at", "decided_by", "decided_at"]
    list_filter = ["status", "role", "community__township", "community"]
    search_fields = ["user__username", "user__display_name", "user__phone", "community__name"]
    list_select_related = ["user", "community", "decided_by"]
    autocomplete_fields = ["user", "community"]
    readonly_fields = ["decided_by", "decided_at", "created_at"]
    date_hierarchy = "created_at"
    actions = ["verify_selected"]

    @admin.action(description=_("认证所选的待审核申请（并通知居民）"))
    def verify_selected(self, request, queryset):
        done = 0
        for membership in queryset.filter(status=CommunityMembership.Status.PENDING):
            try:
                services.membership_verify(actor=request.user, membership_id=membership.pk)
            except ApplicationError as exc:
                self.message_user(request, f"{membership}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(
            request, ngettext("已认证 %(n)d 条申请。", "已认证 %(n)d 条申请。", done) % {"n": done}, messages.SUCCESS
        )


@admin.register(StationStaff)
class StationStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "station"]
    list_filter = ["station"]
    search_fields = ["user__username", "user__display_name", "station__name"]
    list_select_related = ["user", "station"]
    autocomplete_fields = ["user", "station"]


@admin.register(OrganisationStaff)
class OrganisationStaffAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["user__username", "user__display_name", "organisation__name"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(FundReviewer)
class FundReviewerAdmin(admin.ModelAdmin):
    list_display = ["user", "fund"]
    list_filter = ["fund"]
    search_fields = ["user__username", "user__display_name", "fund__name"]
    list_select_related = ["user", "fund"]
    autocomplete_fields = ["user", "fund"]


@admin.register(AssistanceConsent)
class AssistanceConsentAdmin(admin.ModelAdmin):
    list_display = ["resident", "organiser", "community", "method", "scope", "given_at"]
    list_filter = ["method", "community"]
    search_fields = ["resident__username", "resident__display_name", "organiser__display_name", "scope"]
    list_select_related = ["resident", "organiser", "community"]
    autocomplete_fields = ["resident", "organiser", "community"]
    date_hierarchy = "given_at"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "user__username", "user__display_name"]
    list_select_related = ["user"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["user"]


@admin.register(PasswordReset)
class PasswordResetAdmin(admin.ModelAdmin):
    """The record of temporary passwords given out by community workers; read only."""

    list_display = ["user", "actor", "community", "note", "created_at"]
    list_filter = ["community"]
    search_fields = ["user__username", "user__display_name", "actor__username", "actor__display_name"]
    list_select_related = ["user", "actor", "community"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
