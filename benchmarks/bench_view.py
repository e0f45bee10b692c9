"""Load-to-still time and frame rates of the HTML view in headless Chromium, on synthetic
graphs of kg's shape.

    .venv/bin/python benchmarks/bench_view.py                 # 5,000 and 10,000 entities, all drawn
    .venv/bin/python benchmarks/bench_view.py --sizes 300 1500 5000 12000 --runs 5
    .venv/bin/python benchmarks/bench_view.py --before /tmp/kg-old   # old and new, side by side
    .venv/bin/python benchmarks/bench_view.py --sizes 5000 9500 --max-nodes 5000 --screenshots docs

The synthetic graph has what ``kg build`` makes: a district tree (province → cities →
counties → townships → villages, kg:partOf), agencies with kg:jurisdiction and
kg:subOrganizationOf, facilities kg:locatedIn a district and kg:operatedBy an agency, programs
kg:runBy an agency and kg:coversArea a district, documents, sentences, mentions and reified
statements with evidence.

"Load to still" is the time from navigation start to the page's first frame (the page sets
``window.kgReady`` then); nothing moves after it, and the script checks that it does not.
The frame rates are frames the renderer draws per second, counted from its own "drawn"
events (sigma's afterRender; vis-network's afterDrawing for an old page): "pan" and "zoom"
move the camera on every animation frame for two seconds from inside the page and "drag"
drags the node nearest the centre with mouse events dispatched on every frame (the
renderer's own speed); "mouse drag" drags that node with playwright's mouse, "mouse pan"
drags the background and "wheel" turns the wheel (what a user feels; each step is a round
trip through playwright, which caps these near 30 on a loaded machine). "labels" is the number of labels drawn at the first frame. Every request that is
not file:// is aborted and counted.

``--before DIR`` also renders each graph with the kg in DIR (an older checkout, e.g. ``git
archive ed4982b | tar -x -C /tmp/kg-old``; it runs in this interpreter, which must have what
that version needs, e.g. pyvis for the vis-network view) and measures both pages in turn, in
the same browser, so that the ratio is fair on a noisy machine.

Chromium runs headless with software rendering: ``--disable-gpu`` (2D canvas on the CPU) and
``--enable-unsafe-swiftshader`` (WebGL on SwiftShader, Chromium's CPU implementation, which
newer Chromium versions no longer pick on their own). Needs Debian's chromium and the
playwright package.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SKOS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.graph.vocab import ID, KG  # noqa: E402
from kg.view import write_html  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run"]
LEVELS = ["ProvinceLevel", "CityLevel", "CountyLevel", "TownshipLevel", "VillageLevel"]
SYLLABLES = "东西南北安平宁和兴华新丰长乐永泰富民康城山河湖江海桥湾塘林阳"


def _name(rng: random.Random, suffix: str) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))) + suffix


def synthetic_graph(entities: int, seed: int = 1) -> Graph:
    """A graph of about ``entities`` entities shaped like the output of ``kg build``."""
    rng = random.Random(seed)
    g = Graph()
    zh = lambda text: Literal(text, lang="zh")  # noqa: E731
    docs = [ID[f"doc/{k:016x}"] for k in range(max(5, entities // 40))]
    for k, doc in enumerate(docs):
        g.add((doc, RDF.type, KG.Document))
        g.add((doc, KG.fileName, Literal(f"{k:03d}_synthetic.txt")))
    counter = [0]

    def sentence(doc: URIRef, text: str) -> URIRef:
        counter[0] += 1
        s = URIRef(f"{doc}/s{counter[0]}")
        g.add((s, RDF.type, KG.Sentence))
        g.add((s, KG.inDocument, doc))
        g.add((s, KG.text, zh(text)))
        return s

    def entity(kind: str, key: str, label: str, mentioned: bool = True) -> URIRef:
        node = ID[f"{kind.lower()}/{key}"]
        g.add((node, RDF.type, KG[kind]))
        g.add((node, SKOS.prefLabel, zh(label)))
        if rng.random() < 0.15:
            g.add((node, SKOS.altLabel, zh(label[:2] + "简称")))
        if mentioned:
            for _ in range(rng.randint(1, 3)):
                doc = rng.choice(docs)
                g.add((node, KG.mentionedIn, doc))
                s = sentence(doc, f"今年以来，{label}持续推进民生实事项目，群众满意度不断提升。")
                counter[0] += 1
                m = URIRef(f"{doc}/m{counter[0]}")
                g.add((m, RDF.type, KG.Mention))
                g.add((m, KG.refersTo, node))
                g.add((m, KG.inDocument, doc))
                g.add((m, KG.inSentence, s))
                g.add((m, KG.start, Literal(5)))
                g.add((m, KG.end, Literal(5 + len(label))))
                g.add((m, KG.text, zh(label)))
                g.add((m, KG.rule, Literal("synthetic")))
        return node

    def relate(s: URIRef, p: str, o: URIRef, evidence: bool = True) -> None:
        g.add((s, KG[p], o))
        if evidence:
            doc = rng.choice(docs)
            counter[0] += 1
            st = URIRef(f"{doc}/r{counter[0]}")
            g.add((st, RDF.type, RDF.Statement))
            g.add((st, RDF.subject, s))
            g.add((st, RDF.predicate, KG[p]))
            g.add((st, RDF.object, o))
            g.add((st, KG.evidence, sentence(doc, "据悉，该项目由相关部门负责实施。")))
            g.add((st, KG.rule, Literal("synthetic")))

    n_district = max(5, entities // 5)
    districts: list[tuple[URIRef, int]] = []
    province = entity("District", "330000", "浙江省", mentioned=False)
    g.add((province, KG.level, KG.ProvinceLevel))
    districts.append((province, 0))
    fanout = {0: 8, 1: 8, 2: 10, 3: 12}
    frontier = [(province, 0)]
    while len(districts) < n_district and frontier:
        parent, depth = frontier.pop(0)
        for _ in range(fanout.get(depth, 0)):
            if len(districts) >= n_district:
                break
            suffix = ["省", "市", "区", "街道", "村"][depth + 1]
            node = entity("District", f"{len(districts):06d}", _name(rng, suffix), depth >= 1)
            g.add((node, KG.level, KG[LEVELS[depth + 1]]))
            g.add((node, KG.divisionCode, Literal(f"{len(districts):06d}")))
            relate(node, "partOf", parent, evidence=False)
            districts.append((node, depth + 1))
            frontier.append((node, depth + 1))
    upper = [d for d, depth in districts if depth in (1, 2)] or [province]
    lower = [d for d, depth in districts if depth >= 2] or upper
    rest = entities - len(districts)
    agencies = []
    for k in range(max(1, rest * 15 // 80)):
        a = entity("Agency", f"a{k}", _name(rng, rng.choice(["民政局", "卫健委", "教育局", "文广旅体局"])))
        relate(a, "jurisdiction", rng.choice(upper))
        if agencies and rng.random() < 0.2:
            relate(a, "subOrganizationOf", rng.choice(agencies))
        agencies.append(a)
    for k in range(rest * 30 // 80):
        f = entity("Facility", f"f{k}", _name(rng, rng.choice(["社区卫生服务中心", "体育馆", "图书馆", "养老院"])))
        relate(f, "locatedIn", rng.choice(lower))
        if rng.random() < 0.4:
            relate(f, "operatedBy", rng.choice(agencies))
    for k in range(entities - len(districts) - len(agencies) - rest * 30 // 80):
        p = entity("Program", f"p{k}", _name(rng, rng.choice(["行动", "工程", "计划", "项目"])))
        if rng.random() < 0.5:
            relate(p, "runBy", rng.choice(agencies))
        if rng.random() < 0.5:
            relate(p, "coversArea", rng.choice(upper + lower[:50]))
    return g


#: in the page: count the frames the renderer draws (sigma for the view, vis-network for an
#: old page) in window.kgFrames, and give the camera as [x, y, zoom] with a setter
HOOKS = """() => {
    window.kgFrames = 0;
    const count = () => { window.kgFrames += 1; };
    const sigma = window.kgView && window.kgView.renderer;
    if (sigma) {
        sigma.on('afterRender', count);
        const camera = sigma.getCamera();
        window.kgCamera = () => { const s = camera.getState(); return [s.x, s.y, 1 / s.ratio]; };
        window.kgSetCamera = (x, y, zoom) => camera.setState({x: x, y: y, ratio: 1 / zoom});
        window.kgPanStep = 0.002;  // of the graph's extent, about 2 px a frame
        window.kgStill = () => JSON.stringify([camera.getState(),
            kgView.graph.mapNodes((k, a) => [a.x, a.y, !!a.hidden])]);
        window.kgNodeAt = (i) => kgView.point(i);
    } else {
        network.on('afterDrawing', count);
        window.kgCamera = () => { const p = network.getViewPosition();
                                  return [p.x, p.y, network.getScale()]; };
        window.kgSetCamera = (x, y, zoom) => network.moveTo({position: {x: x, y: y}, scale: zoom});
        window.kgPanStep = 2 / network.getScale();
        window.kgStill = () => JSON.stringify(network.getPositions());
        window.kgNodeAt = (i) => { const d = network.canvasToDOM(network.getPositions([i])[i]);
            const r = document.querySelector('#kg-graph canvas').getBoundingClientRect();
            return [r.left + d.x, r.top + d.y]; };
    }
}"""

#: in the page: move the camera on every animation frame for ``ms`` milliseconds (pan: to
#: the right; zoom: in by 1 % a frame, then out again) and return the frames drawn per second
CAMERA = """([gesture, ms]) => new Promise(done => {
    const [x, y, zoom] = kgCamera();
    window.kgFrames = 0;
    const start = performance.now();
    let k = 0, up = 0;
    const step = (now) => {
        k += 1;
        const first = now - start < ms / 2;
        if (first) up = k;
        if (gesture === 'pan') kgSetCamera(x + kgPanStep * k, y, zoom);
        else kgSetCamera(x, y, zoom * Math.pow(1.01, first ? k : Math.max(0, 2 * up - k)));
        if (now - start < ms) { requestAnimationFrame(step); return; }
        const frames = window.kgFrames, seconds = (performance.now() - start) / 1000;
        kgSetCamera(x, y, zoom);
        done(frames / seconds);
    };
    requestAnimationFrame(step);
})"""


#: in the page: press the mouse on (x, y) and move it 2 px right and 1 px down on every
#: animation frame for ``ms`` milliseconds (events dispatched to the element there, as
#: pointer and mouse events, which either renderer listens to); the frames drawn per second
#: and where the pointer ended
DRAG = """([x, y, ms]) => new Promise(done => {
    const target = document.elementFromPoint(x, y);
    const fire = (kind, px, py) => {
        const init = {clientX: px, clientY: py, bubbles: true, cancelable: true, button: 0,
                      buttons: kind === 'up' ? 0 : 1, pointerId: 1, pointerType: 'mouse',
                      isPrimary: true, view: window};
        target.dispatchEvent(new PointerEvent('pointer' + kind, init));
        target.dispatchEvent(new MouseEvent('mouse' + kind, init));
    };
    fire('move', x, y);
    fire('down', x, y);
    window.kgFrames = 0;
    const start = performance.now();
    let k = 0;
    const step = (now) => {
        k += 1;
        fire('move', x + 2 * k, y + k);
        if (now - start < ms) { requestAnimationFrame(step); return; }
        const frames = window.kgFrames, seconds = (performance.now() - start) / 1000;
        fire('up', x + 2 * k, y + k);
        done([frames / seconds, x + 2 * k, y + k]);
    };
    requestAnimationFrame(step);
})"""


def _mouse(page, gesture: str, x: float, y: float) -> float:  # noqa: ANN001
    """Frames drawn per second while the mouse drags from (x, y) or turns the wheel there."""
    page.evaluate("() => { window.kgFrames = 0; }")
    start = time.perf_counter()
    page.mouse.move(x, y)
    if gesture == "wheel":
        for k in range(30):
            page.mouse.wheel(0, -60 if k < 15 else 60)
    else:
        page.mouse.down()
        for k in range(60):
            page.mouse.move(x - 3 * k, y + 2 * k)
        page.mouse.up()
    page.wait_for_timeout(50)
    return page.evaluate("() => window.kgFrames") / (time.perf_counter() - start)


def _fps(page) -> dict[str, float]:  # noqa: ANN001
    """Frames drawn per second while the camera pans and zooms and a node is dragged (from
    inside the page), then while playwright's mouse drags the node, drags the background and
    turns the wheel; "dragged" is 1 when the node followed the pointer."""
    page.evaluate(HOOKS)
    out = {gesture: page.evaluate(CAMERA, [gesture, 2000]) for gesture in ("pan", "zoom")}
    box = page.locator("#kg-graph").bounding_box()
    # the node whose screen point is nearest the centre (the same entity in either page:
    # same data, same layout)
    target = page.evaluate("""([cx, cy]) => { let best = -1, dist = Infinity;
        kgView.data.nodes.forEach((n, i) => { if (n.h !== undefined) return;
            const [x, y] = kgNodeAt(i); const d = Math.hypot(x - cx, y - cy);
            if (d < dist) { dist = d; best = i; } });
        return best; }""", [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    x, y = page.evaluate("(i) => kgNodeAt(i)", target)
    out["drag"], end_x, end_y = page.evaluate(DRAG, [x, y, 2000])
    moved = page.evaluate("(i) => kgNodeAt(i)", target)
    out["dragged"] = float(abs(moved[0] - end_x) < 15 and abs(moved[1] - end_y) < 15)
    x, y = moved
    out["mouse drag"] = _mouse(page, "drag", x, y)
    out["mouse pan"] = _mouse(page, "pan", box["x"] + box["width"] - 15, box["y"] + 15)  # no node there
    out["wheel"] = _mouse(page, "wheel", box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    return out


def measure(page_path: Path, runs: int, shots: Path | None = None) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            return measure_in(browser, [page_path], runs, shots)[0]
        finally:
            browser.close()


def measure_in(browser, paths: list[Path], runs: int,  # noqa: ANN001
               shots: Path | None = None) -> list[dict[str, object]]:
    """Each page of ``paths`` opened ``runs`` times, the pages in turn (old, new, old, new …)."""
    found: list[dict[str, list]] = [{"load": [], "wall": [], "blocked": [], "errors": [],
                                     "still": [], "first": [], "fps": []} for _ in paths]
    for run in range(runs):
        for which, page_path in enumerate(paths):
            r = found[which]
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("pageerror", lambda e, r=r: r["errors"].append(str(e)))

            def route(req, r=r):  # noqa: ANN001
                if req.request.url.startswith("file:"):
                    req.continue_()
                else:
                    r["blocked"].append(req.request.url)
                    req.abort()

            page.route("**/*", route)
            start = time.perf_counter()
            page.goto(page_path.as_uri(), wait_until="commit")
            page.wait_for_function("() => window.kgReady", timeout=120_000, polling=20)
            r["wall"].append(time.perf_counter() - start)
            r["load"].append(page.evaluate("() => window.kgReady") / 1000)
            page.evaluate(HOOKS)
            before = page.evaluate("() => kgStill()")
            page.wait_for_timeout(500)
            r["still"].append(before == page.evaluate("() => kgStill()"))
            r["first"].append(page.evaluate("() => window.kgLabels || 0"))
            if shots is not None and run == 0 and which == len(paths) - 1:
                page.screenshot(path=str(shots))
            r["fps"].append(_fps(page))
            page.close()
    out = []
    for r in found:
        fps: list[dict[str, float]] = r["fps"]
        out.append({"median": statistics.median(r["load"]), "runs": r["load"],
                    "wall": statistics.median(r["wall"]), "blocked": r["blocked"],
                    "errors": r["errors"], "still": all(r["still"]), "labels": r["first"][0],
                    **{k: statistics.median(f[k] for f in fps) for k in fps[0]}})
    return out


def render_before(before: Path, name: str, size: int, path: Path, max_nodes: int) -> None:
    """The page the kg in ``before`` writes for the same graph (in a child process, so the two
    versions of kg never share an interpreter)."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]);"
            "from kg.view import write_html; from pathlib import Path;"
            "from benchmarks.bench_view import synthetic_graph;"
            "write_html(synthetic_graph(int(sys.argv[2])), Path(sys.argv[3]), max_nodes=int(sys.argv[4]))")
    if name == "seed":
        code = code.replace("synthetic_graph(int(sys.argv[2]))",
                            "__import__('kg.corpus').corpus.build(sorted(Path(sys.argv[1], 'seeds').glob('*.txt')))")
    subprocess.run([sys.executable, "-c", code, str(before), str(size), str(path), str(max_nodes)],
                   check=True, cwd=before)


