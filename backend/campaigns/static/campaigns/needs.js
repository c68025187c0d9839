// Adding a need: "必须达成" follows the chosen dimension (advice needs are rarely required)
// until the organiser sets the box by hand.
(function () {
  var form = document.querySelector("[data-need-form]");
  if (!form) return;
  var dimension = form.querySelector('select[name="dimension"]');
  var required = form.querySelector('input[name="required"]');
  if (!dimension || !required) return;
  var byDefault = (form.dataset.requiredByDefault || "").split(" ");
  var touched = false;
  required.addEventListener("change", function () { touched = true; });
  function follow() {
    if (!touched) required.checked = byDefault.indexOf(dimension.value) !== -1;
  }
  dimension.addEventListener("change", follow);
  if (!form.querySelector(".field-error")) follow();
})();
