"""Foundation review (慈善基金评审) and accountability (公开问责).

- A fund opens a call (申报指南) on one of its matching pools, with criteria; organisers apply a
  campaign to it; the fund's reviewers approve (which puts the campaign into the pool), reject or
  ask for changes.
- Funded items (资金使用申请) are expense claims of a campaign against a fund's money, with
  receipts; they are reviewed, then disbursed (拨付) with balanced ledger entries.
- Every decision leaves an audit event (审计记录).
- Milestones (里程碑) report progress against a campaign's needs, with photos.

Separation of duties (submitter ≠ approver ≠ disburser) and the two-approval rule are enforced by
the services; the database backs them with one approval per reviewer per round.
"""

from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


class PrivateStorage(FileSystemStorage):
    """Files no one may fetch by URL: receipts are served only through a permission-checked view.

    Lives beside MEDIA_ROOT (never under it, so nothing under MEDIA_URL reaches it) unless
    PRIVATE_MEDIA_ROOT is set. The location is read on each use so tests can move MEDIA_ROOT."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        root = getattr(settings, "PRIVATE_MEDIA_ROOT", None)
        return str(root or Path(settings.MEDIA_ROOT).parent / "private")

    @property
    def location(self) -> str:  # type: ignore[override]
        return str(Path(self.base_location).resolve())

    @cached_property
    def base_url(self) -> None:  # type: ignore[override]
        return None

    def url(self, name: str | None) -> str:
        raise ValueError("private files have no public URL")


_private_storage = PrivateStorage()


def private_storage() -> PrivateStorage:
    return _private_storage


class FundPolicy(models.Model):
    """A fund's review rules: above these amounts two different reviewers must approve."""

    fund = models.OneToOneField(
        "network.CharityFund", on_delete=models.CASCADE, related_name="review_policy", verbose_name=_("慈善基金")
    )
    application_two_approvals_above_fen = models.BigIntegerField(
        _("申请额高于此数需两人批准（分）"), null=True, blank=True
    )
    item_two_approvals_above_fen = models.BigIntegerField(_("支出高于此数需两人批准（分）"), null=True, blank=True)

    class Meta:
        verbose_name = _("基金评审规则")
        verbose_name_plural = _("基金评审规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(application_two_approvals_above_fen__isnull=True)
                | Q(application_two_approvals_above_fen__gte=0),
                name="policy_application_threshold_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(item_two_approvals_above_fen__isnull=True) | Q(item_two_approvals_above_fen__gte=0),
                name="policy_item_threshold_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return str(self.fund)


class Call(models.Model):
    """A call for applications (申报指南) on one of a fund's matching pools, with its criteria.

    Empty criteria mean "any": `tags` (beneficiary tag codes such as children/elderly),
    `townships` (ids of townships the host community must be in), `partner_kinds` (campaign
    must have a partner of one of these kinds), `questions` (texts every applicant answers)."""

    fund = models.ForeignKey(
        "network.CharityFund", on_delete=models.PROTECT, related_name="calls", verbose_name=_("慈善基金")
    )
    pool = models.OneToOneField(
        "funding.MatchingPool", on_delete=models.PROTECT, related_name="call", verbose_name=_("配捐池")
    )
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    tags = models.JSONField(_("受益标签"), default=list, blank=True)
    townships = models.JSONField(_("地区（乡镇街道）"), default=list, blank=True)
    partner_kinds = models.JSONField(_("合作方类型"), default=list, blank=True)
    max_ask_fen = models.BigIntegerField(_("最高申请额（分）"), null=True, blank=True)
    questions = models.JSONField(_("申报问题"), default=list, blank=True)
    # The window in which applications are accepted; empty: from publication / until closed by hand.
    opens_at = models.DateTimeField(_("开始接受申请"), null=True, blank=True)
    closes_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    is_open = models.BooleanField(_("接受申报"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申报指南")
        verbose_name_plural = _("申报指南")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_ask_fen__isnull=True) | Q(max_ask_fen__gt=0), name="call_max_ask_positive"
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True) | Q(closes_at__isnull=True) | Q(closes_at__gt=F("opens_at")),
                name="call_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def phase(self, now=None) -> str:
        """ "open" (accepting applications), "upcoming" (before its window) or "closed"."""
        now = now or timezone.now()
        if not self.is_open or (self.closes_at is not None and self.closes_at <= now):
            return "closed"
        if self.opens_at is not None and self.opens_at > now:
            return "upcoming"
        return "open"


class Application(models.Model):
    """A campaign's application (配捐申请) to a fund's call."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待评审")
        CHANGES_REQUESTED = "changes_requested", _("需修改")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未通过")

    call = models.ForeignKey(Call, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申报指南"))
    fund = models.ForeignKey("network.CharityFund", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="fund_applications", verbose_name=_("众筹行动")
    )
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ask_fen = models.BigIntegerField(_("申请配捐额（分）"))
    currency = models.CharField(max_length=3, default="cny")
    statement = models.TextField(_("申请说明"))
    answers = models.JSONField(_("问题回答"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    # Each resubmission opens a new round; approvals of an earlier round no longer count.
    round = models.PositiveIntegerField(default=1)
    approved_cap_fen = models.BigIntegerField(_("批准上限（分）"), null=True, blank=True)
    conditions = models.TextField(_("附加条件"), blank=True)
    decision_reason = models.TextField(_("评审意见"), blank=True)
    disbursed_fen = models.BigIntegerField(_("已拨付（分）"), default=0)
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("配捐申请")
        verbose_name_plural = _("配捐申请")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "campaign"], name="application_once_per_call"),
            models.CheckConstraint(condition=Q(ask_fen__gt=0), name="application_ask_positive"),
            models.CheckConstraint(
                condition=Q(approved_cap_fen__isnull=True) | Q(approved_cap_fen__gte=0),
                name="application_cap_not_negative",
            ),
            models.CheckConstraint(condition=Q(disbursed_fen__gte=0), name="application_disbursed_not_negative"),
        ]
        indexes = [models.Index(fields=["fund", "status"])]

    def __str__(self) -> str:
        return f"{self.campaign} → {self.call}"


class Decision(models.TextChoices):
    APPROVE = "approve", _("批准")
    REJECT = "reject", _("不通过")
    REQUEST_CHANGES = "request_changes", _("要求修改")


class ApplicationReview(models.Model):
    """One reviewer's decision on one round of an application."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveIntegerField()
    decision = models.CharField(_("决定"), max_length=20, choices=Decision.choices)
    reason = models.TextField(_("理由"), blank=True)
    conditions = models.TextField(_("附加条件"), blank=True)
    cap_fen = models.BigIntegerField(_("批准上限（分）"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申请评审意见")
        verbose_name_plural = _("申请评审意见")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer", "round"],
                condition=Q(decision="approve"),
                name="application_one_approval_per_reviewer_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.decision} #{self.application_id}/{self.round}"


class FundedItem(models.Model):
    """A funded item (资金使用申请): something bought or paid for a campaign's need, claimed
    against the money a fund matched to the campaign."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审核")
        CHANGES_REQUESTED = "changes_requested", _("需修改")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未通过")
        DISBURSED = "disbursed", _("已拨付")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="items")
    fund = models.ForeignKey("network.CharityFund", on_delete=models.PROTECT, related_name="+")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="funded_items")
    need = models.ForeignKey("campaigns.Need", on_delete=models.PROTECT, related_name="+", verbose_name=_("对应需求"))
    description = models.CharField(_("支出内容"), max_length=200)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    currency = models.CharField(max_length=3, default="cny")
    payee = models.CharField(_("收款方"), max_length=100)
    spent_on = models.DateField(_("支出日期"))
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    round = models.PositiveIntegerField(default=1)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    decision_reason = models.TextField(_("审核意见"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    transfer_reference = models.CharField(_("转账凭证号"), max_length=100, blank=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disbursed_at = models.DateTimeField(null=True, blank=True)
    ledger_entry_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("资金使用申请")
        verbose_name_plural = _("资金使用申请")
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="funded_item_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="disbursed")
                | (Q(disbursed_by__isnull=False) & Q(disbursed_at__isnull=False) & ~Q(transfer_reference="")),
                name="funded_item_disbursement_recorded",
            ),
            models.CheckConstraint(
                condition=Q(disbursed_by__isnull=True) | ~Q(disbursed_by=F("submitted_by")),
                name="funded_item_disburser_not_submitter",
            ),
        ]
        indexes = [models.Index(fields=["fund", "status"]), models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return self.description


class ItemReview(models.Model):
    """One reviewer's decision on one round of a funded item."""

    item = models.ForeignKey(FundedItem, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveIntegerField()
    decision = models.CharField(_("决定"), max_length=20, choices=Decision.choices)
    reason = models.TextField(_("理由"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("支出审核意见")
        verbose_name_plural = _("支出审核意见")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "reviewer", "round"],
                condition=Q(decision="approve"),
                name="item_one_approval_per_reviewer_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.decision} #{self.item_id}/{self.round}"


class Receipt(models.Model):
    """A receipt (票据) of a funded item: an image or a PDF, kept in private storage."""

    item = models.ForeignKey(FundedItem, on_delete=models.CASCADE, related_name="receipts")
    file = models.FileField(storage=private_storage, upload_to="review/receipts/%Y/%m/", max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("票据")
        verbose_name_plural = _("票据")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.original_name


class AuditEvent(models.Model):
    """An entry of the audit trail (审计记录): who did what, when, what changed and why.
    Append-only: services add rows, nothing edits or deletes them."""

    fund = models.ForeignKey("network.CharityFund", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    campaign_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    action = models.CharField(max_length=50)
    object_type = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["fund", "created_at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class Milestone(models.Model):
    """A milestone (里程碑) of a campaign's delivery, against one of its needs."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="milestones")
    need = models.ForeignKey(
        "campaigns.Need", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("对应需求")
    )
    title = models.CharField(_("里程碑"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    due_on = models.DateField(_("计划完成日期"), null=True, blank=True)
    percent_done = models.PositiveSmallIntegerField(_("完成度（%）"), default=0)
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("里程碑")
        verbose_name_plural = _("里程碑")
        ordering = ["campaign_id", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(percent_done__lte=100), name="milestone_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return self.title


class MilestoneUpdate(models.Model):
    """A progress report (进展报告) on a milestone: the new percentage and what was done."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    percent_done = models.PositiveSmallIntegerField(_("完成度（%）"))
    body = models.TextField(_("进展说明"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(percent_done__lte=100), name="milestone_update_percent_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"{self.milestone_id}: {self.percent_done}%"


class MilestonePhoto(models.Model):
    update = models.ForeignKey(MilestoneUpdate, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to="review/milestones/%Y/%m/")

    def __str__(self) -> str:
        return self.image.name
