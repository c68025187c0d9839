from django.conf import settings


def platform(request) -> dict:
    """Values every page needs: the large-text preference and the nav's role flags."""
    roles = {}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from accounts.selectors import user_role_summary

        roles = user_role_summary(user=user)
    return {
        "large_text": request.COOKIES.get("large_text") == "1",
        "roles": roles,
        "DEBUG": settings.DEBUG,
    }
