// The card on the giving pages (funding/give.html, funding/payment.html), through Stripe.js: the
// card goes from the browser to Stripe, our form posts only the PaymentMethod id (pm_…). When the
// bank asks the donor to authenticate (3-D Secure), Stripe.js shows the bank's window; then the
// server asks Stripe how it went. Configuration: the json_script #stripe-config (publishable key,
// locale and our own wording of Stripe's error codes).
(function () {
  "use strict";

  function readConfig() {
    const el = document.getElementById("stripe-config");
    return el ? JSON.parse(el.textContent) : null;
  }

  function makeStripe(config) {
    if (typeof window.Stripe !== "function" || !config || !config.key) return null;
    try {
      return window.Stripe(config.key, { locale: config.locale });
    } catch (e) {
      return null;
    }
  }

  function say(box, text) {
    if (!box) return;
    box.textContent = "";
    if (!text) return;
    const p = document.createElement("p");
    p.className = "field-error";
    p.setAttribute("role", "alert");
    p.textContent = text;
    box.appendChild(p);
  }

  function messageFor(error, messages) {
    if (error && error.code && messages[error.code]) return messages[error.code];
    if (error && error.decline_code && messages[error.decline_code]) return messages[error.decline_code];
    if (error && error.type === "api_connection_error") return messages.network;
    if (error && error.type === "card_error") return messages.card_declined;
    return messages["default"];
  }

  function cardStyle() {
    const size = window.getComputedStyle(document.documentElement).fontSize;
    return { base: { fontSize: size, color: "#1f2328" }, invalid: { color: "#8c1d17" } };
  }

  function cardForm(form, stripe, config) {
    const messages = config.messages;
    const pm = form.querySelector("input[name=payment_method]");
    const errors = form.querySelector("[data-card-errors]");
    const working = form.querySelector("[data-stripe-working]");
    const button = form.querySelector("button[type=submit]");
    const legend = form.querySelector(".card-field legend");
    pm.value = ""; // a new PaymentMethod for every attempt

    const card = stripe.elements({ locale: config.locale }).create("card", { hidePostalCode: true, style: cardStyle() });
    card.mount(form.querySelector("[data-card-element]"));
    form.hidden = false;
    card.on("change", function (event) {
      if (event && event.error) say(errors, messageFor(event.error, messages));
      else if (event && event.complete) say(errors, "");
    });
    if (legend && card.focus) legend.addEventListener("click", function () { card.focus(); });
    // 大字模式 switches the page's font size; the card element follows.
    new MutationObserver(function () {
      if (card.update) card.update({ style: cardStyle() });
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });

    let busy = false;
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (busy) return;
      busy = true;
      button.disabled = true;
      working.textContent = messages.working;
      say(errors, "");
      let result;
      try {
        result = await stripe.createPaymentMethod({ type: "card", card: card });
      } catch (e) {
        result = { error: { type: "api_connection_error" } };
      }
      if (!result || result.error || !result.paymentMethod) {
        working.textContent = "";
        say(errors, messageFor(result && result.error, messages));
        button.disabled = false;
        busy = false;
        if (card.focus) card.focus();
        return;
      }
      pm.value = result.paymentMethod.id;
      HTMLFormElement.prototype.submit.call(form);
    });
  }

  function bankAction(section, stripe, config) {
    const messages = config.messages;
    const start = section.querySelector("[data-stripe-action-start]");
    const check = section.querySelector("form[data-stripe-check]");
    const working = section.querySelector("[data-stripe-working]");
    const errors = section.querySelector("[data-card-errors]");

    async function run() {
      start.hidden = true;
      working.textContent = messages.authenticating;
      say(errors, "");
      let result;
      try {
        result = await stripe.handleNextAction({ clientSecret: section.dataset.clientSecret });
      } catch (e) {
        result = { error: { type: "api_connection_error" } };
      }
      working.textContent = "";
      if (result && result.error && result.error.type === "api_connection_error") {
        say(errors, messages.network);
        start.hidden = false;
        start.focus();
        return;
      }
      // Success or refusal: the server asks Stripe, and the page shows what Stripe says.
      if (result && result.error) say(errors, messageFor(result.error, messages));
      HTMLFormElement.prototype.submit.call(check);
    }
    start.addEventListener("click", run);
    run();
  }

  function boot() {
    const forms = document.querySelectorAll("[data-stripe-card-form]");
    const actions = document.querySelectorAll("[data-stripe-action]");
    if (!forms.length && !actions.length) return;
    const config = readConfig();
    const stripe = makeStripe(config);
    if (!stripe) {
      document.querySelectorAll("[data-stripe-unavailable]").forEach(function (el) { el.hidden = false; });
      actions.forEach(function (a) { say(a.querySelector("[data-card-errors]"), config && config.messages.unavailable); });
      return;
    }
    forms.forEach(function (f) { cardForm(f, stripe, config); });
    actions.forEach(function (a) { bankAction(a, stripe, config); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
