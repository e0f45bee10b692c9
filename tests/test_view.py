"""The HTML view: data, escaping, filters and budget (plain tests), and the page itself in
headless Chromium (``-m browser``; skipped with a reason when Debian's chromium is absent)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.errors import InputError
from kg.graph.vocab import ID, KG
from kg.view import render_html, show, view_data, write_html
from kg.view.data import read_graph
from kg.view.page import script_json
from kg.view.select import district_members, find_entity

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
IMG = '<img src=x onerror="window.__pwned=1">'
SCRIPT = "<script>window.__pwned=1</script>"


def page_data(html: str) -> dict:
    block = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', html, re.S)
    assert block is not None
    return json.loads(block.group(1))


def hostile_graph(fillers: int = 60) -> Graph:
    """A small graph whose names, sentences and file name are markup."""
    g = Graph()
    zh = lambda text: Literal(text, lang="zh")  # noqa: E731
    doc = ID["doc/evil"]
    g.add((doc, RDF.type, KG.Document))
    g.add((doc, KG.fileName, Literal("<b>evil</b>.txt")))
    sentence = URIRef(f"{doc}/s0")
    g.add((sentence, RDF.type, KG.Sentence))
    g.add((sentence, KG.inDocument, doc))
    g.add((sentence, KG.text, zh(f"据报道，{IMG}负责{SCRIPT}。</script><script>window.__pwned=1</script>")))
    district = ID["district/999999"]
    agency = ID["agency/999999/evil"]
    program = ID["program/999999/evil"]
    for node, kind, label in ((district, "District", "测试区"), (agency, "Agency", IMG),
                              (program, "Program", SCRIPT)):
        g.add((node, RDF.type, KG[kind]))
        g.add((node, SKOS.prefLabel, zh(label)))
        g.add((node, KG.mentionedIn, doc))
        mention = URIRef(f"{doc}/m-{kind}")
        g.add((mention, RDF.type, KG.Mention))
        g.add((mention, KG.refersTo, node))
        g.add((mention, KG.inDocument, doc))
        g.add((mention, KG.inSentence, sentence))
        g.add((mention, KG.text, zh(label)))
    g.add((agency, SKOS.altLabel, zh("<svg onload=window.__pwned=1>")))
    g.add((agency, KG.jurisdiction, district))
    g.add((program, KG.runBy, agency))
    statement = URIRef(f"{doc}/r0")
    for p, o in ((RDF.type, RDF.Statement), (RDF.subject, program), (RDF.predicate, KG.runBy),
                 (RDF.object, agency), (KG.evidence, sentence), (KG.rule, Literal("<i>rule</i>"))):
        g.add((statement, p, o))
    for k in range(fillers):
        node = ID[f"facility/999999/f{k}"]
        g.add((node, RDF.type, KG.Facility))
        g.add((node, SKOS.prefLabel, zh(f"设施{k}号")))
        g.add((node, KG.locatedIn, district))
    return g


# ---------------------------------------------------------------- data, escaping, options


def test_script_json_cannot_close_the_script_element():
    value = {"a": "</script><img src=x onerror=alert(1)>&amp;\u2028\u2029"}
    text = script_json(value)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == value


def test_hostile_names_never_reach_the_page_as_markup():
    html = render_html(hostile_graph())
    body = html.split('<script id="kg-data"', 1)[1]
    for raw in (IMG, SCRIPT, "<svg onload", "<b>evil", "<i>rule"):
        assert raw not in body
    labels = {n["l"] for n in page_data(html)["nodes"]}
    assert {IMG, SCRIPT} <= labels


def test_page_is_self_contained():
    html = render_html(hostile_graph())
    static = ROOT / "kg" / "view" / "static"
    for bundled in ("sigma.min.js", "graphology.umd.min.js"):  # inlined, as shipped
        assert (static / bundled).read_text(encoding="utf-8") in html
    assert "new Sigma(graph" in html
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html)
    assert "cdn.jsdelivr.net" not in html and "cdnjs.cloudflare.com" not in html
    assert "default-src 'none'" in html
    assert "WenQuanYi Micro Hei" in html and "Noto Sans CJK SC" in html


def test_read_graph_has_labels_aliases_chains_and_evidence(seed_graph):
    data = read_graph(seed_graph)
    qiantang = data.entities[find_entity(data, "钱塘区")]
    assert qiantang.type == "District" and qiantang.level == "县级" and qiantang.code == "330114"
    assert qiantang.mentions > 0 and qiantang.evidence
    page, _ = view_data(seed_graph)
    node = next(n for n in page["nodes"] if n["l"] == "钱塘区")
    assert [c[0] for c in node["p"]] == ["浙江省", "杭州市"]
    text, doc = page["sents"][node["e"][0][0]]
    assert node["e"][0][1] in text and page["docs"][doc].endswith(".txt")
    assert any(len(e) == 4 for e in page["edges"]), "reified statements carry their evidence"
    assert page["rels"]["partOf"] == "隶属于"


def test_budget_keeps_the_busiest_entities_and_says_so(seed_graph):
    page, selection = view_data(seed_graph, max_nodes=40)
    assert len(page["nodes"]) == len(selection.keep) == 40
    assert "40" in page["notice"] and str(selection.total) in page["notice"].replace(",", "")
    full, everything = view_data(seed_graph)
    assert full["notice"] == "" and len(full["nodes"]) == everything.total
    busiest = max(full["nodes"], key=lambda n: n["m"] + n["d"])
    assert busiest["i"] in selection.keep


def test_budget_with_focus_keeps_its_neighbourhood(seed_graph):
    data = read_graph(seed_graph)
    everything, _ = view_data(seed_graph)
    focus_id = next(n["i"] for n in everything["nodes"] if n["l"] == "钱塘区")
    neighbours = {r.source for r in data.relations if r.target == focus_id}
    neighbours |= {r.target for r in data.relations if r.source == focus_id}
    budget = len(neighbours) + 3
    assert len(neighbours) > 0 and budget < len(everything["nodes"])
    page, selection = view_data(seed_graph, max_nodes=budget, focus="钱塘区")
    focus = page["nodes"][page["focus"]]
    assert focus["l"] == "钱塘区" and len(page["nodes"]) == budget
    assert neighbours <= set(selection.keep)
    assert "离焦点最近" in page["notice"]


def test_type_and_district_filters(seed_graph):
    page, _ = view_data(seed_graph, types=["district", "Agency"])
    assert page["nodes"] and {n["t"] for n in page["nodes"]} <= {0, 1}
    data = read_graph(seed_graph)
    qiantang = find_entity(data, "钱塘区", types=("District",))
    members = district_members(data, qiantang)
    page, selection = view_data(seed_graph, district="钱塘区")
    assert set(selection.keep) == members
    labels = {n["l"] for n in page["nodes"]}
    assert "钱塘区" in labels and "杭州市" not in labels and "浙江省" not in labels
    assert len(labels) > 3


def test_focus_by_alias_and_unknown_names(seed_graph):
    page, _ = view_data(seed_graph, focus="钱塘")  # an alias of 钱塘区
    assert page["nodes"][page["focus"]]["l"] == "钱塘区"
    with pytest.raises(InputError, match="no .* named"):
        view_data(seed_graph, focus="不存在的地方")
    with pytest.raises(InputError, match="unknown type"):
        view_data(seed_graph, types=["Person"])


def test_kg_view_command(tmp_path, seed_graph, capsys):
    from kg.cli import main

    ttl = tmp_path / "g.ttl"
    seed_graph.serialize(ttl, format="turtle")
    out = tmp_path / "v.html"
    code = main(["view", str(ttl), "-o", str(out), "--focus", "钱塘区",
                 "--types", "District,Agency", "--max-nodes", "30"])
    assert code == 0
    page = page_data(out.read_text(encoding="utf-8"))
    assert len(page["nodes"]) == 30 and page["nodes"][page["focus"]]["l"] == "钱塘区"
    assert {n["t"] for n in page["nodes"]} <= {0, 1}
    assert "30 of" in capsys.readouterr().out
    assert main(["view", str(ttl), "-o", str(out), "--focus", "不存在的地方"]) == 1


def test_write_html_keeps_its_signature(tmp_path, seed_graph):
    write_html(seed_graph, tmp_path / "graph.html")
    assert "钱塘区" in (tmp_path / "graph.html").read_text(encoding="utf-8")


def test_to_pyvis_gives_the_views_entities_at_the_views_places(seed_graph):
    """The pyvis network holds what the page shows: the same entities, labels and positions
    (a smaller budget keeps the busiest ones), the same relations, and an offline page."""
    from kg.view import to_pyvis
    from kg.view.network import offline_html

    page, _ = view_data(seed_graph, max_nodes=60)
    network = to_pyvis(seed_graph, max_nodes=60)
    assert [n["label"] for n in network.nodes] == [n["l"] for n in page["nodes"]]
    assert [(n["x"], n["y"]) for n in network.nodes] == [(n["x"], n["y"]) for n in page["nodes"]]
    assert len(network.edges) == len(page["edges"]) > 0
    assert not any(n["physics"] for n in network.nodes)
    markup = offline_html(network)
    assert "vis-network" in markup and not re.search(r"(src|href)=\"https?:", markup)
    assert json.dumps(page["nodes"][0]["l"])[1:-1] in markup or page["nodes"][0]["l"] in markup


def test_show_returns_an_iframe_with_the_page_in_srcdoc():
    shown = show(hostile_graph(), height=400)
    markup = shown._repr_html_() if hasattr(shown, "_repr_html_") else shown.data
    if not isinstance(markup, str):
        markup = shown.data
    assert markup.startswith('<div class="kg-view"><iframe srcdoc="') and 'height:404px' in markup
    assert IMG not in markup and "&lt;!DOCTYPE html&gt;" in markup


# ---------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def pages(tmp_path_factory, seed_graph):
    folder = tmp_path_factory.mktemp("view")
    paths = {"seed": folder / "seed.html", "hostile": folder / "hostile.html",
             "small": folder / "small.html"}
    write_html(seed_graph, paths["seed"])
    write_html(hostile_graph(), paths["hostile"])
    write_html(seed_graph, paths["small"], max_nodes=50)
    return paths


class Page:
    """A page opened offline: every request that is not file:// is aborted and recorded."""

    def __init__(self, browser, path: Path, width: int = 1400, height: int = 900) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_function("() => window.kgReady", timeout=20_000)

    def _route(self, route) -> None:  # noqa: ANN001
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.requests.append(route.request.url)
            route.abort()

    def js(self, script: str, arg=None):  # noqa: ANN001
        return self.page.evaluate(script, arg)

    def node(self, label: str) -> int:
        return self.js("(l) => kgView.data.nodes.findIndex(n => n.l === l)", label)

    def wait_for(self, condition: str, arg=None, what: str = "",  # noqa: ANN001
                 timeout: float = 15_000) -> None:
        """Wait until the JS ``condition`` holds (checked on every animation frame), never
        for a fixed time: a loaded machine slows the renderer's animations several-fold."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self.page.wait_for_function(condition, arg=arg, timeout=timeout)
        except PlaywrightTimeout:
            raise AssertionError(f"timed out after {timeout / 1000:.0f} s waiting for "
                                 f"{what or condition}") from None

    def wait_centred(self, index: int) -> None:
        """Until node ``index`` sits at the centre of the graph (where a focus animation
        ends, to well under a pixel)."""
        self.wait_for("""(i) => { const [x, y] = kgView.point(i);
            const g = document.querySelector('#kg-graph').getBoundingClientRect();
            return Math.hypot(x - (g.left + g.width / 2), y - (g.top + g.height / 2)) < 0.5; }""",
                      index, f"node {index} to be centred (the focus animation)")

    def wait_tooltip(self, text: str = "") -> None:
        """Until the page's tooltip is shown and contains ``text`` as text."""
        self.wait_for("""(text) => { const t = document.querySelector('#kg-tip');
            return !!t && !t.hidden && t.textContent.includes(text); }""",
                      text, f"the tooltip {text!r}")

    def frames(self, count: int) -> None:
        """Let the page render ``count`` animation frames."""
        self.js("""(n) => new Promise(done => { const step = () => --n > 0
            ? requestAnimationFrame(step) : done(); requestAnimationFrame(step); })""", count)

    def point(self, index: int) -> tuple[float, float]:
        """Where node ``index`` is on the screen."""
        x, y = self.js("(i) => kgView.point(i)", index)
        return x, y

    def zoom_to(self, index: int, ratio: float) -> None:
        """Centre the camera on node ``index`` at zoom ``ratio`` (1: the whole graph)."""
        self.js("""([i, ratio]) => { const d = kgView.renderer.getNodeDisplayData(String(i));
            kgView.renderer.getCamera().setState({x: d.x, y: d.y, ratio: ratio});
            kgView.renderer.refresh(); }""", [index, ratio])

    def hidden(self) -> int:
        """How many nodes of sigma's graph are hidden."""
        return self.js("() => kgView.graph.filterNodes((k, a) => a.hidden).length")

    def painted(self, layer: str = "nodes") -> int:
        """Pixels of sigma's WebGL ``layer`` that are not background, read right after a
        render (the drawing buffer is only kept until the frame is shown)."""
        return self.js("""(layer) => { kgView.renderer.refresh();
            const gl = kgView.renderer.getCanvases()[layer];
            const c = document.createElement('canvas'); c.width = gl.width; c.height = gl.height;
            const ctx = c.getContext('2d'); ctx.drawImage(gl, 0, 0);
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0) n++;
            return n; }""", layer)

    def pixel(self, x: float, y: float, layer: str = "nodes") -> list[int]:
        """The RGBA of sigma's WebGL ``layer`` at screen point (x, y), right after a render."""
        return self.js("""([x, y, layer]) => { kgView.renderer.refresh();
            const gl = kgView.renderer.getCanvases()[layer], r = gl.getBoundingClientRect();
            const c = document.createElement('canvas'); c.width = gl.width; c.height = gl.height;
            const ctx = c.getContext('2d'); ctx.drawImage(gl, 0, 0);
            return [...ctx.getImageData(Math.round(x - r.left), Math.round(y - r.top), 1, 1).data]; }""",
                       [x, y, layer])

    def still(self) -> str:
        """The camera and every node's position and visibility, as JSON."""
        return self.js("""() => JSON.stringify([kgView.renderer.getCamera().getState(),
            kgView.graph.mapNodes((k, a) => [a.x, a.y, !!a.hidden])])""")


