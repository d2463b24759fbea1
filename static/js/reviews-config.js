// Review configuration forms: add, remove and move numbered rows (scale levels and bands, a model's
// competencies, a template's sections and their questions), show the parts of a section its kind needs,
// and keep a live sum of the scored sections' weights that turns red unless it is 100.
// Inputs are named <prefix>-<n>-<field>; the server reads rows in the order the page sends them, so gaps
// and moved rows need no renumbering.
(function () {
  "use strict";

  var QUESTIONS = "questions";

  function parseNumber(text) {
    var value = Number(String(text || "").replace(/,/g, "").trim());
    return isFinite(value) ? value : 0;
  }

  function updateTotal() {
    var form = document.querySelector("[data-rc-weights]");
    if (!form) { return; }
    var total = 0;
    form.querySelectorAll("[data-rc-section]").forEach(function (section) {
      var kind = section.querySelector("[data-rc-kind]");
      if (kind && kind.value === QUESTIONS) { return; }
      var weight = section.querySelector("[data-rc-weight]");
      total += parseNumber(weight && weight.value);
    });
    total = Math.round(total * 100) / 100;
    var ok = total === 100;
    var box = form.querySelector("[data-rc-total-box]");
    var out = form.querySelector("[data-rc-total]");
    var hint = form.querySelector("[data-rc-total-hint]");
    if (out) { out.textContent = String(total); }
    if (box) {
      box.classList.toggle("rcfg-total-ok", ok);
      box.classList.toggle("rcfg-total-bad", !ok);
    }
    if (hint) { hint.textContent = hint.getAttribute(ok ? "data-ok" : "data-bad") || ""; }
  }

  function syncSection(section) {
    var select = section.querySelector("[data-rc-kind]");
    if (!select) { return; }
    var kind = select.value;
    section.querySelectorAll("[data-rc-show]").forEach(function (part) {
      part.classList.toggle("d-none", part.getAttribute("data-rc-show") !== kind);
    });
    section.querySelectorAll("[data-rc-hide]").forEach(function (part) {
      part.classList.toggle("invisible", part.getAttribute("data-rc-hide") === kind);
    });
    var weight = section.querySelector("[data-rc-weight]");
    if (weight) {
      if (kind === QUESTIONS) {
        weight.value = "0";
        weight.readOnly = true;
      } else {
        weight.readOnly = false;
      }
    }
  }

  function syncChip(input) {
    var row = input.closest("[data-rc-row]");
    var chip = row && row.querySelector("[data-rc-chip]");
    if (!chip) { return; }
    var code = input.value.trim().toUpperCase();
    chip.textContent = code || "?";
    chip.className = "jx-band " + ("SABCD".indexOf(code) >= 0 && code.length === 1 ? "jx-band-" + code : "rcfg-band-other");
  }

  function addRow(button) {
    var kind = button.getAttribute("data-rc-add");
    var scope = kind === "question" ? button.closest("[data-rc-scope]") : document;
    var body = scope && scope.querySelector("[data-rc-rows='" + kind + "']");
    var template = document.querySelector("template[data-rc-template='" + kind + "']");
    if (!body || !template) { return; }
    var index = Number(body.getAttribute("data-next-index")) || 0;
    body.setAttribute("data-next-index", String(index + 1));
    var html = template.innerHTML;
    if (kind === "question") {
      html = html.replace(/__i__/g, scope.getAttribute("data-rc-index") || "0").replace(/__j__/g, String(index));
    } else {
      html = html.replace(/__i__/g, String(index));
    }
    var holder = document.createElement(body.tagName === "TBODY" ? "tbody" : "div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    if (!row) { return; }
    body.appendChild(row);
    if (row.hasAttribute("data-rc-section")) { syncSection(row); }
    updateTotal();
    var first = row.querySelector("input:not([type=checkbox]):not([readonly]), select, textarea");
    if (first) { first.focus(); }
  }

  function removeRow(button) {
    var row = button.closest("[data-rc-row]");
    if (!row || !row.parentElement) { return; }
    var next = row.nextElementSibling || row.previousElementSibling;
    row.parentElement.removeChild(row);
    updateTotal();
    var focus = next && next.querySelector("input, select");
    if (focus) { focus.focus(); }
  }

  function moveRow(button) {
    var row = button.closest("[data-rc-row]");
    if (!row || !row.parentElement) { return; }
    var up = button.getAttribute("data-rc-move") === "up";
    var sibling = up ? row.previousElementSibling : row.nextElementSibling;
    while (sibling && !sibling.hasAttribute("data-rc-row")) {
      sibling = up ? sibling.previousElementSibling : sibling.nextElementSibling;
    }
    if (!sibling) { return; }
    row.parentElement.insertBefore(row, up ? sibling : sibling.nextElementSibling);
    button.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var add = target.closest("[data-rc-add]");
    if (add) { event.preventDefault(); addRow(add); return; }
    var remove = target.closest("[data-rc-remove]");
    if (remove) { event.preventDefault(); removeRow(remove); return; }
    var move = target.closest("[data-rc-move]");
    if (move) { event.preventDefault(); moveRow(move); }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    if (target.hasAttribute("data-rc-kind")) {
      var section = target.closest("[data-rc-section]");
      if (section) { syncSection(section); }
      updateTotal();
    }
  });

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    if (target.hasAttribute("data-rc-weight")) { updateTotal(); }
    if (target.hasAttribute("data-rc-band-code")) { syncChip(target); }
  });

  document.querySelectorAll("[data-rc-section]").forEach(syncSection);
  updateTotal();
})();
