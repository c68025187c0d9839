"""What the donor's browser needs to pay with Stripe.js, and the server's re-read afterwards.

The card goes from the browser to Stripe through Stripe.js; our pages receive only the id of the
PaymentMethod it made (`pm_…`). When the bank asks the donor to authenticate (3-D Secure, an
intent in `requires_action`), the page hands the intent's client secret to Stripe.js. Whatever
the browser reports, the payment moves only on Stripe's word: the webhook, or `payment_check`
asking Stripe directly.
"""

import logging
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import NotFound

from . import payments
from .gateway import GatewayError, get_gateway
from .models import Payment

logger = logging.getLogger(__name__)

STRIPE_JS = "https://js.stripe.com/v3/"


def stripe_js_url() -> str:
    """Stripe's own Stripe.js; outside production the local server's stand-in at the API base."""
    if settings.STRIPE_JS_URL:
        return settings.STRIPE_JS_URL
    if settings.STRIPE_API_BASE:
        return settings.STRIPE_API_BASE.rstrip("/") + "/js.stripe.com/v3/"
    return STRIPE_JS


def test_mode() -> bool:
    return settings.STRIPE_SECRET_KEY.startswith("sk_test_")


def browser_config(*, language: str) -> dict[str, Any]:
    """What give.js needs: the publishable key, the language for Stripe.js and our own wording of
    its errors (keyed by Stripe's error codes), so they read the same as the rest of the page."""
    return {
        "key": settings.STRIPE_PUBLISHABLE_KEY,
        "locale": "en" if language.startswith("en") else "zh",
        "messages": {
            "incomplete_number": _("请填写完整的卡号。"),
            "invalid_number": _("卡号不正确，请检查。"),
            "incorrect_number": _("卡号不正确，请检查。"),
            "incomplete_expiry": _("请填写完整的有效期。"),
            "invalid_expiry_month": _("有效期的月份不正确。"),
            "invalid_expiry_year": _("有效期的年份不正确。"),
            "invalid_expiry_year_past": _("这张卡已过期。"),
            "expired_card": _("这张卡已过期。"),
            "incomplete_cvc": _("请填写完整的安全码。"),
            "invalid_cvc": _("安全码不正确。"),
            "incorrect_cvc": _("安全码不正确。"),
            "card_declined": _("银行卡被拒绝，请换一张卡再试。"),
            "payment_intent_authentication_failure": _("银行验证未通过，没有扣款。"),
            "setup_intent_authentication_failure": _("银行验证未通过，没有扣款。"),
            "default": _("银行卡信息未能提交，请检查后再试。"),
            "network": _("无法连接支付服务，请检查网络后再试。"),
            "unavailable": _("支付组件没有加载成功。请刷新页面再试，或请社区工作者登记现金捐款。"),
            "working": _("正在安全地提交银行卡信息…"),
            "authenticating": _("正在等待银行验证…"),
        },
    }


def _own_processing(*, user: Any, payment_id: int) -> Payment | None:
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or payment.user_id != user.pk:
        raise NotFound(_("找不到这笔支付。"))
    return payment if payment.status == Payment.Status.PROCESSING else None


def payment_action_secret(*, user: Any, payment_id: int) -> str:
    """The client secret for Stripe.js when the donor's bank wants them to authenticate this
    (their own, still processing) payment; empty otherwise or when Stripe cannot be reached."""
    payment = _own_processing(user=user, payment_id=payment_id)
    if payment is None:
        return ""
    try:
        return get_gateway().action_client_secret(
            intent_id=payment.stripe_payment_intent_id, setup_id=payment.stripe_setup_intent_id
        )
    except GatewayError as exc:
        logger.warning("could not read payment %s from Stripe: %s", payment.pk, exc)
        return ""


def payment_check(*, user: Any, payment_id: int, reload: bool = False) -> str:
    """After Stripe.js has finished with the donor, or when the donor's waiting page reloads
    (`reload`), ask Stripe where their payment stands and apply it; the browser's own report is
    never taken as proof. A reload leaves a payment whose start was cut short by an outage to
    the sync job, which repeats its Stripe calls once Stripe has had a minute to recover."""
    payment = _own_processing(user=user, payment_id=payment_id)
    if payment is None:
        return "unchanged"
    if reload and payment.failure_code == payments.RESUME_CODE:
        return "pending"
    try:
        return payments.payment_refresh(payment_id=payment.pk)
    except GatewayError as exc:
        logger.warning("could not refresh payment %s from Stripe: %s", payment.pk, exc)
        return "pending"
