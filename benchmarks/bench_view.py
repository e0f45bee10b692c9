"""Load-to-still time of the HTML view in headless Chromium, on synthetic graphs of kg's shape.

    .venv/bin/python benchmarks/bench_view.py                 # 1,500 and 5,000 entities
    .venv/bin/python benchmarks/bench_view.py --sizes 300 1500 5000 12000 --runs 5
    .venv/bin/python benchmarks/bench_view.py --sizes 5000 --screenshots docs   # first frames

The synthetic graph has what ``kg build`` makes: a district tree (province → cities →
counties → townships → villages, kg:partOf), agencies with kg:jurisdiction and
kg:subOrganizationOf, facilities kg:locatedIn a district and kg:operatedBy an agency, programs
kg:runBy an agency and kg:coversArea a district, documents, sentences, mentions and reified
statements with evidence. "Load to still" is the time from navigation start to the first
frame the network draws (the page sets ``window.kgReady`` then); physics is off, so the
picture does not move after it, and the script checks that it does not. "fps" is frames
drawn per second while the mouse drags the canvas and then while the wheel zooms it (what a
user feels), counted from vis-network's afterDrawing events; "scale" and "labels" are the
zoom and the number of labels drawn at the first frame. Every request that is not file://
is aborted and counted. Needs Debian's chromium and the playwright package.
"""

from __future__ import annotations

import argparse
import random
import statistics
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
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
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


def _fps(page) -> tuple[float, float]:  # noqa: ANN001
    """Frames per second while dragging the canvas, then while zooming it with the wheel."""
    page.evaluate("""() => { window.kgFrames = 0;
        network.on('afterDrawing', () => { window.kgFrames += 1; }); }""")
    box = page.locator("#kg-graph").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    out = []
    for gesture in ("drag", "zoom"):
        page.evaluate("() => { window.kgFrames = 0; }")
        start = time.perf_counter()
        if gesture == "drag":
            page.mouse.move(x, y)
            page.mouse.down()
            for k in range(60):
                page.mouse.move(x + 4 * k, y + 2 * k)
            page.mouse.up()
        else:
            page.mouse.move(x, y)
            for k in range(30):
                page.mouse.wheel(0, -60 if k < 15 else 60)
        page.wait_for_timeout(50)
        seconds = time.perf_counter() - start
        out.append(page.evaluate("() => window.kgFrames") / seconds)
    return out[0], out[1]


def measure(page_path: Path, runs: int, shots: Path | None = None) -> dict[str, object]:
    from playwright.sync_api import sync_playwright

    results: list[float] = []
    walls: list[float] = []
    blocked: list[str] = []
    errors: list[str] = []
    still = True
    first: list[list[float]] = []
    fps: list[tuple[float, float]] = []
    shot_taken = False
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("pageerror", lambda e: errors.append(str(e)))

            def route(r):  # noqa: ANN001
                if r.request.url.startswith("file:"):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            start = time.perf_counter()
            page.goto(page_path.as_uri(), wait_until="commit")
            page.wait_for_function("() => window.kgReady", timeout=120_000, polling=20)
            walls.append(time.perf_counter() - start)
            results.append(page.evaluate("() => window.kgReady") / 1000)
            before = page.evaluate("() => JSON.stringify(network.getPositions())")
            page.wait_for_timeout(500)
            after = page.evaluate("() => JSON.stringify(network.getPositions())")
            still = still and before == after
            first.append(page.evaluate("() => [network.getScale(), window.kgLabels || 0]"))
            if shots is not None and not shot_taken:
                page.screenshot(path=str(shots))
                shot_taken = True
            fps.append(_fps(page))
            page.close()
        browser.close()
    return {"median": statistics.median(results), "runs": results, "wall": statistics.median(walls),
            "blocked": blocked, "errors": errors, "still": still, "first": first[0],
            "drag": statistics.median(f[0] for f in fps), "zoom": statistics.median(f[1] for f in fps)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1500, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-nodes", type=int, default=5000)
    parser.add_argument("--screenshots", metavar="DIR", type=Path,
                        help="write the first frame of each page as DIR/view-SIZE.png, and of "
                             "the seed graph as DIR/view-seed.png")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} not found: apt-get install chromium fonts-wqy-microhei", file=sys.stderr)
        return 1
    print("| entities | triples | drawn | HTML MB | Python render s | load-to-still s (median) | runs "
          "| still | first-frame scale | labels | drag fps | zoom fps | requests |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    graphs: list[tuple[str, Graph]] = [(f"{size:,}", synthetic_graph(size)) for size in args.sizes]
    if args.screenshots:
        from kg.corpus import build

        graphs.insert(0, ("seed", build(sorted((ROOT / "seeds").glob("*.txt")))))
    with tempfile.TemporaryDirectory() as tmp:
        for name, graph in graphs:
            key = name.replace(",", "")
            path = Path(tmp) / f"view-{key}.html"
            t0 = time.perf_counter()
            shown = write_html(graph, path, max_nodes=args.max_nodes)
            render = time.perf_counter() - t0
            shot = args.screenshots / f"view-{key}.png" if args.screenshots else None
            r = measure(path, args.runs, shot)
            runs = ", ".join(f"{x:.2f}" for x in r["runs"])  # type: ignore[union-attr]
            scale, labels = r["first"]  # type: ignore[misc]
            print(f"| {name} | {len(graph):,} | {shown.shown:,} | {path.stat().st_size / 1e6:.2f} | "
                  f"{render:.2f} | **{r['median']:.2f}** | {runs} | {'yes' if r['still'] else 'NO'} | "
                  f"{scale:.3f} | {labels} | {r['drag']:.1f} | {r['zoom']:.1f} | "
                  f"{len(r['blocked'])} |", flush=True)  # type: ignore[arg-type]
            if r["errors"]:
                print(f"page errors: {r['errors']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
