"""Accounts API: registration, sign-in (session or token), "me", notifications, joining a
community, the organiser's join-request queue and assisted-participation consents.

Views are thin: they read input with a serializer, call one service or selector, and answer.
"""

from django.contrib.auth import login, logout, update_session_auth_hash
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from core.api import Pagination, error_responses
from core.errors import ApplicationError, PermissionDenied
from network.selectors import community_get

from . import permissions, selectors, services
from .models import AssistanceConsent, CommunityMembership, User

# --- Shapes --------------------------------------------------------------------------------------


class CommunityRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UserRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RoleSummaryOut(serializers.Serializer):
    resident = serializers.BooleanField()
    organiser = serializers.BooleanField()
    reviewer = serializers.BooleanField()
    staff = serializers.BooleanField()
    assist = serializers.BooleanField(help_text="May record assisted-participation consent somewhere.")
    admin = serializers.BooleanField()
    verified_communities = serializers.ListField(child=serializers.IntegerField())
    organiser_communities = serializers.ListField(child=serializers.IntegerField())
    pending_communities = serializers.ListField(child=serializers.IntegerField())
    funds = serializers.ListField(child=serializers.IntegerField())
    stations = serializers.ListField(
        child=serializers.IntegerField(), help_text="Social-work stations the person works at (社工站)."
    )


class MeOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    preferred_language = serializers.CharField()
    must_change_password = serializers.BooleanField(
        help_text="Signed in with a temporary password: POST /api/me/password/ before anything else."
    )
    roles = serializers.SerializerMethodField()
    unread_notifications = serializers.SerializerMethodField()

    def get_roles(self, obj) -> RoleSummaryOut:
        return selectors.user_role_summary(user=obj)

    def get_unread_notifications(self, obj) -> int:
        return selectors.unread_notification_count(user=obj)


class MembershipOut(serializers.Serializer):
    id = serializers.IntegerField()
    community = CommunityRef()
    role = serializers.CharField()
    role_display = serializers.CharField(source="get_role_display")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    message = serializers.CharField()
    reason = serializers.CharField(help_text="The organiser's reason when a request was rejected.")
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class JoinRequestOut(MembershipOut):
    user = UserRef()
    phone = serializers.CharField(source="user.phone", help_text="Shown to the community's organisers only.")
    decided_by = UserRef(allow_null=True)


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class ConsentOut(serializers.Serializer):
    id = serializers.IntegerField()
    resident = UserRef()
    organiser = UserRef()
    community = CommunityRef()
    method = serializers.CharField()
    method_display = serializers.CharField(source="get_method_display")
    scope = serializers.CharField()
    given_at = serializers.DateTimeField()
    note = serializers.CharField()


