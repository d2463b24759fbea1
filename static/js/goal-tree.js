// Company goal charts: the alignment tree (ECharts "tree") and the department board's progress bars.
// Data comes from JSON (fetched, or <script type="application/json">) and data-* attributes: the CSP forbids
// inline scripts and style attributes, so tooltips render as canvas rich text, not HTML.
(function () {
  "use strict";
  if (!window.echarts) { return; }

  var COLORS = { 0: "#7a8aa5", 1: "#2fb344", 2: "#f59f00", 3: "#d63939" };
  // Rich-text markup uses {, } and |; keep them out of titles and names.
  function clean(s) { return String(s == null ? "" : s).replace(/[{}|]/g, " "); }
  function cut(s, n) { s = clean(s); return s.length > n ? s.slice(0, n - 1) + "…" : s; }

  // ---- the alignment tree ------------------------------------------------------------------------
  function alignmentTree() {
    var el = document.getElementById("jxc-tree");
    var i18nEl = document.getElementById("jxc-tree-i18n");
    if (!el || !i18nEl) { return; }
    var t = JSON.parse(i18nEl.textContent);
    var wrap = el.parentElement;
    var status = document.getElementById("jxc-tree-status");
    var countEl = document.getElementById("jxc-tree-count");
    var orient = "LR";
    var chart = null;
    var root = null;
    var ROW = 34;
    var LEVEL = 260;
    var MARGIN_L = 250;  // room for the labels left of the root and of open nodes
    var MARGIN_R = 330;  // room for the labels right of the leaves
    var COL = 150;
    var LEVEL_TB = 120;

    function say(text) {
      if (!status) { return; }
      status.textContent = text || "";
      status.hidden = !text;
    }

    function objectives(n) { return (n === 1 ? t.objectives_one : t.objectives_other).replace("%(n)s", n.toLocaleString()); }

    // One pass over the flat rows: every node knows its children; the browser does the nesting.
    function build(data) {
      var byId = {};
      var top = { id: 0, title: data.period ? t.company + " · " + data.period.name : t.company, kids: [], virtual: true, open: true };
      var hidden = { id: -1, title: t.hidden, kids: [], virtual: true, open: false };
      // Department and personal goals aligned to nothing get their own (closed) branch, so the company's
      // objectives stay the first thing under the root however many of those there are.
      var loose = { id: -2, title: t.unaligned, kids: [], virtual: true, open: false };
      data.n.sort(function (a, b) { return a[0] - b[0]; });  // siblings in the order they were written
      data.n.forEach(function (r) {
        byId[r[0]] = {
          id: r[0], parent: r[1], title: r[2], kind: r[3], owner: r[4], pct: r[5], conf: r[6], context: r[7] === 1,
          kids: [], open: false
        };
      });
      data.n.forEach(function (r) {
        var node = byId[r[0]];
        var parent = r[1] === 0 ? (r[3] === 0 ? top : loose) : r[1] === -1 ? hidden : byId[r[1]];
        (parent || hidden).kids.push(node);
      });
      // initialTreeDepth 2: the company root and its first level start open.
      top.kids.forEach(function (k) { k.open = true; });
      if (loose.kids.length) { top.kids.push(loose); }
      if (hidden.kids.length) { top.kids.push(hidden); }
      top.total = data.n.length;
      top.data = data;
      return top;
    }

    function ownerName(n, data) {
      if (n.kind === 0) { return t.company; }
      var names = n.kind === 1 ? data.d : data.e;
      return names[n.owner] || "";
    }

    function toItem(n, data) {
      var open = n.open && n.kids.length > 0;
      var label = n.virtual ? cut(n.title, 40) + (n.id === 0 ? "" : "  (" + n.kids.length + ")")
        : orient === "TB"
          ? n.pct + "%  " + cut(n.title, 12) + (n.kids.length && !open ? " ▸" + n.kids.length : "")
          : cut(n.title, open ? 16 : 30) + "  " + n.pct + "%" + (n.kids.length && !open ? "  ▸ " + n.kids.length : "");
      var color = n.virtual ? "#206bc4" : COLORS[n.conf] || COLORS[0];
      return {
        name: label,
        jx: n,
        collapsed: !open,
        value: n.virtual ? null : n.pct,
        symbol: n.virtual ? "roundRect" : "circle",
        symbolSize: n.virtual ? 14 : 11,
        itemStyle: n.context
          ? { color: "#ffffff", borderColor: "#98a2b3", borderType: "dashed", borderWidth: 1.5 }
          : { color: color, borderColor: color },
        label: n.context ? { color: "#6c757d", fontStyle: "italic" } : (n.virtual ? { fontWeight: 600 } : {}),
        children: open ? n.kids.map(function (k) { return toItem(k, data); }) : []
      };
    }

    function shape(n) {
      if (!n.open || !n.kids.length) { return { leaves: 1, depth: 1 }; }
      var leaves = 0;
      var depth = 0;
      n.kids.forEach(function (k) {
        var s = shape(k);
        leaves += s.leaves;
        depth = Math.max(depth, s.depth);
      });
      return { leaves: leaves, depth: depth + 1 };
    }

    function tooltip(p) {
      var n = p.data && p.data.jx;
      if (!n || n.virtual) { return n ? clean(n.title) : ""; }
      var lines = ["{b|" + cut(n.title, 60) + "}"];
      lines.push(t.owner + ": " + clean(t.kinds[n.kind]) + (n.kind === 0 ? "" : " · " + clean(ownerName(n, root.data))));
      lines.push(t.progress + ": " + n.pct + "%" + (n.conf ? " · " + t.confidence_label + ": " + t.confidence[n.conf] : ""));
      if (n.context) { lines.push(t.context); }
      lines.push("{m|" + t.open + "}");
      return lines.join("\n");
    }

    function render(first) {
      var s = shape(root);
      var width;
      var height;
      if (orient === "LR") {
        width = Math.max(wrap.clientWidth, (s.depth - 1) * LEVEL + MARGIN_L + MARGIN_R);
        height = Math.max(wrap.clientHeight, s.leaves * ROW + 40);
      } else {
        width = Math.max(wrap.clientWidth, s.leaves * COL + 40);
        height = Math.max(wrap.clientHeight, s.depth * LEVEL_TB + 80);
      }
      el.style.width = width + "px";
      el.style.height = height + "px";
      chart.resize();
      var lr = orient === "LR";
      chart.setOption({
        animationDurationUpdate: 300,
        tooltip: {
          trigger: "item",
          renderMode: "richText",
          formatter: tooltip,
          backgroundColor: "#ffffff",
          borderColor: "#d5dbe5",
          textStyle: { color: "#1d273b", fontSize: 12, lineHeight: 18, rich: { b: { fontWeight: 600, fontSize: 13 }, m: { color: "#6c757d" } } }
        },
        series: [{
          id: "goals",
          type: "tree",
          data: [toItem(root, root.data)],
          orient: orient,
          initialTreeDepth: 2,
          expandAndCollapse: false,
          roam: false,
          left: lr ? MARGIN_L : 40,
          right: lr ? MARGIN_R : 40,
          top: lr ? 20 : 40,
          bottom: lr ? 20 : 90,
          lineStyle: { color: "#c3ccda", width: 1.2, curveness: 0.5 },
          label: lr
            ? { position: "left", verticalAlign: "middle", align: "right", fontSize: 12, color: "#1d273b", width: MARGIN_L - 24, overflow: "truncate" }
            : { position: "top", rotate: 0, verticalAlign: "bottom", align: "center", fontSize: 11, width: COL - 12, overflow: "truncate" },
          leaves: {
            label: lr
              ? { position: "right", verticalAlign: "middle", align: "left", width: MARGIN_R - 24, overflow: "truncate" }
              : { position: "bottom", rotate: -30, verticalAlign: "middle", align: "left" }
          },
          emphasis: { focus: "none" }
        }]
      }, { replaceMerge: ["series"] });
      if (first) {
        // The root sits halfway down a tall tree (or halfway across a wide one): start with it in view.
        wrap.scrollTop = lr ? Math.max(0, (height - wrap.clientHeight) / 2) : 0;
        wrap.scrollLeft = lr ? 0 : Math.max(0, (width - wrap.clientWidth) / 2);
      }
    }

    function load() {
      say(t.loading);
      fetch(el.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          root = build(data);
          if (countEl) { countEl.textContent = objectives(root.total); }
          if (!root.total) { say(t.empty); return; }
          say("");
          chart = window.echarts.init(el, "jixiao", { renderer: "canvas" });
          chart.on("click", function (p) {
            var n = p.data && p.data.jx;
            if (!n) { return; }
            if (n.kids.length) {
              n.open = !n.open;
              render();
            } else if (!n.virtual) {
              window.location.href = root.data.u.replace(/0\/$/, n.id + "/");
            }
          });
          chart.on("dblclick", function (p) {
            var n = p.data && p.data.jx;
            if (n && !n.virtual) { window.location.href = root.data.u.replace(/0\/$/, n.id + "/"); }
          });
          render(true);
        })
        .catch(function () { say(t.error); });
    }

    document.querySelectorAll("[data-jxc-orient]").forEach(function (button) {
      button.addEventListener("click", function () {
        orient = button.getAttribute("data-jxc-orient");
        document.querySelectorAll("[data-jxc-orient]").forEach(function (b) {
          var on = b === button;
          b.classList.toggle("active", on);
          b.setAttribute("aria-pressed", on ? "true" : "false");
        });
        if (chart) { render(true); }
      });
    });
    var tab = document.getElementById("jxc-tab-chart");
    if (tab) { tab.addEventListener("shown.bs.tab", function () { if (chart) { render(); } }); }
    var timer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { if (chart) { render(); } }, 150);
    });
    load();
  }

  // ---- the department board's bars ----------------------------------------------------------------
  function boardChart() {
    var el = document.getElementById("jxc-board-chart");
    var dataEl = document.getElementById("jxc-board-data");
    if (!el || !dataEl) { return; }
    var data = JSON.parse(dataEl.textContent);
    var bars = data.bars.slice().reverse();  // the first row on top
    el.style.height = Math.max(200, bars.length * 30 + 50) + "px";
    var chart = window.echarts.init(el, "jixiao", { renderer: "canvas" });
    function people(n) { return (n === 1 ? data.people_one : data.people_other).replace("%(n)s", n); }
    chart.setOption({
      grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
      tooltip: {
        trigger: "item",
        renderMode: "richText",
        formatter: function (p) {
          var b = bars[p.dataIndex];
          return clean(b.name) + "\n" + data.label + ": " + b.value + "%" + (data.kind === "departments" ? "\n" + people(b.people) : "");
        }
      },
      xAxis: { type: "value", min: 0, max: function (v) { return Math.max(100, Math.ceil(v.max / 10) * 10); }, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: bars.map(function (b) { return cut(b.name, 18); }), axisLabel: { width: 140, overflow: "truncate" } },
      series: [{
        name: data.label,
        type: "bar",
        barMaxWidth: 18,
        data: bars.map(function (b) { return { value: b.value, url: b.url }; }),
        itemStyle: { borderRadius: [0, 4, 4, 0], color: "#206bc4" },
        label: { show: true, position: "right", formatter: "{c}%", color: "#495057", fontWeight: 600 },
        cursor: "pointer"
      }]
    });
    chart.on("click", function (p) {
      if (p.data && p.data.url) { window.location.href = p.data.url; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  alignmentTree();
  boardChart();
})();
