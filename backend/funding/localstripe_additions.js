// Served by funding.stripe_server after localstripe's stand-in for Stripe.js (development and tests
// only). It completes the stand-in with the calls our pages make, shaped like Stripe.js:
// stripe.createPaymentMethod({type: "card", card}) and stripe.handleNextAction({clientSecret}),
// and gives the stand-in's card inputs accessible names (Stripe's real card field lives in an
// iframe that names its own inputs).
(function () {
  "use strict";
  const base = LOCALSTRIPE_BASE_API;
  const names = {
    number: "卡号 Card number",
    exp_month: "有效期月 Expiry month (MM)",
    exp_year: "有效期年 Expiry year (YY)",
    cvc: "安全码 CVC",
    postal_code: "邮编 Postal code",
  };

  const mount = Element.prototype.mount;
  Element.prototype.mount = function (domElement) {
    mount.call(this, domElement);
    Object.keys(this._inputs || {}).forEach((field) => {
      const input = this._inputs[field];
      input.setAttribute("aria-label", names[field] || field);
      input.setAttribute("inputmode", "numeric");
      input.setAttribute("autocomplete", "off");
      input.style.maxWidth = "100%";
      input.addEventListener("focus", () => (this.listeners.focus || []).forEach((h) => h()));
    });
  };
  Element.prototype.focus = function () {
    if (this._inputs && this._inputs.number) this._inputs.number.focus();
  };
  Element.prototype.clear = function () {
    Object.values(this._inputs || {}).forEach((input) => (input.value = ""));
    this.value = undefined;
  };

  async function post(path, body) {
    // A plain-text body keeps the request "simple" (no CORS preflight), as the stand-in does.
    const response = await fetch(base + path, { method: "POST", body: JSON.stringify(body) });
    const data = await response.json().catch(() => ({}));
    if (response.status !== 200 || data.error) {
      return { error: data.error || { type: "api_error", message: "HTTP " + response.status } };
    }
    return { data };
  }

  function incomplete(value) {
    if (!value || !value.card || !value.card.number) return "incomplete_number";
    const card = value.card;
    if (card.number.replace(/\s/g, "").length !== 16) return "invalid_number";
    if (!card.exp_month || card.exp_year.length !== 4) return "incomplete_expiry";
    if (!card.cvc || card.cvc.length !== 3) return "incomplete_cvc";
    return "";
  }

  const Standin = window.Stripe;
  window.Stripe = function (apiKey, options) {
    const stripe = Standin(apiKey, options);

    stripe.createPaymentMethod = async (data) => {
      const element = data && data.card;
      const code = incomplete(element && element.value);
      if (code) {
        return { error: { type: "validation_error", code: code, message: "Your card details are incomplete." } };
      }
      const card = Object.assign({}, element.value.card, { number: element.value.card.number.replace(/\s/g, "") });
      const result = await post("/v1/payment_methods", {
        key: apiKey,
        type: "card",
        card: card,
        billing_details: data.billing_details || {},
      });
      return result.error ? { error: result.error } : { paymentMethod: result.data };
    };

    stripe.handleNextAction = async ({ clientSecret }) => {
      const found = /^((pi|seti)_\w+)_secret_/.exec(clientSecret || "");
      if (!found) return { error: { type: "invalid_request_error", message: "Invalid client secret." } };
      const [, id, kind] = found;
      const ok = await openModal("3D Secure\nDo you want to confirm or cancel?", "Complete authentication", "Fail authentication");
      if (kind === "pi") {
        const result = await post(`/v1/payment_intents/${id}/_authenticate?success=${ok}`, { key: apiKey, client_secret: clientSecret });
        if (result.error) return { error: result.error };
        if (result.data.status === "requires_payment_method") {
          return { error: { type: "card_error", code: "payment_intent_authentication_failure", message: "Authentication failed." } };
        }
        return { paymentIntent: result.data };
      }
      const path = `/v1/setup_intents/${id}/${ok ? "confirm" : "cancel"}`;
      const result = await post(path, { key: apiKey, use_stripe_sdk: true, client_secret: clientSecret });
      if (result.error) return { error: result.error };
      if (result.data.status !== "succeeded") {
        return { error: { type: "card_error", code: "setup_intent_authentication_failure", message: "Authentication failed." } };
      }
      return { setupIntent: result.data };
    };
    return stripe;
  };
})();
