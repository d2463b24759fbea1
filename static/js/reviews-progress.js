// HR's review-cycle pages: confirmations, the cycle form's skip-level dates, the release scope picker and the
// stacked bar chart of review states per department. No inline scripts (CSP): data comes from
// <script type="application/json"> and data-* attributes; tooltips are canvas rich text, not HTML.
(function () {
  "use strict";

  // Forms that do something hard to undo ask first.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-jxrc-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });

  // The cycle form: the skip-level phase's dates matter only when skip-level approval is ticked.
  var skip = document.getElementById("id_skip_level");
  var skipRows = document.querySelectorAll("[data-jxrc-skip-row]");
  function syncSkip() {
    for (var i = 0; i < skipRows.length; i++) { skipRows[i].hidden = !skip.checked; }
  }
  if (skip && skipRows.length) {
    skip.addEventListener("change", syncSkip);
    syncSkip();
  }

  // The same for the calibration phase's dates and the calibration checkbox (decision 0011).
  var calibration = document.getElementById("id_calibration");
  var calibrationRows = document.querySelectorAll("[data-jxrc-calibration-row]");
  function syncCalibration() {
    for (var i = 0; i < calibrationRows.length; i++) { calibrationRows[i].hidden = !calibration.checked; }
  }
  if (calibration && calibrationRows.length) {
    calibration.addEventListener("change", syncCalibration);
    syncCalibration();
  }

  // The release page: picking what to release counts it at once.
  var scope = document.querySelector("[data-testid=release-scope] select");
  if (scope) {
    scope.addEventListener("change", function () { scope.form.submit(); });
  }

  // Stacked bars: the share of each department's reviews in each state (counts in the tooltip and the table).
  var el = document.getElementById("jxrc-state-chart");
  var dataEl = document.getElementById("jxrc-state-data");
  if (!el || !dataEl || !window.echarts) { return; }
  var data = JSON.parse(dataEl.textContent);
  var COLORS = {
    self_review: "#adb5bd", manager_review: "#f59f00", skip_level: "#ae3ec9", ready: "#74a9e8",
    released: "#206bc4", acknowledged: "#2fb344", disagreed: "#d63939"
  };
  function clean(s) { return String(s == null ? "" : s).replace(/[{}|]/g, " "); }
  function cut(s, n) { s = clean(s); return s.length > n ? s.slice(0, n - 1) + "…" : s; }
  var names = data.departments.slice().reverse();  // the first row on top
  var totals = names.map(function (_n, i) {
    var j = names.length - 1 - i;
    return data.series.reduce(function (sum, s) { return sum + s.data[j]; }, 0);
  });
  el.style.height = Math.max(180, names.length * 34 + 80) + "px";
  var chart = window.echarts.init(el, "jixiao", { renderer: "canvas" });
  chart.setOption({
    grid: { left: 8, right: 24, top: 8, bottom: 40, containLabel: true },
    legend: { bottom: 0, itemWidth: 12, itemHeight: 10, textStyle: { fontSize: 11 } },
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      renderMode: "richText",
      formatter: function (params) {
        if (!params.length) { return ""; }
        var i = params[0].dataIndex;
        var lines = [clean(names[i]) + " · " + totals[i] + " " + clean(data.reviews)];
        params.forEach(function (p) {
          if (p.data && p.data.count) { lines.push(clean(p.seriesName) + ": " + p.data.count + " (" + p.data.value + "%)"); }
        });
        return lines.join("\n");
      }
    },
    xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
    yAxis: { type: "category", data: names.map(function (n) { return cut(n, 16); }), axisLabel: { width: 130, overflow: "truncate" } },
    series: data.series.map(function (s) {
      var values = s.data.slice().reverse();
      return {
        name: s.name,
        type: "bar",
        stack: "states",
        barMaxWidth: 20,
        itemStyle: { color: COLORS[s.key] || "#7a8aa5" },
        emphasis: { focus: "series" },
        data: values.map(function (count, i) {
          return { value: totals[i] ? Math.round(count * 1000 / totals[i]) / 10 : 0, count: count };
        })
      };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
