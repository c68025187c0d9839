"""HTTP API for problems and their discussion. One view per operation; the rules are in
services and selectors."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import Pagination, error_responses
from core.errors import NotFound, PermissionDenied

from . import selectors, services
from .models import BeneficiaryTag, Problem, ProblemSettings


def _actor_name(user) -> str:
    return user.name if user is not None else _("系统")


# --- Output shapes -------------------------------------------------------------------------------


class ProblemTagOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    community = serializers.IntegerField(source="community_id", allow_null=True)


class ProblemPhotoOut(serializers.Serializer):
    url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    content_type = serializers.CharField()

    def get_url(self, obj) -> str:
        return obj.image.url


class ProblemOut(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    author_name = serializers.CharField(source="author.name")
    title = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField(source="get_category_display")
    tags = ProblemTagOut(many=True, source="tags.all")
    place = serializers.CharField()
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    endorsement_count = serializers.IntegerField()
    comment_count = serializers.IntegerField()
    threshold_reached = serializers.SerializerMethodField()
    ballot_id = serializers.IntegerField(allow_null=True)
    campaign_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    endorsed = serializers.SerializerMethodField()
    following = serializers.SerializerMethodField()

    def get_threshold_reached(self, obj) -> bool:
        return obj.threshold_reached_at is not None

    def get_endorsed(self, obj) -> bool:
        state = self.context.get("viewer")
        return bool(state and obj.pk in state.endorsed)

    def get_following(self, obj) -> bool:
        state = self.context.get("viewer")
        return bool(state and obj.pk in state.followed)


class ProblemStatusChangeOut(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor_name = serializers.SerializerMethodField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_actor_name(self, obj) -> str:
        return _actor_name(obj.actor)


class ProblemVoteOutcomeOut(serializers.Serializer):
    """How the problem did in the ballot it was put to, once that ballot published its result."""

    ballot = serializers.IntegerField(source="ballot_id")
    question = serializers.CharField()
    won = serializers.BooleanField(help_text="Among the ballot's winners.")
    tie = serializers.BooleanField(help_text="The winners tied.")
    quorum_met = serializers.BooleanField()
    label = serializers.CharField(help_text="The outcome in a few words, in the request's language.")


class ProblemDetailOut(ProblemOut):
    photos = ProblemPhotoOut(many=True, source="photos.all")
    history = ProblemStatusChangeOut(many=True, source="status_changes.all")
    may_manage = serializers.SerializerMethodField()
    vote_outcome = serializers.SerializerMethodField()

    @extend_schema_field(ProblemVoteOutcomeOut(allow_null=True))
    def get_vote_outcome(self, obj) -> dict | None:
        outcome = selectors.vote_outcomes(problems=[obj]).get(obj.pk)
        return ProblemVoteOutcomeOut(outcome).data if outcome else None

    def get_may_manage(self, obj) -> bool:
        user = self.context["request"].user
        return selectors.may_manage(user=user, community_id=obj.community_id)


class ProblemCommentOut(serializers.Serializer):
    """A deleted or hidden comment keeps its place in the thread without its text."""

    id = serializers.IntegerField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    state = serializers.SerializerMethodField()
    author_name = serializers.SerializerMethodField()
    body = serializers.SerializerMethodField()
    hidden_reason = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)

    def get_state(self, obj) -> str:
        if obj.deleted_at is not None:
            return "deleted"
        if obj.hidden_at is not None:
            return "hidden"
        return "visible"

    def get_author_name(self, obj) -> str:
        return obj.author.name if obj.is_visible else ""

    def get_body(self, obj) -> str:
        return obj.body if obj.is_visible else ""

    def get_hidden_reason(self, obj) -> str:
        return obj.hidden_reason if obj.hidden_at is not None else ""


class ProblemEndorsementCountOut(serializers.Serializer):
    problem = serializers.IntegerField()
    count = serializers.IntegerField()


class ProblemFollowOut(serializers.Serializer):
    problem = serializers.IntegerField()
    following = serializers.BooleanField()


class ProblemCommentReportOut(serializers.Serializer):
    reporter_name = serializers.CharField(source="reporter.name")
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class ProblemModerationItemOut(ProblemCommentOut):
    problem = serializers.IntegerField(source="problem_id")
    problem_title = serializers.CharField(source="problem.title")
    community = serializers.IntegerField(source="problem.community_id")
    reports = ProblemCommentReportOut(many=True, source="open_reports")

    def get_author_name(self, obj) -> str:
        return obj.author.name

    def get_body(self, obj) -> str:
        return obj.body


class ProblemSettingsOut(serializers.Serializer):
    community = serializers.IntegerField()
    threshold_kind = serializers.ChoiceField(choices=ProblemSettings.ThresholdKind.choices)
    threshold_value = serializers.IntegerField()
    threshold_now = serializers.IntegerField(help_text="Endorsements needed today (a share is worked out).")


class ProblemBallotOut(serializers.Serializer):
    ballot = serializers.IntegerField()
    url = serializers.CharField()
    problems = serializers.ListField(child=serializers.IntegerField())


# --- Problems ------------------------------------------------------------------------------------


class ProblemListCreateApi(APIView):
    """社区问题: list with filters, or raise a new one (multipart when photos are attached)."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema_serializer(component_name="ProblemCreateIn")
    class InputSerializer(serializers.Serializer):
        community = serializers.IntegerField()
        title = serializers.CharField(max_length=80)
        description = serializers.CharField(max_length=5000)
        category = serializers.ChoiceField(choices=Problem.Category.choices)
        tags = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
        place = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
        latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
        longitude = serializers.DecimalField(max_digits=10, decimal_places=6, required=False, allow_null=True)
        photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    class FilterSerializer(serializers.Serializer):
        community = serializers.IntegerField(required=False, min_value=1, help_text="Only this community")
        status = serializers.ChoiceField(choices=Problem.Status.choices, required=False)
        category = serializers.ChoiceField(choices=Problem.Category.choices, required=False)
        tag = serializers.IntegerField(required=False, min_value=1, help_text="Beneficiary tag id")
        q = serializers.CharField(required=False, max_length=100, help_text="Search title and description")
        sort = serializers.ChoiceField(choices=list(selectors.SORTS), required=False, default="newest")

    @extend_schema(parameters=[FilterSerializer], responses={200: ProblemOut(many=True), **error_responses(400)})
    def get(self, request):
        f = self.FilterSerializer(data=request.query_params)
        f.is_valid(raise_exception=True)
        v = f.validated_data
        qs = selectors.problem_list(
            community_ids=[v["community"]] if "community" in v else None,
            status=v.get("status", ""),
            category=v.get("category", ""),
            tag_id=v.get("tag"),
            q=v.get("q", ""),
            sort=v["sort"],
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        viewer = selectors.viewer_state(user=request.user, problem_ids=[p.pk for p in page])
        return paginator.get_paginated_response(ProblemOut(page, many=True, context={"viewer": viewer}).data)

    @extend_schema(
        request={"multipart/form-data": InputSerializer, "application/json": InputSerializer},
        responses={201: ProblemDetailOut, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request):
        data = request.data
        if hasattr(data, "getlist"):  # a form post: lists repeat their key, empty numbers are absent
            data = {k: data.get(k) for k in data if data.get(k) != "" or k not in ("latitude", "longitude")}
            data["tags"] = request.data.getlist("tags")
            data["photos"] = request.FILES.getlist("photos")
        s = self.InputSerializer(data=data)
        s.is_valid(raise_exception=True)
        v = s.validated_data
        problem = services.problem_create(
            author=request.user,
            community_id=v["community"],
            title=v["title"],
            description=v["description"],
            category=v["category"],
            tag_ids=v["tags"],
            place=v["place"],
            latitude=v.get("latitude"),
            longitude=v.get("longitude"),
            photos=v["photos"],
        )
        problem = selectors.problem_detail(problem_id=problem.pk)
        viewer = selectors.viewer_state(user=request.user, problem_ids=[problem.pk])
        return Response(ProblemDetailOut(problem, context={"request": request, "viewer": viewer}).data, status=201)


class ProblemDetailApi(APIView):
    @extend_schema(responses={200: ProblemDetailOut, **error_responses(404)})
    def get(self, request, problem_id: int):
        problem = selectors.problem_detail(problem_id=problem_id)
        if problem is None:
            raise NotFound(_("找不到这个问题。"))
        viewer = selectors.viewer_state(user=request.user, problem_ids=[problem.pk])
        return Response(ProblemDetailOut(problem, context={"request": request, "viewer": viewer}).data)


class ProblemStatusApi(APIView):
    """An organiser moves a problem: to discussing, adopted, declined or solved."""

    @extend_schema_serializer(component_name="ProblemStatusIn")
    class InputSerializer(serializers.Serializer):
        to_status = serializers.ChoiceField(choices=Problem.Status.choices)
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer, responses={200: ProblemDetailOut, **error_responses(400, 401, 403, 404, 409)}
    )
    def post(self, request, problem_id: int):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.problem_move(actor=request.user, problem_id=problem_id, **s.validated_data)
        problem = selectors.problem_detail(problem_id=problem_id)
        return Response(ProblemDetailOut(problem, context={"request": request}).data)


class ProblemEndorseApi(APIView):
    """我也关心: POST to endorse, DELETE to take it back. Answers the exact count."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: ProblemEndorsementCountOut, **error_responses(401, 403, 404, 409)})
    def post(self, request, problem_id: int):
        count = services.endorsement_add(user=request.user, problem_id=problem_id)
        return Response({"problem": problem_id, "count": count})

    @extend_schema(responses={200: ProblemEndorsementCountOut, **error_responses(401, 404, 409)})
    def delete(self, request, problem_id: int):
        count = services.endorsement_remove(user=request.user, problem_id=problem_id)
        return Response({"problem": problem_id, "count": count})


class ProblemFollowApi(APIView):
    """关注: POST to follow, DELETE to stop."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: ProblemFollowOut, **error_responses(401, 404, 409)})
    def post(self, request, problem_id: int):
        services.follow_add(user=request.user, problem_id=problem_id)
        return Response({"problem": problem_id, "following": True})

    @extend_schema(responses={200: ProblemFollowOut, **error_responses(401, 404, 409)})
    def delete(self, request, problem_id: int):
        services.follow_remove(user=request.user, problem_id=problem_id)
        return Response({"problem": problem_id, "following": False})


# --- Comments ------------------------------------------------------------------------------------


class CommentListCreateApi(APIView):
    """A problem's comments in time order (replies carry their parent id), or a new one."""

    @extend_schema_serializer(component_name="ProblemCommentCreateIn")
    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=2000)
        parent = serializers.IntegerField(required=False, allow_null=True)

    @extend_schema(responses={200: ProblemCommentOut(many=True), **error_responses(404)})
    def get(self, request, problem_id: int):
        services.problem_access(problem_id=problem_id)
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.comments_flat(problem_id=problem_id), request, view=self)
        return paginator.get_paginated_response(ProblemCommentOut(page, many=True).data)

    @extend_schema(
        request=InputSerializer, responses={201: ProblemCommentOut, **error_responses(400, 401, 403, 404, 409)}
    )
    def post(self, request, problem_id: int):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        comment = services.comment_create(
            author=request.user,
            problem_id=problem_id,
            body=s.validated_data["body"],
            parent_id=s.validated_data.get("parent"),
        )
        return Response(ProblemCommentOut(comment).data, status=201)


