// The org chart: an ECharts tree of departments that fetches one level at a time when a department is opened.
// Data comes from <script type="application/json"> blocks and data-* attributes (the CSP forbids inline scripts).
(function () {
  "use strict";
  var el = document.getElementById("jx-orgchart");
  var dataEl = document.getElementById("jx-orgchart-data");
  if (!el || !dataEl || !window.echarts) { return; }

  var t = JSON.parse(document.getElementById("jx-orgchart-i18n").textContent);
  var roots = JSON.parse(dataEl.textContent);
  var nodesUrl = el.getAttribute("data-nodes-url");
  var focusId = Number(el.getAttribute("data-focus")) || null;
  var wrap = el.parentElement;
  var panel = document.getElementById("jx-orgchart-panel");
  var list = document.getElementById("jx-orgchart-list");
  var byId = {};
  var selectedId = focusId;
  var CARD_W = 188;
  var CARD_H = 56;
  var ROW_H = 70;
  var LEVEL_W = 250;

  // Several top-level departments hang under one invisible root, because an ECharts tree has a single root.
  var top = roots.length === 1 ? roots[0] : { id: 0, virtual: true, name: "", children: roots, collapsed: false, has_children: true };

  function index(nodes) {
    (nodes || []).forEach(function (n) { byId[n.id] = n; index(n.children); });
  }
  index(roots);

  function people(n) { return (n === 1 ? t.people_one : t.people_other).replace("%(n)s", n.toLocaleString()); }
  // Rich-text markup uses {, } and |; keep them out of names.
  function clean(s) { return String(s || "").replace(/[{}|]/g, " "); }
  function isOpen(n) { return !!(n.children && n.children.length && !n.collapsed); }

  function labelOf(p) {
    var n = byId[p.data.jxId];
    if (!n) { return ""; }
    var meta = (n.head ? clean(n.head) + " · " : "") + people(n.headcount);
    var mark = n.has_children ? (isOpen(n) ? "  −" : "  +") : "";
    return "{name|" + clean(n.name) + "}{mark|" + mark + "}\n{meta|" + meta + "}";
  }

  function styleOf(n) {
    if (n.id === selectedId) { return { color: "#e7f0fd", borderColor: "#206bc4", borderWidth: 2 }; }
    if (n.has_children && !isOpen(n)) { return { color: "#ffffff", borderColor: "#8fb1e3", borderWidth: 1.5 }; }
    return { color: "#ffffff", borderColor: "#d5dbe5", borderWidth: 1 };
  }

  function toItem(n) {
    if (n.virtual) {
      return {
        name: "", jxId: 0, collapsed: false, symbolSize: 1, label: { show: false },
        itemStyle: { opacity: 0 }, children: n.children.map(toItem)
      };
    }
    return {
      name: clean(n.name),
      jxId: n.id,
      collapsed: !isOpen(n),
      itemStyle: styleOf(n),
      children: n.children ? n.children.map(toItem) : []
    };
  }

  function shape(n) {
    // Visible leaves set the height, visible depth the width, so nothing overlaps however far it is opened.
    if (!isOpen(n)) { return { leaves: 1, depth: 1 }; }
    var leaves = 0;
    var depth = 0;
    n.children.forEach(function (c) {
      var s = shape(c);
      leaves += s.leaves;
      depth = Math.max(depth, s.depth);
    });
    return { leaves: leaves, depth: depth + 1 };
  }

  var chart = window.echarts.init(el, "jixiao", { renderer: "canvas" });

  function render() {
    var s = shape(top);
    var width = Math.max(wrap.clientWidth, (s.depth - 1) * LEVEL_W + CARD_W + 24);
    var height = Math.max(wrap.clientHeight || 420, s.leaves * ROW_H + 40);
    el.style.width = width + "px";
    el.style.height = height + "px";
    chart.resize();
    chart.setOption({
      animationDurationUpdate: 350,
      tooltip: { show: false },
      series: [{
        id: "org",
        type: "tree",
        data: [toItem(top)],
        orient: "LR",
        layout: "orthogonal",
        edgeShape: "polyline",
        edgeForkPosition: "50%",
        left: CARD_W / 2 + 12,
        right: CARD_W / 2 + 12,
        top: CARD_H / 2 + 8,
        bottom: CARD_H / 2 + 8,
        roam: false,
        expandAndCollapse: false,
        symbol: "path://M6,0H194Q200,0,200,6V54Q200,60,194,60H6Q0,60,0,54V6Q0,0,6,0Z",
        symbolSize: [CARD_W, CARD_H],
        lineStyle: { color: "#c3ccda", width: 1.2, curveness: 0 },
        label: {
          position: "inside",
          formatter: labelOf,
          width: CARD_W - 20,
          overflow: "truncate",
          align: "center",
          rich: {
            name: { fontSize: 13, fontWeight: 600, color: "#1d273b", lineHeight: 20 },
            mark: { fontSize: 13, fontWeight: 700, color: "#206bc4", lineHeight: 20 },
            meta: { fontSize: 11, color: "#6c757d", lineHeight: 16 }
          }
        },
        leaves: { label: { position: "inside" } },
        emphasis: { focus: "none", scale: false, itemStyle: { borderColor: "#206bc4" } }
      }]
    });
  }

  function link(href, text, cls) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (cls) { a.className = cls; }
    return a;
  }

  function showPanel(n) {
    if (!panel || !n || n.virtual) { return; }
    panel.textContent = "";
    var name = document.createElement("div");
    name.className = "fw-semibold fs-5";
    name.textContent = n.name;
    panel.appendChild(name);
    var facts = document.createElement("dl");
    facts.className = "jx-muted-dl mt-3 mb-3";
    var dtHead = document.createElement("dt");
    dtHead.textContent = t.head;
    var ddHead = document.createElement("dd");
    if (n.head) { ddHead.appendChild(link(n.head_url, n.head)); } else { ddHead.textContent = t.no_head; }
    var dtCount = document.createElement("dt");
    dtCount.textContent = t.headcount;
    var ddCount = document.createElement("dd");
    ddCount.textContent = people(n.headcount);
    facts.appendChild(dtHead);
    facts.appendChild(ddHead);
    facts.appendChild(dtCount);
    facts.appendChild(ddCount);
    panel.appendChild(facts);
    var actions = document.createElement("div");
    actions.className = "d-grid gap-2";
    actions.appendChild(link(n.url, t.open, "btn btn-sm btn-primary"));
    actions.appendChild(link(t.directory_url + "?department=" + n.id, t.directory, "btn btn-sm btn-outline-secondary"));
    panel.appendChild(actions);
  }

  function renderList() {
    if (!list) { return; }
    list.textContent = "";
    list.appendChild(listOf(roots));
  }

  function listOf(nodes) {
    var ul = document.createElement("ul");
    nodes.forEach(function (n) {
      var li = document.createElement("li");
      if (n.id === selectedId) { li.className = "jx-focus"; }
      li.appendChild(link(n.url, n.name));
      var meta = document.createElement("span");
      meta.className = "jx-tree-meta";
      meta.textContent = " · " + (n.head ? n.head + " · " : "") + people(n.headcount) + " ";
      li.appendChild(meta);
      if (n.has_children) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-link btn-sm p-0 align-baseline";
        button.textContent = isOpen(n) ? t.hide_subs : t.show_subs;
        button.setAttribute("aria-expanded", isOpen(n) ? "true" : "false");
        button.addEventListener("click", function () { toggle(n, true); });
        li.appendChild(button);
      }
      if (isOpen(n)) { li.appendChild(listOf(n.children)); }
      ul.appendChild(li);
    });
    return ul;
  }

  function fail() {
    if (!panel) { return; }
    var alert = document.createElement("div");
    alert.className = "alert alert-warning mt-3 mb-0";
    alert.setAttribute("role", "alert");
    alert.textContent = t.error;
    panel.appendChild(alert);
  }

  function toggle(n, fromList) {
    if (!n.has_children) { return; }
    if (n.children) {
      n.collapsed = isOpen(n);
      render();
      renderList();
      return;
    }
    if (n.loading) { return; }
    n.loading = true;
    chart.showLoading({ text: t.loading, color: "#206bc4", textColor: "#1d273b", maskColor: "rgba(255,255,255,0.55)" });
    fetch(nodesUrl + "?parent=" + encodeURIComponent(n.id), {
      credentials: "same-origin",
      headers: { Accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      n.children = data.nodes;
      n.collapsed = false;
      index(n.children);
      render();
      renderList();
      if (fromList && list) {
        var again = list.querySelector("a[href='" + n.url + "']");
        if (again) { again.focus(); }
      }
    }).catch(fail).finally(function () {
      n.loading = false;
      chart.hideLoading();
    });
  }

  chart.on("click", function (p) {
    var n = p.data && byId[p.data.jxId];
    if (!n) { return; }
    selectedId = n.id;
    showPanel(n);
    if (n.has_children) { toggle(n, false); } else { render(); renderList(); }
  });
  chart.on("dblclick", function (p) {
    var n = p.data && byId[p.data.jxId];
    if (n) { window.location.href = n.url; }
  });

  function scrollToSelected() {
    // Bring the focused department into view inside the scrolling frame.
    if (!selectedId) { return; }
    var series = chart.getModel().getSeriesByIndex(0);
    var data = series && series.getData();
    if (!data) { return; }
    for (var i = 0; i < data.count(); i++) {
      var item = data.getRawDataItem(i);
      if (item && item.jxId === selectedId) {
        var shapeEl = data.getItemGraphicEl(i);
        if (shapeEl) {
          wrap.scrollTop = Math.max(0, shapeEl.y - wrap.clientHeight / 2);
          wrap.scrollLeft = Math.max(0, shapeEl.x - wrap.clientWidth / 2);
        }
        return;
      }
    }
  }

  render();
  renderList();
  if (selectedId && byId[selectedId]) {
    showPanel(byId[selectedId]);
    chart.on("finished", function once() {
      chart.off("finished", once);
      scrollToSelected();
    });
  }

  var tab = document.getElementById("jx-tab-chart");
  if (tab) { tab.addEventListener("shown.bs.tab", render); }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(render, 150);
  });
})();
