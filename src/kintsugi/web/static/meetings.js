// The live session's clock: the server says how many seconds the current part has left when
// the page is rendered; this ticks it down every second and shows the overrun once it is past.
(function () {
  "use strict";

  function pad(n) {
    return String(n).padStart(2, "0");
  }

  function format(seconds) {
    var s = Math.abs(Math.trunc(seconds));
    return pad(Math.floor(s / 60)) + ":" + pad(s % 60);
  }

  function startClock() {
    var clock = document.getElementById("clock");
    if (!clock || clock.dataset.ticking) return;
    var remaining = Number(clock.dataset.remaining);
    if (!Number.isFinite(remaining)) return;
    clock.dataset.ticking = "1";
    var time = document.getElementById("clock-time");
    var label = document.getElementById("clock-label");
    var loaded = Date.now();
    function tick() {
      var left = remaining - (Date.now() - loaded) / 1000;
      if (left >= 0) {
        time.textContent = format(left);
        label.textContent = "remaining";
        clock.classList.remove("overrun");
      } else {
        time.textContent = "+" + format(left);
        label.textContent = "overrun";
        clock.classList.add("overrun");
      }
    }
    tick();
    window.setInterval(tick, 1000);
  }

  // after a note is added: empty the form and its live language check
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("note-form")) return;
    if (!event.detail.successful) return;
    form.reset();
    var live = form.querySelector(".lint-live");
    if (live) live.textContent = "";
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startClock);
  } else {
    startClock();
  }
})();
