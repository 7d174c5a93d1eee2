// The console works without this file; it only adds conveniences. Loaded from 'self' (the
// Content-Security-Policy allows no inline script).
(function () {
  "use strict";

  // Ask before destructive forms and before an emergency takes over the screens.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    var emergency = form.getAttribute("data-confirm-emergency");
    if (!question && emergency) {
      var picked = form.querySelector("input[name=kind]:checked");
      if (picked && picked.value === "emergency") question = emergency;
    }
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Team colours: set from data attributes (inline style attributes are not allowed).
  document.querySelectorAll("[data-color]").forEach(function (el) {
    var color = el.getAttribute("data-color");
    if (/^#[0-9a-fA-F]{6}$/.test(color)) el.style.background = color;
  });

  // Copy buttons next to a freshly issued token or link.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      if (!input) return;
      input.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      else { document.execCommand("copy"); done(); }
    });
  });

  // Pages that watch live state reload themselves, unless someone is typing in a form.
  var refresh = parseInt(document.body.getAttribute("data-refresh") || "0", 10);
  if (refresh > 0) {
    setInterval(function () {
      var active = document.activeElement;
      var typing = active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA" || active.tagName === "SELECT");
      if (!typing && !document.hidden) window.location.reload();
    }, refresh * 1000);
  }
})();
