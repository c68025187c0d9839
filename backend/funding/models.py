"""Money: online payments for money pledges (Stripe), matching pools (四个一 配捐) and the
tamper-evident double-entry ledger (资金台账).

Campaigns and pledges belong to the campaigns app; rows here refer to them by id
(`campaign_id`, `pledge_id`) so the money trail survives whatever happens to a campaign row and
the ledger never cascades away.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

# --- Matching pools ------------------------------------------------------------------------------


class MatchingPool(models.Model):
    """A 配捐池: a funder promises to add money to every eligible donation, by ratio, up to caps."""

    class Tier(models.TextChoices):
        CITY = "city", _("市级")
        DISTRICT = "district", _("区县级")
        TOWNSHIP = "township", _("乡镇街道级")
        CHARITY = "charity", _("慈善基金")

    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    tier = models.CharField(_("层级"), max_length=20, choices=Tier.choices)
    district = models.ForeignKey(
        "network.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("行政区")
    )
    township = models.ForeignKey(
        "network.Township",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("乡镇街道"),
    )
    fund = models.ForeignKey(
        "network.CharityFund",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="matching_pools",
        verbose_name=_("慈善基金"),
    )
    currency = models.CharField(_("币种"), max_length=3, default="cny")
    budget_fen = models.BigIntegerField(_("预算（分）"))
    remaining_fen = models.BigIntegerField(_("剩余（分）"))
    ratio_numerator = models.PositiveIntegerField(_("配捐比例（分子）"), default=1)
    ratio_denominator = models.PositiveIntegerField(_("配捐比例（分母）"), default=1)
    per_pledge_cap_fen = models.BigIntegerField(_("单笔上限（分）"), null=True, blank=True)
    per_donor_cap_fen = models.BigIntegerField(_("每人每项目上限（分）"), null=True, blank=True)
    per_campaign_cap_fen = models.BigIntegerField(_("每项目上限（分）"), null=True, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    daily_start = models.TimeField(_("每日开始"), null=True, blank=True)
    daily_end = models.TimeField(_("每日结束"), null=True, blank=True)
    conditional = models.BooleanField(_("达标后才配捐"), default=False)
    matches_offline = models.BooleanField(
        _("为线下捐款配捐"),
        default=False,
        help_text=_("勾选后，社区工作者凭收据登记的现金捐款也按同样规则配捐。"),
    )
    stacking_order = models.PositiveIntegerField(_("叠加顺序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("配捐池")
        verbose_name_plural = _("配捐池")
        ordering = ["stacking_order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(budget_fen__gt=0), name="pool_budget_positive"),
            models.CheckConstraint(
                condition=Q(remaining_fen__gte=0) & Q(remaining_fen__lte=F("budget_fen")), name="pool_never_overdrawn"
            ),
            models.CheckConstraint(
                condition=Q(ratio_numerator__gt=0) & Q(ratio_denominator__gt=0), name="pool_ratio_positive"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="pool_window_ordered"),
            models.CheckConstraint(
                condition=(
                    Q(tier="city", district__isnull=True, township__isnull=True, fund__isnull=True)
                    | Q(tier="district", district__isnull=False, township__isnull=True, fund__isnull=True)
                    | Q(tier="township", township__isnull=False, fund__isnull=True)
                    | Q(tier="charity", fund__isnull=False)
                ),
                name="pool_funder_matches_tier",
            ),
            models.CheckConstraint(
                condition=Q(daily_start__isnull=True, daily_end__isnull=True)
                | Q(daily_start__isnull=False, daily_end__isnull=False),
                name="pool_daily_window_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ratio_label(self) -> str:
        n, d = self.ratio_numerator, self.ratio_denominator
        return f"{n / d:g}:1"


class PoolApproval(models.Model):
    """A campaign approved into a pool (入池). `matched_fen` is the running total for the campaign
    and doubles as the row that serialises allocations for one pool and campaign."""

    pool = models.ForeignKey(MatchingPool, on_delete=models.CASCADE, related_name="approvals")
    campaign_id = models.BigIntegerField(_("众筹行动"), db_index=True)
    cap_override_fen = models.BigIntegerField(_("本项目上限（覆盖）"), null=True, blank=True)
    matched_fen = models.BigIntegerField(_("已配捐（分）"), default=0)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("入池批准")
        verbose_name_plural = _("入池批准")
        constraints = [
            models.UniqueConstraint(fields=["pool", "campaign_id"], name="pool_approval_once"),
            models.CheckConstraint(condition=Q(matched_fen__gte=0), name="pool_approval_matched_nonnegative"),
            models.CheckConstraint(
                condition=Q(cap_override_fen__isnull=True) | Q(cap_override_fen__gte=0),
                name="pool_approval_cap_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pool} ← #{self.campaign_id}"


class Match(models.Model):
    """One pool's match (配捐) for one confirmed money pledge."""

    class Status(models.TextChoices):
        RESERVED = "reserved", _("已预留")
        COMMITTED = "committed", _("已配捐")
        RELEASED = "released", _("已释放")

    pool = models.ForeignKey(MatchingPool, on_delete=models.PROTECT, related_name="matches")
    campaign_id = models.BigIntegerField(db_index=True)
    pledge_id = models.BigIntegerField(db_index=True)
    # Empty for cash recorded without an account (线下捐款): no per-donor cap applies then.
    donor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    offline = models.BooleanField(default=False)
    amount_fen = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="cny")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RESERVED)
    release_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("配捐")
        verbose_name_plural = _("配捐")
        constraints = [
            models.UniqueConstraint(fields=["pool", "pledge_id"], name="match_once_per_pool_and_pledge"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="match_amount_positive"),
            models.CheckConstraint(condition=Q(offline=True) | Q(donor__isnull=False), name="match_online_has_donor"),
        ]
        indexes = [models.Index(fields=["pool", "campaign_id", "donor"])]

    def __str__(self) -> str:
        return f"{self.pool}: {self.amount_fen} ({self.status})"


