"""REST API for campaigns, needs, shifts and pledges. Views only translate HTTP to a service or
selector call; rules live in services.py / selectors.py."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination, error_responses
from core.errors import ApplicationError, NotFound
from core.ids import parse_id

from . import selectors, services
from .models import BeneficiaryTag, Campaign, CampaignPartner, Dimension, Need, Pledge, Shift

# --- output shapes ------------------------------------------------------------------------------


class NeedOut(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    met = serializers.BooleanField(source="is_met", read_only=True)

    class Meta:
        model = Need
        fields = [
            "id", "dimension", "title", "description", "unit", "target", "currency", "required",
            "allow_over_pledge", "skills", "pledged_total", "confirmed_total", "fulfilled_total",
            "pledge_count", "minutes_served", "percent", "met",
        ]  # fmt: skip


class PartnerOut(serializers.Serializer):
    role = serializers.CharField()
    kind = serializers.CharField()
    id = serializers.IntegerField(source="partner.pk")
    name = serializers.CharField(source="partner.name")


class CampaignOut(serializers.ModelSerializer):
    communities = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    partners = PartnerOut(many=True)
    needs = NeedOut(many=True)
    cover = serializers.ImageField(read_only=True)

    class Meta:
        model = Campaign
        fields = [
            "id", "title", "story", "cover", "status", "money_mode", "starts_at", "deadline",
            "host_community", "communities", "tags", "partners", "needs", "problem_id", "created_at",
        ]  # fmt: skip

    def get_communities(self, obj: Campaign) -> list[int]:
        return [c.pk for c in obj.communities.all()]

    def get_tags(self, obj: Campaign) -> list[str]:
        return [t.tag for t in obj.tags.all()]


class PledgeOut(serializers.Serializer):
    """A pledge as the API shows it. Declared field by field (not a ModelSerializer): it is on
    the hot pledge path, and model introspection on every response is measurable there."""

    id = serializers.IntegerField()
    need = serializers.IntegerField(source="need_id")
    campaign = serializers.IntegerField(source="campaign_id")
    dimension = serializers.CharField(source="need.dimension")
    name = serializers.CharField(source="display_name")
    status = serializers.ChoiceField(choices=Pledge.Status.choices)
    source = serializers.ChoiceField(choices=Pledge.Source.choices)
    quantity = serializers.IntegerField()
    amount_fen = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField()
    anonymous = serializers.BooleanField()
    summary = serializers.CharField()
    body = serializers.CharField()
    budget_fen = serializers.IntegerField(allow_null=True)
    carried_by = serializers.CharField()
    estimated_value_fen = serializers.IntegerField(allow_null=True)
    shift = serializers.IntegerField(source="shift_id", allow_null=True)
    received_quantity = serializers.IntegerField(allow_null=True)
    minutes_served = serializers.IntegerField()
    endorsement_count = serializers.IntegerField()
    adopted = serializers.BooleanField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    fulfilled_at = serializers.DateTimeField(allow_null=True)

    def to_representation(self, pledge: Pledge) -> dict[str, Any]:
        """What the fields above produce, built directly: copying two dozen declared fields for
        every pledge is most of a response's cost on the pledge path (a test holds the two equal)."""
        return {
            "id": pledge.pk,
            "need": pledge.need_id,
            "campaign": pledge.campaign_id,
            "dimension": pledge.need.dimension,
            "name": pledge.display_name,
            "status": pledge.status,
            "source": pledge.source,
            "quantity": pledge.quantity,
            "amount_fen": pledge.amount_fen,
            "currency": pledge.currency,
            "anonymous": pledge.anonymous,
            "summary": pledge.summary,
            "body": pledge.body,
            "budget_fen": pledge.budget_fen,
            "carried_by": pledge.carried_by,
            "estimated_value_fen": pledge.estimated_value_fen,
            "shift": pledge.shift_id,
            "received_quantity": pledge.received_quantity,
            "minutes_served": pledge.minutes_served,
            "endorsement_count": pledge.endorsement_count,
            "adopted": pledge.adopted,
            "reason": pledge.reason,
            "created_at": _DATETIME.to_representation(pledge.created_at),
            "confirmed_at": _DATETIME.to_representation(pledge.confirmed_at) if pledge.confirmed_at else None,
            "fulfilled_at": _DATETIME.to_representation(pledge.fulfilled_at) if pledge.fulfilled_at else None,
        }


