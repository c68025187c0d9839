// 认筹管理: the "全选" box ticks or clears every pledge on this page, and shows "some" (mixed)
// when only part of them are ticked. Both are ordinary checkboxes, so the keyboard works as usual.
(function () {
  var form = document.querySelector("[data-bulk-form]");
  if (!form) return;
  var all = form.querySelector("[data-select-all]");
  var rows = Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="pledge"]'));
  if (!all || !rows.length) return;
  function sync() {
    var ticked = rows.filter(function (box) { return box.checked; }).length;
    all.checked = ticked === rows.length;
    all.indeterminate = ticked > 0 && ticked < rows.length;
  }
  all.addEventListener("change", function () {
    rows.forEach(function (box) { box.checked = all.checked; });
    all.indeterminate = false;
  });
  rows.forEach(function (box) { box.addEventListener("change", sync); });
  sync();
})();