GESTURES = ("pan", "zoom", "drag", "mouse drag", "mouse pan", "wheel")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\\n\\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-nodes", type=int, default=10000,
                        help="the view's node budget (kg view's default is 5,000; above it "
                             "entities fold into their districts)")
    parser.add_argument("--before", metavar="DIR", type=Path,
                        help="also measure the page an older kg checkout in DIR writes")
    parser.add_argument("--screenshots", metavar="DIR", type=Path,
                        help="write the first frame of each page as DIR/view-SIZE.png, and of "
                             "the seed graph as DIR/view-seed.png")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install chromium fonts-wqy-microhei", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    print("| entities | page | drawn | HTML MB | load-to-still s (median) | runs | still | labels | "
          + " | ".join(f"{g} fps" for g in GESTURES) + " | node dragged | requests |")
    print("|---|---|---|---|---|---|---|---|" + "---|" * len(GESTURES) + "---|---|")
    graphs: list[tuple[str, int, Graph]] = [(f"{size:,}", size, synthetic_graph(size))
                                            for size in args.sizes]
    if args.screenshots:
        from kg.corpus import build

        graphs.insert(0, ("seed", 0, build(sorted((ROOT / "seeds").glob("*.txt")))))
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for name, size, graph in graphs:
            key = name.replace(",", "")
            path = Path(tmp) / f"view-{key}.html"
            shown = write_html(graph, path, max_nodes=args.max_nodes)
            pages = [("now", path)]
            if args.before:
                old = Path(tmp) / f"before-{key}.html"
                render_before(args.before.resolve(), name, size, old, args.max_nodes)
                pages.insert(0, ("before", old))
            shot = args.screenshots / f"view-{key}.png" if args.screenshots else None
            results = measure_in(browser, [pg for _, pg in pages], args.runs, shot)
            for (label, page_path), r in zip(pages, results, strict=True):
                runs = ", ".join(f"{x:.2f}" for x in r["runs"])  # type: ignore[union-attr]
                rates = " | ".join(f"{r[g]:.1f}" for g in GESTURES)
                print(f"| {name} | {label} | {shown.shown:,} | {page_path.stat().st_size / 1e6:.2f} | "
                      f"**{r['median']:.2f}** | {runs} | {'yes' if r['still'] else 'NO'} | "
                      f"{r['labels']} | {rates} | {'yes' if r['dragged'] else 'NO'} | "
                      f"{len(r['blocked'])} |", flush=True)  # type: ignore[arg-type]
                if r["errors"]:
                    print(f"page errors ({label}): {r['errors']}", file=sys.stderr)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
