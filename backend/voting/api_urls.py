from django.urls import path

from . import apis

urlpatterns = [
    path("ballots/", apis.BallotListApi.as_view(), name="api-ballot-list"),
    path("ballots/<int:ballot_id>/", apis.BallotDetailApi.as_view(), name="api-ballot-detail"),
    path("ballots/<int:ballot_id>/publish/", apis.BallotPublishApi.as_view(), name="api-ballot-publish"),
    path("ballots/<int:ballot_id>/votes/", apis.VoteApi.as_view(), name="api-ballot-vote"),
    path("ballots/<int:ballot_id>/assisted-votes/", apis.AssistedVoteApi.as_view(), name="api-ballot-vote-assisted"),
    path("ballots/<int:ballot_id>/turnout/", apis.TurnoutApi.as_view(), name="api-ballot-turnout"),
    path("ballots/<int:ballot_id>/result/", apis.ResultApi.as_view(), name="api-ballot-result"),
    path("ballots/<int:ballot_id>/papers/", apis.ReceiptListApi.as_view(), name="api-ballot-papers"),
    path("ballots/<int:ballot_id>/receipt-check/", apis.ReceiptCheckApi.as_view(), name="api-ballot-receipt-check"),
]
