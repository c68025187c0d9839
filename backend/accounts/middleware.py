from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in person's saved language applies when the browser has not chosen one yet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.preferred_language
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """Sends a person who signed in with a temporary password to choose their own before any
    other page. The API is held back by `accounts.authentication` instead (it answers 403)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password and not _exempt(request.path):
            return redirect_to_login(request.get_full_path(), reverse("accounts:password_required"), "next")
        return self.get_response(request)


def _exempt(path: str) -> bool:
    allowed = (
        reverse("accounts:password_required"),
        reverse("accounts:logout"),
        reverse("accounts:language"),
        "/api/",
        "/i18n/",
        "/jsi18n/",
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}",
    )
    return path.startswith(allowed)
