from django.urls import path

from . import apis

urlpatterns = [
    path("funding/pledges/", apis.OnlinePledgeCreateApi.as_view(), name="funding-api-pledge-create"),
    path("funding/payments/<int:payment_id>/", apis.PaymentDetailApi.as_view(), name="funding-api-payment"),
    path("funding/payments/<int:payment_id>/card/", apis.PaymentCardUpdateApi.as_view(), name="funding-api-card"),
    path("funding/payments/<int:payment_id>/withdraw/", apis.PaymentWithdrawApi.as_view(), name="funding-api-withdraw"),
    path("funding/payments/<int:payment_id>/refunds/", apis.RefundCreateApi.as_view(), name="funding-api-refund"),
    path("funding/webhooks/stripe/", apis.StripeWebhookApi.as_view(), name="funding-api-stripe-webhook"),
    path("funding/campaigns/<int:campaign_id>/money/", apis.CampaignMoneyApi.as_view(), name="funding-api-money"),
    path("funding/campaigns/<int:campaign_id>/ledger/", apis.CampaignLedgerApi.as_view(), name="funding-api-ledger"),
    path("funding/funds/<int:fund_id>/ledger/", apis.FundLedgerApi.as_view(), name="funding-api-fund-ledger"),
    path("funding/ledger/verify/", apis.LedgerVerifyApi.as_view(), name="funding-api-ledger-verify"),
    path("funding/pools/", apis.PoolListApi.as_view(), name="funding-api-pools"),
    path("funding/pools/<int:pool_id>/", apis.PoolDetailApi.as_view(), name="funding-api-pool"),
    path("funding/pools/<int:pool_id>/top-ups/", apis.PoolTopUpApi.as_view(), name="funding-api-pool-top-up"),
    path("funding/pools/<int:pool_id>/pause/", apis.PoolPauseApi.as_view(), name="funding-api-pool-pause"),
    path("funding/pools/<int:pool_id>/resume/", apis.PoolResumeApi.as_view(), name="funding-api-pool-resume"),
    path("funding/pools/<int:pool_id>/approvals/", apis.PoolApprovalCreateApi.as_view(), name="funding-api-approve"),
    path(
        "funding/pools/<int:pool_id>/approvals/<int:campaign_id>/",
        apis.PoolApprovalRevokeApi.as_view(),
        name="funding-api-revoke",
    ),
]
