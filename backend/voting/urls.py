from django.urls import path

from . import views

app_name = "voting"

urlpatterns = [
    path("ballots/", views.ballot_list, name="list"),
    path("ballots/new/", views.ballot_create, name="create"),
    path("ballots/<int:ballot_id>/", views.ballot_detail, name="detail"),
    path("ballots/<int:ballot_id>/edit/", views.ballot_edit, name="edit"),
    path("ballots/<int:ballot_id>/vote/", views.ballot_vote, name="vote"),
    path("ballots/<int:ballot_id>/assist/", views.ballot_assist, name="assist"),
    path("ballots/<int:ballot_id>/results/", views.ballot_results, name="results"),
    path("ballots/<int:ballot_id>/receipts/", views.ballot_receipts, name="receipts"),
    path("ballots/<int:ballot_id>/publish/", views.ballot_publish, name="publish"),
]
