// Home page: the headcount-by-unit bar chart. Its numbers are also in the table beside it.
(function () {
  "use strict";
  var el = document.getElementById("jx-units-chart");
  var dataEl = document.getElementById("jx-units-data");
  if (!el || !dataEl || !window.echarts) { return; }
  var data = JSON.parse(dataEl.textContent);
  // Biggest unit on top: a horizontal bar chart reads like a ranked list and keeps long names legible.
  var units = data.units.slice().sort(function (a, b) { return a.value - b.value; });
  el.style.height = Math.max(220, units.length * 38 + 40) + "px";
  var chart = window.echarts.init(el, "jixiao", { renderer: "canvas" });
  chart.setOption({
    grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: {
      type: "category",
      data: units.map(function (u) { return u.name; }),
      axisLabel: { width: 130, overflow: "truncate" }
    },
    series: [{
      name: data.label,
      type: "bar",
      barMaxWidth: 22,
      data: units.map(function (u) { return { value: u.value, url: u.url }; }),
      itemStyle: { borderRadius: [0, 4, 4, 0], color: "#206bc4" },
      label: { show: true, position: "right", color: "#495057", fontWeight: 600 },
      cursor: "pointer"
    }]
  });
  chart.on("click", function (p) {
    if (p.data && p.data.url) { window.location.href = p.data.url; }
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
