from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("language/", views.language, name="language"),
    path("me/", views.me, name="me"),
    path("me/password/", views.ChangePasswordView.as_view(), name="password_change"),
    path("me/password/new/", views.RequiredPasswordView.as_view(), name="password_required"),
    path("password-reset/", views.ResetRequestView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.ResetSentView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.ResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", views.ResetCompleteView.as_view(), name="password_reset_complete"),
    path("me/notifications/read/", views.notifications_read, name="notifications_read"),
    path("organiser/join-requests/", views.join_queue, name="join_queue"),
    path("organiser/join-requests/<int:membership_id>/decide/", views.join_decide, name="join_decide"),
    path("organiser/consents/", views.consents, name="consents"),
    path("organiser/members/<int:user_id>/password-reset/", views.member_password_reset, name="member_password_reset"),
]
