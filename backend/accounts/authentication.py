"""API authentication that knows about forced password changes.

A person who signed in with a temporary password (代为重设密码) must choose their own before
anything else. Pages get a redirect from `accounts.middleware.PasswordChangeRequiredMiddleware`;
the API answers 403 with code `password_change_required`, except on the views marked
`password_change_exempt` (setting the password, signing out, reading "me").
"""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular import authentication as spectacular_auth
from rest_framework import authentication

from core.errors import PermissionDenied


def _refuse_until_password_changed(request: Any, result: Any) -> Any:
    if result is None:
        return None
    user = result[0]
    if not getattr(user, "must_change_password", False):
        return result
    match = getattr(request._request, "resolver_match", None)
    view_class = getattr(getattr(match, "func", None), "view_class", None)
    if getattr(view_class, "password_change_exempt", False):
        return result
    raise PermissionDenied(
        _("您正在使用临时密码，请先设置新密码（POST /api/me/password/）。"), code="password_change_required"
    )


class SessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request):
        return _refuse_until_password_changed(request, super().authenticate(request))


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate(self, request):
        return _refuse_until_password_changed(request, super().authenticate(request))


class SessionScheme(spectacular_auth.SessionScheme):
    """Documents the session cookie for the class above (drf-spectacular matches it by name)."""

    target_class = "accounts.authentication.SessionAuthentication"
