// The one ECharts theme every jixiao chart uses: calm colours, the page's fonts, band colours kept fixed.
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var font = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  window.echarts.registerTheme("jixiao", {
    color: ["#206bc4", "#2fb344", "#f59f00", "#ae3ec9", "#0ca678", "#d63939", "#4299e1", "#f76707"],
    backgroundColor: "transparent",
    textStyle: { fontFamily: font, color: "#1d273b" },
    title: { textStyle: { fontFamily: font, color: "#1d273b", fontWeight: 600 } },
    categoryAxis: {
      axisLine: { lineStyle: { color: "#d5dbe5" } },
      axisTick: { show: false },
      axisLabel: { color: "#495057" },
      splitLine: { show: false }
    },
    valueAxis: {
      axisLine: { show: false },
      axisLabel: { color: "#6c757d" },
      splitLine: { lineStyle: { color: "#eef0f4" } }
    },
    tooltip: { borderColor: "#e6e8ee", textStyle: { color: "#1d273b", fontFamily: font } }
  });
  // Fixed band colours (S deep green, A green, B blue, C amber, D red), shared with the CSS.
  window.jixiaoBands = { S: "#146c43", A: "#2fb344", B: "#206bc4", C: "#f59f00", D: "#d63939" };
})();
