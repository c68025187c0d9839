// Large-text mode: a cookie so the server renders the page large on the next visit too.
(function () {
  const toggle = document.getElementById("large-text-toggle");
  if (!toggle) return;
  toggle.addEventListener("click", function () {
    const on = !document.documentElement.classList.contains("large-text");
    document.documentElement.classList.toggle("large-text", on);
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    document.cookie = "large_text=" + (on ? "1" : "0") + "; path=/; max-age=31536000; SameSite=Lax";
  });
})();
