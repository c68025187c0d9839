"""REST API for money: online pledges, payments, refunds, the Stripe webhook, pools, the money
summary, the public ledger and its verification. Views translate HTTP to one service or
selector call."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from accounts import permissions
from campaigns.selectors import campaign_get
from core.api import error_responses
from core.errors import NotFound
from core.ids import parse_id
from network.models import CharityFund, District, Township

from . import ledger, matching, payments, selectors
from .models import LedgerEntry, MatchingPool, Payment, PoolApproval, Refund


class MatchedGivingThrottle(SimpleRateThrottle):
    """Online pledges per account (matched giving is a budget others share). The rate is read
    per request from REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["matched_giving"]; a repeat of an
    already stored request (same Idempotency-Key) is not new giving and is not counted."""

    scope = "matched_giving"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        if not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}

    def allow_request(self, request, view) -> bool:
        key = request.headers.get("Idempotency-Key", "").strip()
        if (
            key
            and request.user.is_authenticated
            and Payment.objects.filter(user=request.user, idempotency_key=key).exists()
        ):
            return True
        return super().allow_request(request, view)


# --- shapes ---------------------------------------------------------------------------------------


class PaymentOut(serializers.ModelSerializer):
    pledge = serializers.IntegerField(source="pledge_id")
    campaign = serializers.IntegerField(source="campaign_id")
    refundable_fen = serializers.IntegerField(read_only=True)
    matched_fen = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id", "pledge", "campaign", "amount_fen", "currency", "flow", "status", "refunded_fen",
            "refundable_fen", "matched_fen", "failure_code", "recovery_until", "created_at",
        ]  # fmt: skip

    def get_matched_fen(self, obj: Payment) -> int:
        return payments.active_match_total(pledge_id=obj.pledge_id)


class StoredReasonField(serializers.CharField):
    """A reason stored in the source language when the platform wrote it (gettext_noop), shown in
    the reader's language; a person's own words have no translation and show as typed."""

    def to_representation(self, value):
        return _(value) if value else ""


class RefundOut(serializers.ModelSerializer):
    payment = serializers.IntegerField(source="payment_id")
    reason = StoredReasonField()

    class Meta:
        model = Refund
        fields = ["id", "payment", "amount_fen", "reason", "status", "failure_message", "created_at", "finished_at"]


class MoneySummaryOut(serializers.Serializer):
    campaign = serializers.IntegerField()
    donations_fen = serializers.IntegerField()
    matched_fen = serializers.IntegerField()
    matched_committed_fen = serializers.IntegerField()
    total_fen = serializers.IntegerField()
    target_fen = serializers.IntegerField()
    received_fen = serializers.IntegerField()
    by_tier = serializers.DictField(child=serializers.IntegerField(), help_text="city, district, township, charity")


class LineOut(serializers.Serializer):
    account = serializers.CharField()
    debit_fen = serializers.IntegerField()
    credit_fen = serializers.IntegerField()


class EntryOut(serializers.ModelSerializer):
    lines = LineOut(many=True)
    pool = serializers.IntegerField(source="pool_id", allow_null=True)
    fund = serializers.IntegerField(source="fund_id", allow_null=True)
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id", "seq", "kind", "occurred_at", "currency", "campaign_id", "pool", "fund", "pledge_id",
            "reference", "memo", "reverses", "prev_hash", "hash", "lines",
        ]  # fmt: skip


class PoolOut(serializers.ModelSerializer):
    funder = serializers.SerializerMethodField()

    class Meta:
        model = MatchingPool
        fields = [
            "id", "name", "description", "tier", "funder", "currency", "budget_fen", "remaining_fen", "ratio_numerator",
            "ratio_denominator", "per_pledge_cap_fen", "per_donor_cap_fen", "per_campaign_cap_fen", "starts_at",
            "ends_at", "daily_start", "daily_end", "conditional", "matches_offline", "stacking_order", "is_active",
        ]  # fmt: skip

    def get_funder(self, obj: MatchingPool) -> str:
        funder = obj.fund or obj.township or obj.district
        return str(funder) if funder else str(_("市级财政"))


class ApprovalOut(serializers.ModelSerializer):
    pool = serializers.IntegerField(source="pool_id")

    class Meta:
        model = PoolApproval
        fields = ["id", "pool", "campaign_id", "cap_override_fen", "matched_fen", "approved_at", "revoked_at"]


def _tally(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("rows", "pools", "campaign_id", "fund_id")}


def _card(data: dict[str, Any]) -> payments.TestCard | None:
    if not data.get("card_number"):
        return None
    return payments.TestCard(
        number=data["card_number"].replace(" ", ""),
        exp_month=data.get("exp_month") or 0,
        exp_year=data.get("exp_year") or 0,
        cvc=data.get("cvc") or "",
    )


class CardFields(serializers.Serializer):
    payment_method = serializers.CharField(
        required=False, allow_blank=True, help_text="A PaymentMethod id made by Stripe.js (production)."
    )
    card_number = serializers.CharField(
        required=False, allow_blank=True, max_length=19, help_text="Test mode only: a Stripe test card number."
    )
    exp_month = serializers.IntegerField(required=False)
    exp_year = serializers.IntegerField(required=False)
    cvc = serializers.CharField(required=False, allow_blank=True, max_length=4)


# --- online pledges and payments ---------------------------------------------------------------------


class OnlinePledgeCreateApi(APIView):
    """Pledge money to a need and pay online. Send an `Idempotency-Key` header: a repeat returns
    the first result (200, header `Idempotent-Replayed: true`) instead of paying twice."""

    permission_classes = [IsAuthenticated]
    throttle_classes = [MatchedGivingThrottle]

    class OnlinePledgeIn(CardFields):
        need = serializers.IntegerField()
        amount_fen = serializers.IntegerField(help_text="Integer fen (分).")
        currency = serializers.CharField(default="cny", max_length=3)
        anonymous = serializers.BooleanField(default=False)
        consent_to_charge_later = serializers.BooleanField(
            default=False, help_text="Required for all-or-nothing campaigns closing in more than a week."
        )
        message = serializers.CharField(required=False, allow_blank=True, max_length=500)

    @extend_schema(
        operation_id="funding_online_pledge_create",
        request=OnlinePledgeIn,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={
            201: PaymentOut,
            200: OpenApiResponse(PaymentOut, description="A repeat of an earlier request"),
            **error_responses(400, 401, 402, 404, 409, 429, 503),
        },
    )
    def post(self, request):
        s = self.OnlinePledgeIn(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        payment, replayed = payments.online_pledge_start(
            user=request.user,
            need_id=d["need"],
            amount_fen=d["amount_fen"],
            currency=d["currency"],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            card=_card(d),
            payment_method=d.get("payment_method") or "",
            anonymous=d["anonymous"],
            consent_to_charge_later=d["consent_to_charge_later"],
            message=d.get("message") or "",
        )
        response = Response(PaymentOut(payment).data, status=200 if replayed else 201)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response


class PaymentDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="funding_payment_detail", responses={200: PaymentOut, **error_responses(401, 403, 404)})
    def get(self, request, payment_id: int):
        return Response(PaymentOut(payments.payment_access(user=request.user, payment_id=payment_id)).data)


class PaymentCardUpdateApi(APIView):
    """During the recovery window, the donor gives a new card; it is charged at once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="funding_payment_card_update",
        request=CardFields,
        responses={200: PaymentOut, **error_responses(400, 401, 402, 404, 409, 503)},
    )
    def post(self, request, payment_id: int):
        s = CardFields(data=request.data)
        s.is_valid(raise_exception=True)
        payments.payment_update_card(
            user=request.user,
            payment_id=payment_id,
            card=_card(s.validated_data),
            payment_method=s.validated_data.get("payment_method") or "",
        )
        return Response(PaymentOut(Payment.objects.get(pk=payment_id)).data)


