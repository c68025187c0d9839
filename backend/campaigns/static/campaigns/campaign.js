// Live progress on a campaign page: the absolute numbers from `campaign.<id>` replace the shown
// ones; a dimension's bar is recomputed from its needs the same way the server does it.
(function () {
  var root = document.querySelector("[data-campaign]");
  if (!root || !window.ZCLive) return;

  function show(el, value) {
    el.textContent = el.dataset.money
      ? (value / 100).toLocaleString("zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
      : String(value);
  }
  function setBar(box, percent) {
    var bar = box.querySelector(".progress");
    if (!bar) return;
    bar.setAttribute("aria-valuenow", percent);
    bar.firstElementChild.style.width = percent + "%";
  }
  function recomputeDimension(dimension) {
    var li = document.querySelector('[data-dimension="' + dimension + '"]');
    if (!li) return;
    var boxes = document.querySelectorAll('[data-need-dimension="' + dimension + '"]');
    var sum = 0, met = 0;
    boxes.forEach(function (box) {
      var target = Number(box.dataset.target), confirmed = Number(box.dataset.confirmed);
      sum += Math.floor(Math.min(confirmed, target) * 100 / target);
      if (confirmed >= target) met += 1;
    });
    var percent = boxes.length ? Math.floor(sum / boxes.length) : 0;
    li.querySelector('[data-field="percent"]').textContent = percent;
    li.querySelector('[data-field="met"]').textContent = met;
    setBar(li, percent);
  }
  function applyNeed(n) {
    var box = document.querySelector('[data-need="' + n.need + '"]');
    if (!box) return;
    box.dataset.confirmed = n.confirmed;
    box.querySelectorAll('[data-field="confirmed"]').forEach(function (el) { show(el, n.confirmed); });
    box.querySelectorAll('[data-field="pledged"]').forEach(function (el) { show(el, n.pledged); });
    setBar(box, Math.min(100, Math.floor(n.confirmed * 100 / n.target)));
    recomputeDimension(n.dimension);
  }
  window.ZCLive.subscribe("campaign." + root.dataset.campaign, function (data) {
    if (data.type === "progress") applyNeed(data);
    if (data.type === "pledge") {
      var list = document.getElementById("recent-pledges");
      if (list) {
        var li = document.createElement("li");
        li.textContent = data.name;
        list.prepend(li);
      }
    }
    if (data.type === "campaign_status") window.location.reload();
  }, {
    onSnapshot: function (state) { (state.needs || []).forEach(applyNeed); },
  });
})();
