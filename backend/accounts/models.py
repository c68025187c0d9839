"""People and their roles. Roles are per object: a membership of a community (resident or
organiser), staff of a station or social organisation, reviewer of a charity fund."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    display_name = models.CharField(_("显示名称"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    preferred_language = models.CharField(
        _("偏好语言"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    # Set when a community worker gives out a temporary password (代为重设密码): the person must
    # choose their own before anything else. The temporary one works once, until it expires.
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    temporary_password_expires_at = models.DateTimeField(_("临时密码有效期至"), null=True, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            # "Alice" and "alice" are one person: sign-in is case-insensitive in people's minds.
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.username


class CommunityMembership(models.Model):
    """A person's place in a community: a resident (verified by an organiser) or an organiser."""

    class Role(models.TextChoices):
        RESIDENT = "resident", _("居民")
        ORGANISER = "organiser", _("社区工作者")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        VERIFIED = "verified", _("已认证")
        REJECTED = "rejected", _("已拒绝")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    community = models.ForeignKey("network.Community", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    message = models.CharField(_("申请说明"), max_length=300, blank=True)
    reason = models.CharField(_("审核意见"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("社区成员")
        verbose_name_plural = _("社区成员")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "community"], name="membership_one_per_community"),
            models.CheckConstraint(condition=Q(role__in=["resident", "organiser"]), name="membership_role_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "verified", "rejected"]), name="membership_status_valid"
            ),
            # A waiting request carries no decision; asking again after a rejection clears it.
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(decided_at__isnull=True, decided_by__isnull=True),
                name="membership_pending_undecided",
            ),
        ]
        indexes = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.community} ({self.get_role_display()}, {self.get_status_display()})"


class StationStaff(models.Model):
    """A social worker (社工) on the staff of a social-work station."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="station_roles")
    station = models.ForeignKey("network.SocialWorkStation", on_delete=models.CASCADE, related_name="staff")

    class Meta:
        verbose_name = _("社工站工作人员")
        verbose_name_plural = _("社工站工作人员")
        constraints = [models.UniqueConstraint(fields=["user", "station"], name="station_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.station}"


class OrganisationStaff(models.Model):
    """Staff of a social organisation (社会组织)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organisation_roles")
    organisation = models.ForeignKey("network.SocialOrganisation", on_delete=models.CASCADE, related_name="staff")

    class Meta:
        verbose_name = _("社会组织工作人员")
        verbose_name_plural = _("社会组织工作人员")
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="organisation_staff_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class FundReviewer(models.Model):
    """A reviewer (慈善基金评审) of one charity fund."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="fund_roles")
    fund = models.ForeignKey("network.CharityFund", on_delete=models.CASCADE, related_name="reviewers")

    class Meta:
        verbose_name = _("基金评审")
        verbose_name_plural = _("基金评审")
        constraints = [models.UniqueConstraint(fields=["user", "fund"], name="fund_reviewer_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.fund}"


class AssistanceConsent(models.Model):
    """Consent for assisted participation (代为参与): a resident, often elderly, asks an organiser
    to vote or pledge on their behalf. The record says who asked, how consent was given and when."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("当面口头同意")
        SIGNED = "signed", _("书面签字")
        PHONE = "phone", _("电话确认")
        FAMILY = "family", _("家属代为确认")

    resident = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assistance_consents")
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("network.Community", on_delete=models.CASCADE, related_name="+")
    method = models.CharField(_("同意方式"), max_length=20, choices=Method.choices)
    scope = models.CharField(_("代办事项"), max_length=200, help_text=_("例如：为“小区改造投票”代为投票"))
    given_at = models.DateTimeField(_("同意时间"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("代为参与同意记录")
        verbose_name_plural = _("代为参与同意记录")
        ordering = ["-given_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=["in_person", "signed", "phone", "family"]), name="consent_method_valid"
            ),
            models.CheckConstraint(condition=~Q(scope=""), name="consent_scope_given"),
        ]

    def __str__(self) -> str:
        return f"{self.resident} → {self.organiser}: {self.scope}"


class Notification(models.Model):
    """An in-app notification (站内通知). Any app sends one through accounts.services."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("邮件副本发出的时间；空表示没有发出或不需要发")
    )

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"),
        ]

    def __str__(self) -> str:
        return self.title


class PasswordReset(models.Model):
    """A community worker reset a resident's password and read a temporary one to them (代为重设
    密码). Kept as the record of who did it, for whom, where and when; the password is not kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_resets")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("network.Community", on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("代为重设密码记录")
        verbose_name_plural = _("代为重设密码记录")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor} → {self.user} ({self.created_at:%Y-%m-%d %H:%M})"
