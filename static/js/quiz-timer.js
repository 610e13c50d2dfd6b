// The timer of a timed quiz attempt (templates/training/includes/_quiz_timer.html). Progressive enhancement:
// without it the page states the time left and the deadline, and the server enforces the limit either way.
// Counts down once a second, announces 5 and 1 minutes left in a polite live region, and can be hidden (the
// choice is remembered for the attempt in sessionStorage). At the deadline plus the grace it opens the
// attempt's summary, which the server has by then submitted.
(function () {
  "use strict";
  var box = document.querySelector("[data-quiz-timer]");
  if (!box) return;
  var display = box.querySelector("[data-timer-display]");
  var text = box.querySelector("[data-timer-text]");
  var toggle = box.querySelector("[data-timer-toggle]");
  var live = box.querySelector("[data-timer-announce]");
  // Count from the remaining seconds the server sent, against this device's clock (which may be set wrong).
  var end = Date.now() + Number(box.dataset.remaining) * 1000;
  var grace = Number(box.dataset.grace || 0) * 1000;
  var key = "quiz-timer-hidden:" + box.dataset.attempt;
  var announced = {};

  function setHidden(hidden) {
    display.hidden = hidden;
    toggle.textContent = hidden ? "Show timer" : "Hide timer";
    toggle.setAttribute("aria-pressed", hidden ? "true" : "false");
    try { window.sessionStorage.setItem(key, hidden ? "1" : ""); } catch (e) { /* storage may be off */ }
  }

  function format(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function announce(message) {
    live.textContent = message;
  }

  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    text.textContent = left > 0 ? format(left) : "Time is up";
    [5, 1].forEach(function (minutes) {
      if (left <= minutes * 60 && left > 0 && !announced[minutes]) {
        announced[minutes] = true;
        // Only a threshold crossed while the page is open is announced, not one already past on load.
        if (left > minutes * 60 - 5) announce(minutes + (minutes === 1 ? " minute" : " minutes") + " left.");
      }
    });
    if (left === 0) {
      if (!announced[0]) {
        announced[0] = true;
        announce("Time is up. Your attempt is being submitted.");
      }
      if (Date.now() >= end + grace && box.dataset.expiredUrl) {
        window.location.assign(box.dataset.expiredUrl);
        return;
      }
    }
    window.setTimeout(tick, 1000 - (Date.now() % 1000) || 1000);
  }

  toggle.hidden = false;
  toggle.addEventListener("click", function () { setHidden(!display.hidden); });
  var remembered = "";
  try { remembered = window.sessionStorage.getItem(key) || ""; } catch (e) { /* storage may be off */ }
  if (remembered) setHidden(true);
  tick();
})();
