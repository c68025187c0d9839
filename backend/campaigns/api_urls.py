from django.urls import path

from . import apis

urlpatterns = [
    # First: pledging takes the surges (matching days), and routes are tried in order.
    path("needs/<int:need_id>/pledges/", apis.PledgeCreateApi.as_view(), name="campaigns-api-pledge-create"),
    path("campaigns/", apis.CampaignListApi.as_view(), name="campaigns-api-list"),
    path("campaigns/<int:campaign_id>/", apis.CampaignDetailApi.as_view(), name="campaigns-api-detail"),
    path(
        "campaigns/<int:campaign_id>/transition/", apis.CampaignTransitionApi.as_view(), name="campaigns-api-transition"
    ),
    path("campaigns/<int:campaign_id>/progress/", apis.CampaignProgressApi.as_view(), name="campaigns-api-progress"),
    path("campaigns/<int:campaign_id>/follow/", apis.CampaignFollowApi.as_view(), name="campaigns-api-follow"),
    path("campaigns/<int:campaign_id>/updates/", apis.ProgressUpdateCreateApi.as_view(), name="campaigns-api-updates"),
    path("campaigns/<int:campaign_id>/ballot/", apis.CampaignBallotApi.as_view(), name="campaigns-api-ballot"),
    path("campaigns/<int:campaign_id>/roster/", apis.CampaignRosterApi.as_view(), name="campaigns-api-roster"),
    path("campaigns/<int:campaign_id>/needs/", apis.NeedCreateApi.as_view(), name="campaigns-api-need-create"),
    path("needs/<int:need_id>/", apis.NeedDetailApi.as_view(), name="campaigns-api-need"),
    path("needs/<int:need_id>/shifts/", apis.ShiftCreateApi.as_view(), name="campaigns-api-shift-create"),
    path("needs/<int:need_id>/offline-money/", apis.OfflineMoneyApi.as_view(), name="campaigns-api-offline-money"),
    path("pledges/mine/", apis.MyPledgesApi.as_view(), name="campaigns-api-my-pledges"),
    path("pledges/managed/", apis.ManagedPledgesApi.as_view(), name="campaigns-api-managed-pledges"),
    path("pledges/bulk/", apis.PledgeBulkApi.as_view(), name="campaigns-api-pledge-bulk"),
    path("pledges/<int:pledge_id>/cancel/", apis.PledgeCancelApi.as_view(), name="campaigns-api-pledge-cancel"),
    path("pledges/<int:pledge_id>/confirm/", apis.PledgeConfirmApi.as_view(), name="campaigns-api-pledge-confirm"),
    path("pledges/<int:pledge_id>/reject/", apis.PledgeRejectApi.as_view(), name="campaigns-api-pledge-reject"),
    path("pledges/<int:pledge_id>/fulfil/", apis.PledgeFulfilApi.as_view(), name="campaigns-api-pledge-fulfil"),
    path("pledges/<int:pledge_id>/sign/", apis.PledgeSignApi.as_view(), name="campaigns-api-pledge-sign"),
    path("pledges/<int:pledge_id>/endorse/", apis.IdeaEndorseApi.as_view(), name="campaigns-api-idea-endorse"),
]