class CommentApi(APIView):
    """The author edits (within the edit window) or deletes a comment."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="ProblemCommentEditIn")
    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=2000)

    @extend_schema(
        request=InputSerializer, responses={200: ProblemCommentOut, **error_responses(400, 401, 403, 404, 409)}
    )
    def patch(self, request, comment_id: int):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        comment = services.comment_edit(actor=request.user, comment_id=comment_id, body=s.validated_data["body"])
        return Response(ProblemCommentOut(comment).data)

    @extend_schema(responses={200: ProblemCommentOut, **error_responses(401, 403, 404, 409)})
    def delete(self, request, comment_id: int):
        comment = services.comment_delete(actor=request.user, comment_id=comment_id)
        return Response(ProblemCommentOut(comment).data)


class CommentReportApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="ProblemCommentReportIn")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    @extend_schema(request=InputSerializer, responses={201: None, **error_responses(400, 401, 403, 404, 409)})
    def post(self, request, comment_id: int):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.comment_report(reporter=request.user, comment_id=comment_id, reason=s.validated_data["reason"])
        return Response(status=201)


class CommentHideApi(APIView):
    """An organiser hides a comment with a reason."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="ProblemCommentHideIn")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    @extend_schema(
        request=InputSerializer, responses={200: ProblemCommentOut, **error_responses(400, 401, 403, 404, 409)}
    )
    def post(self, request, comment_id: int):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        comment = services.comment_hide(actor=request.user, comment_id=comment_id, reason=s.validated_data["reason"])
        return Response(ProblemCommentOut(comment).data)