@pytest.mark.browser
def test_seed_view_loads_offline_and_draws(browser, pages):
    view = Page(browser, pages["seed"])
    assert view.requests == [] and view.errors == []
    nodes = view.js("() => kgView.data.nodes.length")
    edges = view.js("() => kgView.data.edges.length")
    assert nodes > 100
    assert view.js("() => [kgView.graph.order, kgView.graph.size]") == [nodes, edges]
    assert view.js("() => kgView.renderer.getCanvases().nodes.getContext('webgl2') !== null")
    assert view.painted("nodes") > 5000, "the WebGL canvas of the nodes is blank"
    assert view.painted("edges") > 1000, "the WebGL canvas of the edges is blank"
    ARTIFACTS.mkdir(exist_ok=True)
    view.page.screenshot(path=str(ARTIFACTS / "seed-view.png"))
    still = view.still()
    view.frames(20)  # no physics: nothing moves from one frame to the next
    assert view.still() == still
    view.page.close()


@pytest.mark.browser
def test_search_finds_and_focuses_a_node(browser, pages):
    view = Page(browser, pages["seed"])
    target = view.node("钱塘区")
    view.page.fill("#kg-search", "钱塘")  # an alias: exact alias beats names starting with it
    assert view.page.locator("#kg-results li").first.inner_text().startswith("钱塘区")
    view.page.press("#kg-search", "Enter")
    assert view.js("() => kgView.selected()") == target
    assert view.page.locator("#kg-results li").count() == 0, "the list closes after a pick"
    view.wait_centred(target)
    x, y = view.point(target)
    box = view.page.locator("#kg-graph").bounding_box()
    assert abs(x - (box["x"] + box["width"] / 2)) < 5 and abs(y - (box["y"] + box["height"] / 2)) < 5
    assert view.page.locator("#kg-details h2").inner_text() == "钱塘区"
    assert view.errors == []
    view.page.close()


