"""Ballot API: one view per operation, thin; the rules are in services and selectors. No
response carries a voter together with what they chose."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import permissions as perms
from core.api import Pagination, error_responses

from . import selectors, services
from .models import Ballot


class OptionInputSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    cost_fen = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    ref_kind = serializers.CharField(required=False, allow_blank=True, default="", max_length=30)
    ref_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)


class OptionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    position = serializers.IntegerField()
    label = serializers.CharField()
    description = serializers.CharField()
    cost_fen = serializers.IntegerField(allow_null=True)
    ref_kind = serializers.CharField()
    ref_id = serializers.IntegerField(allow_null=True)


class BallotCommunitySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class BallotOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    question = serializers.CharField()
    description = serializers.CharField()
    method = serializers.CharField()
    status = serializers.CharField()
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    quorum = serializers.IntegerField(allow_null=True)
    results_policy = serializers.CharField()
    max_choices = serializers.IntegerField(allow_null=True)
    budget_fen = serializers.IntegerField(allow_null=True)
    currency = serializers.CharField()
    allow_revote = serializers.BooleanField()
    communities = BallotCommunitySerializer(many=True)
    options = OptionOutputSerializer(many=True)
    turnout = serializers.IntegerField(help_text="People who have voted so far.")


class BallotInputSerializer(serializers.Serializer):
    community_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    question = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    method = serializers.ChoiceField(choices=Ballot.Method.choices)
    options = OptionInputSerializer(many=True)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    quorum = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    results_policy = serializers.ChoiceField(choices=Ballot.ResultsPolicy.choices, default="turnout")
    max_choices = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    budget_fen = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    allow_revote = serializers.BooleanField(required=False, default=False)


class BallotUpdateSerializer(BallotInputSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


def _ballot_body(ballot: Ballot) -> dict:
    return BallotOutputSerializer(ballot).data


class BallotFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Ballot.Status.choices, required=False)
    community = serializers.IntegerField(required=False, min_value=1)


class BallotListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ballots_list",
        parameters=[
            OpenApiParameter("status", str, enum=Ballot.Status.values),
            OpenApiParameter("community", int),
            OpenApiParameter("page", int),
        ],
        responses={200: BallotOutputSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        f = BallotFilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        qs = selectors.ballot_list(
            user=request.user, status=f.validated_data.get("status"), community_id=f.validated_data.get("community")
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(BallotOutputSerializer(page, many=True).data)

    @extend_schema(
        operation_id="ballots_create",
        request=BallotInputSerializer,
        responses={201: BallotOutputSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request):
        s = BallotInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        ballot = services.ballot_create(actor=request.user, **s.validated_data)
        return Response(_ballot_body(selectors.ballot_get(user=request.user, ballot_id=ballot.pk)), status=201)


class BallotDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="ballots_retrieve", responses={200: BallotOutputSerializer, **error_responses(404)})
    def get(self, request, ballot_id: int):
        return Response(_ballot_body(selectors.ballot_get(user=request.user, ballot_id=ballot_id)))

    @extend_schema(
        operation_id="ballots_update",
        request=BallotUpdateSerializer,
        responses={200: BallotOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def patch(self, request, ballot_id: int):
        s = BallotUpdateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        changes = {k: v for k, v in s.validated_data.items() if k in request.data}
        services.ballot_update(actor=request.user, ballot_id=ballot_id, **changes)
        return Response(_ballot_body(selectors.ballot_get(user=request.user, ballot_id=ballot_id)))

    @extend_schema(operation_id="ballots_destroy", responses={204: None, **error_responses(401, 403, 404, 409)})
    def delete(self, request, ballot_id: int):
        services.ballot_delete_draft(actor=request.user, ballot_id=ballot_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BallotPublishApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ballots_publish",
        request=None,
        responses={200: BallotOutputSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, ballot_id: int):
        services.ballot_publish(actor=request.user, ballot_id=ballot_id)
        return Response(_ballot_body(selectors.ballot_get(user=request.user, ballot_id=ballot_id)))


class ReceiptOutputSerializer(serializers.Serializer):
    ballot = serializers.IntegerField(source="ballot_id")
    receipt = serializers.CharField(help_text="Secret receipt code: keep it to check or change the vote.")
    check_code = serializers.CharField(help_text="Public code shown next to the paper in the published list.")
    revote = serializers.BooleanField(help_text="True when an earlier vote was replaced.")


CHOICES_HELP = (
    'single {"option": id|null}; approval/budget {"options": [id]}; ranked {"ranking": [id, ...]} '
    '(most preferred first); score {"scores": {"<id>": 0-5}}'
)


class VoteInputSerializer(serializers.Serializer):
    choices = serializers.JSONField(help_text=CHOICES_HELP)
    receipt = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Needed only to change an earlier vote."
    )


class VoteApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ballots_vote",
        request=VoteInputSerializer,
        responses={201: ReceiptOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, ballot_id: int):
        s = VoteInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        receipt = services.vote_cast(voter=request.user, ballot_id=ballot_id, **s.validated_data)
        return Response(ReceiptOutputSerializer(receipt).data, status=status.HTTP_201_CREATED)


class AssistedVoteInputSerializer(VoteInputSerializer):
    voter_id = serializers.IntegerField()
    consent_id = serializers.IntegerField(help_text="An AssistanceConsent the resident gave to this organiser.")


class AssistedVoteApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="ballots_vote_assisted",
        request=AssistedVoteInputSerializer,
        responses={201: ReceiptOutputSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, ballot_id: int):
        s = AssistedVoteInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        receipt = services.vote_cast_assisted(organiser=request.user, ballot_id=ballot_id, **s.validated_data)
        return Response(ReceiptOutputSerializer(receipt).data, status=status.HTTP_201_CREATED)


class TurnoutOutputSerializer(serializers.Serializer):
    ballot = serializers.IntegerField()
    status = serializers.CharField()
    turnout = serializers.IntegerField()
    assisted = serializers.IntegerField(help_text="Papers cast with an organiser's help (never whose).")
    eligible = serializers.IntegerField(allow_null=True, help_text="Verified members now; organisers only.")
    quorum = serializers.IntegerField(allow_null=True)
    has_voted = serializers.BooleanField(help_text="Whether the requesting person has voted.")


class TurnoutApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="ballots_turnout", responses={200: TurnoutOutputSerializer, **error_responses(404)})
    def get(self, request, ballot_id: int):
        ballot = selectors.ballot_get(user=request.user, ballot_id=ballot_id)
        body = {
            **selectors.ballot_turnout(ballot=ballot),
            "status": ballot.status,
            "quorum": ballot.quorum,
            "eligible": selectors.ballot_eligible_count(ballot=ballot)
            if perms.may(request.user, "ballot.view_eligible", ballot)
            else None,
            "has_voted": selectors.has_voted(user=request.user, ballot=ballot),
        }
        return Response(TurnoutOutputSerializer(body).data)


RESULT_SCHEMA = inline_serializer(
    "BallotResult",
    {
        "method": serializers.CharField(),
        "ballots": serializers.IntegerField(),
        "blank": serializers.IntegerField(),
        "turnout": serializers.IntegerField(),
        "assisted": serializers.IntegerField(),
        "quorum": serializers.IntegerField(allow_null=True),
        "quorum_met": serializers.BooleanField(),
        "winners": serializers.ListField(child=serializers.IntegerField()),
        "tie": serializers.BooleanField(),
        "options": serializers.ListField(
            child=serializers.DictField(),
            help_text="Per option: id, label and votes (single, approval, budget: also cost_fen, funded), "
            "first_preferences (ranked), count/sum/mean (score).",
        ),
        "rounds": serializers.ListField(
            child=serializers.DictField(),
            required=False,
            help_text="Ranked only: round, counts, exhausted, eliminated.",
        ),
        "budget_fen": serializers.IntegerField(required=False),
        "spent_fen": serializers.IntegerField(required=False),
    },
)


class ResultApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(operation_id="ballots_result", responses={200: RESULT_SCHEMA, **error_responses(403, 404)})
    def get(self, request, ballot_id: int):
        ballot = selectors.ballot_get(user=request.user, ballot_id=ballot_id)
        return Response(selectors.ballot_visible_result(user=request.user, ballot=ballot))


class PaperOutputSerializer(serializers.Serializer):
    check_code = serializers.CharField()
    choices = serializers.JSONField()


class ReceiptListApi(APIView):
    """The published papers by check code (no voter), for anyone to verify the count."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ballots_papers",
        parameters=[OpenApiParameter("page", int)],
        responses={200: PaperOutputSerializer(many=True), **error_responses(404, 409)},
    )
    def get(self, request, ballot_id: int):
        ballot = selectors.ballot_get(user=request.user, ballot_id=ballot_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.receipt_list(ballot=ballot), request, view=self)
        return paginator.get_paginated_response(PaperOutputSerializer(page, many=True).data)


class ReceiptCheckInputSerializer(serializers.Serializer):
    receipt = serializers.CharField(max_length=40, error_messages={"blank": _("请填写回执码。")})


class ReceiptCheckApi(APIView):
    """Check a receipt code: the paper it belongs to, as counted (POST keeps the code out of logs)."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ballots_receipt_check",
        request=ReceiptCheckInputSerializer,
        responses={200: PaperOutputSerializer, **error_responses(400, 404)},
    )
    def post(self, request, ballot_id: int):
        s = ReceiptCheckInputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        ballot = selectors.ballot_get(user=request.user, ballot_id=ballot_id)
        cast = selectors.receipt_lookup(ballot=ballot, receipt=s.validated_data["receipt"])
        return Response(PaperOutputSerializer(cast).data)