class CommentDismissReportsApi(APIView):
    """An organiser keeps a reported comment."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: ProblemCommentOut, **error_responses(401, 403, 404, 409)})
    def post(self, request, comment_id: int):
        comment = services.comment_reports_dismiss(actor=request.user, comment_id=comment_id)
        return Response(ProblemCommentOut(comment).data)


class ModerationQueueApi(APIView):
    """Reported comments in the communities the organiser looks after."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ProblemModerationItemOut(many=True), **error_responses(401, 403)})
    def get(self, request):
        if not selectors.managed_communities(user=request.user) and not request.user.is_superuser:
            raise PermissionDenied(_("只有社区工作者可以查看举报。"))
        paginator = Pagination()
        page = paginator.paginate_queryset(selectors.moderation_queue(user=request.user), request, view=self)
        return paginator.get_paginated_response(ProblemModerationItemOut(page, many=True).data)


class ProblemAwaitingOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    vote_outcome = ProblemVoteOutcomeOut()


class AwaitingDecisionApi(APIView):
    """Problems still in voting, in the communities the organiser looks after, whose ballot has
    published its result: they wait for the organiser to adopt or decline them (at most 100,
    longest waiting first)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: ProblemAwaitingOut(many=True), **error_responses(401, 403)})
    def get(self, request):
        if not selectors.managed_communities(user=request.user) and not request.user.is_superuser:
            raise PermissionDenied(_("只有社区工作者可以查看等待决定的问题。"))
        items = [
            {"id": p.pk, "title": p.title, "community_id": p.community_id, "community": p.community, "vote_outcome": o}
            for p, o in selectors.awaiting_decision(user=request.user)
        ]
        return Response(ProblemAwaitingOut(items, many=True).data)


# --- Community settings, tags and ballots ---------------------------------------------------


def _settings_out(community_id: int) -> dict:
    cfg = ProblemSettings.objects.filter(community_id=community_id).first()
    return {
        "community": community_id,
        "threshold_kind": cfg.threshold_kind if cfg else ProblemSettings.ThresholdKind.COUNT,
        "threshold_value": cfg.threshold_value if cfg else services.DEFAULT_THRESHOLD,
        "threshold_now": services.endorsement_threshold(community_id=community_id),
    }


class CommunitySettingsApi(APIView):
    """A community's endorsement threshold. Anyone may read it; its organisers change it."""

    @extend_schema_serializer(component_name="ProblemSettingsIn")
    class InputSerializer(serializers.Serializer):
        threshold_kind = serializers.ChoiceField(choices=ProblemSettings.ThresholdKind.choices)
        threshold_value = serializers.IntegerField(min_value=1)

    @extend_schema(responses={200: ProblemSettingsOut, **error_responses(404)})
    def get(self, request, community_id: int):
        from network.models import Community

        if not Community.objects.filter(pk=community_id).exists():
            raise NotFound(_("找不到这个社区。"))
        return Response(_settings_out(community_id))

    @extend_schema(request=InputSerializer, responses={200: ProblemSettingsOut, **error_responses(400, 401, 403, 404)})
    def put(self, request, community_id: int):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.problem_settings_update(actor=request.user, community_id=community_id, **s.validated_data)
        return Response(_settings_out(community_id))


