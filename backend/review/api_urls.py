from django.urls import path

from . import apis

urlpatterns = [
    path("review/calls/", apis.CallListApi.as_view(), name="review-calls"),
    path("review/calls/<int:call_id>/", apis.CallDetailApi.as_view(), name="review-call"),
    path("review/calls/<int:call_id>/close/", apis.CallCloseApi.as_view(), name="review-call-close"),
    path("review/funds/<int:fund_id>/policy/", apis.FundPolicyApi.as_view(), name="review-policy"),
    path("review/funds/<int:fund_id>/queue/", apis.QueueApi.as_view(), name="review-queue"),
    path("review/funds/<int:fund_id>/audit/", apis.AuditApi.as_view(), name="review-audit"),
    path("review/funds/<int:fund_id>/overview/", apis.OverviewApi.as_view(), name="review-overview"),
    path("review/applications/", apis.ApplicationCreateApi.as_view(), name="review-applications"),
    path("review/applications/<int:application_id>/", apis.ApplicationDetailApi.as_view(), name="review-application"),
    path(
        "review/applications/<int:application_id>/decision/",
        apis.ApplicationDecisionApi.as_view(),
        name="review-application-decision",
    ),
    path("review/items/", apis.ItemCreateApi.as_view(), name="review-items"),
    path("review/items/<int:item_id>/", apis.ItemDetailApi.as_view(), name="review-item"),
    path("review/items/<int:item_id>/decision/", apis.ItemDecisionApi.as_view(), name="review-item-decision"),
    path("review/items/<int:item_id>/disbursement/", apis.ItemDisbursementApi.as_view(), name="review-item-disburse"),
    path("review/receipts/<int:receipt_id>/", apis.ReceiptFileApi.as_view(), name="review-receipt"),
    path("review/campaigns/<int:campaign_id>/milestones/", apis.MilestoneCreateApi.as_view(), name="review-milestones"),
    path(
        "review/milestones/<int:milestone_id>/updates/",
        apis.MilestoneReportApi.as_view(),
        name="review-milestone-report",
    ),
    path(
        "review/campaigns/<int:campaign_id>/accountability/",
        apis.AccountabilityApi.as_view(),
        name="review-accountability",
    ),
]
