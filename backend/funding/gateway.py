"""The payment gateway: every call we make to Stripe goes through here, through the official SDK.

Each call carries an idempotency key derived from our own record (`payment-12-intent`,
`refund-7`), so a retried task or a repeated request never creates a second charge at Stripe.
`STRIPE_API_BASE` points the SDK at the local Stripe-compatible test server outside production.
"""

import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)


class GatewayError(Exception):
    """Stripe refused or could not be reached. `declined` marks a card decline (the donor can act
    on it); anything else is ours or Stripe's and is worth retrying."""

    def __init__(
        self, message: str, *, code: str = "", decline_code: str = "", declined: bool = False, retryable: bool = False
    ):
        super().__init__(message)
        self.code = code
        self.decline_code = decline_code
        self.declined = declined
        self.retryable = retryable


@dataclass(frozen=True)
class IntentResult:
    id: str
    status: str
    amount: int = 0
    amount_received: int = 0
    latest_charge: str = ""


def _wrap(exc: stripe.StripeError) -> GatewayError:
    decline_code = str(getattr(exc.error, "decline_code", None) or "") if exc.error else ""
    if isinstance(exc, stripe.CardError):
        return GatewayError(
            str(exc.user_message or exc), code=exc.code or "card_declined", decline_code=decline_code, declined=True
        )
    retryable = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or (
        isinstance(exc, stripe.APIError) and not isinstance(exc, stripe.InvalidRequestError)
    )
    if (exc.http_status or 0) >= 500:
        retryable = True
    if exc.http_status == 402:  # a decline reported without a card error type
        return GatewayError(
            str(exc.user_message or exc), code=exc.code or "card_declined", decline_code=decline_code, declined=True
        )
    return GatewayError(str(exc.user_message or exc), code=exc.code or "", retryable=retryable)