_DATETIME = serializers.DateTimeField()


class ShiftOut(serializers.ModelSerializer):
    class Meta:
        model = Shift
        fields = ["id", "need", "starts_at", "ends_at", "capacity", "signed_up", "place"]


class ProgressOut(serializers.Serializer):
    campaign = serializers.IntegerField()
    status = serializers.CharField()
    needs = serializers.ListField(child=serializers.DictField())
    dimensions = serializers.ListField(child=serializers.DictField())


# --- inputs -------------------------------------------------------------------------------------


class PartnerIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=selectors.PARTNER_KINDS)
    id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=CampaignPartner.Role.choices)


class CampaignIn(serializers.Serializer):
    title = serializers.CharField(max_length=120)
    story = serializers.CharField()
    community_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    host_community_id = serializers.IntegerField(required=False)
    starts_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    money_mode = serializers.ChoiceField(choices=Campaign.MoneyMode.choices, default=Campaign.MoneyMode.ALL_OR_NOTHING)
    tags = serializers.ListField(child=serializers.ChoiceField(choices=BeneficiaryTag.choices), required=False)
    partners = PartnerIn(many=True, required=False)
    cover = serializers.ImageField(required=False)
    problem_id = serializers.IntegerField(required=False)


class CampaignPatchIn(serializers.Serializer):
    title = serializers.CharField(max_length=120, required=False)
    story = serializers.CharField(required=False)
    starts_at = serializers.DateTimeField(required=False)
    deadline = serializers.DateTimeField(required=False)
    money_mode = serializers.ChoiceField(choices=Campaign.MoneyMode.choices, required=False)
    tags = serializers.ListField(child=serializers.ChoiceField(choices=BeneficiaryTag.choices), required=False)
    partners = PartnerIn(many=True, required=False)
    cover = serializers.ImageField(required=False)


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    s = serializer_class(data=data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def _campaign_out(request, campaign_id: int) -> dict:
    return CampaignOut(
        selectors.campaign_get(user=request.user, campaign_id=campaign_id), context={"request": request}
    ).data


# --- campaigns ----------------------------------------------------------------------------------


class CampaignListApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="campaigns_list",
        parameters=[
            OpenApiParameter("community", int),
            OpenApiParameter("dimension", str, enum=Dimension.values),
            OpenApiParameter("status", str, enum=Campaign.Status.values),
            OpenApiParameter("tag", str, enum=BeneficiaryTag.values),
            OpenApiParameter("partner", str, description="kind:id, e.g. station:3"),
        ],
        responses={200: CampaignOut(many=True), **error_responses(400)},
    )
    def get(self, request):
        filters = {k: request.query_params.get(k) for k in ("community", "dimension", "status", "tag", "partner")}
        if filters["community"] and parse_id(filters["community"]) is None:
            filters["community"] = -1
        qs = selectors.campaign_list(user=request.user, filters=filters)
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(CampaignOut(page, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="campaigns_create",
        request=CampaignIn,
        responses={201: CampaignOut, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request):
        data = _valid(CampaignIn, request.data)
        campaign = services.campaign_create(actor=request.user, **data)
        return Response(_campaign_out(request, campaign.pk), status=201)


class CampaignDetailApi(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(operation_id="campaigns_retrieve", responses={200: CampaignOut, **error_responses(404)})
    def get(self, request, campaign_id: int):
        return Response(_campaign_out(request, campaign_id))

    @extend_schema(
        operation_id="campaigns_update",
        request=CampaignPatchIn,
        responses={200: CampaignOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, campaign_id: int):
        data = _valid(CampaignPatchIn, request.data)
        services.campaign_update(actor=request.user, campaign_id=campaign_id, **data)
        return Response(_campaign_out(request, campaign_id))


class CampaignTransitionApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        to = serializers.ChoiceField(choices=Campaign.Status.choices)
        reason = serializers.CharField(required=False, allow_blank=True, max_length=300)

    @extend_schema(
        operation_id="campaigns_transition",
        request=InputSerializer,
        responses={200: CampaignOut, **error_responses(400, 401, 403, 404, 409)},
        description="Lifecycle edges and who may take them: see campaigns.permissions.",
    )
    def post(self, request, campaign_id: int):
        data = _valid(self.InputSerializer, request.data)
        services.campaign_transition(actor=request.user, campaign_id=campaign_id, **data)
        return Response(_campaign_out(request, campaign_id))


class CampaignProgressApi(APIView):
    @extend_schema(operation_id="campaigns_progress", responses={200: ProgressOut, **error_responses(404)})
    def get(self, request, campaign_id: int):
        return Response(selectors.campaign_progress(selectors.campaign_get(user=request.user, campaign_id=campaign_id)))


class CampaignFollowApi(APIView):
    permission_classes = [IsAuthenticated]
    Out = inline_serializer("FollowOut", {"following": serializers.BooleanField()})

    @extend_schema(operation_id="campaigns_follow", request=None, responses={200: Out, **error_responses(401, 404)})
    def post(self, request, campaign_id: int):
        return Response({"following": services.campaign_follow(user=request.user, campaign_id=campaign_id)})

    @extend_schema(operation_id="campaigns_unfollow", responses={200: Out, **error_responses(401, 404)})
    def delete(self, request, campaign_id: int):
        return Response(
            {"following": services.campaign_follow(user=request.user, campaign_id=campaign_id, follow=False)}
        )


class ProgressUpdateCreateApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        body = serializers.CharField()
        photos = serializers.ListField(child=serializers.ImageField(), required=False)

    Out = inline_serializer("ProgressUpdateOut", {"id": serializers.IntegerField(), "body": serializers.CharField()})

    @extend_schema(
        operation_id="campaigns_updates_create",
        request={"multipart/form-data": InputSerializer},
        responses={201: Out, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, campaign_id: int):
        photos = request.FILES.getlist("photos")
        body = request.data.get("body", "")
        update = services.progress_update_post(actor=request.user, campaign_id=campaign_id, body=body, photos=photos)
        return Response({"id": update.pk, "body": update.body}, status=201)


class CampaignBallotApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        pledge_ids = serializers.ListField(child=serializers.IntegerField(), min_length=2)
        question = serializers.CharField(max_length=200)
        method = serializers.CharField(default="approval")
        opens_at = serializers.DateTimeField()
        closes_at = serializers.DateTimeField()

    Out = inline_serializer("BallotRef", {"ballot": serializers.IntegerField()})

    @extend_schema(
        operation_id="campaigns_proposals_ballot",
        request=InputSerializer,
        responses={201: Out, **error_responses(400, 401, 403, 404, 409)},
        description="Shortlist project proposals into a ballot of the campaign's communities.",
    )
    def post(self, request, campaign_id: int):
        data = _valid(self.InputSerializer, request.data)
        ballot = services.proposals_to_ballot(actor=request.user, campaign_id=campaign_id, **data)
        return Response({"ballot": ballot.pk}, status=201)


class CampaignRosterApi(APIView):
    permission_classes = [IsAuthenticated]

    class Out(ShiftOut):
        volunteers = serializers.SerializerMethodField()

        class Meta(ShiftOut.Meta):
            fields = [*ShiftOut.Meta.fields, "volunteers"]

        def get_volunteers(self, obj: Shift) -> list[dict]:
            return [
                {"pledge": p.pk, "name": p.user.name if p.user_id else "", "status": p.status,
                 "signed_in_at": p.signed_in_at, "signed_out_at": p.signed_out_at}
                for p in obj.active_signups
            ]  # fmt: skip

    @extend_schema(operation_id="campaigns_roster", responses={200: Out(many=True), **error_responses(401, 403, 404)})
    def get(self, request, campaign_id: int):
        from accounts.permissions import require

        campaign = selectors.campaign_get(user=request.user, campaign_id=campaign_id)
        require(request.user, "campaign.manage", campaign)
        return Response(self.Out(selectors.shift_roster(campaign=campaign), many=True).data)


# --- needs and shifts ---------------------------------------------------------------------------


class NeedIn(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=Dimension.choices)
    title = serializers.CharField(max_length=120)
    target = serializers.IntegerField(min_value=1)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    required = serializers.BooleanField(default=True)
    allow_over_pledge = serializers.BooleanField(default=False)
    skills = serializers.CharField(max_length=200, required=False, allow_blank=True)


class NeedPatchIn(serializers.Serializer):
    title = serializers.CharField(max_length=120, required=False)
    target = serializers.IntegerField(min_value=1, required=False)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    required = serializers.BooleanField(required=False)
    allow_over_pledge = serializers.BooleanField(required=False)
    skills = serializers.CharField(max_length=200, required=False, allow_blank=True)


class NeedCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="needs_create",
        request=NeedIn,
        responses={201: NeedOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, campaign_id: int):
        need = services.need_create(actor=request.user, campaign_id=campaign_id, **_valid(NeedIn, request.data))
        return Response(NeedOut(need).data, status=201)


class NeedDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="needs_update",
        request=NeedPatchIn,
        responses={200: NeedOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, need_id: int):
        need = services.need_update(actor=request.user, need_id=need_id, **_valid(NeedPatchIn, request.data))
        return Response(NeedOut(need).data)

    @extend_schema(operation_id="needs_delete", responses={204: None, **error_responses(401, 403, 404, 409)})
    def delete(self, request, need_id: int):
        services.need_delete(actor=request.user, need_id=need_id)
        return Response(status=204)


class ShiftCreateApi(APIView):
    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        starts_at = serializers.DateTimeField()
        ends_at = serializers.DateTimeField()
        capacity = serializers.IntegerField(min_value=1)
        place = serializers.CharField(max_length=120, required=False, allow_blank=True)

    @extend_schema(
        operation_id="shifts_create",
        request=InputSerializer,
        responses={201: ShiftOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, need_id: int):
        shift = services.shift_create(actor=request.user, need_id=need_id, **_valid(self.InputSerializer, request.data))
        return Response(ShiftOut(shift).data, status=201)


# --- pledges ------------------------------------------------------------------------------------


class PledgeCreateApi(APIView):
    """认筹. Send an `Idempotency-Key` header to make retries safe: the same key from the same
    person returns the first pledge (200) instead of creating another (201). JSON only: the
    service validates the values with their JSON types (InputSerializer documents them)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        quantity = serializers.IntegerField(default=1)
        amount_fen = serializers.IntegerField(required=False, allow_null=True)
        currency = serializers.CharField(default="cny", max_length=3)
        anonymous = serializers.BooleanField(default=False)
        summary = serializers.CharField(required=False, allow_blank=True, max_length=200)
        body = serializers.CharField(required=False, allow_blank=True)
        budget_fen = serializers.IntegerField(required=False, allow_null=True)
        carried_by = serializers.CharField(required=False, allow_blank=True, max_length=120)
        estimated_value_fen = serializers.IntegerField(required=False, allow_null=True)
        shift_id = serializers.IntegerField(required=False)

    COMMON_FIELDS = ("quantity", "amount_fen", "currency", "anonymous")

    @extend_schema(
        operation_id="pledges_create",
        request=InputSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={201: PledgeOut, 200: PledgeOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, need_id: int):
        need = selectors.need_to_pledge(need_id)
        if need is None:
            raise NotFound(_("找不到这项需求。"))
        data = request.data
        if not isinstance(data, dict):
            raise ApplicationError(_("请求内容必须是一个 JSON 对象。"))
        # The service checks every value's type (JSON: numbers, booleans, strings); a name this
        # need's dimension does not take is refused here, never passed on as a keyword.
        services.refuse_unknown_fields(need, set(data) - self.input_fields(need.dimension))
        pledge = services.pledge_create(
            user=request.user, need=need, idempotency_key=request.headers.get("Idempotency-Key", ""), **data
        )
        return Response(PledgeOut(pledge).data, status=201 if getattr(pledge, "created_now", False) else 200)

    @classmethod
    def input_fields(cls, dimension: str) -> set[str]:
        return {*cls.COMMON_FIELDS, *services.DIMENSION_FIELDS[dimension]}


class OfflineMoneyApi(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        amount_fen = serializers.IntegerField()
        evidence = serializers.ImageField()
        contributor_name = serializers.CharField(required=False, allow_blank=True, max_length=50)
        anonymous = serializers.BooleanField(default=False)
        note = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        operation_id="pledges_record_offline",
        request={"multipart/form-data": InputSerializer},
        responses={201: PledgeOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, need_id: int):
        data = _valid(self.InputSerializer, request.data)
        pledge = services.pledge_record_offline(actor=request.user, need_id=need_id, **data)
        return Response(PledgeOut(pledge).data, status=201)


class PledgeActionApi(APIView):
    """Base for the one-pledge actions below."""

    permission_classes = [IsAuthenticated]


class PledgeCancelApi(PledgeActionApi):
    @extend_schema(
        operation_id="pledges_cancel", request=None, responses={200: PledgeOut, **error_responses(401, 403, 404, 409)}
    )
    def post(self, request, pledge_id: int):
        return Response(PledgeOut(services.pledge_cancel(actor=request.user, pledge_id=pledge_id)).data)


class PledgeConfirmApi(PledgeActionApi):
    @extend_schema(
        operation_id="pledges_confirm", request=None, responses={200: PledgeOut, **error_responses(401, 403, 404, 409)}
    )
    def post(self, request, pledge_id: int):
        return Response(PledgeOut(services.pledge_confirm(actor=request.user, pledge_id=pledge_id)).data)


class PledgeRejectApi(PledgeActionApi):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    @extend_schema(
        operation_id="pledges_reject",
        request=InputSerializer,
        responses={200: PledgeOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pledge_id: int):
        data = _valid(self.InputSerializer, request.data)
        return Response(PledgeOut(services.pledge_reject(actor=request.user, pledge_id=pledge_id, **data)).data)


class PledgeFulfilApi(PledgeActionApi):
    class InputSerializer(serializers.Serializer):
        received_quantity = serializers.IntegerField(required=False, min_value=0)
        minutes_served = serializers.IntegerField(required=False, min_value=0)
        adopted = serializers.BooleanField(required=False)

    @extend_schema(
        operation_id="pledges_fulfil",
        request=InputSerializer,
        responses={200: PledgeOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pledge_id: int):
        data = _valid(self.InputSerializer, request.data)
        return Response(PledgeOut(services.pledge_fulfil(actor=request.user, pledge_id=pledge_id, **data)).data)


class PledgeSignApi(PledgeActionApi):
    class InputSerializer(serializers.Serializer):
        event = serializers.ChoiceField(choices=[("in", "in"), ("out", "out")])
        at = serializers.DateTimeField(required=False)

    @extend_schema(
        operation_id="pledges_sign",
        request=InputSerializer,
        responses={200: PledgeOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pledge_id: int):
        data = _valid(self.InputSerializer, request.data)
        return Response(PledgeOut(services.shift_sign(actor=request.user, pledge_id=pledge_id, **data)).data)


class IdeaEndorseApi(PledgeActionApi):
    @extend_schema(
        operation_id="ideas_endorse", request=None, responses={200: PledgeOut, **error_responses(401, 403, 404, 409)}
    )
    def post(self, request, pledge_id: int):
        return Response(PledgeOut(services.idea_endorse(user=request.user, pledge_id=pledge_id)).data)


class PledgeBulkApi(PledgeActionApi):
    class InputSerializer(serializers.Serializer):
        pledge_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=500)
        action = serializers.ChoiceField(choices=[(a, a) for a in services.BULK_ACTIONS])
        reason = serializers.CharField(required=False, allow_blank=True, max_length=300)

    Out = inline_serializer(
        "PledgeBulkOut",
        {
            "done": serializers.ListField(child=serializers.IntegerField()),
            "refused": serializers.DictField(child=serializers.CharField()),
        },
    )

    @extend_schema(
        operation_id="pledges_bulk", request=InputSerializer, responses={200: Out, **error_responses(400, 401)}
    )
    def post(self, request):
        return Response(services.pledges_bulk(actor=request.user, **_valid(self.InputSerializer, request.data)))


class MyPledgesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="pledges_mine", responses={200: PledgeOut(many=True), **error_responses(401)})
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.pledges_of(user=request.user), request, view=self)
        return paginator.get_paginated_response(PledgeOut(page, many=True).data)


class ManagedPledgesApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="pledges_managed",
        parameters=[
            OpenApiParameter("campaign", int),
            OpenApiParameter("dimension", str, enum=Dimension.values),
            OpenApiParameter("status", str, enum=Pledge.Status.values),
            OpenApiParameter("date_from", str, description="YYYY-MM-DD"),
            OpenApiParameter("date_to", str, description="YYYY-MM-DD"),
        ],
        responses={200: PledgeOut(many=True), **error_responses(400, 401)},
    )
    def get(self, request):
        class Filters(serializers.Serializer):
            campaign = serializers.IntegerField(required=False)
            dimension = serializers.ChoiceField(choices=Dimension.choices, required=False)
            status = serializers.ChoiceField(choices=Pledge.Status.choices, required=False)
            date_from = serializers.DateField(required=False)
            date_to = serializers.DateField(required=False)

        filters = _valid(Filters, request.query_params)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.managed_pledges(user=request.user, filters=filters), request, view=self
        )
        return paginator.get_paginated_response(PledgeOut(page, many=True).data)
