from django.urls import path

from . import views

app_name = "funding"

urlpatterns = [
    path("funding/campaigns/<int:campaign_id>/give/", views.give, name="give"),
    path("funding/campaigns/<int:campaign_id>/money/", views.campaign_money, name="campaign_money"),
    path("funding/campaigns/<int:campaign_id>/money.csv", views.campaign_money_csv, name="campaign_money_csv"),
    path("funding/funds/<int:fund_id>/money/", views.fund_money, name="fund_money"),
    path("funding/funds/<int:fund_id>/money.csv", views.fund_money_csv, name="fund_money_csv"),
    path("funding/payments/<int:payment_id>/", views.payment_detail, name="payment"),
    path("funding/payments/<int:payment_id>/refund/", views.refund, name="refund"),
    path("funding/payments/<int:payment_id>/withdraw/", views.withdraw, name="withdraw"),
    path("funding/pledges/<int:pledge_id>/payment/", views.pledge_payment, name="pledge_payment"),
    path("funding/pools/", views.pools, name="pools"),
    path("funding/pools/new/", views.pool_create, name="pool_create"),
    path("funding/pools/<int:pool_id>/edit/", views.pool_edit, name="pool_edit"),
    path("funding/pools/<int:pool_id>/top-up/", views.pool_top_up, name="pool_top_up"),
    path("funding/pools/<int:pool_id>/pause/", views.pool_set_active, {"active": False}, name="pool_pause"),
    path("funding/pools/<int:pool_id>/resume/", views.pool_set_active, {"active": True}, name="pool_resume"),
    path("funding/pools/<int:pool_id>/approvals/<int:campaign_id>/revoke/", views.pool_revoke, name="pool_revoke"),
]
