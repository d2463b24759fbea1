// Appeal pages: filters that apply on change, the file picker's count and size check, the decide form's
// "changed" fields, and the report's stacked bar chart. No inline scripts (CSP): data comes from
// <script type="application/json"> and data-* attributes; tooltips are canvas rich text, not HTML.
(function () {
  "use strict";

  // Filters apply as soon as they change (the Show button stays for keyboards and no-JS).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.hasAttribute && target.hasAttribute("data-jxa-autosubmit") && target.form) {
      target.form.submit();
    }
  });

  // The file picker: say at once when there are too many files or one is too large (the server checks again).
  var picker = document.querySelector("[data-jxa-max-files]");
  var check = document.querySelector("[data-jxa-file-check]");
  if (picker && check) {
    picker.addEventListener("change", function () {
      var max = parseInt(picker.getAttribute("data-jxa-max-files"), 10);
      var maxBytes = parseInt(picker.getAttribute("data-jxa-max-bytes"), 10);
      var problems = [];
      if (picker.files.length > max) { problems.push(picker.getAttribute("data-jxa-too-many")); }
      for (var i = 0; i < picker.files.length; i++) {
        if (picker.files[i].size > maxBytes) {
          problems.push("“" + picker.files[i].name + "” " + picker.getAttribute("data-jxa-too-big"));
        }
      }
      check.textContent = problems.join(" ");
      picker.classList.toggle("is-invalid", problems.length > 0);
    });
  }

  // The decide form: the new rating and corrected scores matter only for "Change the result".
  var decide = document.querySelector("[data-jxa-decide]");
  if (decide) {
    var change = decide.querySelector("[data-jxa-change]");
    var radios = decide.querySelectorAll("input[name=outcome_state]");
    var sync = function () {
      var chosen = decide.querySelector("input[name=outcome_state]:checked");
      var hasValues = Array.prototype.some.call(change.querySelectorAll("input, select"), function (el) { return el.value !== ""; });
      change.hidden = !(chosen ? chosen.value === "changed" : hasValues);
    };
    for (var r = 0; r < radios.length; r++) { radios[r].addEventListener("change", sync); }
    sync();
  }

  // The report: each department's appeals stacked by state (counts; the table below has the same numbers).
  var el = document.getElementById("jxa-report-chart");
  var dataEl = document.getElementById("jxa-report-data");
  if (!el || !dataEl || !window.echarts) { return; }
  var data = JSON.parse(dataEl.textContent);
  var COLORS = { submitted: "#f59f00", under_review: "#74a9e8", upheld: "#206bc4", changed: "#2fb344", rejected: "#ae3ec9" };
  function clean(s) { return String(s == null ? "" : s).replace(/[{}|]/g, " "); }
  function cut(s, n) { s = clean(s); return s.length > n ? s.slice(0, n - 1) + "…" : s; }
  var names = data.departments.slice().reverse();  // the first row on top
  el.style.height = Math.max(200, names.length * 34 + 90) + "px";
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
        var total = params.reduce(function (sum, p) { return sum + (p.value || 0); }, 0);
        var lines = [clean(names[params[0].dataIndex]) + " · " + total + " " + clean(data.appeals)];
        params.forEach(function (p) { if (p.value) { lines.push(clean(p.seriesName) + ": " + p.value); } });
        return lines.join("\n");
      }
    },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: names.map(function (n) { return cut(n, 16); }), axisLabel: { width: 130, overflow: "truncate" } },
    series: data.series.map(function (s) {
      return {
        name: s.name,
        type: "bar",
        stack: "states",
        barMaxWidth: 22,
        itemStyle: { color: COLORS[s.key] || "#7a8aa5" },
        emphasis: { focus: "series" },
        data: s.data.slice().reverse()
      };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
