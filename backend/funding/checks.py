"""System checks for the payment settings (`manage.py check`, run at startup by runserver)."""

from django.conf import settings
from django.core.checks import Error, register

LIVE_SECRET = ("sk_live_", "rk_live_")


@register()
def stripe_keys_check(app_configs=None, **kwargs) -> list[Error]:
    if not settings.STRIPE_SECRET_KEY.startswith(LIVE_SECRET):
        return []
    from .checkout import STRIPE_JS, stripe_js_url

    errors = []
    if not settings.STRIPE_PUBLISHABLE_KEY.startswith("pk_live_"):
        errors.append(
            Error(
                "STRIPE_PUBLISHABLE_KEY must be a live publishable key (pk_live_…) with a live STRIPE_SECRET_KEY.",
                hint="Set STRIPE_PUBLISHABLE_KEY from the Stripe dashboard; Stripe.js on the giving pages needs it.",
                id="funding.E001",
            )
        )
    if stripe_js_url() != STRIPE_JS:
        errors.append(
            Error(
                f"With a live STRIPE_SECRET_KEY the pages must load Stripe.js from {STRIPE_JS}.",
                hint="Leave STRIPE_JS_URL and STRIPE_API_BASE empty in production.",
                id="funding.E002",
            )
        )
    return errors
