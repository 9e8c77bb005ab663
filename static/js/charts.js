/* Traffic charts of the API-node pages, drawn with uPlot (static/vendor/uplot-1.6.32.min.js).
 *
 * The page already says everything in text (current values, one summary sentence per series, also the plots'
 * aria-label); this script only draws the plots from the JSON in `data-chart` and, on the service page, switches
 * the range (`[data-range]` links) by fetching `data-src?range=…` instead of reloading. Data is JSON parsed from an
 * attribute and text is set with textContent: nothing from the server is ever inserted as HTML.
 */
(function () {
  "use strict";

  var COLORS = { requests: "#2f5fd0", error_rate: "#c53030", latency: "#6b46c1" };
  var FILLS = { requests: "rgba(47,95,208,.10)", error_rate: "rgba(197,48,48,.10)", latency: "rgba(107,70,193,.10)" };
  var AXIS = { stroke: "#5b6573", grid: { stroke: "#e2e8f0", width: 1 }, ticks: { stroke: "#d9dee5", width: 1 },
               font: "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
               labelFont: "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" };

  function short(v) {
    var a = Math.abs(v);
    if (a >= 1e6) return trim((v / 1e6).toFixed(1)) + " M";
    if (a >= 1e3) return trim((v / 1e3).toFixed(1)) + " k";
    if (a >= 10 || v === 0) return String(Math.round(v));
    return trim(v.toFixed(2));
  }
  function trim(s) { return s.indexOf(".") < 0 ? s : s.replace(/\.?0+$/, ""); }

  // Axis ticks: the unit is in the axis label, so ticks stay short.
  function tick(key, v) {
    if (v == null) return "";
    if (key === "error_rate") return trim(v.toFixed(v < 1 ? 2 : 1)) + "%";
    return short(v);
  }
  // The legend's value under the cursor: with its unit.
  function full(key, v) {
    if (v == null) return "—";
    if (key === "requests") return short(v) + "/min";
    if (key === "error_rate") return tick(key, v);
    return (v >= 1000 ? trim((v / 1000).toFixed(2)) + " s" : trim(v.toFixed(1)) + " ms");
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function day(d) { return d.toLocaleDateString([], { month: "short", day: "numeric" }); }
  // Time ticks on one line, in 24-hour time like the rest of the portal; a date at midnight and for day steps.
  function timeTicks(u, splits, axisIdx, space, incr) {
    return splits.map(function (t) {
      var d = new Date(t * 1000);
      if (incr >= 86400 || (d.getHours() === 0 && d.getMinutes() === 0)) return day(d);
      return pad(d.getHours()) + ":" + pad(d.getMinutes());
    });
  }
  function when(iso) {
    var d = new Date(iso), today = new Date();
    var hm = pad(d.getHours()) + ":" + pad(d.getMinutes());
    return d.toDateString() === today.toDateString() ? hm : day(d) + " " + hm;
  }

  function series(data, key) {
    for (var i = 0; i < data.series.length; i++) if (data.series[i].key === key) return data.series[i];
    return null;
  }

  function draw(holder, plot, data, key) {
    var s = series(data, key);
    var mini = holder.classList.contains("chart-mini");
    if (plot._uplot) { plot._uplot.destroy(); plot._uplot = null; }
    plot.classList.toggle("chart-plot-empty", !s || !data.times.length);
    if (!s || !data.times.length || typeof uPlot === "undefined") return;
    var height = mini ? 90 : 210;
    var opts = {
      width: Math.max(plot.clientWidth, 160),
      height: height,
      legend: { show: !mini },
      cursor: { show: !mini, drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: function (u, min, max) { return [0, max > 0 ? max * 1.1 : 1]; } }
      },
      axes: [
        Object.assign({}, AXIS, { size: mini ? 24 : 30, space: mini ? 70 : 60, values: timeTicks }),
        Object.assign({}, AXIS, {
          label: mini ? null : s.unit, labelSize: mini ? 0 : 20, size: mini ? 50 : 60, space: mini ? 24 : 36,
          values: function (u, splits) { return splits.map(function (v) { return tick(key, v); }); }
        })
      ],
      series: [
        { value: "{YYYY}-{MM}-{DD} {HH}:{mm}" },
        { label: s.title, stroke: COLORS[key], fill: FILLS[key], width: 2, spanGaps: false, points: { show: false },
          value: function (u, v) { return full(key, v); } }
      ]
    };
    plot._uplot = new uPlot(opts, [data.times, s.values], plot);
    plot._height = height;
  }

  function drawAll(holder, data) {
    var targets = holder.matches("[data-series]") ? [holder] : [];
    targets = targets.concat(Array.prototype.slice.call(holder.querySelectorAll("[data-series]")));
    targets.forEach(function (el) {
      var plot = el.querySelector("[data-plot]");
      if (plot) draw(holder, plot, data, el.getAttribute("data-series"));
    });
  }

  // Text and accessible labels of the service page after a range switch (the same words the server wrote).
  function retell(holder, data) {
    holder.querySelectorAll("[data-series]").forEach(function (el) {
      var s = series(data, el.getAttribute("data-series"));
      if (!s) return;
      var now = el.querySelector("[data-now]"), label = el.querySelector("[data-now-label]");
      var summary = el.querySelector("[data-summary]"), plot = el.querySelector("[data-plot]");
      if (now) now.textContent = s.current_text;
      if (label) label.textContent = !data.times.length ? "no samples yet" : (data.recent ? "now" : "last known");
      if (summary) summary.textContent = s.summary;
      if (plot) plot.setAttribute("aria-label", s.summary);
    });
    var rangeLabel = holder.querySelector("[data-range-label]");
    if (rangeLabel) rangeLabel.textContent = data.range_label;
    var status = holder.querySelector("[data-chart-status]");
    if (status) {
      status.textContent = !data.times.length ? "No samples over " + data.range_label + " yet: the portal samples every node every minute."
        : (data.recent ? "Last sample " + when(data.last_at) + "; the portal samples every node every minute."
          : "No recent sample: the last one was at " + when(data.last_at) + ".");
    }
    holder.querySelectorAll("[data-range]").forEach(function (a) {
      if (a.getAttribute("data-range") === data.range) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
  }

  function init(root) {
    (root || document).querySelectorAll("[data-chart]").forEach(function (holder) {
      if (holder._chartReady) return;
      holder._chartReady = true;
      try {
        drawAll(holder, JSON.parse(holder.getAttribute("data-chart")));
      } catch (e) {
        holder.classList.add("chart-failed");  // the text above and below the plot still says everything
      }
    });
  }

  function switchRange(link) {
    var holder = link.closest("[data-chart]");
    var url = new URL(holder.getAttribute("data-src"), window.location.href);
    url.searchParams.set("range", link.getAttribute("data-range"));
    holder.setAttribute("aria-busy", "true");
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        holder.setAttribute("data-chart", JSON.stringify(data));
        drawAll(holder, data);
        retell(holder, data);
        var page = new URL(window.location.href);
        page.searchParams.set("range", data.range);
        window.history.replaceState(null, "", page);
      })
      .catch(function () {
        var status = holder.querySelector("[data-chart-status]");
        if (status) status.textContent = "That range could not be loaded; the charts still show the previous one.";
      })
      .finally(function () { holder.removeAttribute("aria-busy"); });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-range]");
    if (!link || !link.closest("[data-chart][data-src]")) return;
    event.preventDefault();
    switchRange(link);
  });

  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      document.querySelectorAll("[data-plot]").forEach(function (plot) {
        if (plot._uplot) plot._uplot.setSize({ width: Math.max(plot.clientWidth, 160), height: plot._height });
      });
    }, 150);
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  // The API-node list is re-rendered by htmx polling: free the plots being swapped out, draw the swapped-in ones.
  document.addEventListener("htmx:beforeSwap", function (event) {
    event.detail.target.querySelectorAll("[data-plot]").forEach(function (plot) {
      if (plot._uplot) { plot._uplot.destroy(); plot._uplot = null; }
    });
  });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
