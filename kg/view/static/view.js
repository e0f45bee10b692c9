/* kg view: the page script. Data comes from the JSON block #kg-data; every string from it
   reaches the DOM through textContent (never innerHTML) or the canvas. */
(function () {
  "use strict";
  var FONT = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", ' +
    '"Microsoft YaHei", "PingFang SC", "Hiragino Sans GB", sans-serif';
  var SVG = "http://www.w3.org/2000/svg";
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
  function swatch(fill) {  /* a node as the graph draws it: a disc of its type's colour */
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 20 20");
    svg.setAttribute("class", "kg-swatch");
    var p = document.createElementNS(SVG, "circle");
    p.setAttribute("cx", "10"); p.setAttribute("cy", "10"); p.setAttribute("r", "8");
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

  /* the renderer: sigma.js (WebGL) over a graphology graph --------------------------------
     Positions come from kg's layout (Python); sigma fits them to the canvas at the first
     frame. Node keys are the indices into D.nodes, as strings. */
  var LABEL_PX = 13, SELECTED = -1;
  /* node radius in screen pixels at the first frame: a quarter of the spacing the canvas
     leaves each node (so neighbours rarely overlap), between 2.5 and 6 px for an entity of
     the base size (14), growing with the square root of its size (up to 1.85 times) */
  var unit = (function () {
    /* in a notebook's iframe the page may run before it is laid out: then the window's size */
    var box = $("kg-graph").getBoundingClientRect();
    var area = box.width * box.height || Math.max(0, window.innerWidth - 360) * window.innerHeight;
    var spacing = Math.sqrt(Math.max(1, area) / Math.max(1, N.length));
    return Math.min(6, Math.max(2.5, 0.25 * spacing));
  })();
  function radius(n) { return Math.round(10 * unit * Math.sqrt(n.s / 14)) / 10; }
  var graph = new graphology.MultiDirectedGraph();
  function nodeLabel(n) { return n.k ? n.l + " +" + n.k : n.l; }
  N.forEach(function (n, i) {
    graph.addNode(String(i), {
      x: n.x, y: -n.y,  /* the layout's y grows downwards, sigma's upwards */
      size: radius(n), color: colour(n), label: nodeLabel(n), hidden: n.h !== undefined,
      /* a folded district (its entities not drawn yet) has a gold ring */
      type: n.k ? "folded" : "point"
    });
  });
  E.forEach(function (e, k) {
    graph.addDirectedEdgeWithKey(String(k), String(e[0]), String(e[1]),
      { size: 1, color: "#b8c1ca", label: big ? null : relLabel(e[2]), type: big ? "thin" : "arrow" });
  });
  function drawLabel(ctx, data, settings) {  /* sigma's label, with a white halo */
    if (!data.label) return;
    ctx.font = settings.labelWeight + " " + settings.labelSize + "px " + settings.labelFont;
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(255,255,255,0.9)";
    ctx.fillStyle = "#1f2933";
    ctx.strokeText(data.label, data.x + data.size + 3, data.y + settings.labelSize / 3);
    ctx.fillText(data.label, data.x + data.size + 3, data.y + settings.labelSize / 3);
  }
  /* nodes are drawn as points (gl.POINTS, discs by their fragment shader) and a big graph's
     edges as lines (gl.LINES): SwiftShader, the CPU WebGL of a machine without a GPU, draws
     sigma's default instanced circles and rectangles 4-8 times slower */
  var Point = Sigma.rendering.NodePointProgram;
  /* a folded district: a point with a gold ring (its outer third), drawn by sigma's point
     program with one line of its fragment shader changed */
  var PLAIN = "gl_FragColor = mix(transparent, v_color, t);";
  var RING = "gl_FragColor = mix(transparent, length(m) > 0.34 ? vec4(0.831, 0.627, 0.086, 1.0) : v_color, t);";
  var FoldedPoint = class extends Point {
    getDefinition() {
      var d = super.getDefinition();
      return Object.assign({}, d, { FRAGMENT_SHADER_SOURCE: d.FRAGMENT_SHADER_SOURCE.replace(PLAIN, RING) });
    }
  };
  var renderer = new Sigma(graph, $("kg-graph"), {
    edgeProgramClasses: { thin: Sigma.rendering.EdgeLineProgram },
    nodeProgramClasses: { point: Point, folded: FoldedPoint },
    labelFont: FONT, labelSize: LABEL_PX, labelColor: { color: "#1f2933" },
    edgeLabelFont: FONT, edgeLabelSize: 10, edgeLabelColor: { color: "#52606d" },
    /* labels: every node may have one; the canvas is cut into cells of 90 px and each cell
       shows the label of its biggest node (zooming in shows more) */
    labelRenderedSizeThreshold: 0, labelDensity: 1, labelGridCellSize: 90,
    defaultDrawNodeLabel: drawLabel,
    renderEdgeLabels: !big, enableEdgeEvents: !big, zIndex: true,
    hideEdgesOnMove: big, hideLabelsOnMove: big,
    minCameraRatio: 0.02, maxCameraRatio: 4, stagePadding: 24,
    allowInvalidContainer: true  /* not laid out yet (an iframe): drawn once it has a size */
  });
  var camera = renderer.getCamera();
  /* sigma follows the window's size; the container can change size on its own (an iframe
     laid out after the page ran, the side panel's media query) */
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      var box = $("kg-graph").getBoundingClientRect(), now = renderer.getDimensions();
      if (Math.round(box.width) !== now.width || Math.round(box.height) !== now.height) renderer.refresh();
    }).observe($("kg-graph"));
  }
  window.kgLabels = renderer.displayedNodeLabels.size;
  renderer.on("afterRender", function () { window.kgLabels = renderer.displayedNodeLabels.size; });

  /* the camera */
  function fitTo(list) {  /* the camera that shows the nodes in list (all nodes: the first frame) */
    if (!list || list.length === N.length) { camera.setState({ x: 0.5, y: 0.5, ratio: 1, angle: 0 }); return; }
    var x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    list.forEach(function (i) {
      var d = renderer.getNodeDisplayData(String(i));
      if (!d) return;
      x0 = Math.min(x0, d.x); x1 = Math.max(x1, d.x); y0 = Math.min(y0, d.y); y1 = Math.max(y1, d.y);
    });
    if (x0 > x1) return;
    camera.setState({ x: (x0 + x1) / 2, y: (y0 + y1) / 2, angle: 0,
                      ratio: Math.min(1, Math.max(0.05, 1.15 * Math.max(x1 - x0, y1 - y0))) });
  }
  function centreOn(i, animate) {
    var d = renderer.getNodeDisplayData(String(i));
    if (!d) return;
    var state = { x: d.x, y: d.y, ratio: Math.min(camera.ratio, 0.3) };
    if (animate) camera.animate(state, { duration: 300, easing: "quadraticInOut" });
    else camera.setState(state);
  }
  function select(i) {
    if (SELECTED >= 0 && graph.hasNode(String(SELECTED))) {
      graph.mergeNodeAttributes(String(SELECTED), { highlighted: false, zIndex: 0 });
    }
    SELECTED = i;
    if (i >= 0) graph.mergeNodeAttributes(String(i), { highlighted: true, zIndex: 1 });
  }

  /* a big graph draws only its nodes while anything moves (as vis-network did): sigma's
     hideEdgesOnMove / hideLabelsOnMove count the mouse, the wheel and the camera's own
     animations as moving; here so do any change of the camera in the last 150 ms (a script,
     a search) and a node being dragged; one whole frame is drawn once all is still */
  var lastMove = -Infinity, still = null, animated = camera.isAnimated.bind(camera);
  function moved() {
    if (!big) return;
    lastMove = performance.now();
    if (still) clearTimeout(still);
    still = setTimeout(function () { still = null; renderer.scheduleRender(); }, 160);
  }
  camera.isAnimated = function () { return animated() || performance.now() - lastMove < 150; };
  camera.on("updated", moved);

  /* while a mouse button is down and the pointer has moved (the view or a node is being
     dragged), sigma is not asked which node is under the pointer: that question reads a
     pixel back from the GPU and so waits for the frame being drawn, on every mouse move */
  var pressed = null, dragging = false, pick = renderer.getNodeAtPosition.bind(renderer);
  renderer.getNodeAtPosition = function (position) { return dragging ? null : pick(position); };
  window.addEventListener("mousedown", function (ev) { pressed = [ev.clientX, ev.clientY]; dragging = false; }, true);
  window.addEventListener("mousemove", function (ev) {
    if (pressed && Math.abs(ev.clientX - pressed[0]) + Math.abs(ev.clientY - pressed[1]) > 3) dragging = true;
  }, true);
  window.addEventListener("mouseup", function () {
    pressed = null;
    setTimeout(function () { dragging = false; }, 0);  /* after sigma has seen this mouseup */
  }, true);

  /* a node can be dragged: its position follows the pointer (the camera stays) */
  var dragged = null;
  renderer.on("downNode", function (ev) {
    dragged = ev.node;
    if (!renderer.getCustomBBox()) renderer.setCustomBBox(renderer.getBBox());
  });
  /* while it moves, only that node and its edges are redrawn: its position is written into
     graphology's attribute object directly (a graph event would make sigma process the whole
     graph on the next frame); the position is set through the graph once it is dropped */
  renderer.on("moveBody", function (ev) {
    if (dragged === null) return;
    var p = renderer.viewportToGraph(ev.event), attributes = graph.getNodeAttributes(dragged);
    moved();
    attributes.x = p.x;
    attributes.y = p.y;
    renderer.refresh({ partialGraph: { nodes: [dragged], edges: graph.edges(dragged) },
                       skipIndexation: true, schedule: true });
    ev.preventSigmaDefault();
    if (ev.event.original.cancelable) ev.event.original.preventDefault();
  });
  function drop() {
    if (dragged === null) return;
    var attributes = graph.getNodeAttributes(dragged);
    graph.mergeNodeAttributes(dragged, { x: attributes.x, y: attributes.y });
    dragged = null;
  }
  renderer.on("upNode", drop);
  renderer.on("upStage", drop);

  /* the tooltip: the entity's type, name, aliases, area and counts, as text */
  var tip = el("div", "kg-tip");
  tip.id = "kg-tip";
  tip.hidden = true;
  $("kg-graph").appendChild(tip);
  function tipText(i) {
    var n = N[i], t = T[n.t], text = t.label + "：" + n.l;
    if (n.a) text += "\n别名：" + n.a.join("、");
    if (n.p) text += "\n" + (n.t === 0 ? "上级：" : "所在：") + chainText(n.p);
    text += "\n提及 " + n.m + " 次 · 关系 " + n.d + " 条";
    if (n.k) text += "\n折叠了 " + n.k + " 个实体：点击展开";
    return text;
  }
  renderer.on("enterNode", function (ev) {
    if (dragged !== null) return;
    var d = renderer.graphToViewport(graph.getNodeAttributes(ev.node));
    tip.textContent = tipText(Number(ev.node));
    tip.style.left = Math.round(d.x + 12) + "px";
    tip.style.top = Math.round(d.y + 12) + "px";
    tip.hidden = false;
  });
  renderer.on("leaveNode", function () { tip.hidden = true; });
  camera.on("updated", function () { tip.hidden = true; });

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
    add(box, add(el("div", "kg-type"), swatch(colour(n)), t.label + " " + t.key +
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
    delete N[d].k;
    graph.mergeNodeAttributes(String(d), { label: N[d].l, type: "point" });
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
      if (v !== visible[i]) { visible[i] = v; changes.push(i); }
      if (v) shown.push(i);
    });
    if (changes.length > 200) {  /* one refresh of the whole graph */
      graph.updateEachNodeAttributes(function (key, attr) { attr.hidden = !visible[Number(key)]; return attr; },
                                     { attributes: ["hidden"] });
    } else {
      changes.forEach(function (i) { graph.setNodeAttribute(String(i), "hidden", !visible[i]); });
    }
    var shownEdges = E.filter(function (e) { return visible[e[0]] && visible[e[1]]; }).length;
    $("kg-count").textContent = "显示 " + shown.length + " / " + N.length + " 个实体 · " +
      shownEdges + " 条关系" + (D.total > shown.length ? "（图中共 " + D.total + " 个）" : "");
    if (fit && shown.length) {
      fitTo(shown);
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
      add(legend, add(el("label"), box, swatch(t.color), t.label + " " + t.key, count));
    });
    if (N.some(function (n) { return n.g; })) {
      add(legend, add(el("div", "kg-static"), swatch(D.gazetteerColor),
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
    $("kg-reset").addEventListener("click", function () { resetFilters(); fitTo(null); });
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
    select(i);
    centreOn(i, animate);
    showNode(i);
  }
  function buildSearch() {
    var input = $("kg-search"), list = $("kg-results"), current = [];
    function render() {
      current = search(input.value);
      list.replaceChildren();
      current.forEach(function (h, k) {
        var n = N[h[3]], li = el("li", k === 0 ? "kg-active" : null);
        add(li, swatch(colour(n)), el("span", null, n.l));
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

  function clickNode(ev) {
    var i = Number(ev.node);
    unfold(i);
    select(i);
    showNode(i);
  }
  renderer.on("clickNode", clickNode);
  /* sigma takes a second click within 300 ms, on any node, as a double click, which zooms
     in: here it is a click on the node under the pointer, and the camera stays */
  renderer.on("doubleClickNode", function (ev) { ev.preventSigmaDefault(); clickNode(ev); });
  renderer.on("doubleClickStage", function (ev) { ev.preventSigmaDefault(); });
  renderer.on("clickEdge", function (ev) { showEdge(Number(ev.edge)); });

  $("kg-title").textContent = D.title;
  if (D.notice) { $("kg-notice").textContent = D.notice; $("kg-notice").hidden = false; }
  buildFilters();
  buildSearch();
  applyFilters(false);
  hint();
  if (D.focus >= 0) focusNode(D.focus, false);
  /* for tests and benchmarks: the renderer, its graph, and where node i is on the screen */
  window.kgView = {
    focusNode: focusNode, search: search, data: D, renderer: renderer, graph: graph,
    selected: function () { return SELECTED; },
    point: function (i) {
      var d = renderer.graphToViewport(graph.getNodeAttributes(String(i)));
      var r = $("kg-graph").getBoundingClientRect();
      return [r.left + d.x, r.top + d.y];
    }
  };
  window.kgReady = performance.now();  /* sigma drew the first frame in its constructor */
  document.documentElement.setAttribute("data-kg-ready", "1");
})();
