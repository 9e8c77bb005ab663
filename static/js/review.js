/* Keyboard help for reviewers, on the queue and the artifact pages (documented on both, under "Keyboard shortcuts"):
 *   j / k    move to the next / previous item ([data-shortcut-item]: a queue row, a sign-off step)
 *   a, r, d  open Approve, Reject or Delegate of the selected item (else the first item offering it)
 * A shortcut never fires while the person types (input, textarea, select, contenteditable) or holds a modifier.
 * Also: after a failed submit, focus goes to the error summary ([data-focus-on-load]) so it is read out first. */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-shortcut-item]"));
  }

  function select(list, index) {
    list.forEach(function (el) { el.classList.remove("is-selected"); });
    var el = list[index];
    el.classList.add("is-selected");
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key;
    if (key === "Enter" && document.activeElement && document.activeElement.hasAttribute("data-shortcut-item")) {
      var link = document.activeElement.querySelector("a.button[href]") || document.activeElement.querySelector("a[href]");
      if (link) { event.preventDefault(); link.click(); }
      return;
    }
    if (["j", "k", "a", "r", "d"].indexOf(key) < 0) { return; }
    var list = items();
    if (!list.length) { return; }
    var current = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("[data-shortcut-item]") : null;
    var index = list.indexOf(current);
    if (key === "j" || key === "k") {
      var next = index < 0 ? 0 : index + (key === "j" ? 1 : -1);
      select(list, Math.max(0, Math.min(list.length - 1, next)));
      event.preventDefault();
      return;
    }
    var attribute = "data-key-" + key;
    var target = current && current.getAttribute(attribute) ? current : null;
    if (!target && !current) {
      target = list.filter(function (el) { return el.getAttribute(attribute); })[0] || null;
    }
    if (target) {
      event.preventDefault();
      window.location.assign(target.getAttribute(attribute));
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) { summary.focus(); }
  });
})();
