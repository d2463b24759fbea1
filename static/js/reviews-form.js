// Pages people write and read reviews on. No inline scripts (the CSP forbids them): data comes from
// json_script blocks and data-* attributes.
// - The review form saves a draft through htmx after a short pause (the form's hx-post); this file
//   lets htmx show the 400/409 answers, stops saving after a stale save (nothing typed is ever replaced),
//   and makes Submit wait for a save in flight so the version it sends is the current one.
// - The breakdown chart: each section's contribution to the final score (the table is its text alternative).
// - The cycle filter on the team page submits on change.
(function () {
  "use strict";

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var button = select.form && select.form.querySelector("[data-autosubmit-button]");
    if (button) { button.classList.add("visually-hidden"); }
    select.addEventListener("change", function () { select.form.submit(); });
  });

  var form = document.querySelector("form[data-reviews-form]");
  if (form) {
    // After a refused submit, bring the first item to fix into view.
    var firstError = form.querySelector(".jxr-has-error");
    if (firstError) {
      firstError.scrollIntoView({ block: "center" });
      var input = firstError.querySelector("input, textarea");
      if (input) { input.focus({ preventScroll: true }); }
    }

    var status = document.getElementById("jxr-save-status");
    var dirty = false;
    var pendingSubmitter = null;

    form.addEventListener("input", function () { dirty = true; });

    // htmx leaves 4xx answers unswapped by default; ours carry the message to show.
    form.addEventListener("htmx:beforeSwap", function (event) {
      var code = event.detail.xhr.status;
      if (code === 400 || code === 409) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });

    form.addEventListener("htmx:beforeRequest", function (event) {
      if (form.dataset.stale === "1" || form.dataset.submitting === "1") {
        event.preventDefault();
        return;
      }
      form.querySelectorAll("[data-live-error]").forEach(function (el) { el.textContent = ""; });
      form.classList.add("jxr-saving");
    });

    form.addEventListener("htmx:afterRequest", function (event) {
      form.classList.remove("jxr-saving");
      var code = event.detail.xhr ? event.detail.xhr.status : 0;
      if (code === 200) {
        dirty = false;
      } else if (code === 409) {
        // Stale or closed: stop saving; what was typed stays in the page.
        form.dataset.stale = "1";
        form.removeAttribute("hx-post");
      } else if (code === 0 && status) {
        status.textContent = status.getAttribute("data-offline") || "";
      }
      if (pendingSubmitter) {
        var submitter = pendingSubmitter;
        pendingSubmitter = null;
        form.dataset.submitting = "1";
        if (form.requestSubmit) { form.requestSubmit(submitter); } else { submitter.click(); }
      }
    });

    form.addEventListener("submit", function (event) {
      if (form.classList.contains("htmx-request") && !pendingSubmitter) {
        // A draft save is on its way: submit once it is back, with the version it returns.
        event.preventDefault();
        pendingSubmitter = event.submitter || form.querySelector("button[type=submit][value=submit]");
        return;
      }
      form.dataset.submitting = "1";
      dirty = false;
    });

    window.addEventListener("beforeunload", function (event) {
      if (dirty && form.dataset.submitting !== "1") {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  // Breakdown chart: contribution of each section to the final score.
  var dataEl = document.getElementById("jxr-chart-data");
  var chartEl = document.getElementById("jxr-chart");
  if (dataEl && chartEl && window.echarts) {
    var data = JSON.parse(dataEl.textContent);
    if (data && data.sections) {
      var words = JSON.parse(document.getElementById("jxr-chart-i18n").textContent);
      var bands = window.jixiaoBands || {};
      var colour = bands[data.band] || "#206bc4";
      var rows = data.sections.slice().reverse();
      var chart = window.echarts.init(chartEl, "jixiao", { renderer: "canvas" });
      chartEl.style.height = Math.max(140, 48 * rows.length + 50) + "px";
      chart.resize();
      chart.setOption({
        animation: false,
        grid: { left: 8, right: 48, top: 8, bottom: 24, containLabel: true },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          formatter: function (items) {
            var item = items[0];
            var row = rows[item.dataIndex];
            var esc = window.echarts.format.encodeHTML;
            return esc(item.name) + "<br>" + esc(words.contribution) + ": " + item.value +
              (row.score ? "<br>" + esc(words.score) + ": " + esc(row.score) : "");
          }
        },
        xAxis: { type: "value", min: 0 },
        yAxis: { type: "category", data: rows.map(function (r) { return r.title; }) },
        series: [{
          name: words.contribution,
          type: "bar",
          barMaxWidth: 26,
          itemStyle: { color: colour, borderRadius: [0, 4, 4, 0] },
          label: { show: true, position: "right", formatter: function (p) { return p.value; } },
          data: rows.map(function (r) { return r.contribution; })
        }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }
  }
})();
