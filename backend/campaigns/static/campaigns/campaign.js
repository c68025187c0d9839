// Live progress on a campaign page: the absolute numbers from `campaign.<id>` replace the shown
// ones. Money is shown like the `yuan` template filter (12345 fen → "123.45"), so a number looks
// the same before and after a reload.
(function () {
  var root = document.querySelector("[data-campaign]");
  if (!root || !window.ZCLive) return;

  function yuan(fen) {
    var n = Math.trunc(Number(fen) || 0);
    var sign = n < 0 ? "-" : "";
    n = Math.abs(n);
    var whole = String(Math.floor(n / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    var cents = String(n % 100).padStart(2, "0");
    return sign + whole + "." + cents;
  }
  function show(el, value) {
    el.textContent = el.dataset.money ? yuan(value) : String(value);
  }
  function setBar(box, percent) {
    var bar = box.querySelector(".progress");
    if (!bar) return;
    bar.setAttribute("aria-valuenow", percent);
    bar.firstElementChild.style.width = percent + "%";
  }
  // Each need's latest absolute numbers (from the snapshot, then from messages): a dimension's
  // summary is derived from its needs here, the way campaign_progress() derives it on the server.
  var needs = {};
  function summarise(dimension) {
    var ns = Object.keys(needs).map(function (id) { return needs[id]; })
      .filter(function (n) { return n.dimension === dimension; });
    if (!ns.length) return null;
    var capped = 0, met = 0;
    ns.forEach(function (n) {
      if (n.target) capped += Math.floor(Math.min(n.confirmed, n.target) * 100 / n.target);
      if (n.confirmed >= n.target) met += 1;
    });
    return { percent: Math.floor(capped / ns.length), met: met, needs: ns.length };
  }
  function applyDimension(dimension, summary) {
    var li = document.querySelector('[data-dimension="' + dimension + '"]');
    if (!li || !summary || typeof summary.percent !== "number") return;
    li.querySelector('[data-field="percent"]').textContent = summary.percent;
    li.querySelector('[data-field="met"]').textContent = summary.met;
    li.querySelector('[data-field="needs"]').textContent = summary.needs;
    setBar(li, summary.percent);
  }
  function applyNeed(n) {
    if (n.dimension) needs[n.need] = { dimension: n.dimension, target: n.target, confirmed: n.confirmed };
    var box = document.querySelector('[data-need="' + n.need + '"]');
    if (!box) return;
    box.querySelectorAll('[data-field="confirmed"]').forEach(function (el) { show(el, n.confirmed); });
    box.querySelectorAll('[data-field="pledged"]').forEach(function (el) { show(el, n.pledged); });
    setBar(box, n.target ? Math.min(100, Math.floor(n.confirmed * 100 / n.target)) : 0);
  }
  function dimensionLabel(data) {
    var strong = document.querySelector('[data-dimension="' + data.dimension + '"] strong');
    return strong ? strong.textContent : data.dimension_label || "";
  }
  function addRecent(data) {
    var list = document.getElementById("recent-pledges");
    if (!list) return;
    var empty = list.querySelector(".empty");
    if (empty) empty.remove();
    var li = document.createElement("li");
    li.textContent = [data.name, dimensionLabel(data), data.need_title].filter(Boolean).join(" · ");
    list.prepend(li);
  }
  window.ZCLive.subscribe("campaign." + root.dataset.campaign, function (data) {
    if (data.type === "progress" || data.type === "pledge") {
      applyNeed(data);
      applyDimension(data.dimension, summarise(data.dimension));
    }
    if (data.type === "pledge") addRecent(data);
    if (data.type === "campaign_status") window.location.reload();
  }, {
    onSnapshot: function (state) {
      (state.needs || []).forEach(applyNeed);
      (state.dimensions || []).forEach(function (d) { applyDimension(d.dimension, d); });
    },
  });
})();