@pytest.mark.browser
def test_clicking_a_node_shows_its_evidence(browser, pages):
    view = Page(browser, pages["seed"])
    target = view.node("钱塘区")
    view.zoom_to(target, 0.3)
    view.page.mouse.click(*view.point(target))
    assert view.js("() => kgView.selected()") == target
    details = view.page.locator("#kg-details")
    assert details.locator("h2").inner_text() == "钱塘区"
    text = details.inner_text()
    assert "证据句" in text and ".txt" in text and "浙江省" in text and "别名" in text
    assert details.locator(".kg-sentence mark").count() > 0
    view.page.click("#kg-details .kg-link >> nth=0")  # parent chain link: 浙江省
    assert view.page.locator("#kg-details h2").inner_text() == "浙江省"
    assert view.errors == []
    view.page.close()


@pytest.mark.browser
def test_a_node_can_be_dragged(browser, pages):
    view = Page(browser, pages["seed"])
    target = view.node("钱塘区")
    view.zoom_to(target, 0.3)
    x, y = view.point(target)
    view.page.mouse.move(x, y)
    view.page.mouse.down()
    for k in range(1, 11):
        view.page.mouse.move(x + 8 * k, y + 5 * k)
    view.page.mouse.up()
    nx, ny = view.point(target)
    assert abs(nx - (x + 80)) < 3 and abs(ny - (y + 50)) < 3, "the node follows the mouse"
    centre = view.js("() => kgView.renderer.getCamera().getState()")
    view.frames(5)
    assert view.js("() => kgView.renderer.getCamera().getState()") == centre, "the view stays"
    assert view.errors == []
    view.page.close()


