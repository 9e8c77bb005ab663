/* The wall screen in the browser. No dependencies.
 *
 * - Polls its feed every data-poll seconds with If-None-Match: 304 keeps the board, 200 replaces it (no reload).
 *   A 200 marked X-Wall-Delta (the version this screen shows) sends only the tiles that changed: each one this
 *   screen already shows comes as a placeholder (data-keep) carrying its new reading time, and the screen puts its
 *   own tile there. Should one be missing, it asks for the whole board at once.
 * - Counts every age itself, from the times the server sent (epoch seconds, corrected for this machine's clock by
 *   the server time each answer carries), and turns a tile grey when it gets too old: a frozen screen never shows
 *   old data as current.
 * - After two missed polls it says "connection lost since hh:mm", and clears that on the next answer.
 * - When the workers stop refreshing (the last refresh cycle is too old) or Govern's sign-offs stop, it says so.
 * - A board larger than one page turns its pages every data-page-seconds.
 * - A revoked token replaces the page with the "access revoked" page; a lost session says "signed out".
 */
(function () {
  "use strict";

  var body = document.body;
  var feedUrl = body.dataset.feed;
  var pollMs = Math.max(0.5, parseFloat(body.dataset.poll) || 5) * 1000;
  var pageMs = Math.max(3, parseFloat(body.dataset.pageSeconds) || 15) * 1000;
  var etag = body.dataset.etag || "";
  var freshness = parseJson(body.dataset.freshness) || {};
  var offsetMs = freshness.now ? freshness.now * 1000 - Date.now() : 0;
  var lastContact = Date.now();
  var missed = 0;
  var polling = true;    // false once signed out or revoked
  var replaced = false;  // the page is the "access revoked" page now
  var page = 1;
  var pageShownAt = Date.now();

  function parseJson(text) {
    try { return JSON.parse(text || "null"); } catch (e) { return null; }
  }

  function formatter(options) {
    var zone = body.dataset.timeZone;
    try {
      return new Intl.DateTimeFormat("en-GB", Object.assign({ hour12: false, timeZone: zone }, options));
    } catch (e) {  // an unknown zone name: the browser's own
      return new Intl.DateTimeFormat("en-GB", Object.assign({ hour12: false }, options));
    }
  }
  var hhmmFormat = formatter({ hour: "2-digit", minute: "2-digit" });
  var clockFormat = formatter({ hour: "2-digit", minute: "2-digit", second: "2-digit" });

  function serverNow() { return (Date.now() + offsetMs) / 1000; }
  function hhmm(epochSeconds) { return hhmmFormat.format(new Date(epochSeconds * 1000)); }
  function num(value) { var n = parseFloat(value); return isFinite(n) ? n : 0; }

  function ageText(seconds) {  // the same steps as the server's `age` filter
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 90) return seconds + " s";
    if (seconds < 90 * 60) return Math.round(seconds / 60) + " min";
    if (seconds < 48 * 3600) return Math.round(seconds / 3600) + " h";
    return Math.round(seconds / 86400) + " d";
  }

  function show(id, visible) {
    var element = document.getElementById(id);
    if (element) element.hidden = !visible;
    return element;
  }

  function setText(root, selector, text) {
    var element = root && root.querySelector(selector);
    if (element && element.textContent !== text) element.textContent = text;
  }

  /* Ages and staleness of the tiles (deployments) or cards (API nodes) under `board`: stale when the last reading
     failed (data-error) or is older than `staleAfter` intervals. Returns how many are stale. */
  function age(board, selector, interval, staleAfter, now, staleClass) {
    var stale = 0;
    board.querySelectorAll(selector).forEach(function (item) {
      var success = num(item.dataset.success);
      var isStale = item.dataset.error === "1";
      if (success) {
        var seconds = now - success;
        if (interval && seconds > staleAfter * interval) {
          isStale = true;
          if (item.dataset.error !== "1") {
            item.querySelectorAll("[data-reason]").forEach(function (reason) {
              reason.textContent = reason.title = "not refreshed for " + ageText(seconds);
            });
            setText(item, ".wt-since", "stale since " + hhmm(success));
          }
        }
        setText(item, "[data-age]", ageText(seconds));
      }
      item.classList.toggle(staleClass, isStale);
      if (isStale) stale += 1;
    });
    return stale;
  }

  function tick() {
    var now = serverNow();
    setText(document, "#wall-clock", clockFormat.format(new Date(now * 1000)));
    setText(document, "#wall-updated", "updated " + ageText((Date.now() - lastContact) / 1000) + " ago");
    var board = document.querySelector(".wb");
    if (!board) return;
    var staleAfter = num(board.dataset.staleIntervals) || 3;
    var interval = num(board.dataset.interval);
    var stale = age(board, ".wt", interval, staleAfter, now, "wt-stale");
    age(board, ".wn", num(board.dataset.nodeInterval), staleAfter, now, "wn-stale");
    setText(board, "[data-stale-count]", String(stale));
    var staleCount = board.querySelector(".wc-stale");
    if (staleCount) staleCount.hidden = stale === 0;

    // The workers: a refresh that neither ended nor ran for three intervals has stopped.
    var lastCycle = Math.max(num(freshness.cycle_finished), num(freshness.cycle_started));
    var workersStopped = lastCycle > 0 && interval > 0 && now - lastCycle > staleAfter * interval;
    var workers = show("wall-workers", workersStopped);
    if (workersStopped) setText(workers, "[data-workers-since]", "at " + hhmm(num(freshness.cycle_finished) || lastCycle));

    var built = num(freshness.governance_built);
    var governanceInterval = num(board.dataset.governanceInterval);
    var governanceStale = built > 0 && governanceInterval > 0 && now - built > staleAfter * governanceInterval;
    board.classList.toggle("wb-governance-stale", governanceStale);
    var governance = show("wall-governance-stale", governanceStale);
    if (governanceStale) setText(governance, "[data-governance-since]", hhmm(built));

    turnPages(board);
  }

  function turnPages(board) {
    var pages = board.querySelectorAll(".wb-page");
    if (pages.length < 2) return;
    var elapsed = Date.now() - pageShownAt;
    if (elapsed >= pageMs) {
      page = page % pages.length + 1;
      pageShownAt = Date.now();
      elapsed = 0;
    }
    if (page > pages.length) page = 1;
    pages.forEach(function (element, index) { element.hidden = index + 1 !== page; });
    setText(board, "[data-page-number]", String(page));
    var bar = board.querySelector("[data-page-progress]");
    if (bar) bar.style.width = Math.min(100, Math.round(100 * elapsed / pageMs)) + "%";
  }

  function readFreshness(response) {
    var header = parseJson(response.headers.get("X-Wall-Freshness"));
    if (header) {
      freshness = header;
      if (header.now) offsetMs = header.now * 1000 - Date.now();
    }
  }

  function contact() {
    missed = 0;
    lastContact = Date.now();
    show("wall-lost", false);
  }

  function miss() {
    missed += 1;
    if (missed >= 2) {
      var banner = show("wall-lost", true);
      setText(banner, "[data-lost-since]", hhmm((lastContact + offsetMs) / 1000));
    }
  }

  function swap(html) {
    var target = document.getElementById("wall-board");
    target.innerHTML = html;
    tick();
  }

  /* Applies a delta; false (and nothing changed) when a tile it keeps is not on this screen. */
  function patch(html) {
    var target = document.getElementById("wall-board");
    var shown = {};
    target.querySelectorAll(".wt[data-deployment]").forEach(function (tile) { shown[tile.dataset.deployment] = tile; });
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var keeps = holder.querySelectorAll("li[data-keep]");
    for (var i = 0; i < keeps.length; i++) {
      if (!shown[keeps[i].dataset.keep]) return false;
    }
    keeps.forEach(function (keep) {
      var tile = shown[keep.dataset.keep];
      tile.dataset.success = keep.dataset.success;
      keep.replaceWith(tile);
    });
    target.replaceChildren.apply(target, Array.prototype.slice.call(holder.childNodes));
    tick();
    return true;
  }

  function replacePage(html) {  // the "access revoked" page: this screen is done
    polling = false;
    replaced = true;
    var parsed = new DOMParser().parseFromString(html, "text/html");
    document.title = parsed.title;
    body.className = parsed.body.className;
    body.innerHTML = parsed.body.innerHTML;
  }

  function signedOut() {  // the data keeps ageing on screen; only the polls stop
    polling = false;
    show("wall-signed-out", true);
  }

  function poll() {
    if (!polling) return;
    var controller = new AbortController();
    var abort = setTimeout(function () { controller.abort(); }, Math.max(2 * pollMs, 8000));
    var headers = { "X-Wall-Poll": "1" };
    if (etag) headers["If-None-Match"] = etag;
    var delay = pollMs;
    fetch(feedUrl, { cache: "no-store", credentials: "same-origin", redirect: "manual", headers: headers,
                     signal: controller.signal })
      .then(function (response) {
        readFreshness(response);
        var session = response.headers.get("X-Portal-Session");
        if (response.type === "opaqueredirect" || (response.status === 401 && session === "signed-out")) {
          signedOut();
          return null;
        }
        if (response.status === 403 && response.headers.get("X-Wall-Access") === "revoked") {
          return response.text().then(replacePage);
        }
        if (response.status === 304) { contact(); return null; }
        if (response.status === 200) {
          var base = response.headers.get("X-Wall-Delta");
          return response.text().then(function (html) {
            if (base !== null && (base !== etag || !patch(html))) {
              etag = "";  // a delta this screen cannot apply: the whole board, now
              delay = 0;
            } else {
              if (base === null) swap(html);
              etag = response.headers.get("ETag") || "";
            }
            contact();
          });
        }
        if (response.status === 429) delay = Math.max(delay, num(response.headers.get("Retry-After")) * 1000);
        throw new Error("HTTP " + response.status);
      })
      .catch(function () { miss(); })
      .then(function () {
        clearTimeout(abort);
        if (polling) setTimeout(poll, delay);
      });
  }

  tick();
  setInterval(function () { if (!replaced) tick(); }, 1000);
  setTimeout(poll, pollMs);
})();
