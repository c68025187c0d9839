from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("review/", views.queue, name="queue"),
    path("review/applications/<int:application_id>/", views.application, name="application"),
    path("review/applications/<int:application_id>/items/new/", views.item_new, name="item_new"),
    path("review/items/<int:item_id>/", views.item, name="item"),
    path("review/receipts/<int:receipt_id>/", views.receipt, name="receipt"),
    path("review/funds/<int:fund_id>/", views.overview, name="overview"),
    path("review/funds/<int:fund_id>/audit.csv", views.audit_csv, name="audit_csv"),
    path("review/funds/<int:fund_id>/calls/new/", views.call_new, name="call_new"),
    path("review/funds/<int:fund_id>/policy/", views.policy_edit, name="policy"),
    path("review/calls/<int:call_id>/", views.call_edit, name="call"),
    path("review/campaigns/", views.my_campaigns, name="campaigns"),
    path("review/campaigns/<int:campaign_id>/", views.campaign_funding, name="campaign"),
    path("review/campaigns/<int:campaign_id>/apply/<int:call_id>/", views.apply, name="apply"),
    path("campaigns/<int:campaign_id>/accountability/", views.accountability, name="accountability"),
    path("campaigns/<int:campaign_id>/report.pdf", views.report_download, {"fmt": "pdf"}, name="report_pdf"),
    path("campaigns/<int:campaign_id>/report.csv", views.report_download, {"fmt": "csv"}, name="report_csv"),
]
