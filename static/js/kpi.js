// KPI pages: sparklines on the board (also for rows added by "Show more"), the trend chart of one target,
// and filters that apply on change. Data comes from data-* attributes and json_script blocks (CSP: no inline JS).
(function () {
  "use strict";

  function numbers(text) {
    return String(text || "").split(",").filter(function (s) { return s !== ""; }).map(Number);
  }

  function sparkline(el) {
    if (!window.echarts || el.getAttribute("data-ready")) { return; }
    el.setAttribute("data-ready", "1");
    var values = numbers(el.getAttribute("data-kpi-spark"));
    var target = Number(el.getAttribute("data-target"));
    var chart = window.echarts.init(el, "jixiao", { renderer: "svg" });
    var lo = Math.min.apply(null, values.concat([target]));
    var hi = Math.max.apply(null, values.concat([target]));
    chart.setOption({
      animation: false,
      grid: { left: 2, right: 2, top: 3, bottom: 3 },
      xAxis: { type: "category", show: false, boundaryGap: false, data: values.map(function (_, i) { return i; }) },
      yAxis: { type: "value", show: false, min: lo, max: hi === lo ? lo + 1 : hi },
      series: [{
        type: "line", data: values, symbol: values.length === 1 ? "circle" : "none", symbolSize: 4,
        lineStyle: { width: 1.6, color: "#206bc4" }, itemStyle: { color: "#206bc4" },
        areaStyle: { color: "rgba(32,107,196,.08)" },
        markLine: {
          silent: true, symbol: "none", label: { show: false },
          lineStyle: { type: "dashed", color: "#2fb344", width: 1 }, data: [{ yAxis: target }]
        }
      }]
    });
  }

  function sparklines(root) {
    (root || document).querySelectorAll("[data-kpi-spark]").forEach(sparkline);
  }

  function trendChart() {
    var el = document.getElementById("kpi-trend");
    var dataEl = document.getElementById("kpi-trend-data");
    var textEl = document.getElementById("kpi-trend-i18n");
    if (!el || !dataEl || !textEl || !window.echarts) { return; }
    var d = JSON.parse(dataEl.textContent);
    var t = JSON.parse(textEl.textContent);
    var marks = [
      { name: t.baseline, yAxis: d.baseline, lineStyle: { color: "#868e96" } },
      { name: t.target, yAxis: d.target, lineStyle: { color: "#2fb344" } }
    ];
    if (d.stretch !== null) { marks.push({ name: t.stretch, yAxis: d.stretch, lineStyle: { color: "#146c43" } }); }
    var all = d.values.concat(marks.map(function (m) { return m.yAxis; }));
    var lo = Math.min.apply(null, all);
    var hi = Math.max.apply(null, all);
    var pad = (hi - lo) * 0.08 || 1;
    var fmt = function (v) { return Number(v).toLocaleString(document.documentElement.lang || undefined); };
    var chart = window.echarts.init(el, "jixiao", { renderer: "canvas" });
    chart.setOption({
      grid: { left: 12, right: 44, top: 24, bottom: 28, containLabel: true },
      tooltip: { trigger: "axis", valueFormatter: fmt },
      xAxis: { type: "category", data: d.dates, boundaryGap: d.dates.length === 1 },
      yAxis: {
        type: "value", scale: true, axisLabel: { formatter: fmt },
        // Never below zero when every number is positive: an axis starting at -360,000 reads as a loss.
        min: lo >= 0 ? Math.max(0, lo - pad) : lo - pad, max: hi + pad
      },
      series: [{
        name: t.actual, type: "line", data: d.values, symbolSize: 7, lineStyle: { width: 2.5 },
        markLine: {
          silent: true, symbol: "none",
          lineStyle: { type: "dashed", width: 1.5 },
          label: { position: "insideEndTop", formatter: function (p) { return p.name + ": " + fmt(p.value); } },
          data: marks
        }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  // Filters on the board apply as soon as they change (a <noscript> button covers pages without JS).
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // The target form shows the employee number or the department, whichever "For" is chosen.
  function ownerToggle() {
    var radios = document.querySelectorAll("input[name=owner]");
    if (!radios.length) { return; }
    function apply() {
      var checked = document.querySelector("input[name=owner]:checked");
      var dept = checked && checked.value === "department";
      var person = document.querySelector("[data-testid=field-employee_number]");
      var department = document.querySelector("[data-testid=field-department]");
      if (person) { person.hidden = dept; }
      if (department) { department.hidden = !dept; }
    }
    radios.forEach(function (r) { r.addEventListener("change", apply); });
    apply();
  }

  sparklines(document);
  trendChart();
  ownerToggle();
  document.body.addEventListener("htmx:load", function (event) { sparklines(event.target); });
})();
