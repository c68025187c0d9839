"""Campaigns (众筹行动) and the 五筹 they gather: needs in five dimensions, pledges against them,
shifts for volunteers, idea endorsements, progress updates and followers.

Progress is kept as counters on Need, changed with F() in the same transaction as the pledge
that moves them, so a page reads progress without scanning pledges.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    """The 五筹."""

    PROJECT = "project", _("筹项目")
    IDEA = "idea", _("筹智慧")
    RESOURCE = "resource", _("筹资源")
    MONEY = "money", _("筹资金")
    PEOPLE = "people", _("筹人才")


class Campaign(models.Model):
    """A campaign (众筹行动) run by the organisers of one or more communities."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        IN_REVIEW = "in_review", _("审核中")
        LIVE = "live", _("进行中")
        SUCCEEDED = "succeeded", _("已达成")
        FAILED = "failed", _("未达成")
        DELIVERING = "delivering", _("执行中")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    class MoneyMode(models.TextChoices):
        ALL_OR_NOTHING = "all_or_nothing", _("全有或全无")
        KEEP_WHAT_YOU_RAISE = "keep_what_you_raise", _("筹多少用多少")

    title = models.CharField(_("标题"), max_length=120)
    story = models.TextField(_("项目故事"))
    cover = models.ImageField(_("封面图片"), upload_to="campaigns/covers/%Y/%m/", blank=True)
    communities = models.ManyToManyField("network.Community", related_name="campaigns", verbose_name=_("社区"))
    host_community = models.ForeignKey(
        "network.Community", on_delete=models.PROTECT, related_name="hosted_campaigns", verbose_name=_("主办社区")
    )
    # The problem this campaign solves, when it grew out of one (problems.Problem id). A plain id:
    # the problems app moves the problem through its own services, never through this row.
    problem_id = models.PositiveBigIntegerField(_("来源问题"), null=True, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"))
    money_mode = models.CharField(
        _("资金模式"), max_length=30, choices=MoneyMode.choices, default=MoneyMode.ALL_OR_NOTHING
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("众筹行动")
        verbose_name_plural = _("众筹行动")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("starts_at")), name="campaign_deadline_after_start"
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.title

    @property
    def accepts_pledges(self) -> bool:
        return self.status == self.Status.LIVE


class BeneficiaryTag(models.TextChoices):
    CHILDREN = "children", _("一小")
    ELDERLY = "elderly", _("一老")
    VULNERABLE = "vulnerable", _("困难群体")
    PUBLIC_SPACE = "public_space", _("公共空间")
    ENVIRONMENT = "environment", _("环境美化")
    NEIGHBOURHOOD = "neighbourhood", _("邻里互助")


class CampaignTag(models.Model):
    """A beneficiary tag on a campaign (一小 / 一老 / 困难群体 / 公共空间 ...)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(_("受益标签"), max_length=30, choices=BeneficiaryTag.choices)

    class Meta:
        verbose_name = _("受益标签")
        verbose_name_plural = _("受益标签")
        constraints = [models.UniqueConstraint(fields=["campaign", "tag"], name="campaign_tag_unique")]
        indexes = [models.Index(fields=["tag"])]

    def __str__(self) -> str:
        return self.get_tag_display()


class CampaignPartner(models.Model):
    """A 五社 partner of a campaign and its role. Exactly one partner reference is set."""

    class Role(models.TextChoices):
        HOST = "host", _("主办")
        CO_ORGANISER = "co_organiser", _("协办")
        FUNDER = "funder", _("资助")
        SUPPORTER = "supporter", _("支持")
        VOLUNTEER_TEAM = "volunteer_team", _("志愿服务")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="partners")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    community = models.ForeignKey(
        "network.Community", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    station = models.ForeignKey(
        "network.SocialWorkStation", on_delete=models.PROTECT, null=True, blank=True, related_name="campaign_roles"
    )
    organisation = models.ForeignKey(
        "network.SocialOrganisation", on_delete=models.PROTECT, null=True, blank=True, related_name="campaign_roles"
    )
    fund = models.ForeignKey(
        "network.CharityFund", on_delete=models.PROTECT, null=True, blank=True, related_name="campaign_roles"
    )
    team = models.ForeignKey(
        "network.VolunteerTeam", on_delete=models.PROTECT, null=True, blank=True, related_name="campaign_roles"
    )

    REFS = ("community", "station", "organisation", "fund", "team")

    class Meta:
        verbose_name = _("合作伙伴")
        verbose_name_plural = _("合作伙伴")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        community__isnull=False,
                        station__isnull=True,
                        organisation__isnull=True,
                        fund__isnull=True,
                        team__isnull=True,
                    )
                    | Q(
                        community__isnull=True,
                        station__isnull=False,
                        organisation__isnull=True,
                        fund__isnull=True,
                        team__isnull=True,
                    )
                    | Q(
                        community__isnull=True,
                        station__isnull=True,
                        organisation__isnull=False,
                        fund__isnull=True,
                        team__isnull=True,
                    )
                    | Q(
                        community__isnull=True,
                        station__isnull=True,
                        organisation__isnull=True,
                        fund__isnull=False,
                        team__isnull=True,
                    )
                    | Q(
                        community__isnull=True,
                        station__isnull=True,
                        organisation__isnull=True,
                        fund__isnull=True,
                        team__isnull=False,
                    )
                ),
                name="partner_exactly_one_ref",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} ({self.get_role_display()})"

    @property
    def partner(self):
        return next(getattr(self, ref) for ref in self.REFS if getattr(self, f"{ref}_id"))

    @property
    def kind(self) -> str:
        return next(ref for ref in self.REFS if getattr(self, f"{ref}_id"))


class Need(models.Model):
    """A 五筹 need: what a campaign asks for in one dimension, with a target.

    Units of `target` and the counters: fen for money, proposals for project, ideas for idea,
    items (of `unit`) for resource, people for people. `pledged_total` counts pending, confirmed
    and fulfilled pledges; `confirmed_total` confirmed and fulfilled; `fulfilled_total` what was
    actually received / served / adopted. `allow_over_pledge` defaults to False: once pledges
    reach the target, further pledges are refused with a clear message (organisers can turn it
    on, e.g. for money beyond the goal or for more ideas).
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="needs")
    dimension = models.CharField(_("维度"), max_length=20, choices=Dimension.choices)
    title = models.CharField(_("需求名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    target = models.PositiveBigIntegerField(_("目标"))
    currency = models.CharField(max_length=3, default="cny")
    required = models.BooleanField(_("必须达成"), default=True)
    allow_over_pledge = models.BooleanField(_("允许超额认筹"), default=False)
    skills = models.CharField(_("所需技能"), max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    pledged_total = models.BigIntegerField(default=0)
    confirmed_total = models.BigIntegerField(default=0)
    fulfilled_total = models.BigIntegerField(default=0)
    pledge_count = models.IntegerField(default=0)
    minutes_served = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("需求")
        verbose_name_plural = _("需求")
        ordering = ["campaign_id", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(target__gt=0), name="need_target_positive"),
            models.CheckConstraint(
                condition=Q(pledged_total__gte=0, confirmed_total__gte=0, fulfilled_total__gte=0, pledge_count__gte=0),
                name="need_counters_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_total__lte=models.F("pledged_total")), name="need_confirmed_le_pledged"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_dimension_display()} · {self.title}"

    @property
    def is_met(self) -> bool:
        return self.confirmed_total >= self.target

    @property
    def percent(self) -> int:
        return min(100, self.confirmed_total * 100 // self.target) if self.target else 0

    @property
    def pledged_percent(self) -> int:
        return min(100, self.pledged_total * 100 // self.target) if self.target else 0


class Shift(models.Model):
    """A time slot (班次) of a people need; volunteers sign up for it."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("人数"))
    signed_up = models.IntegerField(default=0)
    place = models.CharField(_("地点"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="shift_capacity_positive"),
            models.CheckConstraint(
                condition=Q(signed_up__gte=0, signed_up__lte=models.F("capacity")), name="shift_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need.title} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def label(self) -> str:
        from django.utils import timezone

        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        where = f" · {self.place}" if self.place else ""
        return f"{start:%m-%d %H:%M}–{end:%H:%M}{where} ({self.signed_up}/{self.capacity})"

    @property
    def is_full(self) -> bool:
        return self.signed_up >= self.capacity


class Pledge(models.Model):
    """A pledge (认筹) to one need. The dimension decides which detail fields are used."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        FULFILLED = "fulfilled", _("已兑现")
        CANCELLED = "cancelled", _("已取消")
        REJECTED = "rejected", _("未采纳")
        REFUNDED = "refunded", _("已退款")

    class Source(models.TextChoices):
        RESIDENT = "resident", _("居民认筹")
        ONLINE = "online", _("在线支付")
        OFFLINE = "offline", _("线下捐款")
        ORGANISER = "organiser", _("代为登记")

    ACTIVE = (Status.PENDING, Status.CONFIRMED, Status.FULFILLED)

    # need, campaign and user lead the composite indexes in Meta, which serve every look-up by
    # them: no single-column index of their own (each index is written by every pledge).
    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="pledges", db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="pledges", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pledges",
        db_index=False,
    )
    contributor_name = models.CharField(_("捐赠人"), max_length=50, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.RESIDENT)
    quantity = models.PositiveIntegerField(_("数量"), default=1)
    amount_fen = models.BigIntegerField(_("金额（分）"), null=True, blank=True)
    currency = models.CharField(max_length=3, default="cny")
    anonymous = models.BooleanField(_("匿名"), default=False)
    idempotency_key = models.CharField(max_length=64, blank=True)
    # project / idea
    summary = models.CharField(_("概要"), max_length=200, blank=True)
    body = models.TextField(_("内容"), blank=True)
    budget_fen = models.BigIntegerField(_("预算（分）"), null=True, blank=True)
    carried_by = models.CharField(_("执行方"), max_length=120, blank=True)
    endorsement_count = models.IntegerField(default=0)
    adopted = models.BooleanField(_("已采纳"), default=False)
    # resource
    estimated_value_fen = models.BigIntegerField(_("估值（分）"), null=True, blank=True)
    received_quantity = models.PositiveIntegerField(_("实收数量"), null=True, blank=True)
    # people
    shift = models.ForeignKey(
        Shift, on_delete=models.PROTECT, null=True, blank=True, related_name="signups", db_index=False
    )
    signed_in_at = models.DateTimeField(null=True, blank=True)
    signed_out_at = models.DateTimeField(null=True, blank=True)
    minutes_served = models.PositiveIntegerField(default=0)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # money recorded offline
    evidence = models.ImageField(_("收据照片"), upload_to="campaigns/receipts/%Y/%m/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("认筹")
        verbose_name_plural = _("认筹")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "idempotency_key"], condition=~Q(idempotency_key=""), name="pledge_idempotency_key"
            ),
            models.UniqueConstraint(
                fields=["shift", "user"],
                condition=Q(shift__isnull=False, status__in=["pending", "confirmed", "fulfilled"]),
                name="pledge_one_signup_per_shift",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="pledge_quantity_positive"),
            models.CheckConstraint(
                condition=Q(amount_fen__isnull=True) | Q(amount_fen__gt=0), name="pledge_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(budget_fen__isnull=True) | Q(budget_fen__gte=0), name="pledge_budget_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(estimated_value_fen__isnull=True) | Q(estimated_value_fen__gte=0),
                name="pledge_value_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status"]),
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["need", "status"]),
            # Most pledges have no shift and no recorder: only the rows that do are indexed.
            models.Index(fields=["shift"], condition=Q(shift__isnull=False), name="pledge_shift"),
            models.Index(fields=["recorded_by"], condition=Q(recorded_by__isnull=False), name="pledge_recorded_by"),
        ]

    def __str__(self) -> str:
        return f"{self.need} · {self.display_name}"

    @property
    def display_name(self) -> str:
        if self.anonymous:
            return str(_("匿名"))
        if self.user_id:
            return self.user.name
        return self.contributor_name or str(_("匿名"))

    @property
    def value(self) -> int:
        """What this pledge adds to its need's counters: fen for money, quantity otherwise."""
        return int(self.amount_fen or 0) if self.need.dimension == Dimension.MONEY else int(self.quantity)


class IdeaEndorsement(models.Model):
    """One person's endorsement (点赞) of an idea pledge."""

    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="endorsements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["pledge", "user"], name="endorsement_one_per_person")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.pledge_id}"


class CampaignFollow(models.Model):
    """A person following a campaign; they are notified of progress updates."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="campaign_follows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.campaign_id}"


class ProgressUpdate(models.Model):
    """A progress report (进展) posted by an organiser, with photos."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("进展内容"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("项目进展")
        verbose_name_plural = _("项目进展")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.body[:40]


class UpdatePhoto(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to="campaigns/updates/%Y/%m/")

    def __str__(self) -> str:
        return self.image.name