class CredentialsIn(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class SignInThrottle(SimpleRateThrottle):
    """Slows password guessing: a few attempts per minute for one name from one address. Keyed
    on the name too, so neighbours behind one community router do not lock each other out."""

    scope = "sign_in"
    rate = "10/min"

    def get_cache_key(self, request, view):
        username = str(request.data.get("username", "")).strip().lower()[:150] if hasattr(request, "data") else ""
        return self.cache_format % {"scope": self.scope, "ident": f"{self.get_ident(request)}:{username}"}


def _paginated(request, view, queryset, out):
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(out(page, many=True, context={"request": request}).data)


# --- Registration and sign-in ----------------------------------------------------------------------


class RegisterApi(APIView):
    """Create an account. It does not sign in: follow with /api/auth/login/ or /api/auth/token/."""

    permission_classes = [AllowAny]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
        display_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
        phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
        preferred_language = serializers.ChoiceField(choices=User.Language.choices, default=User.Language.ZH_HANS)

    @extend_schema(
        operation_id="auth_register", request=InputSerializer, responses={201: MeOut, **error_responses(400, 409)}
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(MeOut(user).data, status=status.HTTP_201_CREATED)


class CsrfApi(APIView):
    """Set the CSRF cookie and return its value, for browser scripts before a session login."""

    permission_classes = [AllowAny]

    class OutputSerializer(serializers.Serializer):
        csrf_token = serializers.CharField(help_text="Send it back in the X-CSRFToken header.")

    @extend_schema(operation_id="auth_csrf", responses={200: OutputSerializer})
    def get(self, request):
        return Response({"csrf_token": get_token(request)})


@method_decorator(csrf_protect, name="dispatch")
class LoginApi(APIView):
    """Sign in with a session cookie (browsers). Needs the CSRF token like any form post."""

    permission_classes = [AllowAny]
    throttle_classes = [SignInThrottle]

    @extend_schema(
        operation_id="auth_login", request=CredentialsIn, responses={200: MeOut, **error_responses(400, 403, 429)}
    )
    def post(self, request):
        data = CredentialsIn(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_authenticate(request=request, **data.validated_data)
        login(request, user)
        return Response(MeOut(user).data)


class LogoutApi(APIView):
    """Sign out: ends the session, and revokes the API token when called with one."""

    permission_classes = [IsAuthenticated]
    password_change_exempt = True

    @extend_schema(operation_id="auth_logout", request=None, responses={204: None, **error_responses(401)})
    def post(self, request):
        if request.auth is not None:  # token authentication
            services.token_revoke(user=request.user)
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenApi(APIView):
    """Exchange a username and password for an API token (`Authorization: Token <key>`)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []  # a token request carries credentials, never a session
    throttle_classes = [SignInThrottle]

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        user = MeOut()

    @extend_schema(
        operation_id="auth_token", request=CredentialsIn, responses={200: OutputSerializer, **error_responses(400, 429)}
    )
    def post(self, request):
        data = CredentialsIn(data=request.data)
        data.is_valid(raise_exception=True)
        token = services.token_obtain(request=request, **data.validated_data)
        return Response({"token": token.key, "user": MeOut(token.user).data})


# --- Me ---------------------------------------------------------------------------------------------


class MeApi(APIView):
    """The signed-in person: profile, roles and unread count. PATCH changes the profile."""

    permission_classes = [IsAuthenticated]
    password_change_exempt = True  # `must_change_password` tells a client what to do next

    class InputSerializer(serializers.Serializer):
        display_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
        phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
        email = serializers.EmailField(required=False, allow_blank=True)
        preferred_language = serializers.ChoiceField(choices=User.Language.choices, required=False)

    @extend_schema(operation_id="me_retrieve", responses={200: MeOut, **error_responses(401)})
    def get(self, request):
        return Response(MeOut(request.user).data)

    @extend_schema(
        operation_id="me_update", request=InputSerializer, responses={200: MeOut, **error_responses(400, 401, 403)}
    )
    def patch(self, request):
        if request.user.must_change_password:
            raise PermissionDenied(_("请先设置新密码。"), code="password_change_required")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, **data.validated_data)
        return Response(MeOut(user).data)


class MePasswordApi(APIView):
    """Change one's password. The old password is needed, except right after signing in with a
    temporary one (`must_change_password`). API tokens are revoked, so a token client signs in
    again; other sessions end."""

    permission_classes = [IsAuthenticated]
    password_change_exempt = True

    class InputSerializer(serializers.Serializer):
        old_password = serializers.CharField(
            max_length=128, required=False, allow_blank=True, default="", trim_whitespace=False
        )
        new_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})

    @extend_schema(
        operation_id="me_password_change", request=InputSerializer, responses={204: None, **error_responses(400, 401)}
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_password_change(user=request.user, **data.validated_data)
        if request.auth is None:  # a browser session stays signed in on this device
            update_session_auth_hash(request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyMembershipsApi(APIView):
    """The communities the signed-in person belongs to or asked to join, with the decision."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_memberships_list", responses={200: MembershipOut(many=True), **error_responses(401)}
    )
    def get(self, request):
        memberships = selectors.memberships_of(user=request.user).order_by("-created_at")
        return Response(MembershipOut(memberships, many=True).data)


class NotificationListApi(APIView):
    """The signed-in person's notifications, newest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_notifications_list",
        parameters=[OpenApiParameter("unread", bool, description="Only unread notifications.")],
        responses={200: NotificationOut(many=True), **error_responses(401)},
    )
    def get(self, request):
        unread = request.query_params.get("unread", "").lower() in {"1", "true", "yes"}
        qs = selectors.notifications_of(user=request.user, unread_only=unread)
        return _paginated(request, self, qs, NotificationOut)


class NotificationMarkReadApi(APIView):
    """Mark notifications read: the given ids, or all of them when `ids` is left out. Ids of
    other people's notifications are ignored."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=500)

    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()
        unread = serializers.IntegerField()

    @extend_schema(
        operation_id="me_notifications_mark_read",
        request=InputSerializer,
        responses={200: OutputSerializer, **error_responses(400, 401)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(user=request.user, ids=data.validated_data.get("ids"))
        return Response({"marked": marked, "unread": selectors.unread_notification_count(user=request.user)})


# --- Joining a community ------------------------------------------------------------------------------


class CommunityJoinApi(APIView):
    """Ask to join a community (加入社区). An organiser of it verifies or rejects the request."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        message = serializers.CharField(
            max_length=300, required=False, allow_blank=True, default="", help_text="e.g. 我住在3幢2单元"
        )

    @extend_schema(
        operation_id="communities_join",
        request=InputSerializer,
        responses={201: MembershipOut, **error_responses(400, 401, 404, 409)},
    )
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        community = community_get(community_id=pk)
        membership = services.membership_request(
            user=request.user, community=community, message=data.validated_data["message"]
        )
        return Response(MembershipOut(membership).data, status=status.HTTP_201_CREATED)


class CommunityMembersApi(APIView):
    """Verified members of a community: for its organisers and the station social workers who
    serve it (e.g. to find the resident id for a consent record)."""

    permission_classes = [IsAuthenticated]

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="user.id")
        name = serializers.CharField(source="user.name")
        username = serializers.CharField(source="user.username")
        role = serializers.CharField()
        since = serializers.DateTimeField(source="decided_at", allow_null=True)

    @extend_schema(
        operation_id="communities_members_list",
        responses={200: OutputSerializer(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request, pk: int):
        community = community_get(community_id=pk)
        members = selectors.community_members(user=request.user, community=community)
        return _paginated(request, self, members, self.OutputSerializer)


# --- Organisers ---------------------------------------------------------------------------------------------


class JoinRequestListApi(APIView):
    """Join requests of the communities the caller organises (pending by default)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="organiser_join_requests_list",
        parameters=[
            OpenApiParameter("community", int, description="Only this community (one you organise)."),
            OpenApiParameter("status", str, enum=CommunityMembership.Status.values, description="Default: pending."),
        ],
        responses={200: JoinRequestOut(many=True), **error_responses(400, 401, 403, 404)},
    )
    def get(self, request):
        status_ = request.query_params.get("status") or CommunityMembership.Status.PENDING
        if status_ not in CommunityMembership.Status.values:
            raise ApplicationError(_("未知的申请状态。"), fields={"status": [_("未知的申请状态。")]})
        community = None
        if request.query_params.get("community"):
            community = community_get(community_id=request.query_params["community"])
        qs = selectors.membership_queue(user=request.user, community=community, status=status_)
        return _paginated(request, self, qs, JoinRequestOut)


class JoinRequestVerifyApi(APIView):
    """Verify a join request: the person becomes a verified resident and is notified."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="organiser_join_requests_verify",
        request=None,
        responses={200: JoinRequestOut, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        membership = services.membership_verify(actor=request.user, membership_id=pk)
        return Response(JoinRequestOut(membership).data)


class JoinRequestRejectApi(APIView):
    """Reject a join request with a reason the person will read."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    @extend_schema(
        operation_id="organiser_join_requests_reject",
        request=InputSerializer,
        responses={200: JoinRequestOut, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.membership_reject(actor=request.user, membership_id=pk, **data.validated_data)
        return Response(JoinRequestOut(membership).data)


class ConsentApi(APIView):
    """Assisted-participation consents (代为参与同意) in the caller's communities: list or record one."""

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        resident = serializers.IntegerField(help_text="The resident's user id.")
        community = serializers.IntegerField()
        method = serializers.ChoiceField(choices=AssistanceConsent.Method.choices)
        scope = serializers.CharField(max_length=200, help_text="What the organiser may do, e.g. 为某次投票代为投票")
        given_at = serializers.DateTimeField(required=False, help_text="When consent was given; default now.")
        note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema(
        operation_id="organiser_consents_list",
        parameters=[OpenApiParameter("community", int, description="Only this community (one you organise).")],
        responses={200: ConsentOut(many=True), **error_responses(401, 403, 404)},
    )
    def get(self, request):
        community = None
        if request.query_params.get("community"):
            community = community_get(community_id=request.query_params["community"])
        return _paginated(request, self, selectors.consent_list(user=request.user, community=community), ConsentOut)

    @extend_schema(
        operation_id="organiser_consents_create",
        request=InputSerializer,
        responses={201: ConsentOut, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        community = community_get(community_id=v.pop("community"))
        # Permission before looking the resident up, so an outsider learns nothing about ids.
        permissions.require(
            request.user, "consent.record", community, _("只有该社区的社区工作者或服务它的社工站社工可以登记代为参与。")
        )
        resident = selectors.user_get(user_id=v.pop("resident"))
        consent = services.consent_record(organiser=request.user, resident=resident, community=community, **v)
        return Response(ConsentOut(consent).data, status=status.HTTP_201_CREATED)


class MemberPasswordResetApi(APIView):
    """代为重设密码: give a resident without e-mail a temporary password, to read out to them.

    For an organiser of a community the resident is a verified member of, or a social worker of a
    station serving it; not for people who hold an office. The answer is the only place the
    temporary password appears. It works for one sign-in within 24 hours; the resident's other
    sessions and API tokens end, and they are notified.
    """

    permission_classes = [IsAuthenticated]

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(
            max_length=300, required=False, allow_blank=True, default="", help_text="e.g. 本人到社区办公室办理"
        )

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(help_text="The record of this reset.")
        user = UserRef()
        community = CommunityRef()
        temporary_password = serializers.CharField(help_text="Shown once; never stored in clear.")
        expires_at = serializers.DateTimeField()
        created_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="organiser_members_password_reset",
        request=InputSerializer,
        responses={201: OutputSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        resident = selectors.user_get(user_id=pk)
        record, password = services.password_temporary_issue(
            actor=request.user, resident=resident, note=data.validated_data["note"]
        )
        out = {
            "id": record.pk,
            "user": record.user,
            "community": record.community,
            "temporary_password": password,
            "expires_at": record.user.temporary_password_expires_at,
            "created_at": record.created_at,
        }
        return Response(self.OutputSerializer(out).data, status=status.HTTP_201_CREATED)