# --- Payments ------------------------------------------------------------------------------------


class Payment(models.Model):
    """The online payment behind one money pledge."""

    class Flow(models.TextChoices):
        CHARGE_NOW = "charge_now", _("即时扣款")
        AUTHORISE = "authorise", _("预授权，成功后扣款")
        SAVE_METHOD = "save_method", _("保存支付方式，成功后扣款")

    class Status(models.TextChoices):
        PROCESSING = "processing", _("处理中")
        AUTHORISED = "authorised", _("已预授权")
        METHOD_SAVED = "method_saved", _("已保存支付方式")
        SUCCEEDED = "succeeded", _("已支付")
        FAILED = "failed", _("支付失败")
        RECOVERING = "recovering", _("扣款失败，待补救")
        CANCELLED = "cancelled", _("已取消")
        REFUNDED = "refunded", _("已退款")

    pledge_id = models.BigIntegerField(unique=True)
    campaign_id = models.BigIntegerField(db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    amount_fen = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="cny")
    flow = models.CharField(max_length=20, choices=Flow.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROCESSING)
    idempotency_key = models.CharField(max_length=100)
    request_fingerprint = models.CharField(max_length=64)
    stripe_customer_id = models.CharField(max_length=100, blank=True)
    stripe_payment_method_id = models.CharField(max_length=100, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=100, blank=True)
    stripe_setup_intent_id = models.CharField(max_length=100, blank=True)
    charge_consent_at = models.DateTimeField(null=True, blank=True)
    refunded_fen = models.BigIntegerField(default=0)
    # The processing fee Stripe kept (from the charge's balance transaction); empty until read.
    fee_fen = models.BigIntegerField(null=True, blank=True)
    failure_code = models.CharField(max_length=100, blank=True)
    recovery_until = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    charge_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("在线支付")
        verbose_name_plural = _("在线支付")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "idempotency_key"], name="payment_idempotency_key_once"),
            models.UniqueConstraint(
                fields=["stripe_payment_intent_id"],
                condition=~Q(stripe_payment_intent_id=""),
                name="payment_intent_once",
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(refunded_fen__gte=0) & Q(refunded_fen__lte=F("amount_fen")),
                name="payment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(fee_fen__isnull=True) | (Q(fee_fen__gte=0) & Q(fee_fen__lte=F("amount_fen"))),
                name="payment_fee_within_amount",
            ),
        ]
        indexes = [models.Index(fields=["campaign_id", "status"])]

    def __str__(self) -> str:
        return f"#{self.pk} pledge {self.pledge_id}: {self.amount_fen} {self.currency} ({self.status})"

    @property
    def refundable_fen(self) -> int:
        return self.amount_fen - self.refunded_fen if self.status == self.Status.SUCCEEDED else 0


