// 入会审核: when the number of waiting requests in the organiser's communities changes while the
// page is open (a new request, or a colleague decided one), say so and offer a refresh.
(function () {
  "use strict";
  const box = document.getElementById("queue-live");
  if (!box || !window.ZCLive) return;
  const shown = parseInt(box.dataset.shown, 10);
  const pending = new Map();
  const text = box.querySelector("[data-text]");

  function update() {
    let total = 0;
    pending.forEach(function (n) { total += n; });
    if (total === shown) {
      box.hidden = true;
      return;
    }
    text.textContent = text.dataset.text.replace("{n}", String(total));
    box.hidden = false;
  }

  box.dataset.communities.trim().split(/\s+/).filter(Boolean).forEach(function (id) {
    window.ZCLive.subscribe("organiser." + id, function (data) {
      if (typeof data.pending === "number") {
        pending.set(id, data.pending);
        update();
      }
    }, {
      onSnapshot: function (state) {
        pending.set(id, state.pending_join_requests);
        update();
      },
    });
  });
})();
