// Ballot pages: live turnout through ZCLive, a live-results page that refreshes itself, and a
// running total for participatory-budget forms.
(function () {
  "use strict";

  function budgetTotal() {
    var form = document.querySelector("[data-budget-fen]");
    if (!form) return;
    var budget = Number(form.getAttribute("data-budget-fen"));
    var out = form.querySelector("[data-budget-total]");
    var over = form.querySelector("[data-budget-over]");
    function yuan(fen) {
      return (fen / 100).toLocaleString(undefined, { maximumFractionDigits: 2 });
    }
    function update() {
      var total = 0;
      form.querySelectorAll("input[data-cost-fen]:checked").forEach(function (box) {
        total += Number(box.getAttribute("data-cost-fen"));
      });
      if (out) out.textContent = yuan(total);
      if (over) over.hidden = total <= budget;
    }
    form.addEventListener("change", update);
    update();
  }

  function live() {
    var root = document.querySelector("[data-ballot-topic]");
    if (!root || !window.ZCLive) return;
    var turnout = root.querySelector("[data-turnout]");
    var assisted = root.querySelector("[data-assisted]");
    var notice = root.querySelector("[data-results-notice]");
    var reloadOnResults = root.hasAttribute("data-reload-on-results");
    var reloadTimer = null;
    function show(state) {
      if (turnout && typeof state.turnout === "number") turnout.textContent = state.turnout;
      if (assisted && typeof state.assisted === "number") assisted.textContent = state.assisted;
    }
    function reloadSoon() {
      if (!reloadTimer) reloadTimer = setTimeout(function () { window.location.reload(); }, 3000);
    }
    window.ZCLive.subscribe(root.getAttribute("data-ballot-topic"), function (data) {
      if (data.type === "turnout") show(data);
      if (data.type === "results") {
        if (reloadOnResults) reloadSoon();
        else if (notice) notice.hidden = false;
      }
      if (data.type === "ballot_status") reloadSoon();
    }, { onSnapshot: show });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { budgetTotal(); live(); });
  } else {
    budgetTotal();
    live();
  }
})();
