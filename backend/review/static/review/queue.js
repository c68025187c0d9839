// Keeps the review queue's counts current: the fund's private live topic carries absolute counts.
(function () {
  "use strict";
  var root = document.querySelector("[data-review-fund]");
  if (!root || !window.ZCLive) return;
  function show(state) {
    ["applications", "items", "to_disburse"].forEach(function (key) {
      var el = root.querySelector('[data-count="' + key + '"]');
      if (el && typeof state[key] === "number") el.textContent = state[key];
    });
  }
  window.ZCLive.subscribe(
    "reviewer." + root.getAttribute("data-review-fund"),
    function (data) {
      show(data);
      var note = root.querySelector("[data-queue-changed]");
      if (note) note.hidden = false;
    },
    { onSnapshot: show }
  );
})();
