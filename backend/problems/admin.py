"""Platform admins read problems and their history here; status moves and moderation go through
the organiser pages so every change is checked and recorded."""

from django.contrib import admin

from .models import BeneficiaryTag, Comment, CommentReport, Problem, ProblemPhoto, ProblemSettings, StatusChange


class PhotoInline(admin.TabularInline):
    model = ProblemPhoto
    extra = 0
    readonly_fields = ["image", "content_type", "width", "height", "size_bytes"]
    can_delete = False


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "actor", "reason", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "status", "category", "endorsement_count", "comment_count", "created_at"]
    list_filter = ["status", "category", "community"]
    search_fields = ["title", "description"]
    list_select_related = ["community"]
    readonly_fields = [
        "status",
        "endorsement_count",
        "comment_count",
        "threshold_reached_at",
        "ballot_id",
        "campaign_id",
        "author",
    ]
    inlines = [PhotoInline, StatusChangeInline]


@admin.register(BeneficiaryTag)
class BeneficiaryTagAdmin(admin.ModelAdmin):
    list_display = ["name", "community"]
    list_filter = ["community"]


@admin.register(ProblemSettings)
class ProblemSettingsAdmin(admin.ModelAdmin):
    list_display = ["community", "threshold_kind", "threshold_value", "updated_at"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["problem", "author", "created_at", "deleted_at", "hidden_at", "open_report_count"]
    list_select_related = ["problem", "author"]
    readonly_fields = ["problem", "author", "parent", "open_report_count", "hidden_by", "hidden_at", "deleted_at"]


@admin.register(CommentReport)
class CommentReportAdmin(admin.ModelAdmin):
    list_display = ["comment", "reporter", "reason", "created_at", "resolved_at"]
    list_select_related = ["comment", "reporter"]