class PaymentWithdrawApi(APIView):
    """The donor withdraws a gift whose money has not been taken (a hold, a saved card, or a bank
    verification left unfinished) while the campaign is open."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="funding_payment_withdraw",
        request=None,
        responses={200: PaymentOut, **error_responses(401, 403, 404, 409, 503)},
    )
    def post(self, request, payment_id: int):
        payment = payments.payment_withdraw(user=request.user, payment_id=payment_id)
        return Response(PaymentOut(payment).data)


class RefundCreateApi(APIView):
    """An organiser of the campaign (or an admin) refunds part or all of a paid pledge."""

    permission_classes = [IsAuthenticated]

    class RefundIn(serializers.Serializer):
        amount_fen = serializers.IntegerField()
        reason = serializers.CharField(max_length=300)

    @extend_schema(
        operation_id="funding_refund_create",
        request=RefundIn,
        responses={202: RefundOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, payment_id: int):
        s = self.RefundIn(data=request.data)
        s.is_valid(raise_exception=True)
        refund = payments.refund_request(actor=request.user, payment_id=payment_id, **s.validated_data)
        refund.refresh_from_db()
        return Response(RefundOut(refund).data, status=202)


class StripeWebhookApi(APIView):
    """Stripe's events. Authenticated by the `Stripe-Signature` header, not by a session."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="funding_stripe_webhook",
        request={"application/json": {"type": "object"}},
        responses={
            200: inline_serializer(
                "WebhookAck", {"received": serializers.BooleanField(), "outcome": serializers.CharField()}
            ),
            **error_responses(400, 503),
        },
    )
    def post(self, request):
        outcome = payments.webhook_receive(payload=request.body, signature=request.headers.get("Stripe-Signature", ""))
        return Response({"received": True, "outcome": outcome})


