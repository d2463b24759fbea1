// 360° feedback settings and rater nomination pages (decision 0009). No inline scripts (CSP): data comes
// from <script type="application/json"> and data-* attributes.
// - the template editor: a 360° section also shows the competency model and question parts (reviews-config.js
//   shows one kind's parts only, and runs first), and keeps a live sum of its rater groups' weights;
// - the cycle form: the 360 phases and settings show only for a template with a 360° section, and the
//   suggested dates switch to back-to-back ones with the 360 phases (and the calibration phase when it is
//   ticked) while they are still the suggested ones;
// - nomination pages: forms that remove someone ask first.
(function () {
  "use strict";

  function parseNumber(text) {
    var value = Number(String(text || "").replace(/,/g, "").trim());
    return isFinite(value) ? value : 0;
  }

  // ---- the template editor --------------------------------------------------------------------------

  function syncAlso(section) {
    var select = section.querySelector("[data-rc-kind]");
    if (!select) { return; }
    section.querySelectorAll("[data-fb-also]").forEach(function (part) {
      if (part.getAttribute("data-fb-also") === select.value) { part.classList.remove("d-none"); }
    });
  }

  function syncGroups(section) {
    var box = section.querySelector("[data-fb-section]");
    if (!box) { return; }
    var total = 0;
    box.querySelectorAll("[data-fb-group]").forEach(function (row) {
      var used = row.querySelector("[data-fb-use]");
      var weight = row.querySelector("[data-fb-weight]");
      var on = !!(used && used.checked);
      row.classList.toggle("jxn-off", !on);
      if (on) { total += parseNumber(weight && weight.value); }
    });
    total = Math.round(total * 100) / 100;
    var ok = total === 100;
    var out = box.querySelector("[data-fb-total]");
    var hint = box.querySelector("[data-fb-hint]");
    var holder = box.querySelector("[data-fb-total-box]");
    if (out) { out.textContent = String(total); }
    if (hint) { hint.textContent = hint.getAttribute(ok ? "data-ok" : "data-bad") || ""; }
    if (holder) {
      holder.classList.toggle("jxn-total-ok", ok);
      holder.classList.toggle("jxn-total-bad", !ok);
    }
  }

  function sectionOf(target) {
    return target.closest ? target.closest("[data-rc-section]") : null;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var section = sectionOf(target);
    if (!section) { return; }
    if (target.hasAttribute("data-rc-kind")) { syncAlso(section); }
    if (target.hasAttribute("data-rc-kind") || target.hasAttribute("data-fb-use")) { syncGroups(section); }
  });

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!(target instanceof Element) || !target.hasAttribute("data-fb-weight")) { return; }
    var section = sectionOf(target);
    if (section) { syncGroups(section); }
  });

  document.querySelectorAll("[data-rc-section]").forEach(function (section) {
    syncAlso(section);
    syncGroups(section);
  });

  // ---- the cycle form -------------------------------------------------------------------------------

  var cycleData = document.getElementById("jxn-cycle-360");
  var templateSelect = document.getElementById("id_template");
  if (cycleData && templateSelect) {
    var data = JSON.parse(cycleData.textContent);
    var parts = document.querySelectorAll("[data-jxn-360]");
    var has360 = function () { return data.templates.indexOf(Number(templateSelect.value)) >= 0; };
    var inputs = function (kind) {
      return [document.getElementById("id_phase_" + kind + "_start"), document.getElementById("id_phase_" + kind + "_due")];
    };
    var matches = function (dates) {
      var kinds = Object.keys(dates || {});
      return kinds.length > 0 && kinds.every(function (kind) {
        var pair = inputs(kind);
        return !pair[0] || !pair[1] || (pair[0].value === dates[kind][0] && pair[1].value === dates[kind][1]);
      });
    };
    var apply = function (dates) {
      Object.keys(dates).forEach(function (kind) {
        var pair = inputs(kind);
        if (pair[0] && pair[1]) { pair[0].value = dates[kind][0]; pair[1].value = dates[kind][1]; }
      });
    };
    // Four sets of suggested dates: with or without the 360 phases, with or without calibration (issue 7).
    var calibration = document.getElementById("id_calibration");
    var key = function () {
      return (has360() ? "with360" : "plain") + (calibration && calibration.checked ? "Calibration" : "");
    };
    var last = key();
    var sync = function (first) {
      var on = has360();
      var now = key();
      parts.forEach(function (part) { part.hidden = !on; });
      if (!first && now !== last && data[now] && matches(data[last])) { apply(data[now]); }
      last = now;
    };
    templateSelect.addEventListener("change", function () { sync(false); });
    if (calibration) { calibration.addEventListener("change", function () { sync(false); }); }
    sync(true);
  }

  // ---- nomination pages -----------------------------------------------------------------------------

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-jxn-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