@pytest.mark.browser
def test_hovering_and_clicking_every_node_raises_no_error(browser, pages):
    view = Page(browser, pages["seed"])
    count = view.js("() => kgView.data.nodes.length")
    for i in range(count):
        view.page.mouse.click(*view.point(i))  # moves there first: hover, then click
    # the pointer rests on the last node clicked: the tooltip names a node drawn there
    x, y = view.point(count - 1)
    view.page.mouse.move(x + 1, y)
    view.wait_tooltip("提及")
    first = view.page.locator("#kg-tip").inner_text().split("\n")[0].split("：", 1)[1]
    near = view.js("""([x, y]) => kgView.data.nodes.filter((n, i) => {
        const [px, py] = kgView.point(i); return Math.hypot(px - x, py - y) < 30; }).map(n => n.l)""",
                   [x, y])
    assert first in near
    assert view.errors == [] and view.requests == []
    assert view.page.locator("#kg-details h2").count() == 1
    view.page.close()


@pytest.mark.browser
def test_filters_by_type_and_district(browser, pages, seed_graph):
    view = Page(browser, pages["seed"])
    districts = view.js("() => kgView.data.nodes.filter(n => n.t === 0).length")
    view.page.uncheck("#kg-legend input[value=District]")
    assert view.hidden() == districts
    view.page.click("#kg-reset")
    assert view.hidden() == 0
    target = view.node("钱塘区")
    view.page.select_option("#kg-district", str(target))
    data = read_graph(seed_graph)
    inside = district_members(data, find_entity(data, "钱塘区"))
    total = view.js("() => kgView.data.nodes.length")
    assert total - view.hidden() == len(inside)
    assert f"显示 {len(inside)} / {total}" in view.page.inner_text("#kg-count")
    # the camera fits the district: every node shown is on the canvas
    box = view.page.locator("#kg-graph").bounding_box()
    for i in view.js("() => kgView.graph.filterNodes((k, a) => !a.hidden).map(Number)"):
        x, y = view.point(i)
        assert box["x"] <= x <= box["x"] + box["width"] and box["y"] <= y <= box["y"] + box["height"]
    assert view.errors == []
    view.page.close()


