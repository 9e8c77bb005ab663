/* Every page: when an htmx poll finds the session gone (SignedOutPollMiddleware answers 401 with
 * X-Portal-Session: signed-out instead of the login page), say "signed out — sign in again" and stop sending
 * htmx requests, instead of pasting the login page into the page. */
(function () {
  "use strict";
  var signedOut = false;

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (signedOut) event.preventDefault();
  });
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || xhr.status !== 401 || xhr.getResponseHeader("X-Portal-Session") !== "signed-out") return;
    signedOut = true;
    var banner = document.getElementById("signed-out");
    if (banner) {
      banner.setAttribute("role", "alert");  // announced when it appears, not while hidden on every page
      banner.hidden = false;
    }
  });
})();

/* Progress bars: the Content-Security-Policy forbids style attributes, so <span data-percent="40"> inside .progress
 * gets its width here, for the first render and for each htmx swap. */
(function () {
  "use strict";

  function sizeProgressBars(root) {
    var bars = root.querySelectorAll ? root.querySelectorAll("[data-percent]") : [];
    Array.prototype.forEach.call(bars, function (bar) {
      var percent = Math.max(0, Math.min(100, parseFloat(bar.getAttribute("data-percent")) || 0));
      bar.style.width = percent + "%";
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(sizeProgressBars);
  } else {
    document.addEventListener("DOMContentLoaded", function () { sizeProgressBars(document); });
  }
})();
