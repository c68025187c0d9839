from django.urls import path

from . import apis

urlpatterns = [
    path("districts/", apis.DistrictListApi.as_view(), name="api-districts"),
    path("townships/", apis.TownshipListApi.as_view(), name="api-townships"),
    path("communities/", apis.CommunityListApi.as_view(), name="api-communities"),
    path("communities/<int:pk>/", apis.CommunityDetailApi.as_view(), name="api-community"),
    path("stations/", apis.StationListApi.as_view(), name="api-stations"),
    path("stations/<int:pk>/", apis.StationDetailApi.as_view(), name="api-station"),
    path("organisations/", apis.OrganisationListApi.as_view(), name="api-organisations"),
    path("organisations/<int:pk>/", apis.OrganisationDetailApi.as_view(), name="api-organisation"),
    path("funds/", apis.FundListApi.as_view(), name="api-funds"),
    path("funds/<int:pk>/", apis.FundDetailApi.as_view(), name="api-fund"),
    path("volunteer-teams/", apis.VolunteerTeamListApi.as_view(), name="api-volunteer-teams"),
    path("volunteer-teams/<int:pk>/", apis.VolunteerTeamDetailApi.as_view(), name="api-volunteer-team"),
    path("me/volunteer-profile/", apis.VolunteerProfileApi.as_view(), name="api-me-volunteer-profile"),
]