@pytest.mark.browser
def test_budget_notice_is_on_the_page(browser, pages):
    view = Page(browser, pages["small"], width=1000, height=700)
    notice = view.page.locator("#kg-notice")
    assert notice.is_visible() and "50" in notice.inner_text()
    view.page.close()


@pytest.mark.browser
def test_hostile_names_show_as_text_and_never_run(browser, pages):
    view = Page(browser, pages["hostile"])
    for label in (IMG, SCRIPT):
        view.page.fill("#kg-search", label)
        assert view.page.locator("#kg-results li").first.inner_text().strip() == label
        view.page.press("#kg-search", "Enter")
        view.wait_centred(view.node(label))
        assert view.page.locator("#kg-details h2").inner_text() == label
        x, y = view.point(view.node(label))
        view.page.mouse.move(x, y)
        view.wait_tooltip(label)  # the page's tooltip, as text
        assert label in view.page.locator("#kg-tip").inner_text()
        view.page.mouse.click(x, y)
        details = view.page.inner_text("#kg-details")
        assert "<b>evil</b>.txt" in details and "</script><script>" in details
    assert view.js("() => window.__pwned") is None
    assert view.js("() => document.querySelectorAll('#kg-side img, #kg-side script, svg[onload]').length") == 0
    assert view.requests == []
    view.page.close()


@pytest.mark.browser
def test_the_notebook_iframe_draws_once_laid_out(browser, tmp_path, seed_graph):
    """show()'s iframe may run the page before it has a size (a notebook renders outputs
    into hidden or not yet laid out cells): sigma then draws at the size the iframe gets."""
    shown = show(seed_graph, height=500)
    markup = shown._repr_html_() if hasattr(shown, "_repr_html_") else shown.data
    path = tmp_path / "cell.html"
    path.write_text("<!DOCTYPE html><meta charset=utf-8><body style='width:1100px'>"
                    f"<div id=cell style='display:none'>{markup}</div>", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    view = page.frames[1]
    view.wait_for_function("() => window.kgReady", timeout=15_000)
    assert view.evaluate("() => document.getElementById('kg-graph').getBoundingClientRect().width") == 0
    page.evaluate("() => { document.getElementById('cell').style.display = 'block'; }")
    view.wait_for_function("""() => { const d = kgView.renderer.getDimensions(),
        g = document.getElementById('kg-graph').getBoundingClientRect();
        return g.width > 0 && d.width === Math.round(g.width) && d.height === Math.round(g.height); }""",
                           timeout=15_000)
    assert view.evaluate("() => kgView.renderer.getDimensions().width") > 500
    assert view.evaluate("() => window.kgLabels") >= 20
    assert errors == []
    page.close()
