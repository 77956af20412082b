/* The counter tablet: one tap records one rating; the thank-you page counts down to a blank form; a
   form left half-filled is cleared for the next citizen. Without this script the pages still work
   (the thank-you page returns by its meta refresh). */
(function () {
  "use strict";

  var IDLE_SECONDS = 90;

  // The thank-you page: show the seconds left, then come back without leaving a history entry.
  var thanks = document.querySelector("[data-kiosk-thanks]");
  if (thanks) {
    var left = parseInt(thanks.getAttribute("data-seconds"), 10) || 5;
    var back = thanks.getAttribute("data-return-url");
    var counter = thanks.querySelector("[data-kiosk-countdown]");
    var timer = window.setInterval(function () {
      left -= 1;
      if (counter && left >= 0) { counter.textContent = String(left); }
      if (left <= 0) {
        window.clearInterval(timer);
        window.location.replace(back);
      }
    }, 1000);
  }

  var form = document.querySelector("[data-kiosk-form]");
  if (!form) { return; }

  // A second tap while the first is being sent must not record a second rating.
  form.addEventListener("submit", function (event) {
    if (form.classList.contains("is-sending")) {
      event.preventDefault();
      return;
    }
    form.classList.add("is-sending");
  });
  window.addEventListener("pageshow", function () { form.classList.remove("is-sending"); });

  // Nobody touched the tablet for a while: clear what the last citizen chose or typed.
  function blank() {
    var fields = form.querySelectorAll("input, textarea");
    for (var i = 0; i < fields.length; i += 1) {
      var field = fields[i];
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = false;
      } else if (field.type !== "hidden" && field.type !== "submit") {
        field.value = "";
      }
    }
    var more = form.querySelector("[data-kiosk-more]");
    if (more) { more.open = false; }
    var errors = form.querySelector("[data-kiosk-errors]");
    if (errors) { errors.parentNode.removeChild(errors); }
    if (document.activeElement && document.activeElement.blur) { document.activeElement.blur(); }
    window.scrollTo(0, 0);
  }

  var idle = null;
  function touched() {
    if (idle) { window.clearTimeout(idle); }
    idle = window.setTimeout(blank, IDLE_SECONDS * 1000);
  }
  ["pointerdown", "keydown", "input", "scroll"].forEach(function (name) {
    window.addEventListener(name, touched, { passive: true });
  });
  touched();
}());
