"""Problems raised by residents (发现问题) and the discussion around them (探讨问题): comments,
reports, endorsements (我也关心) and follows, with every status move kept in a history."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The platform-wide beneficiary tags (受益人群) every community has; organisers add their own.
PLATFORM_TAG_NAMES = ("一小", "一老", "困难群体", "公共空间")


class BeneficiaryTag(models.Model):
    """Who a problem is for (受益人群). Platform tags have no community (一小, 一老, 困难群体,
    公共空间); organisers add their own per community."""

    community = models.ForeignKey(
        "network.Community",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="problem_tags",
        verbose_name=_("社区"),
    )
    name = models.CharField(_("名称"), max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("受益人群标签")
        verbose_name_plural = _("受益人群标签")
        ordering = ["community_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="problem_tag_unique_in_community"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(community__isnull=True), name="problem_tag_unique_platform"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProblemSettings(models.Model):
    """An organiser's settings for problems in one community: the endorsement threshold (in the
    spirit of CONSUL's supports threshold), as a number of endorsements or a percentage of the
    community's verified members."""

    class ThresholdKind(models.TextChoices):
        COUNT = "count", _("固定人数")
        SHARE = "share", _("认证居民的百分比")

    community = models.OneToOneField(
        "network.Community", on_delete=models.CASCADE, related_name="problem_settings", verbose_name=_("社区")
    )
    threshold_kind = models.CharField(
        _("门槛类型"), max_length=10, choices=ThresholdKind.choices, default=ThresholdKind.COUNT
    )
    threshold_value = models.PositiveIntegerField(_("门槛数值"), default=10)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("问题设置")
        verbose_name_plural = _("问题设置")
        constraints = [
            models.CheckConstraint(condition=Q(threshold_value__gte=1), name="problem_threshold_positive"),
            models.CheckConstraint(
                condition=~Q(threshold_kind="share") | Q(threshold_value__lte=100), name="problem_threshold_share_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community}: {self.threshold_kind} {self.threshold_value}"


class Problem(models.Model):
    """A problem a verified resident raised in their community."""

    class Status(models.TextChoices):
        RAISED = "raised", _("已提出")
        DISCUSSING = "discussing", _("讨论中")
        VOTING = "voting", _("投票中")
        ADOPTED = "adopted", _("已采纳")
        DECLINED = "declined", _("未采纳")
        SOLVING = "solving", _("解决中")
        SOLVED = "solved", _("已解决")

    class Category(models.TextChoices):
        FACILITIES = "facilities", _("设施维修")
        ENVIRONMENT = "environment", _("环境卫生")
        ELDERLY = "elderly", _("养老服务")
        CHILDREN = "children", _("儿童关爱")
        SAFETY = "safety", _("安全隐患")
        NEIGHBOURS = "neighbours", _("邻里关系")
        CULTURE = "culture", _("文化活动")
        OTHER = "other", _("其他")

    community = models.ForeignKey(
        "network.Community", on_delete=models.PROTECT, related_name="problems", verbose_name=_("社区")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="problems", verbose_name=_("提出人")
    )
    title = models.CharField(_("标题"), max_length=80)
    description = models.TextField(_("问题描述"), max_length=5000)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    tags = models.ManyToManyField(BeneficiaryTag, blank=True, related_name="problems", verbose_name=_("受益人群"))
    place = models.CharField(_("地点"), max_length=120, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RAISED)
    endorsement_count = models.PositiveIntegerField(_("关心人数"), default=0)
    comment_count = models.PositiveIntegerField(_("评论数"), default=0)
    threshold_reached_at = models.DateTimeField(_("达到关注门槛时间"), null=True, blank=True)
    ballot_id = models.PositiveBigIntegerField(_("投票编号"), null=True, blank=True)
    campaign_id = models.PositiveBigIntegerField(_("众筹行动编号"), null=True, blank=True)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("状态更新时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("社区问题")
        verbose_name_plural = _("社区问题")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="problem_coordinates_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="voting") | Q(ballot_id__isnull=False), name="problem_voting_has_ballot"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["solving", "solved"]) | Q(campaign_id__isnull=False),
                name="problem_solving_has_campaign",
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status", "-created_at"]),
            models.Index(fields=["status", "-endorsement_count"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def photo_path(instance: "ProblemPhoto", filename: str) -> str:
    # The name is ours, never the uploader's: the extension follows the detected image format.
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"problems/{uuid.uuid4().hex}.{ext}"


class ProblemPhoto(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("照片"), upload_to=photo_path, max_length=200)
    content_type = models.CharField(max_length=30)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size_bytes = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("问题照片")
        verbose_name_plural = _("问题照片")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.image.name


class StatusChange(models.Model):
    """One move in a problem's lifecycle: who (None for the system), when and why."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Problem.Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Problem.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("状态记录")
        verbose_name_plural = _("状态记录")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.problem_id}: {self.from_status} → {self.to_status}"


class Comment(models.Model):
    """A comment or a reply. Deleting keeps the row (so replies stay in place) and hides the text;
    organisers hide a comment with a reason."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="problem_comments")
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    body = models.TextField(_("内容"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_reason = models.CharField(_("隐藏原因"), max_length=300, blank=True)
    open_report_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["problem", "created_at"])]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:30]}"

    @property
    def is_visible(self) -> bool:
        return self.deleted_at is None and self.hidden_at is None


class CommentReport(models.Model):
    """A resident's report (举报) of a comment; resolved when an organiser hides or keeps it."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("举报原因"), max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("评论举报")
        verbose_name_plural = _("评论举报")
        constraints = [models.UniqueConstraint(fields=["comment", "reporter"], name="problem_comment_report_once")]

    def __str__(self) -> str:
        return f"{self.reporter} → {self.comment_id}"


class Endorsement(models.Model):
    """我也关心: one per resident per problem."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="endorsements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="problem_endorsements")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("我也关心")
        verbose_name_plural = _("我也关心")
        constraints = [models.UniqueConstraint(fields=["problem", "user"], name="problem_endorsement_one_per_person")]

    def __str__(self) -> str:
        return f"{self.user} → {self.problem_id}"


class Follow(models.Model):
    """A person who wants to hear about a problem's progress."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="problem_follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        constraints = [models.UniqueConstraint(fields=["problem", "user"], name="problem_follow_one_per_person")]

    def __str__(self) -> str:
        return f"{self.user} → {self.problem_id}"