class CommunityTagsApi(APIView):
    """Beneficiary tags usable in a community (platform tags and its own)."""

    @extend_schema_serializer(component_name="ProblemTagIn")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=20)

    @extend_schema(responses={200: ProblemTagOut(many=True)})
    def get(self, request, community_id: int):
        return Response(ProblemTagOut(selectors.tags_for(community_id=community_id), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: ProblemTagOut, **error_responses(400, 401, 403, 404, 409)})
    def post(self, request, community_id: int):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        tag: BeneficiaryTag = services.tag_create(actor=request.user, community_id=community_id, **s.validated_data)
        return Response(ProblemTagOut(tag).data, status=201)


class CommunityBallotApi(APIView):
    """An organiser puts problems in discussion to a vote: one ballot, an option per problem."""

    permission_classes = [IsAuthenticated]

    @extend_schema_serializer(component_name="ProblemBallotIn")
    class InputSerializer(serializers.Serializer):
        problem_ids = serializers.ListField(child=serializers.IntegerField(), min_length=1)
        question = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True, default="")
        method = serializers.CharField(max_length=30)
        opens_at = serializers.DateTimeField()
        closes_at = serializers.DateTimeField()

    @extend_schema(
        request=InputSerializer,
        responses={201: ProblemBallotOut, **error_responses(400, 401, 403, 404, 409)},
        parameters=[OpenApiParameter("community_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
    )
    def post(self, request, community_id: int):
        s = self.InputSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        ballot = services.problems_put_to_vote(actor=request.user, community_id=community_id, **s.validated_data)
        ids = sorted(s.validated_data["problem_ids"])
        return Response({"ballot": ballot.pk, "url": f"/ballots/{ballot.pk}/", "problems": ids}, status=201)