# --- money summary and transparency -------------------------------------------------------------------


class CampaignMoneyApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="funding_campaign_money", responses={200: MoneySummaryOut, **error_responses(404)})
    def get(self, request, campaign_id: int):
        campaign_get(user=request.user, campaign_id=campaign_id)
        return Response(MoneySummaryOut(selectors.money_summary(campaign_id=campaign_id)).data)


class CampaignLedgerApi(APIView):
    """The public account of a campaign: totals that add up, and every ledger entry."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="funding_campaign_ledger",
        responses={
            200: inline_serializer(
                "CampaignLedger", {"totals": serializers.DictField(), "entries": EntryOut(many=True)}
            ),
            **error_responses(404),
        },
    )
    def get(self, request, campaign_id: int):
        campaign_get(user=request.user, campaign_id=campaign_id)
        report = selectors.campaign_transparency(campaign_id=campaign_id)
        return Response(
            {"totals": _tally(report), "entries": EntryOut([r["entry"] for r in report["rows"]], many=True).data}
        )


class FundLedgerApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="funding_fund_ledger",
        responses={
            200: inline_serializer("FundLedger", {"totals": serializers.DictField(), "entries": EntryOut(many=True)}),
            **error_responses(404),
        },
    )
    def get(self, request, fund_id: int):
        from network.models import CharityFund

        if not CharityFund.objects.filter(pk=fund_id).exists():
            raise NotFound(_("找不到这个慈善基金。"))
        report = selectors.fund_transparency(fund_id=fund_id)
        totals = _tally(report)
        totals["pools"] = [{k: (v if k != "pool" else v.pk) for k, v in row.items()} for row in report["pools"]]
        return Response({"totals": totals, "entries": EntryOut([r["entry"] for r in report["rows"]], many=True).data})


class LedgerVerifyApi(APIView):
    """Walk the hash chain; report whether it is intact and, if not, the first broken entry."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="funding_ledger_verify",
        responses={
            200: inline_serializer(
                "LedgerVerify",
                {
                    "ok": serializers.BooleanField(),
                    "checked": serializers.IntegerField(),
                    "broken_seq": serializers.IntegerField(allow_null=True),
                    "broken_id": serializers.IntegerField(allow_null=True),
                    "reason": serializers.CharField(),
                },
            ),
            **error_responses(401, 403),
        },
    )
    def get(self, request):
        permissions.require(request.user, "funding.verify_ledger", None, _("只有基金评审和管理员可以校验台账。"))
        return Response(ledger.ledger_verify().as_dict())


