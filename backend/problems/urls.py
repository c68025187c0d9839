from django.urls import path

from . import views

app_name = "problems"

urlpatterns = [
    path("problems/", views.problem_list, name="list"),
    path("problems/new/", views.problem_new, name="new"),
    path("problems/<int:problem_id>/", views.problem_detail, name="detail"),
    path("problems/<int:problem_id>/endorse/", views.problem_endorse, name="endorse"),
    path("problems/<int:problem_id>/follow/", views.problem_follow, name="follow"),
    path("problems/<int:problem_id>/status/", views.problem_move, name="move"),
    path("problems/<int:problem_id>/comments/", views.comment_create, name="comment_create"),
    path("problems/comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("problems/comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"),
    path("problems/comments/<int:comment_id>/report/", views.comment_report, name="comment_report"),
    path("problems/comments/<int:comment_id>/hide/", views.comment_hide, name="comment_hide"),
    path("problems/comments/<int:comment_id>/dismiss/", views.comment_dismiss, name="comment_dismiss"),
    path("communities/<int:community_id>/problems/", views.problem_list, name="community"),
    path("organiser/problems/", views.moderation, name="moderation"),
    path("organiser/problems/<int:community_id>/settings/", views.settings_update, name="settings"),
    path("organiser/problems/<int:community_id>/tags/", views.tag_create, name="tag_create"),
    path("organiser/problems/<int:community_id>/vote/", views.put_to_vote, name="vote"),
]