class Refund(models.Model):
    """A refund (退款) of a paid pledge, asked for by an organiser or admin with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("处理中")
        SUCCEEDED = "succeeded", _("已退款")
        FAILED = "failed", _("退款失败")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_fen = models.BigIntegerField()
    reason = models.CharField(_("退款原因"), max_length=300)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    # Empty when the platform refunds on its own (a cancelled campaign, money that arrived too late).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    stripe_refund_id = models.CharField(max_length=100, blank=True)
    failure_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive"),
            models.UniqueConstraint(
                fields=["payment"], condition=Q(status="pending"), name="refund_one_pending_per_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount_fen} of payment {self.payment_id} ({self.status})"


class WebhookEvent(models.Model):
    """A Stripe event we have processed; the unique id makes every event count once."""

    stripe_event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=50, blank=True)

    class Meta:
        verbose_name = _("支付回调事件")
        verbose_name_plural = _("支付回调事件")

    def __str__(self) -> str:
        return f"{self.stripe_event_id} {self.type}"


class CampaignSettlement(models.Model):
    """The money side of a campaign's close (结算), claimed once so two workers never both run it."""

    class Outcome(models.TextChoices):
        SUCCEEDED = "succeeded", _("成功")
        FAILED = "failed", _("未达成")
        CANCELLED = "cancelled", _("已取消")

    campaign_id = models.BigIntegerField(unique=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    claimed_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("项目结算")
        verbose_name_plural = _("项目结算")

    def __str__(self) -> str:
        return f"#{self.campaign_id} {self.outcome}"


# --- Ledger -------------------------------------------------------------------------------------


class LedgerHead(models.Model):
    """The chain head: one row, locked by every append so entries get consecutive numbers and
    each hashes over its predecessor."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = _("台账链头")
        verbose_name_plural = _("台账链头")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class LedgerEntry(models.Model):
    """A journal entry (记账凭证) of the append-only, double-entry money ledger. Corrections are
    new, reversing entries; a row is never edited. `hash` covers the content and `prev_hash`."""

    class Kind(models.TextChoices):
        POOL_FUNDED = "pool_funded", _("配捐池注资")
        DONATION = "donation", _("收到捐款")
        MATCH_RESERVED = "match_reserved", _("配捐预留")
        MATCH_COMMITTED = "match_committed", _("配捐到账")
        MATCH_RELEASED = "match_released", _("配捐释放")
        REFUND = "refund", _("退款")
        FEE = "fee", _("手续费")
        DISBURSEMENT = "disbursement", _("拨付")
        REVERSAL = "reversal", _("冲正")

    seq = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    currency = models.CharField(max_length=3, default="cny")
    campaign_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    pool = models.ForeignKey(MatchingPool, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    fund = models.ForeignKey("network.CharityFund", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pledge_id = models.BigIntegerField(null=True, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    memo = models.CharField(max_length=300, blank=True)
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("台账分录")
        verbose_name_plural = _("台账分录")
        ordering = ["seq"]
        constraints = [models.CheckConstraint(condition=Q(seq__gt=0), name="ledger_seq_positive")]
        indexes = [models.Index(fields=["fund", "seq"]), models.Index(fields=["pool", "seq"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"


class LedgerLine(models.Model):
    """One side of an entry: a debit or a credit on an account (科目) such as
    `campaign:12:donations`, `pool:3:available`, `external:donors`."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    account = models.CharField(max_length=100, db_index=True)
    debit_fen = models.BigIntegerField(default=0)
    credit_fen = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("分录明细")
        verbose_name_plural = _("分录明细")
        ordering = ["entry_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "position"], name="ledger_line_position_once"),
            models.CheckConstraint(
                condition=(Q(debit_fen__gt=0) & Q(credit_fen=0)) | (Q(debit_fen=0) & Q(credit_fen__gt=0)),
                name="ledger_line_one_side_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account} Dr {self.debit_fen} Cr {self.credit_fen}"
