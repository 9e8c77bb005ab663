/* The colour theme: follows the system (prefers-color-scheme) until the person picks one with the toggle in the
 * header; the choice is remembered in localStorage. Loaded in <head> without defer so the saved theme applies before
 * the first paint (no flash). No inline script: a Content-Security-Policy can forbid them. */
(function () {
  "use strict";
  var KEY = "portal-theme";
  var root = document.documentElement;

  function saved() {
    try { return window.localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function systemDark() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  }
  function apply(theme) {
    if (theme === "dark" || theme === "light") { root.setAttribute("data-theme", theme); }
    else { root.removeAttribute("data-theme"); }
  }
  function current() {
    var theme = root.getAttribute("data-theme");
    return theme || (systemDark() ? "dark" : "light");
  }

  apply(saved());

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-theme-toggle]");
    if (!button) { return; }
    // One constant name, its state in aria-pressed (a toggle button's label must not flip with its state).
    function label() {
      button.setAttribute("aria-pressed", current() === "dark" ? "true" : "false");
    }
    button.hidden = false;
    label();
    button.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      apply(next);
      try { window.localStorage.setItem(KEY, next); } catch (e) { /* private mode: not remembered */ }
      label();
    });
  });
})();
