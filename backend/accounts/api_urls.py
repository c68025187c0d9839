from django.urls import path

from . import apis

urlpatterns = [
    path("auth/register/", apis.RegisterApi.as_view(), name="api-register"),
    path("auth/csrf/", apis.CsrfApi.as_view(), name="api-csrf"),
    path("auth/login/", apis.LoginApi.as_view(), name="api-login"),
    path("auth/logout/", apis.LogoutApi.as_view(), name="api-logout"),
    path("auth/token/", apis.TokenApi.as_view(), name="api-token"),
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("me/password/", apis.MePasswordApi.as_view(), name="api-me-password"),
    path("me/memberships/", apis.MyMembershipsApi.as_view(), name="api-me-memberships"),
    path("me/notifications/", apis.NotificationListApi.as_view(), name="api-me-notifications"),
    path("me/notifications/mark-read/", apis.NotificationMarkReadApi.as_view(), name="api-me-notifications-read"),
    path("communities/<int:pk>/join/", apis.CommunityJoinApi.as_view(), name="api-community-join"),
    path("communities/<int:pk>/members/", apis.CommunityMembersApi.as_view(), name="api-community-members"),
    path("organiser/join-requests/", apis.JoinRequestListApi.as_view(), name="api-join-requests"),
    path(
        "organiser/join-requests/<int:pk>/verify/", apis.JoinRequestVerifyApi.as_view(), name="api-join-request-verify"
    ),
    path(
        "organiser/join-requests/<int:pk>/reject/", apis.JoinRequestRejectApi.as_view(), name="api-join-request-reject"
    ),
    path("organiser/consents/", apis.ConsentApi.as_view(), name="api-consents"),
    path(
        "organiser/members/<int:pk>/password-reset/",
        apis.MemberPasswordResetApi.as_view(),
        name="api-member-password-reset",
    ),
]
