from django.urls import path

from . import views

app_name = "network"

urlpatterns = [
    path("communities/<int:pk>/", views.community_detail, name="community"),
    path("communities/<int:pk>/join/", views.community_join, name="community_join"),
    path("network/", views.directory, name="directory"),
    path("network/stations/<int:pk>/", views.station_detail, name="station"),
    path("network/stations/workspace/", views.station_workspaces, name="station_workspaces"),
    path("network/stations/<int:pk>/workspace/", views.station_workspace, name="station_workspace"),
    path("network/organisations/<int:pk>/", views.organisation_detail, name="organisation"),
    path("network/funds/<int:pk>/", views.fund_detail, name="fund"),
    path("network/volunteer-teams/<int:pk>/", views.volunteer_team_detail, name="volunteer_team"),
    path("me/volunteer/", views.volunteer_profile, name="volunteer_profile"),
]