# --- pools ---------------------------------------------------------------------------------------------


class PoolRulesIn(serializers.Serializer):
    """A pool's rules. Amounts are integer fen; the ratio is numerator/denominator (1/2 = 0.5:1)."""

    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    ratio_numerator = serializers.IntegerField(default=1)
    ratio_denominator = serializers.IntegerField(default=1)
    per_pledge_cap_fen = serializers.IntegerField(required=False, allow_null=True)
    per_donor_cap_fen = serializers.IntegerField(required=False, allow_null=True)
    per_campaign_cap_fen = serializers.IntegerField(required=False, allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    daily_start = serializers.TimeField(
        required=False, allow_null=True, help_text="Matches only from this time of day."
    )
    daily_end = serializers.TimeField(required=False, allow_null=True, help_text="May be earlier than daily_start.")
    conditional = serializers.BooleanField(default=False)
    matches_offline = serializers.BooleanField(default=False, help_text="Also match cash recorded with a receipt.")
    stacking_order = serializers.IntegerField(default=100, help_text="Lower numbers match first.")


class PoolListApi(APIView):
    """Every pool (public); a manager of a funder opens a new one with its first budget."""

    permission_classes = [AllowAny]

    class PoolCreateIn(PoolRulesIn):
        tier = serializers.ChoiceField(choices=MatchingPool.Tier.choices)
        district = serializers.PrimaryKeyRelatedField(
            queryset=District.objects.all(), required=False, allow_null=True, help_text="For a district pool."
        )
        township = serializers.PrimaryKeyRelatedField(
            queryset=Township.objects.all(), required=False, allow_null=True, help_text="For a township pool."
        )
        fund = serializers.PrimaryKeyRelatedField(
            queryset=CharityFund.objects.all(), required=False, allow_null=True, help_text="For a charity pool."
        )
        budget_fen = serializers.IntegerField(help_text="Integer fen (分); recorded in the ledger.")
        currency = serializers.CharField(default="cny", max_length=3)

    @extend_schema(
        operation_id="funding_pool_list",
        parameters=[OpenApiParameter("fund", int, required=False)],
        responses={200: PoolOut(many=True), **error_responses(400)},
    )
    def get(self, request):
        fund = request.query_params.get("fund")
        fund_id = parse_id(fund) if fund is not None else None
        if fund is not None and fund_id is None:
            raise serializers.ValidationError({"fund": [_("请填写数字。")]})
        pools = selectors.pool_list(fund_id=fund_id)
        return Response(PoolOut(pools, many=True).data)

    @extend_schema(
        operation_id="funding_pool_create",
        request=PoolCreateIn,
        responses={201: PoolOut, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        permissions.require(request.user, "funding.create_pool", None, _("只有配捐方的管理人员可以设立配捐池。"))
        s = self.PoolCreateIn(data=request.data)
        s.is_valid(raise_exception=True)
        pool = matching.pool_create(actor=request.user, **s.validated_data)
        return Response(PoolOut(pool).data, status=201)


class PoolDetailApi(APIView):
    """One pool (public); its managers change its rules. The budget changes only through
    top-ups; tier, funder and currency are fixed. Matches already made keep their amounts."""

    permission_classes = [AllowAny]

    class PoolPatchIn(PoolRulesIn):
        FIXED = ("budget_fen", "remaining_fen", "currency", "tier", "district", "township", "fund", "is_active")

        def validate(self, attrs):
            fixed = [field for field in self.FIXED if field in self.initial_data]
            if fixed:
                message = _("预算请通过“追加预算”调整；层级、配捐方和币种设立后不能修改。")
                raise serializers.ValidationError({field: [message] for field in fixed})
            return attrs

    @extend_schema(operation_id="funding_pool_detail", responses={200: PoolOut, **error_responses(404)})
    def get(self, request, pool_id: int):
        pool = selectors.pool_list().filter(pk=pool_id).first()
        if pool is None:
            raise NotFound(_("找不到这个配捐池。"))
        return Response(PoolOut(pool).data)

    @extend_schema(
        operation_id="funding_pool_update",
        request=PoolPatchIn,
        responses={200: PoolOut, **error_responses(400, 401, 403, 404)},
    )
    def patch(self, request, pool_id: int):
        matching.pool_access(user=request.user, pool_id=pool_id)  # 401/403/404 before judging the input
        s = self.PoolPatchIn(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        pool = matching.pool_update(actor=request.user, pool_id=pool_id, changes=dict(s.validated_data))
        return Response(PoolOut(pool).data)


class PoolTopUpApi(APIView):
    """Add to a pool's budget (追加预算); the ledger records a "pool funded" entry."""

    permission_classes = [IsAuthenticated]

    class PoolTopUpIn(serializers.Serializer):
        amount_fen = serializers.IntegerField(help_text="Integer fen (分), more than zero.")
        currency = serializers.CharField(max_length=3, help_text="The pool's currency, e.g. cny.")
        note = serializers.CharField(required=False, allow_blank=True, max_length=300)

    @extend_schema(
        operation_id="funding_pool_top_up",
        request=PoolTopUpIn,
        responses={201: PoolOut, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pool_id: int):
        matching.pool_access(user=request.user, pool_id=pool_id)  # 401/403/404 before judging the input
        s = self.PoolTopUpIn(data=request.data)
        s.is_valid(raise_exception=True)
        pool = matching.pool_top_up(actor=request.user, pool_id=pool_id, **s.validated_data)
        return Response(PoolOut(pool).data, status=201)


class PoolPauseApi(APIView):
    """Pause a pool: no new matches; matches already reserved follow their campaign."""

    permission_classes = [IsAuthenticated]
    active = False

    @extend_schema(
        operation_id="funding_pool_pause", request=None, responses={200: PoolOut, **error_responses(401, 403, 404)}
    )
    def post(self, request, pool_id: int):
        pool = matching.pool_set_active(actor=request.user, pool_id=pool_id, active=self.active)
        return Response(PoolOut(pool).data)


class PoolResumeApi(PoolPauseApi):
    """Resume matching from a paused pool."""

    active = True

    @extend_schema(
        operation_id="funding_pool_resume", request=None, responses={200: PoolOut, **error_responses(401, 403, 404)}
    )
    def post(self, request, pool_id: int):
        return super().post(request, pool_id)


class PoolApprovalCreateApi(APIView):
    """A manager of the pool's funder approves a campaign into the pool (入池)."""

    permission_classes = [IsAuthenticated]

    class PoolApprovalIn(serializers.Serializer):
        campaign = serializers.IntegerField()
        cap_override_fen = serializers.IntegerField(required=False, allow_null=True, min_value=0)

    @extend_schema(
        operation_id="funding_pool_approve",
        request=PoolApprovalIn,
        responses={201: ApprovalOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pool_id: int):
        s = self.PoolApprovalIn(data=request.data)
        s.is_valid(raise_exception=True)
        approval = matching.pool_approve_campaign(
            actor=request.user,
            pool_id=pool_id,
            campaign_id=s.validated_data["campaign"],
            cap_override_fen=s.validated_data.get("cap_override_fen"),
        )
        return Response(ApprovalOut(approval).data, status=201)


class PoolApprovalRevokeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="funding_pool_revoke", responses={200: ApprovalOut, **error_responses(401, 403, 404)})
    def delete(self, request, pool_id: int, campaign_id: int):
        approval = matching.pool_revoke_campaign(actor=request.user, pool_id=pool_id, campaign_id=campaign_id)
        return Response(ApprovalOut(approval).data)
