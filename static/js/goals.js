// Personal and team goal pages: the period picker, key-result rows on the objective form, and the
// check-in history charts. No inline scripts (the CSP forbids them): data comes from json_script blocks.
(function () {
  "use strict";

  // Period picker: choosing a period shows it; the button stays for keyboards and when scripts are off.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var button = select.form && select.form.querySelector("[data-autosubmit-button]");
    if (button) { button.classList.add("visually-hidden"); }
    select.addEventListener("change", function () { select.form.submit(); });
  });

  // Key results: "add" clones the formset's empty form, "remove" ticks DELETE and hides the row, so the
  // server still sees every row and nothing typed elsewhere is lost.
  var list = document.querySelector("[data-kr-list]");
  var addButton = document.querySelector("[data-kr-add]");
  var template = document.getElementById("jxg-kr-template");
  if (list && addButton && template) {
    var prefix = addButton.getAttribute("data-prefix");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    var refresh = function () {
      var visible = list.querySelectorAll("[data-kr-row]:not(.jxg-removed)").length;
      addButton.disabled = max ? Number(total.value) >= Number(max.value) : false;
      list.setAttribute("data-rows", String(visible));
    };
    addButton.addEventListener("click", function () {
      var index = Number(total.value);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      list.appendChild(row);
      total.value = String(index + 1);
      var first = row.querySelector("input[type=text], input:not([type=hidden]):not([type=checkbox])");
      if (first) { first.focus(); }
      refresh();
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest("[data-kr-remove]");
      if (!button) { return; }
      var row = button.closest("[data-kr-row]");
      var box = row.querySelector("input[type=checkbox][name$='-DELETE']");
      if (box) { box.checked = true; }
      row.classList.add("jxg-removed");
      refresh();
    });
    refresh();
  }

  // Check-in history: progress (%) over time, one small line chart per key result.
  var dataEl = document.getElementById("jxg-chart-data");
  if (dataEl && window.echarts) {
    var series = JSON.parse(dataEl.textContent);
    var words = JSON.parse(document.getElementById("jxg-chart-i18n").textContent);
    var byId = {};
    series.forEach(function (s) { byId[String(s.id)] = s; });
    var charts = [];
    document.querySelectorAll("[data-goal-chart]").forEach(function (el) {
      var s = byId[el.getAttribute("data-goal-chart")];
      if (!s) { return; }
      var top = 100;
      s.points.forEach(function (p) { top = Math.max(top, Math.ceil(p[1] / 10) * 10); });
      var chart = window.echarts.init(el, "jixiao", { renderer: "canvas" });
      chart.setOption({
        animation: false,
        grid: { left: 44, right: 16, top: 16, bottom: 28 },
        tooltip: {
          trigger: "axis",
          valueFormatter: function (v) { return v + "%"; }
        },
        xAxis: {
          type: "time",
          min: s.from ? function (v) { return Math.min(v.min, Date.parse(s.from)); } : null,
          max: s.to ? function (v) { return Math.max(v.max, Date.parse(s.to) + 86400000); } : null
        },
        yAxis: { type: "value", min: 0, max: top, axisLabel: { formatter: "{value}%" } },
        series: [{
          name: words.progress,
          type: "line",
          step: false,
          symbolSize: 7,
          data: s.points,
          areaStyle: { opacity: 0.08 },
          markLine: { silent: true, symbol: "none", label: { show: false }, lineStyle: { type: "dashed", color: "#2fb344" }, data: [{ yAxis: 100 }] }
        }]
      });
      charts.push(chart);
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
})();
