// Keeps funding/_money_summary.html current from the `money` messages on campaign.<id>.
(function () {
  "use strict";
  function yuan(fen) {
    const sign = fen < 0 ? "-" : "";
    const abs = Math.abs(fen);
    return sign + Math.floor(abs / 100).toLocaleString("en-US") + "." + String(abs % 100).padStart(2, "0");
  }
  function apply(box, data) {
    if (!data || data.type !== "money") return;
    box.querySelectorAll("[data-money-field]").forEach(function (el) {
      const v = data[el.dataset.moneyField];
      if (typeof v === "number") el.textContent = yuan(v);
    });
    box.querySelectorAll("[data-money-tier]").forEach(function (el) {
      const v = (data.by_tier || {})[el.dataset.moneyTier];
      if (typeof v === "number") el.textContent = yuan(v);
    });
  }
  function start() {
    if (!window.ZCLive) return;
    document.querySelectorAll("[data-money-campaign]").forEach(function (box) {
      window.ZCLive.subscribe("campaign." + box.dataset.moneyCampaign, function (data) { apply(box, data); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
