"""Read API of the 五社 partner network. Everyone may read it; partners are edited in Django
admin. Lists are paginated and filterable (see filters.py)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import roles_of
from core.api import error_responses
from core.errors import NotFound

from . import filters, selectors, services


class Ref(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DistrictOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    township_count = serializers.IntegerField()


class TownshipOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    district = Ref()
    community_count = serializers.IntegerField()


class CommunityOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")
    address = serializers.CharField()
    township = Ref()
    district = Ref(source="township.district")
    member_count = serializers.IntegerField(help_text="Verified residents and organisers.")
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return f"/communities/{obj.pk}/"


class MyMembershipOut(serializers.Serializer):
    role = serializers.ChoiceField(choices=["resident", "organiser"])
    status = serializers.ChoiceField(choices=["pending", "verified"])


class CommunityDetailOut(CommunityOut):
    description = serializers.CharField()
    stations = Ref(many=True)
    volunteer_teams = Ref(many=True)
    my_membership = serializers.SerializerMethodField(
        help_text="The caller's place in this community, or null when signed out or not a member."
    )

    @extend_schema_field(MyMembershipOut(allow_null=True))
    def get_my_membership(self, obj) -> dict | None:
        user = self.context["request"].user
        if not user.is_authenticated:
            return None
        r = roles_of(user)
        if obj.pk in r.verified_communities:
            role = "organiser" if obj.pk in r.organiser_communities else "resident"
            return {"role": role, "status": "verified"}
        if obj.pk in r.pending_communities:
            return {"role": "resident", "status": "pending"}
        return None


class StationOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    township = Ref()
    district = Ref(source="township.district")
    communities = Ref(many=True)


class OrganisationOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    focus = serializers.CharField()
    district = Ref()


class DonorOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_display = serializers.CharField(source="get_kind_display")


class FundOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    foundation = serializers.CharField()
    description = serializers.CharField()
    donors = DonorOut(many=True)


class VolunteerTeamOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    community = Ref(allow_null=True)
    member_count = serializers.IntegerField()


def _list(name, out, queryset_fn, filterset, description):
    """A paginated, filterable, public list endpoint built on a selector."""

    @extend_schema_view(
        get=extend_schema(
            operation_id=f"{name}_list",
            description=description,
            responses={200: out(many=True), **error_responses(400)},
        )
    )
    class ListApi(generics.ListAPIView):
        permission_classes = [AllowAny]
        serializer_class = out
        filterset_class = filterset

        def get_queryset(self):
            return queryset_fn()

    ListApi.__name__ = ListApi.__qualname__ = f"{name.title().replace('_', '')}ListApi"
    return ListApi


def _detail(name, out, get_fn, kwarg, description):
    """A public detail endpoint; an unknown id answers 404 with a readable message."""

    class DetailApi(APIView):
        permission_classes = [AllowAny]

        @extend_schema(
            operation_id=f"{name}_retrieve",
            description=description,
            responses={200: out, **error_responses(404)},
        )
        def get(self, request, pk: int):
            obj = get_fn(**{kwarg: pk})
            return Response(out(obj, context={"request": request}).data)

    DetailApi.__name__ = DetailApi.__qualname__ = f"{name.title().replace('_', '')}DetailApi"
    return DetailApi


DistrictListApi = _list("districts", DistrictOut, selectors.district_list, None, "行政区 — districts / counties.")
TownshipListApi = _list(
    "townships", TownshipOut, selectors.township_list, filters.TownshipFilter, "乡镇街道 — filter by district."
)
CommunityListApi = _list(
    "communities",
    CommunityOut,
    selectors.community_list,
    filters.CommunityFilter,
    "社区 / 村 with their verified member count; filter by township, district, kind or name.",
)
CommunityDetailApi = _detail(
    "communities",
    CommunityDetailOut,
    selectors.community_get,
    "community_id",
    "One community with the stations and volunteer teams serving it and the caller's membership.",
)
StationListApi = _list(
    "stations",
    StationOut,
    selectors.station_list,
    filters.StationFilter,
    "社会工作站 — filter by township, district or a community served.",
)
StationDetailApi = _detail("stations", StationOut, selectors.station_get, "station_id", "One social-work station.")
OrganisationListApi = _list(
    "organisations",
    OrganisationOut,
    selectors.organisation_list,
    filters.OrganisationFilter,
    "社会组织 — filter by district or name.",
)
OrganisationDetailApi = _detail(
    "organisations", OrganisationOut, selectors.organisation_get, "organisation_id", "One social organisation."
)
FundListApi = _list(
    "funds", FundOut, selectors.fund_list, filters.FundFilter, "慈善基金 with their named donors; search by name."
)
FundDetailApi = _detail("funds", FundOut, selectors.fund_get, "fund_id", "One charity fund with its donors.")
VolunteerTeamListApi = _list(
    "volunteer_teams",
    VolunteerTeamOut,
    selectors.volunteer_team_list,
    filters.VolunteerTeamFilter,
    "志愿者队伍 — filter by community or township.",
)
VolunteerTeamDetailApi = _detail(
    "volunteer_teams", VolunteerTeamOut, selectors.volunteer_team_get, "team_id", "One volunteer team."
)


class VolunteerProfileIn(serializers.Serializer):
    skills = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Comma-separated, e.g. 园艺, 电工"
    )
    availability = serializers.CharField(required=False, allow_blank=True, max_length=200)
    team = serializers.IntegerField(required=False, allow_null=True, help_text="Volunteer team id, or null.")
    is_public = serializers.BooleanField(required=False, default=True)


class VolunteerProfileOut(serializers.Serializer):
    skills = serializers.CharField()
    skill_list = serializers.ListField(child=serializers.CharField())
    availability = serializers.CharField()
    team = Ref(allow_null=True)
    is_public = serializers.BooleanField()


class VolunteerProfileApi(APIView):
    """The caller's own volunteer profile (志愿者档案): skills, free time, team."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="me_volunteer_profile_retrieve", responses={200: VolunteerProfileOut, **error_responses(401, 404)}
    )
    def get(self, request):
        profile = selectors.volunteer_profile_of(user=request.user)
        if profile is None:
            raise NotFound(_("您还没有志愿者档案。"))
        return Response(VolunteerProfileOut(profile).data)

    @extend_schema(
        operation_id="me_volunteer_profile_update",
        request=VolunteerProfileIn,
        responses={200: VolunteerProfileOut, **error_responses(400, 401, 403, 404)},
    )
    def put(self, request):
        data = VolunteerProfileIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        profile = services.volunteer_profile_save(
            user=request.user,
            skills=v.get("skills", ""),
            availability=v.get("availability", ""),
            team_id=v.get("team"),
            is_public=v.get("is_public", True),
        )
        return Response(VolunteerProfileOut(profile).data)
