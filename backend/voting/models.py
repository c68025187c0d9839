"""Ballots (投票表决): a question put to the verified members of one or more communities.

Secrecy is built into the tables: `Participation` records *that* a person voted, `Cast` records
*what* was voted, and nothing joins the two (see voting.services for the receipt design). Neither
table has a timestamp, and a Cast's key is random, so neither time nor key order pairs them up.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Ballot(models.Model):
    class Method(models.TextChoices):
        SINGLE = "single", _("单选")
        APPROVAL = "approval", _("认可投票（可多选）")
        RANKED = "ranked", _("排序投票（即时决选）")
        SCORE = "score", _("评分投票（0–5 分）")
        BUDGET = "budget", _("参与式预算")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("投票中")
        CLOSED = "closed", _("已截止")
        PUBLISHED = "published", _("已公布")

    class ResultsPolicy(models.TextChoices):
        TURNOUT = "turnout", _("投票期间只显示参与人数")
        LIVE = "live", _("投票期间实时显示结果")

    communities = models.ManyToManyField("network.Community", related_name="ballots", verbose_name=_("社区"))
    question = models.CharField(_("投票议题"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    method = models.CharField(_("投票方式"), max_length=20, choices=Method.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    quorum = models.PositiveIntegerField(_("最低参与人数"), null=True, blank=True)
    results_policy = models.CharField(
        _("结果公开方式"), max_length=20, choices=ResultsPolicy.choices, default=ResultsPolicy.TURNOUT
    )
    max_choices = models.PositiveIntegerField(_("最多可选项数"), null=True, blank=True)
    budget_fen = models.BigIntegerField(_("预算（分）"), null=True, blank=True)
    currency = models.CharField(_("币种"), max_length=3, default="cny")
    allow_revote = models.BooleanField(_("截止前允许改票"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    result = models.JSONField(_("计票结果"), default=dict, blank=True)
    tallied_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    opened_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("投票")
        verbose_name_plural = _("投票")
        ordering = ["-opens_at", "-pk"]
        indexes = [models.Index(fields=["status", "opens_at"]), models.Index(fields=["status", "closes_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=models.F("opens_at")), name="ballot_closes_after_opens"),
            models.CheckConstraint(
                condition=Q(budget_fen__isnull=True) | Q(budget_fen__gt=0), name="ballot_budget_positive"
            ),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=1), name="ballot_max_choices_positive"
            ),
            models.CheckConstraint(
                condition=~Q(method="budget") | Q(budget_fen__isnull=False), name="ballot_budget_method_has_budget"
            ),
        ]

    def __str__(self) -> str:
        return self.question


class Option(models.Model):
    """One choice on a ballot: free text, or a reference (`ref_kind`, `ref_id`) to what it stands
    for in another app (e.g. `problem` 12, `proposal` 7). Voting does not look the reference up."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField(_("顺序"))
    label = models.CharField(_("选项"), max_length=200)
    description = models.TextField(_("说明"), blank=True)
    cost_fen = models.BigIntegerField(_("费用（分）"), null=True, blank=True)
    ref_kind = models.CharField(_("关联类型"), max_length=30, blank=True)
    ref_id = models.BigIntegerField(_("关联编号"), null=True, blank=True)

    class Meta:
        verbose_name = _("投票选项")
        verbose_name_plural = _("投票选项")
        ordering = ["ballot", "position"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "position"], name="option_unique_position"),
            models.CheckConstraint(condition=Q(cost_fen__isnull=True) | Q(cost_fen__gte=0), name="option_cost_nonneg"),
            models.CheckConstraint(
                condition=(Q(ref_kind="") & Q(ref_id__isnull=True)) | (~Q(ref_kind="") & Q(ref_id__isnull=False)),
                name="option_ref_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Participation(models.Model):
    """That a person took part in a ballot (参与记录) — never what they chose. `receipt_hash` is a
    salted hash of the voter's secret receipt code; only someone holding the code can find the
    voter's Cast again (to change the vote)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="participations")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ballot_participations")
    receipt_salt = models.CharField(max_length=32)
    receipt_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("参与记录")
        verbose_name_plural = _("参与记录")
        constraints = [models.UniqueConstraint(fields=["ballot", "voter"], name="participation_one_per_voter")]

    def __str__(self) -> str:
        return f"{self.voter} → {self.ballot}"


class Cast(models.Model):
    """The content of one ballot paper (选票), with no voter and no time. `check_code` is a hash of
    the voter's receipt code and is what the published receipt list shows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="casts")
    check_code = models.CharField(_("核对码"), max_length=32)
    choices = models.JSONField(_("选票内容"))
    assisted = models.BooleanField(_("代为投票"), default=False)

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")
        ordering = ["ballot", "check_code"]
        constraints = [models.UniqueConstraint(fields=["ballot", "check_code"], name="cast_unique_check_code")]

    def __str__(self) -> str:
        return self.check_code
