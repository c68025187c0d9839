"""HTTP API for foundation review and accountability. One view per operation; rules live in the
services and selectors."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination, error_responses

from . import selectors, services
from .models import Decision

# --- Output shapes ---------------------------------------------------------------------------------


class ReviewOut(serializers.Serializer):
    reviewer_name = serializers.CharField(source="reviewer.name")
    round = serializers.IntegerField()
    decision = serializers.CharField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class ApplicationReviewOut(ReviewOut):
    conditions = serializers.CharField()
    cap_fen = serializers.IntegerField(allow_null=True)


class ApplicationOut(serializers.Serializer):
    id = serializers.IntegerField()
    call = serializers.IntegerField(source="call_id")
    call_title = serializers.CharField(source="call.title")
    fund = serializers.IntegerField(source="fund_id")
    campaign = serializers.IntegerField(source="campaign_id")
    campaign_title = serializers.CharField(source="campaign.title")
    submitted_by_name = serializers.CharField(source="submitted_by.name")
    ask_fen = serializers.IntegerField()
    currency = serializers.CharField()
    statement = serializers.CharField()
    answers = serializers.ListField(child=serializers.CharField())
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    round = serializers.IntegerField()
    approved_cap_fen = serializers.IntegerField(allow_null=True)
    conditions = serializers.CharField()
    decision_reason = serializers.CharField()
    disbursed_fen = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class ReviewNeedOut(serializers.Serializer):
    id = serializers.IntegerField()
    dimension = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    target = serializers.IntegerField()
    confirmed_total = serializers.IntegerField()


class ReviewPartnerOut(serializers.Serializer):
    kind = serializers.CharField()
    role = serializers.CharField()
    name = serializers.SerializerMethodField()

    def get_name(self, obj) -> str:
        return str(obj.partner)


class QuestionAnswerOut(serializers.Serializer):
    question = serializers.CharField()
    answer = serializers.CharField()


class ApplicationDetailOut(serializers.Serializer):
    application = ApplicationOut()
    needs = ReviewNeedOut(many=True)
    partners = ReviewPartnerOut(many=True)
    questions_and_answers = serializers.SerializerMethodField()
    reviews = ApplicationReviewOut(many=True)

    def get_questions_and_answers(self, obj) -> list[dict]:
        return [{"question": q, "answer": a} for q, a in obj["qa"]]


class ReceiptOut(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return f"/api/review/receipts/{obj.pk}/"


class ItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    application = serializers.IntegerField(source="application_id")
    fund = serializers.IntegerField(source="fund_id")
    campaign = serializers.IntegerField(source="campaign_id")
    need = serializers.IntegerField(source="need_id")
    description = serializers.CharField()
    amount_fen = serializers.IntegerField()
    currency = serializers.CharField()
    payee = serializers.CharField()
    spent_on = serializers.DateField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    round = serializers.IntegerField()
    decision_reason = serializers.CharField()
    transfer_reference = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    disbursed_at = serializers.DateTimeField(allow_null=True)


class ItemDetailOut(serializers.Serializer):
    item = ItemOut()
    receipts = ReceiptOut(many=True)
    reviews = ReviewOut(many=True)
    approvals_needed = serializers.IntegerField()


class QueueApplicationOut(ApplicationOut):
    round_approvals = serializers.IntegerField()


class QueueItemOut(ItemOut):
    round_approvals = serializers.IntegerField()
    receipt_count = serializers.IntegerField()


class QueueOut(serializers.Serializer):
    fund = serializers.IntegerField()
    applications = QueueApplicationOut(many=True)
    items = QueueItemOut(many=True)


class AuditOut(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor_name = serializers.SerializerMethodField()
    action = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.IntegerField()
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()
    changes = serializers.JSONField()

    def get_actor_name(self, obj) -> str:
        return obj.actor.name if obj.actor_id else ""


class CallOut(serializers.Serializer):
    id = serializers.IntegerField()
    fund = serializers.IntegerField(source="fund_id")
    fund_name = serializers.CharField(source="fund.name")
    pool = serializers.IntegerField(source="pool_id")
    title = serializers.CharField()
    description = serializers.CharField()
    tags = serializers.ListField(child=serializers.CharField())
    townships = serializers.ListField(child=serializers.IntegerField())
    partner_kinds = serializers.ListField(child=serializers.CharField())
    max_ask_fen = serializers.IntegerField(allow_null=True)
    questions = serializers.ListField(child=serializers.CharField())
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    is_open = serializers.BooleanField()
    phase = serializers.SerializerMethodField()

    def get_phase(self, obj) -> str:
        """ "open", "upcoming" or "closed"."""
        return obj.phase()


class OverviewCampaignOut(serializers.Serializer):
    campaign = serializers.IntegerField(source="campaign.pk")
    title = serializers.CharField(source="campaign.title")
    cap_fen = serializers.IntegerField(allow_null=True)
    matched_fen = serializers.IntegerField()
    disbursed_fen = serializers.IntegerField()


class OverviewOut(serializers.Serializer):
    fund = serializers.IntegerField(source="fund.pk")
    budget_fen = serializers.IntegerField()
    remaining_fen = serializers.IntegerField()
    campaigns_supported = serializers.IntegerField()
    matched_fen = serializers.IntegerField()
    disbursed_fen = serializers.IntegerField()
    pending_applications = serializers.IntegerField()
    pending_items = serializers.IntegerField()
    to_disburse = serializers.IntegerField()
    application_decision_hours = serializers.FloatField(allow_null=True)
    item_decision_hours = serializers.FloatField(allow_null=True)
    campaigns = OverviewCampaignOut(many=True)


class MilestoneUpdateOut(serializers.Serializer):
    id = serializers.IntegerField()
    author_name = serializers.CharField(source="author.name")
    percent_done = serializers.IntegerField()
    body = serializers.CharField()
    photos = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_photos(self, obj) -> list[str]:
        return [p.image.url for p in obj.photos.all()]


class MilestoneOut(serializers.Serializer):
    id = serializers.IntegerField()
    need = serializers.IntegerField(source="need_id", allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    percent_done = serializers.IntegerField()
    updates = MilestoneUpdateOut(many=True, source="updates.all")


class AmountRowOut(serializers.Serializer):
    label = serializers.CharField()
    amount_fen = serializers.IntegerField()


class DimensionRowOut(serializers.Serializer):
    dimension = serializers.CharField()
    label = serializers.CharField()
    target = serializers.IntegerField()
    pledged = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    fulfilled = serializers.IntegerField()


class ReportOut(serializers.Serializer):
    campaign = serializers.IntegerField(source="campaign.pk")
    status = serializers.CharField(source="campaign.status")
    dimensions = DimensionRowOut(many=True)
    money_by_source = AmountRowOut(many=True)
    money_by_tier = AmountRowOut(many=True)
    donations_fen = serializers.IntegerField()
    matched_fen = serializers.IntegerField()
    money_in_fen = serializers.IntegerField()
    disbursed_fen = serializers.IntegerField()
    volunteer_hours = serializers.FloatField()
    adopted_ideas = serializers.IntegerField()
    adopted_proposals = serializers.IntegerField()


class AccountabilityOut(serializers.Serializer):
    milestones = MilestoneOut(many=True)
    report = ReportOut()


# --- Views -----------------------------------------------------------------------------------------


class CallListApi(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    class CallCreateInput(serializers.Serializer):
        pool = serializers.IntegerField()
        title = serializers.CharField(max_length=120)
        description = serializers.CharField(required=False, allow_blank=True, default="")
        tags = serializers.ListField(child=serializers.CharField(), required=False, default=list)
        townships = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
        partner_kinds = serializers.ListField(child=serializers.CharField(), required=False, default=list)
        max_ask_fen = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
        questions = serializers.ListField(
            child=serializers.CharField(max_length=300), required=False, default=list, max_length=20
        )
        opens_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
        closes_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema(operation_id="review_calls_list", responses={200: CallOut(many=True)})
    def get(self, request):
        """Calls for applications that are open (申报指南)."""
        return Response(CallOut(selectors.open_calls(), many=True).data)

    @extend_schema(
        operation_id="review_call_create",
        request=CallCreateInput,
        responses={201: CallOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        """A fund's reviewer publishes a call on one of the fund's charity pools, with its criteria."""
        s = self.CallCreateInput(data=request.data)
        s.is_valid(raise_exception=True)
        d = dict(s.validated_data)
        pool = selectors.pool_get(pool_id=d.pop("pool"))
        call = services.call_create(actor=request.user, pool=pool, **d)
        return Response(CallOut(call).data, status=201)


class CallDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    class CallUpdateInput(serializers.Serializer):
        title = serializers.CharField(max_length=120, required=False)
        description = serializers.CharField(required=False, allow_blank=True, max_length=services.MAX_TEXT)
        tags = serializers.ListField(child=serializers.CharField(), required=False)
        townships = serializers.ListField(child=serializers.IntegerField(), required=False)
        partner_kinds = serializers.ListField(child=serializers.CharField(), required=False)
        max_ask_fen = serializers.IntegerField(required=False, allow_null=True, min_value=1)
        questions = serializers.ListField(
            child=serializers.CharField(max_length=300), required=False, max_length=services.MAX_QUESTIONS
        )
        opens_at = serializers.DateTimeField(required=False, allow_null=True)
        closes_at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(operation_id="review_call_detail", responses={200: CallOut, **error_responses(401, 403, 404)})
    def get(self, request, call_id: int):
        """A call of a fund the user reviews, whatever its phase."""
        return Response(CallOut(selectors.call_manage_access(user=request.user, call_id=call_id)).data)

    @extend_schema(
        operation_id="review_call_update",
        request=CallUpdateInput,
        responses={200: CallOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, call_id: int):
        """Edit a call that has not closed; fields left out keep their value. Once applications
        exist, criteria, questions and start are fixed and the highest ask may only go up."""
        call = selectors.call_manage_access(user=request.user, call_id=call_id)
        s = self.CallUpdateInput(data=request.data)
        s.is_valid(raise_exception=True)
        current = {f: getattr(call, f) for f in self.CallUpdateInput().fields}
        call = services.call_update(actor=request.user, call_id=call.pk, **{**current, **s.validated_data})
        return Response(CallOut(call).data)


class CallCloseApi(APIView):
    permission_classes = [IsAuthenticated]

    class CallCloseInput(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_TEXT)

    @extend_schema(
        operation_id="review_call_close",
        request=CallCloseInput,
        responses={200: CallOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, call_id: int):
        """Stop accepting applications now; submitted applications are decided as usual."""
        s = self.CallCloseInput(data=request.data)
        s.is_valid(raise_exception=True)
        call = services.call_close(actor=request.user, call_id=call_id, **s.validated_data)
        return Response(CallOut(call).data)


class PolicyOut(serializers.Serializer):
    fund = serializers.IntegerField()
    application_two_approvals_above_fen = serializers.IntegerField(allow_null=True)
    item_two_approvals_above_fen = serializers.IntegerField(allow_null=True)


class FundPolicyApi(APIView):
    permission_classes = [IsAuthenticated]

    class FundPolicyInput(serializers.Serializer):
        application_two_approvals_above_fen = serializers.IntegerField(allow_null=True, min_value=0)
        item_two_approvals_above_fen = serializers.IntegerField(allow_null=True, min_value=0)

    @staticmethod
    def _out(fund, policy) -> dict:
        return {
            "fund": fund.pk,
            "application_two_approvals_above_fen": policy.application_two_approvals_above_fen if policy else None,
            "item_two_approvals_above_fen": policy.item_two_approvals_above_fen if policy else None,
        }

    @extend_schema(operation_id="review_policy_get", responses={200: PolicyOut, **error_responses(401, 403, 404)})
    def get(self, request, fund_id: int):
        """The amounts above which this fund needs two different reviewers to approve."""
        fund = selectors.fund_access(user=request.user, fund_id=fund_id)
        return Response(PolicyOut(self._out(fund, selectors.fund_policy(fund=fund))).data)

    @extend_schema(
        operation_id="review_policy_set",
        request=FundPolicyInput,
        responses={200: PolicyOut, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request, fund_id: int):
        """Set the two-approval thresholds (null: one approval is always enough)."""
        fund = selectors.fund_access(user=request.user, fund_id=fund_id)
        s = self.FundPolicyInput(data=request.data)
        s.is_valid(raise_exception=True)
        policy = services.fund_policy_set(actor=request.user, fund=fund, **s.validated_data)
        return Response(PolicyOut(self._out(fund, policy)).data)


class QueueApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="review_queue", responses={200: QueueOut, **error_responses(401, 403, 404)})
    def get(self, request, fund_id: int):
        """A fund's review queue: applications and funded items waiting for its reviewers."""
        fund = selectors.fund_access(user=request.user, fund_id=fund_id)
        data = {
            "fund": fund.pk,
            "applications": selectors.pending_applications(fund=fund)[:200],
            "items": selectors.pending_items(fund=fund)[:200],
        }
        return Response(QueueOut(data).data)


class ApplicationCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class ApplicationCreateInput(serializers.Serializer):
        call = serializers.IntegerField()
        campaign = serializers.IntegerField()
        ask_fen = serializers.IntegerField(min_value=1)
        statement = serializers.CharField(max_length=services.MAX_TEXT)
        answers = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False, default=list)

    @extend_schema(
        operation_id="review_application_create",
        request=ApplicationCreateInput,
        responses={201: ApplicationOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        """An organiser applies a campaign to a fund's call."""
        s = self.ApplicationCreateInput(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        application = services.application_submit(
            actor=request.user,
            call_id=d["call"],
            campaign_id=d["campaign"],
            ask_fen=d["ask_fen"],
            statement=d["statement"],
            answers=d["answers"],
        )
        return Response(ApplicationOut(application).data, status=201)


class ApplicationDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    class ApplicationDetailInput(serializers.Serializer):
        ask_fen = serializers.IntegerField(min_value=1)
        statement = serializers.CharField(max_length=services.MAX_TEXT)
        answers = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False, default=list)

    @extend_schema(
        operation_id="review_application_detail",
        responses={200: ApplicationDetailOut, **error_responses(401, 404)},
    )
    def get(self, request, application_id: int):
        """An application with its campaign's needs and partners, answers and decisions."""
        application = selectors.application_access(user=request.user, application_id=application_id)
        return Response(ApplicationDetailOut(selectors.application_detail(application=application)).data)

    @extend_schema(
        operation_id="review_application_resubmit",
        request=ApplicationDetailInput,
        responses={200: ApplicationOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def put(self, request, application_id: int):
        """Edit an application the reviewers sent back and submit it again."""
        s = self.ApplicationDetailInput(data=request.data)
        s.is_valid(raise_exception=True)
        application = services.application_resubmit(
            actor=request.user, application_id=application_id, **s.validated_data
        )
        return Response(ApplicationOut(application).data)


class ApplicationDecisionApi(APIView):
    permission_classes = [IsAuthenticated]

    class ApplicationDecisionInput(serializers.Serializer):
        decision = serializers.ChoiceField(choices=Decision.choices)
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_TEXT)
        conditions = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_TEXT)
        cap_fen = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)

    @extend_schema(
        operation_id="review_application_decide",
        request=ApplicationDecisionInput,
        responses={200: ApplicationOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, application_id: int):
        """A fund reviewer approves (with optional conditions and a lower cap), rejects or asks for changes."""
        s = self.ApplicationDecisionInput(data=request.data)
        s.is_valid(raise_exception=True)
        application = services.application_decide(actor=request.user, application_id=application_id, **s.validated_data)
        return Response(ApplicationOut(application).data)


class FundedItemInput(serializers.Serializer):
    need = serializers.IntegerField()
    description = serializers.CharField(max_length=200)
    amount_fen = serializers.IntegerField(min_value=1)
    payee = serializers.CharField(max_length=100)
    spent_on = serializers.DateField()
    receipts = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ItemCreateApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    class ItemCreateInput(FundedItemInput):
        application = serializers.IntegerField()

    @extend_schema(
        operation_id="review_item_create",
        request={"multipart/form-data": ItemCreateInput},
        responses={201: ItemOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request):
        """An organiser claims an expense with receipts (images or PDF) against an approved application."""
        data = request.data.copy()
        data.setlist("receipts", request.FILES.getlist("receipts"))
        s = self.ItemCreateInput(data=data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        item = services.item_submit(
            actor=request.user,
            application_id=d["application"],
            need_id=d["need"],
            description=d["description"],
            amount_fen=d["amount_fen"],
            payee=d["payee"],
            spent_on=d["spent_on"],
            receipts=d["receipts"],
        )
        return Response(ItemOut(item).data, status=201)


class ItemDetailApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="review_item_detail", responses={200: ItemDetailOut, **error_responses(401, 404)})
    def get(self, request, item_id: int):
        """A funded item with its receipts and decisions."""
        item = selectors.item_access(user=request.user, item_id=item_id)
        return Response(ItemDetailOut(selectors.item_detail(item=item)).data)

    @extend_schema(
        operation_id="review_item_resubmit",
        request={"multipart/form-data": FundedItemInput},
        responses={200: ItemOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def put(self, request, item_id: int):
        """Edit an item the reviewers sent back (optionally adding receipts) and submit it again."""
        data = request.data.copy()
        data.setlist("receipts", request.FILES.getlist("receipts"))
        s = FundedItemInput(data=data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        item = services.item_resubmit(
            actor=request.user,
            item_id=item_id,
            need_id=d["need"],
            description=d["description"],
            amount_fen=d["amount_fen"],
            payee=d["payee"],
            spent_on=d["spent_on"],
            receipts=d["receipts"],
        )
        return Response(ItemOut(item).data)


class ItemDecisionApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    class ItemDecisionInput(serializers.Serializer):
        decision = serializers.ChoiceField(choices=Decision.choices)
        reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=services.MAX_TEXT)

    @extend_schema(
        operation_id="review_item_decide",
        request=ItemDecisionInput,
        responses={200: ItemOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, item_id: int):
        """A fund reviewer approves, rejects or asks for changes to a funded item."""
        s = self.ItemDecisionInput(data=request.data)
        s.is_valid(raise_exception=True)
        item = services.item_decide(actor=request.user, item_id=item_id, **s.validated_data)
        return Response(ItemOut(item).data)


class ItemDisbursementApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    class ItemDisbursementInput(serializers.Serializer):
        transfer_reference = serializers.CharField(max_length=100)

    @extend_schema(
        operation_id="review_item_disburse",
        request=ItemDisbursementInput,
        responses={200: ItemOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, item_id: int):
        """Record the payment of an approved item; writes a balanced ledger entry."""
        s = self.ItemDisbursementInput(data=request.data)
        s.is_valid(raise_exception=True)
        item = services.item_disburse(actor=request.user, item_id=item_id, **s.validated_data)
        return Response(ItemOut(item).data)


class ReceiptFileApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="review_receipt_file",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY, description="The receipt file"),
            **error_responses(401, 404),
        },
    )
    def get(self, request, receipt_id: int):
        """A receipt's file, only for the item's fund reviewers and the campaign's organisers."""
        receipt = selectors.receipt_access(user=request.user, receipt_id=receipt_id)
        return receipt_response(receipt)


def receipt_response(receipt) -> FileResponse:
    """Images open in the browser; PDFs download (no third-party viewer runs on our origin).
    Nothing is cached on the way, and an image page may load nothing but itself."""
    is_pdf = receipt.content_type == "application/pdf"
    response = FileResponse(
        receipt.file.open("rb"),
        content_type=receipt.content_type,
        filename=receipt.original_name,
        as_attachment=is_pdf,
    )
    response["Cache-Control"] = "private, no-store"
    if not is_pdf:
        response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"
    return response


class AuditApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="review_audit", responses={200: AuditOut(many=True), **error_responses(401, 403, 404)})
    def get(self, request, fund_id: int):
        """A fund's audit trail, newest first (paginated). CSV: /review/funds/<id>/audit.csv."""
        fund = selectors.fund_access(user=request.user, fund_id=fund_id)
        filters = {"campaign": request.query_params.get("campaign"), "object_type": request.query_params.get("type")}
        qs = selectors.audit_list(fund=fund, filters=filters)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(AuditOut(page, many=True).data)


class OverviewApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="review_fund_overview", responses={200: OverviewOut, **error_responses(401, 403, 404)})
    def get(self, request, fund_id: int):
        """A fund's figures: campaigns supported, matched and disbursed money, pending work, time to decision."""
        fund = selectors.fund_access(user=request.user, fund_id=fund_id)
        return Response(OverviewOut(selectors.fund_overview(fund=fund)).data)


class MilestoneCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class MilestoneCreateInput(serializers.Serializer):
        title = serializers.CharField(max_length=120)
        need = serializers.IntegerField(required=False, allow_null=True, default=None)
        description = serializers.CharField(required=False, allow_blank=True, default="")
        due_on = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="review_milestone_create",
        request=MilestoneCreateInput,
        responses={201: MilestoneOut, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, campaign_id: int):
        """An organiser adds a delivery milestone against one of the campaign's needs."""
        s = self.MilestoneCreateInput(data=request.data)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        milestone = services.milestone_create(
            actor=request.user,
            campaign_id=campaign_id,
            title=d["title"],
            need_id=d["need"],
            description=d["description"],
            due_on=d["due_on"],
        )
        return Response(MilestoneOut(milestone).data, status=201)


class MilestoneReportApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class MilestoneReportInput(serializers.Serializer):
        percent_done = serializers.IntegerField(min_value=0, max_value=100)
        body = serializers.CharField(max_length=services.MAX_TEXT)
        photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    @extend_schema(
        operation_id="review_milestone_report",
        request={"multipart/form-data": MilestoneReportInput},
        responses={201: MilestoneUpdateOut, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, milestone_id: int):
        """Report progress on a milestone: a percentage, what was done, photos."""
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        if hasattr(data, "setlist"):
            data.setlist("photos", request.FILES.getlist("photos"))
        s = self.MilestoneReportInput(data=data)
        s.is_valid(raise_exception=True)
        update = services.milestone_report(actor=request.user, milestone_id=milestone_id, **s.validated_data)
        return Response(MilestoneUpdateOut(update).data, status=201)


class AccountabilityApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="review_accountability",
        responses={200: AccountabilityOut, **error_responses(404)},
    )
    def get(self, request, campaign_id: int):
        """A campaign's public accountability: milestones with progress, and the report figures."""
        campaign = selectors.public_campaign(user=request.user, campaign_id=campaign_id)
        return Response(
            AccountabilityOut(
                {
                    "milestones": selectors.milestones_of(campaign=campaign),
                    "report": selectors.campaign_report(campaign=campaign),
                }
            ).data
        )
