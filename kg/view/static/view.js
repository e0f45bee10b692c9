/* kg view: the page script. Data comes from the JSON block #kg-data; every string from it
   reaches the DOM through textContent (never innerHTML) or the canvas. */
(function () {
  "use strict";
  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", ' +
    '"Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", sans-serif';
  var SVG = "http://www.w3.org/2000/svg";
  var SHAPES = {
    hexagon: "10,1 18,5.5 18,14.5 10,19 2,14.5 2,5.5", square: "3,3 17,3 17,17 3,17",
    triangle: "10,2 18.5,17 1.5,17", diamond: "10,1 19,10 10,19 1,10"
  };
  var MAX_LIST = 50;
  var D = JSON.parse(document.getElementById("kg-data").textContent);
  var N = D.nodes, E = D.edges, T = D.types;
  var big = N.length > 1500;

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c !== null && c !== undefined) parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    }
    return parent;
  }
  function colour(n) { return n.g ? D.gazetteerColor : T[n.t].color; }
  function swatch(fill, shape) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("class", "kg-swatch");
    var p = document.createElementNS(SVG, "polygon");
    p.setAttribute("points", SHAPES[shape] || SHAPES.square);
    p.setAttribute("fill", fill);
    p.setAttribute("stroke", "#33415c");
    p.setAttribute("stroke-width", "0.8");
    svg.appendChild(p);
    return svg;
  }
  function relLabel(name) { return D.rels[name] || name; }
  function chainText(chain) { return chain.map(function (c) { return c[0]; }).join(" › "); }

  /* adjacency ---------------------------------------------------------------------------- */
  var outE = N.map(function () { return []; }), inE = N.map(function () { return []; });
  var kids = N.map(function () { return []; }), areasOf = N.map(function () { return []; });
  var AREA = {};
  D.areaRels.forEach(function (r) { AREA[r] = true; });
  E.forEach(function (e, k) {
    outE[e[0]].push(k); inE[e[1]].push(k);
    if (e[2] === "partOf") kids[e[1]].push(e[0]);
    if (AREA[e[2]]) areasOf[e[0]].push(e[1]);
  });

  /* the network -------------------------------------------------------------------------- */
  /* the scale vis-network's first fit will choose (the layout's extent in the canvas), so
     nodes are created at the size they are drawn with, not resized after the first frame */
  var LABEL_PX = 13, MIN_NODE_PX = 7, GROW = 3.5, MAX_LABELS = 160, moving = false;
  function growth(scale) { return Math.min(GROW, Math.max(1, MIN_NODE_PX / (14 * scale))); }
  var grown = (function () {
    if (!N.length) return 1;
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    N.forEach(function (n) {
      x0 = Math.min(x0, n.x); x1 = Math.max(x1, n.x); y0 = Math.min(y0, n.y); y1 = Math.max(y1, n.y);
    });
    var box = $("kg-graph").getBoundingClientRect();
    return growth(Math.min(box.width / Math.max(1, x1 - x0 + 100), box.height / Math.max(1, y1 - y0 + 100)));
  })();
  var visNodes = N.map(function (n, i) {
    var c = colour(n), t = T[n.t];
    var tip = t.label + "：" + n.l;
    if (n.a) tip += "\n别名：" + n.a.join("、");
    if (n.p) tip += "\n" + (n.t === 0 ? "上级：" : "所在：") + chainText(n.p);
    tip += "\n提及 " + n.m + " 次 · 关系 " + n.d + " 条";
    if (n.k) tip += "\n折叠了 " + n.k + " 个实体：点击展开";
    var node = {
      id: i, label: n.k ? n.l + " +" + n.k : n.l, x: n.x, y: n.y, size: n.s * grown, shape: t.shape,
      title: tip, hidden: n.h !== undefined,
      color: { background: c, border: "#33415c", highlight: { background: c, border: "#111" },
               hover: { background: c, border: "#111" } }
    };
    if (n.k) { node.borderWidth = 2; node.color.border = "#d4a017"; }  /* folded: gold ring */
    return node;
  });
  var visEdges = E.map(function (e, k) {
    var edge = { id: k, from: e[0], to: e[1],
                 title: N[e[0]].l + " —" + relLabel(e[2]) + "→ " + N[e[1]].l };
    if (!big) edge.label = relLabel(e[2]);  /* thousands of edge labels: text never read */
    return edge;
  });
  var nodes = new vis.DataSet(visNodes), edges = new vis.DataSet(visEdges);
  /* a big graph draws what it must while it moves: no edges while dragging or zooming, no
     hover highlighting (a redraw on every mouse move), no outline on labels, no arrows */
  var options = {
    autoResize: true,
    physics: { enabled: false },
    layout: { improvedLayout: false, randomSeed: 1 },
    interaction: { hover: !big, tooltipDelay: 150, hideEdgesOnDrag: big, hideEdgesOnZoom: big,
                   keyboard: false, multiselect: false },
    nodes: {
      borderWidth: 1, borderWidthSelected: 3,
      font: { face: FONT, size: 14, color: "#1f2933", strokeWidth: big ? 0 : 3, strokeColor: "#ffffff" },
      scaling: { label: { drawThreshold: 6 } }
    },
    edges: {
      arrows: { to: { enabled: !big, scaleFactor: 0.45 } }, smooth: false, width: 1,
      selectionWidth: 1.5, hoverWidth: 1,
      color: { color: "#aab4be", highlight: "#2f3b45", hover: "#5b6770", inherit: false },
      font: { face: FONT, size: 10, color: "#52606d", strokeWidth: 3, strokeColor: "#ffffff", align: "middle" },
      scaling: { label: { drawThreshold: 8 } }
    }
  };
  var network = new vis.Network($("kg-graph"), { nodes: nodes, edges: edges }, options);
  window.network = network;

  /* zoomed out past vis-network's label threshold (14 px × scale < 6 px), nodes grow to stay
     visible (at most GROW times, so neighbours never overlap) and the busiest entities that
     fit without overlapping keep a label of LABEL_PX on the screen */
  var WIDTH = [];
  var ORDER = N.map(function (n, i) { return i; })
    .sort(function (a, b) { return (N[b].m + N[b].d) - (N[a].m + N[a].d) || a - b; });
  function regrow() {
    var f = growth(network.getScale());
    if (Math.abs(f - grown) < 0.1 * grown) return;
    grown = f;
    nodes.update(N.map(function (n, i) { return { id: i, size: n.s * f }; }));
  }
  var settle = null;
  function moved() {
    moving = true;
    if (settle) clearTimeout(settle);
    settle = setTimeout(function () { moving = false; regrow(); network.redraw(); }, 180);
  }
  network.on("zoom", moved);
  network.on("dragStart", function () { moving = true; });
  network.on("dragEnd", moved);
  network.on("afterDrawing", function (ctx) {
    var scale = network.getScale();
    if (14 * scale >= 6 || (moving && big)) return;
    var px = LABEL_PX / scale, placed = 0, cell = 120 / scale, grid = {};
    var view = network.getViewPosition(), c = $("kg-graph").getBoundingClientRect();
    var hw = c.width / 2 / scale, hh = c.height / 2 / scale;
    ctx.save();
    ctx.font = px + "px " + FONT;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.lineWidth = 3 / scale;
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.fillStyle = "#1f2933";
    function free(box) {  /* box against the boxes already drawn in its grid cells */
      for (var gx = Math.floor(box[0] / cell); gx <= Math.floor(box[2] / cell); gx++) {
        for (var gy = Math.floor(box[1] / cell); gy <= Math.floor(box[3] / cell); gy++) {
          var list = grid[gx + "," + gy] || [];
          for (var k = 0; k < list.length; k++) {
            var b = list[k];
            if (box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]) return false;
          }
        }
      }
      return true;
    }
    function take(box) {
      for (var gx = Math.floor(box[0] / cell); gx <= Math.floor(box[2] / cell); gx++) {
        for (var gy = Math.floor(box[1] / cell); gy <= Math.floor(box[3] / cell); gy++) {
          (grid[gx + "," + gy] = grid[gx + "," + gy] || []).push(box);
        }
      }
    }
    for (var k = 0; k < ORDER.length && placed < MAX_LABELS && k < 4000; k++) {
      var i = ORDER[k];
      if (!visible[i]) continue;
      var p = network.body.nodes[i];
      if (!p || Math.abs(p.x - view.x) > hw || Math.abs(p.y - view.y) > hh) continue;
      if (WIDTH[i] === undefined) {  /* measured once, at 100 px; text width scales with the font */
        ctx.font = "100px " + FONT;
        WIDTH[i] = ctx.measureText(N[i].l).width;
        ctx.font = px + "px " + FONT;
      }
      var w = WIDTH[i] * px / 100, x = p.x, y = p.y + N[i].s * grown + 2 / scale;
      var box = [x - w / 2 - 2 / scale, y, x + w / 2 + 2 / scale, y + px * 1.15];
      if (!free(box)) continue;
      take(box);
      placed++;
      ctx.strokeText(N[i].l, x, y);
      ctx.fillText(N[i].l, x, y);
    }
    ctx.restore();
    window.kgLabels = placed;
  });
  network.once("afterDrawing", function () {
    regrow();
    window.kgReady = performance.now();
    document.documentElement.setAttribute("data-kg-ready", "1");
    if (D.focus >= 0) focusNode(D.focus, false);
  });

  /* side panel --------------------------------------------------------------------------- */
  function nodeLink(i) {
    var b = el("button", "kg-link", N[i].l);
    b.type = "button";
    b.addEventListener("click", function () { focusNode(i, true); });
    return b;
  }
  function chainLinks(chain) {
    var span = el("span");
    chain.forEach(function (c, k) {
      if (k) add(span, el("span", "kg-sep", "›"));
      add(span, c[1] >= 0 ? nodeLink(c[1]) : el("span", null, c[0]));
    });
    return span;
  }
  function sentence(sentIndex, mark) {
    var s = D.sents[sentIndex] || ["", -1], text = s[0], box = el("div", "kg-sentence");
    var at = mark ? text.indexOf(mark) : -1;
    if (at >= 0) add(box, text.slice(0, at), el("mark", null, mark), text.slice(at + mark.length));
    else add(box, text);
    return box;
  }
  function fileName(sentIndex) {
    var s = D.sents[sentIndex];
    return s && s[1] >= 0 ? D.docs[s[1]] : "";
  }
  /* evidence [[sentence, text]] grouped by sentence; isRule: the text is a rule, not a mention */
  function evidenceList(items, isRule, total) {
    var ul = el("ul", "kg-list"), seen = {};
    items.forEach(function (ev) {
      if (seen[ev[0]]) return;
      seen[ev[0]] = true;
      var li = add(el("li"), el("span", "kg-file", fileName(ev[0])));
      if (isRule && ev[1]) add(li, el("span", "kg-rule", ev[1]));
      add(li, sentence(ev[0], isRule ? "" : ev[1]));
      add(ul, li);
    });
    if (total > items.length) add(ul, el("li", "kg-muted", "……另有 " + (total - items.length) + " 处未列出"));
    return ul;
  }
  function row(dl, term, value) {
    if (value === null || value === undefined || value === "") return;
    add(dl, el("dt", null, term), add(el("dd"), value));
  }
  function relationItem(k, here) {
    var e = E[k], li = el("li");
    if (e[0] === here) add(li, el("span", "kg-muted", relLabel(e[2]) + " → "), nodeLink(e[1]));
    else add(li, nodeLink(e[0]), el("span", "kg-muted", " → " + relLabel(e[2])));
    if (e[3]) add(li, evidenceList(e[3], true, e[3].length));
    return li;
  }
  function showNode(i) {
    var n = N[i], t = T[n.t], box = $("kg-details");
    box.replaceChildren();
    add(box, add(el("div", "kg-type"), swatch(colour(n), t.shape), t.label + " " + t.key +
        (n.g ? "（上级区域：行政区划表中的上级，文章未提及）" : "")));
    add(box, el("h2", "kg-name", n.l));
    var dl = el("dl");
    row(dl, "别名", n.a ? n.a.join("、") : "");
    row(dl, "级别", n.lv || "");
    row(dl, "区划代码", n.c || "");
    if (n.p) row(dl, n.t === 0 ? "上级" : "所在", chainLinks(n.p));
    row(dl, "提及", n.m + " 次");
    add(box, dl, el("div", "kg-iri", n.i));
    var rels = outE[i].concat(inE[i]);
    if (rels.length) {
      add(box, el("h3", null, "关系（" + rels.length + "）"));
      var ul = el("ul", "kg-list");
      rels.slice(0, MAX_LIST).forEach(function (k) { add(ul, relationItem(k, i)); });
      if (rels.length > MAX_LIST) add(ul, el("li", "kg-muted", "……另有 " + (rels.length - MAX_LIST) + " 条"));
      add(box, ul);
    }
    add(box, el("h3", null, "证据句（" + (n.ne || 0) + " 处提及）"));
    if (n.e) add(box, evidenceList(n.e, false, n.ne));
    else add(box, el("p", "kg-hint", "无提及：此节点来自行政区划表。"));
  }
  function showEdge(k) {
    var e = E[k], box = $("kg-details");
    box.replaceChildren();
    add(box, el("div", "kg-type", "关系 " + e[2]));
    add(box, add(el("h2"), nodeLink(e[0]), el("span", "kg-sep", " " + relLabel(e[2]) + " "), nodeLink(e[1])));
    add(box, el("h3", null, "证据句"));
    if (e[3]) add(box, evidenceList(e[3], true, e[3].length));
    else add(box, el("p", "kg-hint", "无证据句（来自行政区划表或推断）。"));
  }
  function hint() {
    $("kg-details").replaceChildren(el("p", "kg-hint",
      "点击节点查看类型、名称、别名、上级区域和证据句；滚轮缩放，拖动平移。"));
  }

  /* filters ------------------------------------------------------------------------------ */
  var typeOn = T.map(function () { return true; }), district = -1;
  var visible = N.map(function (n) { return n.h === undefined; });
  /* folded[i]: entity i is folded into a district not opened yet (kg/view/select.py) */
  var folded = N.map(function (n) { return n.h !== undefined; });
  var foldedInto = N.map(function () { return []; });
  N.forEach(function (n, i) { if (n.h !== undefined) foldedInto[n.h].push(i); });
  function unfold(d) {  /* open a folded district: its entities are drawn from now on */
    if (!N[d].k) return false;
    foldedInto[d].forEach(function (i) { folded[i] = false; });
    var c = colour(N[d]);
    nodes.update([{ id: d, label: N[d].l, borderWidth: 1,
                    color: { background: c, border: "#33415c", highlight: { background: c, border: "#111" },
                             hover: { background: c, border: "#111" } } }]);
    delete N[d].k;
    applyFilters(false);
    return true;
  }
  function members(d) {
    var inside = {}, queue = [d];
    inside[d] = true;
    while (queue.length) {
      kids[queue.pop()].forEach(function (c) { if (!inside[c]) { inside[c] = true; queue.push(c); } });
    }
    var all = {};
    N.forEach(function (n, i) {
      if (inside[i] || areasOf[i].some(function (a) { return inside[a]; })) all[i] = true;
    });
    return all;
  }
  function applyFilters(fit) {
    var within = district >= 0 ? members(district) : null, changes = [], shown = [];
    N.forEach(function (n, i) {
      var v = typeOn[n.t] && (!within || !!within[i]) && !folded[i];
      if (v !== visible[i]) { visible[i] = v; changes.push({ id: i, hidden: !v }); }
      if (v) shown.push(i);
    });
    if (changes.length) nodes.update(changes);
    var shownEdges = E.filter(function (e) { return visible[e[0]] && visible[e[1]]; }).length;
    $("kg-count").textContent = "显示 " + shown.length + " / " + N.length + " 个实体 · " +
      shownEdges + " 条关系" + (D.total > shown.length ? "（图中共 " + D.total + " 个）" : "");
    if (fit && shown.length) {
      network.fit(shown.length === N.length ? { animation: false } : { nodes: shown, animation: false });
    }
  }
  function buildFilters() {
    var legend = $("kg-legend");
    T.forEach(function (t, k) {
      var box = el("input");
      box.type = "checkbox"; box.checked = true; box.value = t.key;
      box.addEventListener("change", function () { typeOn[k] = box.checked; applyFilters(false); });
      /* t.parts: [named in an article's text, only in lists of other articles, ancestors
         from the gazetteer]: the columns entities, listedOnly, ancestors of the
         entities-per-type query, the three numbers kg build prints */
      var p = t.parts || [t.count, 0, 0], more = [];
      if (p[1]) more.push("+" + p[1] + " 仅在列表");
      if (p[2]) more.push("+" + p[2] + " 上级区域");
      var count = el("span", "kg-muted", " " + p[0] + (more.length ? "（" + more.join(" · ") + "）" : ""));
      count.title = p[0] + " 正文提及 named in an article's text" +
        (p[1] ? "\n+" + p[1] + " 仅在其他文章的列表中 only in lists of other articles" : "") +
        (p[2] ? "\n+" + p[2] + " 行政区划表的上级区域 ancestors from the gazetteer" : "") +
        (D.total > N.length ? "\n（本页只含图中 " + D.total + " 个实体里的 " + N.length + " 个）"
                            : "\n（与 kg build 和 entities-per-type 查询的计数相同）");
      add(legend, add(el("label"), box, swatch(t.color, t.shape), t.label + " " + t.key, count));
    });
    if (N.some(function (n) { return n.g; })) {
      add(legend, add(el("div", "kg-static"), swatch(D.gazetteerColor, T[0].shape),
                      el("span", "kg-muted", " 上级区域：行政区划表中的上级，文章未提及 (ancestors from the gazetteer)")));
    }
    var select = $("kg-district");
    var all = el("option", null, "全部区域 All districts");
    all.value = "-1";
    add(select, all);
    var hasParent = {};
    E.forEach(function (e) { if (e[2] === "partOf" && N[e[1]].t === 0) hasParent[e[0]] = true; });
    var roots = N.map(function (n, i) { return i; })
      .filter(function (i) { return N[i].t === 0 && !hasParent[i]; });
    var byName = function (a, b) { return N[a].l < N[b].l ? -1 : N[a].l > N[b].l ? 1 : 0; };
    var stack = roots.sort(byName).reverse().map(function (i) { return [i, 0]; }), done = {};
    while (stack.length) {
      var top = stack.pop(), i = top[0];
      if (done[i]) continue;
      done[i] = true;
      var o = el("option", null, "\u3000".repeat(Math.min(top[1], 6)) + N[i].l + (N[i].lv ? "（" + N[i].lv + "）" : ""));
      o.value = String(i);
      add(select, o);
      kids[i].filter(function (c) { return N[c].t === 0; }).sort(byName).reverse()
        .forEach(function (c) { stack.push([c, top[1] + 1]); });
    }
    select.addEventListener("change", function () { district = Number(select.value); applyFilters(true); });
    $("kg-reset").addEventListener("click", function () { resetFilters(); network.fit({ animation: false }); });
  }
  function resetFilters() {
    district = -1;
    $("kg-district").value = "-1";
    typeOn = T.map(function () { return true; });
    Array.prototype.forEach.call($("kg-legend").querySelectorAll("input"), function (b) { b.checked = true; });
    applyFilters(false);
  }

  /* search ------------------------------------------------------------------------------- */
  function norm(s) { return String(s).toLowerCase().replace(/\s+/g, ""); }
  var keys = N.map(function (n) { return [norm(n.l)].concat((n.a || []).map(norm)); });
  function search(q) {
    q = norm(q);
    if (!q) return [];
    var hits = [];
    keys.forEach(function (ks, i) {
      var best = 9, via = -1;
      ks.forEach(function (k, j) {
        var r = k === q ? 0 : k.indexOf(q) === 0 ? 2 : k.indexOf(q) > 0 ? 4 : 9;
        if (j > 0 && r < 9) r += 1;
        if (r < best) { best = r; via = j; }
      });
      if (best < 9) hits.push([best, -(N[i].m + N[i].d), N[i].l.length, i, via]);
    });
    hits.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || a[3] - b[3]; });
    return hits.slice(0, 30);
  }
  function focusNode(i, animate) {
    if (folded[i]) unfold(N[i].h);
    if (!visible[i]) resetFilters();
    network.selectNodes([i]);
    network.focus(i, { scale: Math.max(network.getScale(), 1.1), locked: false,
                       animation: animate ? { duration: 300, easingFunction: "easeInOutQuad" } : false });
    showNode(i);
  }
  function buildSearch() {
    var input = $("kg-search"), list = $("kg-results"), current = [];
    function render() {
      current = search(input.value);
      list.replaceChildren();
      current.forEach(function (h, k) {
        var n = N[h[3]], li = el("li", k === 0 ? "kg-active" : null);
        add(li, swatch(colour(n), T[n.t].shape), el("span", null, n.l));
        if (h[4] > 0) add(li, el("span", "kg-alias", "别名 " + n.a[h[4] - 1]));
        li.addEventListener("click", function () { pick(h[3]); });
        add(list, li);
      });
      if (input.value && !current.length) add(list, el("li", "kg-muted", "没有找到"));
    }
    function pick(i) {  /* the list closes once a result is chosen */
      focusNode(i, true);
      current = [];
      list.replaceChildren();
    }
    input.addEventListener("input", render);
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        if (!current.length) render();
        if (current.length) pick(current[0][3]);
      } else if (ev.key === "Escape") {
        input.value = ""; render();
      }
    });
  }

  network.on("click", function (p) {
    if (p.nodes.length) { unfold(p.nodes[0]); showNode(p.nodes[0]); }
    else if (p.edges.length) showEdge(p.edges[0]);
  });

  $("kg-title").textContent = D.title;
  if (D.notice) { $("kg-notice").textContent = D.notice; $("kg-notice").hidden = false; }
  buildFilters();
  buildSearch();
  applyFilters(false);
  hint();
  window.kgView = { focusNode: focusNode, search: search, data: D };
})();