def _plain(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _intent(stripe_obj: Any) -> IntentResult:
    obj = _plain(stripe_obj)
    charge = obj.get("latest_charge") or ""
    if isinstance(charge, dict):
        charge = charge.get("id", "")
    return IntentResult(
        id=obj["id"],
        status=obj["status"],
        amount=obj.get("amount") or 0,
        amount_received=obj.get("amount_received") or 0,
        latest_charge=charge,
    )


# Currencies Stripe counts without minor units; a fee in one of them cannot be turned into fen
# by the exchange rate alone, so it is left for reconciliation to report.
ZERO_DECIMAL = {
    "bif",
    "clp",
    "djf",
    "gnf",
    "jpy",
    "kmf",
    "krw",
    "mga",
    "pyg",
    "rwf",
    "ugx",
    "vnd",
    "vuv",
    "xaf",
    "xof",
    "xpf",
}


def _fee_of(charge: Any) -> int | None:
    """The fee of an expanded charge's balance transaction, in the charge's currency's minor
    units, or None when there is none or it cannot be converted.

    Stripe reports the fee in the account's settlement currency (a Stripe account cannot settle
    in CNY), with the transaction's `exchange_rate` from the charge currency to it; the fee in
    the charge currency is fee / exchange_rate, rounded half up."""
    if not isinstance(charge, dict):
        return None
    txn = charge.get("balance_transaction")
    if not isinstance(txn, dict) or txn.get("fee") is None:
        return None
    fee = int(txn["fee"])
    charged_in = str(charge.get("currency") or "").lower()
    settled_in = str(txn.get("currency") or charged_in).lower()
    if settled_in == charged_in:
        return fee
    rate = txn.get("exchange_rate")
    if not rate or charged_in in ZERO_DECIMAL or settled_in in ZERO_DECIMAL:
        logger.warning("fee of charge %s in %s cannot be converted to %s", charge.get("id"), settled_in, charged_in)
        return None
    return int((Decimal(fee) / Decimal(str(rate))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class StripeGateway:
    def __init__(self, client: stripe.StripeClient):
        self.client = client

    def _call(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except stripe.StripeError as exc:
            logger.info("stripe call failed: %s", exc)
            raise _wrap(exc) from exc

    @staticmethod
    def _opts(key: str) -> dict[str, Any]:
        return {"idempotency_key": key}

    # --- Test mode only -------------------------------------------------------------------------
    def create_test_card(self, *, number: str, exp_month: int, exp_year: int, cvc: str, key: str) -> str:
        """Create a card PaymentMethod server-side. Only with a test key: in production the card
        number never reaches our server, Stripe.js creates the PaymentMethod in the browser."""
        if not settings.STRIPE_SECRET_KEY.startswith("sk_test_"):
            raise GatewayError("test cards are refused with a live key", code="live_mode")
        pm = self._call(
            self.client.v1.payment_methods.create,
            params={
                "type": "card",
                "card": {"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc},
            },
            options=self._opts(key),
        )
        return pm["id"]

    # --- Customers and methods ----------------------------------------------------------------------
    def create_customer(self, *, key: str, metadata: dict[str, str]) -> str:
        return self._call(self.client.v1.customers.create, params={"metadata": metadata}, options=self._opts(key))["id"]

    def attach_method(self, *, payment_method: str, customer: str, key: str) -> None:
        """Attaching checks the card with the issuer: a declined card is refused here."""
        self._call(
            self.client.v1.payment_methods.attach,
            payment_method,
            params={"customer": customer},
            options=self._opts(key),
        )

    # --- Payment intents --------------------------------------------------------------------------
    def create_intent(
        self,
        *,
        amount: int,
        currency: str,
        customer: str,
        payment_method: str,
        manual_capture: bool,
        off_session: bool,
        key: str,
        metadata: dict[str, str],
    ) -> IntentResult:
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency,
            "customer": customer,
            "payment_method": payment_method,
            "capture_method": "manual" if manual_capture else "automatic",
            "confirm": True,
            "metadata": metadata,
        }
        if off_session:
            params["off_session"] = True
        return _intent(self._call(self.client.v1.payment_intents.create, params=params, options=self._opts(key)))

    def retrieve_intent(self, intent_id: str) -> IntentResult:
        return _intent(self._call(self.client.v1.payment_intents.retrieve, intent_id))

    def capture_intent(self, *, intent_id: str, key: str) -> IntentResult:
        return _intent(self._call(self.client.v1.payment_intents.capture, intent_id, options=self._opts(key)))

    def cancel_intent(self, *, intent_id: str, key: str) -> IntentResult:
        return _intent(self._call(self.client.v1.payment_intents.cancel, intent_id, options=self._opts(key)))

    # --- Setup intents (save a card to charge at close) ------------------------------------------------
    def create_setup(self, *, customer: str, key: str, metadata: dict[str, str]) -> str:
        return self._call(
            self.client.v1.setup_intents.create,
            params={"customer": customer, "usage": "off_session", "metadata": metadata},
            options=self._opts(key),
        )["id"]

    def confirm_setup(self, *, setup_id: str, payment_method: str, key: str) -> str:
        obj = self._call(
            self.client.v1.setup_intents.confirm,
            setup_id,
            params={"payment_method": payment_method},
            options=self._opts(key),
        )
        return obj["status"]

    def retrieve_setup(self, setup_id: str) -> str:
        return self._call(self.client.v1.setup_intents.retrieve, setup_id)["status"]

    def cancel_setup(self, *, setup_id: str, key: str) -> str:
        return self._call(self.client.v1.setup_intents.cancel, setup_id, options=self._opts(key))["status"]

    # --- The donor's browser ---------------------------------------------------------------------------
    def action_client_secret(self, *, intent_id: str = "", setup_id: str = "") -> str:
        """The client secret Stripe.js needs when the bank asks the donor to authenticate
        (status `requires_action`, e.g. 3-D Secure); empty when nothing waits for the donor."""
        if intent_id:
            obj = _plain(self._call(self.client.v1.payment_intents.retrieve, intent_id))
        elif setup_id:
            obj = _plain(self._call(self.client.v1.setup_intents.retrieve, setup_id))
        else:
            return ""
        if obj.get("status") != "requires_action":
            return ""
        return obj.get("client_secret") or ""

    # --- Refunds ------------------------------------------------------------------------------------
    def refund(self, *, intent_id: str, amount: int, key: str, metadata: dict[str, str]) -> tuple[str, str]:
        obj = self._call(
            self.client.v1.refunds.create,
            params={"payment_intent": intent_id, "amount": amount, "metadata": metadata},
            options=self._opts(key),
        )
        return obj["id"], obj["status"]

    def retrieve_refund(self, refund_id: str) -> tuple[str, str]:
        obj = self._call(self.client.v1.refunds.retrieve, refund_id)
        return obj["id"], obj["status"]

    # --- Fees -----------------------------------------------------------------------------------------
    def payment_fee(self, intent_id: str) -> int | None:
        """The fee Stripe kept on the intent's charge, from the charge's balance transaction;
        None while Stripe reports no balance transaction."""
        intent = _plain(
            self._call(
                self.client.v1.payment_intents.retrieve,
                intent_id,
                params={"expand": ["latest_charge.balance_transaction"]},
            )
        )
        return _fee_of(intent.get("latest_charge"))

    # --- Reconciliation ------------------------------------------------------------------------------
    def charge_summary(self, intent_id: str) -> dict[str, int | str | None]:
        """What Stripe holds for one payment: the intent's status, captured and refunded amounts,
        and the fee (None when Stripe reports no balance transaction)."""
        intent = _plain(self._call(self.client.v1.payment_intents.retrieve, intent_id))
        captured = 0
        refunded = 0
        fee = None
        charge_id = intent.get("latest_charge")
        if isinstance(charge_id, dict):
            charge_id = charge_id.get("id")
        if charge_id:
            charge = _plain(
                self._call(self.client.v1.charges.retrieve, charge_id, params={"expand": ["balance_transaction"]})
            )
            if charge.get("captured") and charge.get("status") == "succeeded":
                captured = charge.get("amount") or 0
            refunded = charge.get("amount_refunded") or 0
            fee = _fee_of(charge)
        return {"status": intent["status"], "captured": captured, "refunded": refunded, "fee": fee}


_gateway: StripeGateway | None = None


def get_gateway() -> StripeGateway:
    """The process-wide gateway, built from settings on first use."""
    global _gateway
    if _gateway is None:
        _gateway = StripeGateway(build_client())
    return _gateway


def build_client() -> stripe.StripeClient:
    base = settings.STRIPE_API_BASE
    kwargs: dict[str, Any] = {"max_network_retries": 2}
    if base:
        kwargs["base_addresses"] = {"api": base}
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, **kwargs)


def reset_gateway() -> None:
    """Forget the built gateway (after settings change, e.g. a test server on a new port)."""
    global _gateway
    _gateway = None
