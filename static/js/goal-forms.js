// Company goal forms: add and remove numbered rows (attainment table, key results of a template) and
// submit a filter <select> when it changes. Rows are plain inputs named <prefix>_<n> / kr-<n>-<field>;
// the server reads whatever numbers arrive, so gaps left by removed rows do not matter.
(function () {
  "use strict";

  function addRow(button) {
    var kind = button.getAttribute("data-jx-add-row");
    var body = document.querySelector("[data-jx-rows='" + kind + "']");
    var template = document.querySelector("template[data-jx-row-template='" + kind + "']");
    if (!body || !template) { return; }
    var index = Number(body.getAttribute("data-next-index")) || 0;
    body.setAttribute("data-next-index", String(index + 1));
    var html = template.innerHTML.replace(/__i__/g, String(index));
    var holder = document.createElement("tbody");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    if (!row) { return; }
    body.appendChild(row);
    var first = row.querySelector("input, select, textarea");
    if (first) { first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) { return; }
    var add = target.closest("[data-jx-add-row]");
    if (add) {
      event.preventDefault();
      addRow(add);
      return;
    }
    var remove = target.closest("[data-jx-remove-row]");
    if (remove) {
      event.preventDefault();
      var row = remove.closest("[data-jx-row]");
      if (row && row.parentElement) {
        var next = row.nextElementSibling || row.previousElementSibling;
        row.parentElement.removeChild(row);
        var focus = next && next.querySelector("input, select");
        if (focus) { focus.focus(); }
      }
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target instanceof HTMLSelectElement && target.hasAttribute("data-jx-autosubmit") && target.form) {
      target.form.submit();
    }
  });
})();
