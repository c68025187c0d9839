from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/new/", views.campaign_create, name="create"),
    path("campaigns/my-pledges/", views.my_pledges, name="my_pledges"),
    path("campaigns/dashboard/", views.dashboard, name="dashboard"),
    path("campaigns/dashboard/pledges.csv", views.dashboard_csv, name="dashboard_csv"),
    path("campaigns/<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("campaigns/<int:campaign_id>/needs/", views.campaign_needs, name="needs"),
    path("campaigns/<int:campaign_id>/roster/", views.roster, name="roster"),
    path("campaigns/<int:campaign_id>/transition/", views.campaign_transition, name="transition"),
    path("campaigns/<int:campaign_id>/follow/", views.campaign_follow, name="follow"),
    path("campaigns/<int:campaign_id>/updates/", views.progress_update, name="update"),
    path("campaigns/needs/<int:need_id>/pledge/", views.pledge_create, name="pledge"),
    path("campaigns/pledges/<int:pledge_id>/cancel/", views.pledge_cancel, name="pledge_cancel"),
    path("campaigns/pledges/<int:pledge_id>/endorse/", views.idea_endorse, name="endorse"),
]
