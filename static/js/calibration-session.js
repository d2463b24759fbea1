// Calibration pages: the open-session form, the guide's running total, the distribution chart (it follows each
// move without a reload) and the member table's expanders. No inline scripts (CSP): data comes from
// <script type="application/json"> and data-* attributes; chart tooltips are canvas rich text, not HTML.
(function () {
  "use strict";
  document.documentElement.classList.add("jxc-js");

  // ---- the open-session form: show the part of the group picker that applies --------------------------------
  var openForm = document.querySelector("[data-jxc-open-form]");
  if (openForm) {
    var radios = openForm.querySelectorAll("input[name=scope]");
    var parts = openForm.querySelectorAll("[data-jxc-scope]");
    var syncScope = function () {
      var chosen = openForm.querySelector("input[name=scope]:checked");
      var value = chosen ? chosen.value : "";
      for (var i = 0; i < parts.length; i++) { parts[i].hidden = parts[i].getAttribute("data-jxc-scope") !== value; }
    };
    for (var r = 0; r < radios.length; r++) { radios[r].addEventListener("change", syncScope); }
    syncScope();
    // Another cycle has other job levels: reload the form with it (keeping what was typed).
    var cycle = openForm.querySelector("select[name=cycle]");
    var refresh = openForm.querySelector("[data-jxc-refresh]");
    if (cycle && refresh) { cycle.addEventListener("change", function () { refresh.click(); }); }
    // Enter in a search box searches rather than opening the session.
    openForm.addEventListener("keydown", function (event) {
      var input = event.target;
      if (event.key !== "Enter" || !input.name || !/_q$/.test(input.name)) { return; }
      event.preventDefault();
      var button = openForm.querySelector(input.name === "review_q" ? "[data-testid=find-reviews]" : "[data-testid=find-people]");
      if (button) { button.click(); }
    });
  }

  // ---- the guide form: the running total --------------------------------------------------------------------
  var guide = document.querySelector("[data-jxc-guide]");
  if (guide) {
    var total = guide.querySelector("[data-jxc-guide-total]");
    var sum = function () {
      var inputs = guide.querySelectorAll("input[type=number]");
      var n = 0;
      for (var i = 0; i < inputs.length; i++) { n += parseInt(inputs[i].value, 10) || 0; }
      total.textContent = String(n);
      total.classList.toggle("text-danger", n !== 100);
    };
    guide.addEventListener("input", sum);
    sum();
  }

  // ---- the member table: open a person (her breakdown, the move control, potential), loaded on first open ---
  function focusIn(row) {
    var field = row.querySelector("[data-jxc-reason]") || row.querySelector("select");
    if (field) { field.focus(); }
  }
  document.addEventListener("click", function (event) {
    var expand = event.target.closest && event.target.closest("[data-jxc-expand]");
    var opener = event.target.closest && event.target.closest("[data-jxc-open]");
    if (!expand && !opener) { return; }
    var id = expand ? expand.getAttribute("aria-controls") : opener.getAttribute("data-jxc-open");
    var row = document.getElementById(id);
    if (!row) { return; }
    event.preventDefault();
    var button = document.querySelector("[aria-controls='" + id + "']");
    var open = opener ? true : row.hidden;
    row.hidden = !open;
    if (button) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
    var cell = row.querySelector("[data-jxc-detail]");
    if (open && cell && !cell.hasAttribute("data-jxc-loaded") && window.htmx) {
      cell.setAttribute("data-jxc-loaded", "");
      window.htmx.ajax("GET", cell.getAttribute("data-jxc-detail"), { source: cell, target: cell, swap: "innerHTML" })
        .then(function () { if (opener) { focusIn(row); } });
    } else if (open && opener) {
      focusIn(row);
    }
  });

  // ---- the status toast fades after a while -----------------------------------------------------------------
  var status = document.getElementById("jxc-status");
  var timer = null;
  document.body.addEventListener("htmx:afterSettle", function () {
    if (!status || !status.textContent.trim()) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { status.innerHTML = ""; }, 5000);
  });

  // ---- the distribution chart: now against the guide, per rating --------------------------------------------
  var el = document.getElementById("jxc-chart");
  var dataEl = document.getElementById("jxc-chart-data");
  if (!el || !dataEl || !window.echarts) { return; }
  var data = JSON.parse(dataEl.textContent);
  function clean(s) { return String(s == null ? "" : s).replace(/[{}|]/g, " "); }
  var chart = window.echarts.init(el, "jixiao", { renderer: "canvas" });
  function option() {
    return {
      grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
      legend: { top: 0, itemWidth: 12, itemHeight: 10, textStyle: { fontSize: 11 }, data: [clean(data.text.actual), clean(data.text.guide)] },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        renderMode: "richText",
        formatter: function (params) {
          if (!params.length) { return ""; }
          var i = params[0].dataIndex;
          return clean(data.codes[i] + " " + data.labels[i]) + "\n" +
            clean(data.text.actual) + ": " + data.counts[i] + " " + clean(data.text.people) + " (" + data.shares[i] + "%)\n" +
            clean(data.text.guide) + ": " + data.guide[i] + "%";
        }
      },
      xAxis: {
        type: "category",
        axisLabel: { interval: 0, lineHeight: 14 },
        data: data.codes.map(function (c, i) { return c + "\n" + clean(data.labels[i]); })
      },
      yAxis: { type: "value", min: 0, axisLabel: { formatter: "{value}%" } },
      series: [
        {
          name: clean(data.text.actual),
          type: "bar",
          barMaxWidth: 34,
          itemStyle: { color: "#206bc4" },
          label: { show: true, position: "top", fontSize: 11, formatter: function (p) { return data.counts[p.dataIndex]; } },
          data: data.shares.map(function (v, i) { return { value: v, itemStyle: { color: data.colours[i] } }; })
        },
        {
          name: clean(data.text.guide),
          type: "bar",
          barMaxWidth: 34,
          itemStyle: { color: "#dfe3ea", borderColor: "#aab4c3", borderType: "dashed", borderWidth: 1 },
          data: data.guide
        }
      ]
    };
  }
  chart.setOption(option());
  window.addEventListener("resize", function () { chart.resize(); });
  // After a move the server says what the counts are now (HX-Trigger "jxc:changed").
  document.body.addEventListener("jxc:changed", function (event) {
    var detail = event.detail || {};
    if (!detail.counts || !detail.shares) { return; }
    data.counts = detail.counts;
    data.shares = detail.shares;
    chart.setOption(option());
  });
})();
