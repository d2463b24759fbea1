// The 9-box of a calibration session: performance rows (from the rating) × potential columns, with plain HTML5
// drag and drop. Dropping a person into another row opens the move dialog with a suggested rating (a move needs
// a reason, like any other); into another column saves her potential. Each person is also a button that opens
// the same dialog, so the grid works with the keyboard; without script the member table does all of this.
(function () {
  "use strict";
  var box = document.getElementById("jxc-ninebox");
  var dataEl = document.getElementById("jxc-ninebox-data");
  if (!box || !dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var editable = box.getAttribute("data-editable") === "1";
  var canMove = box.getAttribute("data-can-move") === "1";
  var dialog = document.getElementById("jxc-dialog");
  var ROWS = ["high", "medium", "low"];
  var people = {};
  data.members.forEach(function (row) {
    people[row[0]] = { id: row[0], name: row[1], band: row[2], potential: row[3], movable: row[4] };
  });

  function levelOf(band) { return data.levels[band] || ""; }

  // The band to propose for another row: the nearest one (its lowest when moving up, its highest when down).
  function suggested(current, level) {
    var inRow = data.codes.filter(function (c) { return data.levels[c] === level; });
    if (!inRow.length) { return current; }
    if (inRow.indexOf(current) >= 0) { return current; }
    var up = ROWS.indexOf(level) < ROWS.indexOf(levelOf(current));
    return up ? inRow[inRow.length - 1] : inRow[0];
  }

  function cellFor(person) {
    if (!person.potential) { return box.querySelector(".jxc-nb-tray"); }
    return box.querySelector(".jxc-nb-cell[data-level='" + levelOf(person.band) + "'][data-potential='" + person.potential + "']");
  }

  function chip(person) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "jxc-chip";
    b.setAttribute("data-member", person.id);
    b.setAttribute("data-testid", "ninebox-person");
    if (editable) { b.draggable = true; } else { b.setAttribute("aria-disabled", "true"); }
    var badge = document.createElement("span");
    var css = ["S", "A", "B", "C", "D"].indexOf(person.band) >= 0 ? person.band : "B";
    badge.className = "jx-band jx-band-" + css;
    badge.textContent = person.band;
    var name = document.createElement("span");
    name.className = "jxc-chip-name";
    name.textContent = person.name;
    b.appendChild(badge);
    b.appendChild(name);
    b.setAttribute("aria-label", person.name + " · " + person.band + " " + (data.bandLabels[person.band] || "") +
      (person.potential ? " · " + (data.potentialLabels[person.potential] || "") : ""));
    return b;
  }

  function render() {
    var targets = box.querySelectorAll(".jxc-nb-cell, .jxc-nb-tray");
    var frags = new Map();
    targets.forEach(function (t) { frags.set(t, { frag: document.createDocumentFragment(), n: 0 }); });
    Object.keys(people).forEach(function (id) {
      var person = people[id];
      var cell = cellFor(person);
      if (!cell) { return; }
      var slot = frags.get(cell);
      slot.frag.appendChild(chip(person));
      slot.n += 1;
    });
    frags.forEach(function (slot, target) {
      var chips = target.querySelector("[data-jxc-chips]");
      chips.textContent = "";
      chips.appendChild(slot.frag);
      var count = target.querySelector("[data-jxc-count]");
      if (count) { count.textContent = String(slot.n); }
    });
    var tray = box.querySelector(".jxc-nb-tray");
    if (tray) { tray.hidden = !editable && frags.get(tray).n === 0; }
  }

  function toast(message, error) {
    var status = document.getElementById("jxc-status");
    if (!status) { return; }
    status.innerHTML = "";
    var div = document.createElement("div");
    div.className = "jxc-toast" + (error ? " jxc-toast-error" : "");
    div.textContent = message;
    status.appendChild(div);
  }

  function savePotential(person, potential) {
    if (!window.htmx) { return; }
    window.htmx.ajax("POST", data.potentialUrl, {
      source: box,
      target: "#jxc-status",
      swap: "innerHTML",
      values: { member: String(person.id), potential: potential }
    });
  }

  // ---- the dialog: potential and a move with its reason ----------------------------------------------------
  function openDialog(person, band) {
    if (!dialog || !editable) { return; }
    dialog.querySelector("#jxc-dialog-title").textContent = data.text.moveTitle.replace("%(name)s", person.name);
    var note = dialog.querySelector("[data-jxc-dialog-note]");
    var movePart = dialog.querySelector("[data-jxc-dialog-move]");
    var movable = canMove && person.movable;
    var current = data.text.current.replace("%(band)s", person.band + " " + (data.bandLabels[person.band] || ""));
    note.textContent = canMove && !person.movable ? current + " · " + data.text.notReady : current;
    if (movePart) { movePart.hidden = !movable; }
    dialog.querySelectorAll("[data-jxc-member]").forEach(function (input) { input.value = String(person.id); });
    var potential = dialog.querySelector("[data-jxc-potential]");
    if (potential) { potential.value = person.potential || ""; }
    var select = dialog.querySelector("[data-jxc-band]");
    if (select) { select.value = band || person.band; }
    var seen = dialog.querySelector("[data-jxc-seen]");
    if (seen) { seen.value = person.band; }
    var reason = dialog.querySelector("[data-jxc-reason]");
    if (reason) { reason.value = ""; }
    dialog.querySelectorAll(".invalid-feedback, [data-testid=form-errors]").forEach(function (e) { e.remove(); });
    if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    var focus = movable && band && band !== person.band ? reason : (movable ? select : potential);
    if (focus) { focus.focus(); }
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-jxc-dialog-close]") && dialog) {
      dialog.close();
    }
  });

  box.addEventListener("click", function (event) {
    var b = event.target.closest && event.target.closest(".jxc-chip");
    if (!b) { return; }
    var person = people[b.getAttribute("data-member")];
    if (person) { openDialog(person, null); }
  });

  // ---- drag and drop ---------------------------------------------------------------------------------------
  var dragged = null;
  if (editable) {
    box.addEventListener("dragstart", function (event) {
      var b = event.target.closest && event.target.closest(".jxc-chip");
      if (!b) { return; }
      dragged = people[b.getAttribute("data-member")];
      b.classList.add("jxc-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", String(dragged.id));
    });
    box.addEventListener("dragend", function (event) {
      var b = event.target.closest && event.target.closest(".jxc-chip");
      if (b) { b.classList.remove("jxc-dragging"); }
      box.querySelectorAll(".jxc-over").forEach(function (c) { c.classList.remove("jxc-over"); });
    });
    box.addEventListener("dragover", function (event) {
      var cell = event.target.closest && event.target.closest(".jxc-nb-cell, .jxc-nb-tray");
      if (!cell || !dragged) { return; }
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      cell.classList.add("jxc-over");
    });
    box.addEventListener("dragleave", function (event) {
      var cell = event.target.closest && event.target.closest(".jxc-nb-cell, .jxc-nb-tray");
      if (cell && !cell.contains(event.relatedTarget)) { cell.classList.remove("jxc-over"); }
    });
    box.addEventListener("drop", function (event) {
      var cell = event.target.closest && event.target.closest(".jxc-nb-cell, .jxc-nb-tray");
      if (!cell || !dragged) { return; }
      event.preventDefault();
      cell.classList.remove("jxc-over");
      var person = dragged;
      dragged = null;
      var level = cell.getAttribute("data-level");
      var potential = cell.getAttribute("data-potential");
      if (potential !== (person.potential || "")) { savePotential(person, potential); }
      if (level && level !== levelOf(person.band)) {
        if (!canMove || !person.movable) {
          toast(data.text.notReady, true);
          return;
        }
        openDialog(person, suggested(person.band, level));
      }
    });
  }

  // ---- the server confirms a change (HX-Trigger "jxc:changed"): move her chip ---------------------------------
  document.body.addEventListener("jxc:changed", function (event) {
    var detail = event.detail || {};
    var person = people[detail.member];
    if (!person) { return; }
    if (typeof detail.band === "string") {
      person.band = detail.band;
      if (dialog && dialog.open) { dialog.close(); }
    }
    if (typeof detail.potential === "string") {
      person.potential = detail.potential;
      // A drop into another row and column opens the dialog before the potential is saved: show the saved one.
      var member = dialog && dialog.open ? dialog.querySelector("[data-jxc-member]") : null;
      var select = member ? dialog.querySelector("[data-jxc-potential]") : null;
      if (select && member.value === String(person.id)) { select.value = person.potential; }
    }
    render();
  });

  render();
})();
