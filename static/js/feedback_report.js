// The 360 report's radar: self, others and manager per competency, in the shared ECharts theme. The table
// on the page has the same numbers (the chart's text alternative). No inline script: data comes from
// json_script blocks (the CSP forbids inline scripts).
(function () {
  "use strict";
  var dataEl = document.getElementById("jxfr-radar-data");
  var chartEl = document.getElementById("jxfr-radar");
  if (!dataEl || !chartEl || !window.echarts) { return; }
  var data = JSON.parse(dataEl.textContent);
  if (!data || !data.indicators || !data.series || !data.series.length) { return; }
  // The same colours as the table's keys and the PDF: self blue, others green, manager amber.
  var colours = { self: "#206bc4", others: "#2fb344", manager: "#f59f00" };
  var low = data.indicators[0].min;
  var chart = window.echarts.init(chartEl, "jixiao", { renderer: "canvas" });
  chart.setOption({
    animation: false,
    legend: { bottom: 0, data: data.series.map(function (s) { return s.name; }) },
    tooltip: { trigger: "item", confine: true },
    radar: {
      indicator: data.indicators.map(function (i) { return { name: i.name, max: i.max, min: i.min }; }),
      // Narrow screens: a smaller web leaves room for the competencies' names around it.
      radius: chartEl.clientWidth < 420 ? "36%" : chartEl.clientWidth < 560 ? "48%" : "62%",
      center: ["50%", "48%"],
      splitNumber: Math.max(1, Math.round(data.indicators[0].max - low)),
      axisName: { color: "#495057" },
      splitLine: { lineStyle: { color: "#d5dbe5" } },
      splitArea: { show: false }
    },
    series: [{
      type: "radar",
      data: data.series.map(function (s) {
        var colour = colours[s.key] || "#206bc4";
        return {
          name: s.name,
          // A competency without a number (a group too small to show) sits at the centre; the table says "—".
          value: s.values.map(function (v) { return v === null ? low : v; }),
          symbolSize: 5,
          lineStyle: { color: colour, width: 2 },
          itemStyle: { color: colour },
          areaStyle: { color: colour, opacity: 0.12 }
        };
      })
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
