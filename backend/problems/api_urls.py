from django.urls import path

from . import apis

urlpatterns = [
    path("problems/", apis.ProblemListCreateApi.as_view(), name="problems-list"),
    path("problems/moderation/", apis.ModerationQueueApi.as_view(), name="problems-moderation"),
    path("problems/awaiting-decision/", apis.AwaitingDecisionApi.as_view(), name="problems-awaiting-decision"),
    path("problems/<int:problem_id>/", apis.ProblemDetailApi.as_view(), name="problems-detail"),
    path("problems/<int:problem_id>/status/", apis.ProblemStatusApi.as_view(), name="problems-status"),
    path("problems/<int:problem_id>/endorsement/", apis.ProblemEndorseApi.as_view(), name="problems-endorse"),
    path("problems/<int:problem_id>/follow/", apis.ProblemFollowApi.as_view(), name="problems-follow"),
    path("problems/<int:problem_id>/comments/", apis.CommentListCreateApi.as_view(), name="problems-comments"),
    path("problem-comments/<int:comment_id>/", apis.CommentApi.as_view(), name="problems-comment"),
    path("problem-comments/<int:comment_id>/report/", apis.CommentReportApi.as_view(), name="problems-comment-report"),
    path("problem-comments/<int:comment_id>/hide/", apis.CommentHideApi.as_view(), name="problems-comment-hide"),
    path(
        "problem-comments/<int:comment_id>/dismiss-reports/",
        apis.CommentDismissReportsApi.as_view(),
        name="problems-comment-dismiss",
    ),
    path(
        "communities/<int:community_id>/problem-settings/",
        apis.CommunitySettingsApi.as_view(),
        name="problems-settings",
    ),
    path("communities/<int:community_id>/problem-tags/", apis.CommunityTagsApi.as_view(), name="problems-tags"),
    path(
        "communities/<int:community_id>/problem-ballots/",
        apis.CommunityBallotApi.as_view(),
        name="problems-ballots",
    ),
]
