"""SPARQL speed on a synthetic graph of the kg shape (a script, not a test).

    .venv/bin/python benchmarks/bench_sparql.py              # ~1M triples
    .venv/bin/python benchmarks/bench_sparql.py --triples 100000 --runs 5

Generates districts (province > city > county > township, partOf), agencies
(jurisdiction), facilities (locatedIn, operatedBy), programs (runBy, coversArea),
documents, sentences, mentions (refersTo, inDocument, inSentence, start/end, text, rule),
kg:mentionedIn and reified statements with kg:evidence, then times analytic queries in a
pyoxigraph in-memory store, in an on-disk store (kg.store.write_store) and through
``kg serve`` over HTTP. Target: each query < 100 ms at 1M triples (in memory).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.graph.vocab import BASE, PREFIXES  # noqa: E402
from kg.sparql.query import named_queries  # noqa: E402

ONT, ID = BASE + "ontology#", BASE + "id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SKOS, RDFS = "http://www.w3.org/2004/02/skos/core#", "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
AGENCIES = ["教育局", "卫生健康局", "民政局", "体育局", "文化和旅游局", "住房和城乡建设局",
            "人力资源和社会保障局", "医疗保障局", "城市管理局", "农业农村局"]
FACILITIES = ["实验小学", "人民医院", "社区卫生服务中心", "幼儿园", "体育公园", "养老服务中心",
              "文化礼堂", "图书馆", "污水处理厂", "社工站"]
PROGRAMS = ["老旧小区改造工程", "一老一小行动", "美丽乡村建设项目", "全民健身工程",
            "数字化改革行动", "托育服务提升项目"]


def n(local: str) -> ox.NamedNode:
    return ox.NamedNode(local if local.startswith("http") else ID + local)


def zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


TYPE, LABEL, ALT = n(RDF + "type"), n(SKOS + "prefLabel"), n(RDFS + "label")


def p(name: str) -> ox.NamedNode:
    return n(ONT + name)


def triples(target: int, seed: int = 7) -> Iterator[ox.Quad]:
    """About ``target`` triples (the document count is derived from it)."""
    rng = random.Random(seed)
    docs = max(10, target // 62)
    counties_per_city, townships_per_county = 9, 12
    cities = max(2, min(40, docs // 1500))
    districts: list[tuple[str, str]] = []  # (key, level)

    def quad(s: ox.NamedNode, pred: ox.NamedNode, o: object) -> ox.Quad:
        return ox.Quad(s, pred, o)  # type: ignore[arg-type]

    def district(key: str, label: str, level: str, parent: str | None) -> Iterator[ox.Quad]:
        node = n(key)
        yield quad(node, TYPE, p("District"))
        yield quad(node, LABEL, zh(label))
        yield quad(node, ALT, zh(label))
        yield quad(node, p("level"), p(level))
        if parent:
            yield quad(node, p("partOf"), n(parent))
        districts.append((key, level))

    yield from district("district/33", "浙江省", "ProvinceLevel", None)
    for c in range(cities):
        city = f"district/33{c:02d}"
        yield from district(city, "杭州市" if c == 0 else f"第{c}市", "CityLevel", "district/33")
        for k in range(counties_per_city):
            county = f"{city}{k:02d}"
            name = "钱塘区" if (c, k) == (0, 0) else f"第{c}市{k}区"
            yield from district(county, name, "CountyLevel", city)
            for t in range(townships_per_county):
                yield from district(f"{county}{t:03d}", f"{name}{t}街道", "TownshipLevel", county)
    areas = [key for key, level in districts if level in ("CountyLevel", "CityLevel")]
    towns = [key for key, level in districts if level == "TownshipLevel"]
    label_of: dict[str, str] = {}
    agencies = []
    for area in areas:
        for head in AGENCIES:
            key = f"agency/{area[9:]}/{head}"
            agencies.append(key)
            label_of[key] = head
            yield quad(n(key), TYPE, p("Agency"))
            yield quad(n(key), LABEL, zh(f"{area[9:]}{head}"))
            yield quad(n(key), p("jurisdiction"), n(area))
    facilities, programs = [], []
    for i in range(docs // 2):
        key, town = f"facility/{i}", rng.choice(towns)
        facilities.append(key)
        yield quad(n(key), TYPE, p("Facility"))
        yield quad(n(key), LABEL, zh(f"{town[-4:]}{rng.choice(FACILITIES)}{i}"))
        yield quad(n(key), p("locatedIn"), n(town))
        yield quad(n(key), p("operatedBy"), n(rng.choice(agencies)))
    for i in range(docs // 3):
        key = f"program/{i}"
        programs.append(key)
        yield quad(n(key), TYPE, p("Program"))
        yield quad(n(key), LABEL, zh(f"{2018 + i % 7}年{rng.choice(PROGRAMS)}{i}"))
        yield quad(n(key), p("runBy"), n(rng.choice(agencies)))
        yield quad(n(key), p("coversArea"), n(rng.choice(areas)))
    entities = facilities + programs + agencies + towns
    for d in range(docs):
        doc = n(f"doc/{d:08x}")
        yield quad(doc, TYPE, p("Document"))
        yield quad(doc, p("fileName"), ox.Literal(f"{d:06d}.txt"))
        sentences = []
        for s in range(3):
            sentence = n(f"sentence/{d:08x}/{s}")
            sentences.append(sentence)
            yield quad(sentence, TYPE, p("Sentence"))
            yield quad(sentence, p("text"), zh(f"第{d}篇第{s}句……"))
            yield quad(sentence, p("inDocument"), doc)
        mentioned = rng.sample(entities, 5)
        for m, entity in enumerate(mentioned):
            mention = n(f"mention/{d:08x}/{m}")
            yield quad(mention, TYPE, p("Mention"))
            yield quad(mention, p("refersTo"), n(entity))
            yield quad(mention, p("inDocument"), doc)
            yield quad(mention, p("inSentence"), sentences[m % 3])
            yield quad(mention, p("start"), integer(m * 10))
            yield quad(mention, p("end"), integer(m * 10 + 6))
            yield quad(mention, p("text"), zh(entity[-6:]))
            yield quad(mention, p("rule"), ox.Literal("lexicon"))
            yield quad(n(entity), p("mentionedIn"), doc)
        statement = n(f"statement/{d:08x}")
        yield quad(statement, TYPE, n(RDF + "Statement"))
        yield quad(statement, n(RDF + "subject"), n(rng.choice(facilities)))
        yield quad(statement, n(RDF + "predicate"), p("locatedIn"))
        yield quad(statement, n(RDF + "object"), n(rng.choice(towns)))
        yield quad(statement, p("evidence"), sentences[0])


QUERIES = {
    "Q1 partOf* (facilities-in-district)": named_queries()["facilities-in-district"],
    "Q2 partOf* + join + group (district-articles)": named_queries()["district-articles"],
    "Q3 group-by counts (entities-per-type)": named_queries()["entities-per-type"],
    "Q4 group-by programs per agency": """
        SELECT ?agency (COUNT(?program) AS ?programs) WHERE { ?program kg:runBy ?agency }
        GROUP BY ?agency ORDER BY DESC(?programs) LIMIT 20""",
    "Q5 two-hop join + label filter": """
        SELECT DISTINCT ?file ?facilityName ?agencyName WHERE {
          ?mention kg:refersTo ?facility ; kg:inDocument/kg:fileName ?file .
          ?facility a kg:Facility ; kg:operatedBy ?agency ; skos:prefLabel ?facilityName .
          ?agency skos:prefLabel ?agencyName . FILTER(CONTAINS(?agencyName, "教育局"))
        }""",
    # same rows; Oxigraph joins largely in written order, so start from the selective part
    "Q5b same, filtered agency first": """
        SELECT DISTINCT ?file ?facilityName ?agencyName WHERE {
          ?agency a kg:Agency ; skos:prefLabel ?agencyName . FILTER(CONTAINS(?agencyName, "教育局"))
          ?facility kg:operatedBy ?agency ; a kg:Facility ; skos:prefLabel ?facilityName .
          ?mention kg:refersTo ?facility ; kg:inDocument/kg:fileName ?file .
        }""",
}
PREFIX_MAP = {k: str(v) for k, v in PREFIXES.items()}


def timed(store: ox.Store, query: str, runs: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        result = store.query(query, prefixes=PREFIX_MAP)
        rows = sum(1 for _ in result)
        times.append(time.perf_counter() - started)
    return statistics.median(times), rows


def http_timed(url: str, query: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        req = urllib.request.Request(url + "sparql?" + urllib.parse.urlencode({"query": query}),
                                     headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=120) as response:
            json.loads(response.read())
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def writers(rows: int, runs: int) -> None:
    """Seconds to run + write ``rows`` solutions of three terms (IRI, IRI, Chinese
    literal) in each SPARQL results format, as ``kg serve`` does (kg.sparql.protocol);
    and with the cap at 10,000 rows."""
    from kg.sparql.protocol import run_query

    store = ox.Store()
    store.bulk_extend(ox.Quad(n(f"doc/{i}"), LABEL, zh(f"第{i}号文件 “民生”\n"))
                      for i in range(rows))
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    print(f"{rows:,} solutions; median of {runs} runs, s")
    for media in ("application/sparql-results+json", "text/csv",
                  "application/sparql-results+xml", "text/tab-separated-values"):
        for cap in (rows, 10_000):
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                response = run_query(store, query, media, max_rows=cap)
                times.append(time.perf_counter() - started)
                assert response.status == 200, response.body[:200]
            print(f"{media:34} cap {cap:>9,}: {statistics.median(times):6.2f} "
                  f"({len(response.body) / 1e6:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-http", action="store_true", help="skip the kg serve figures")
    parser.add_argument("--writers", type=int, metavar="ROWS", default=0,
                        help="only time writing ROWS solutions in each result format")
    args = parser.parse_args()
    if args.writers:
        writers(args.writers, args.runs)
        return

    from kg.sparql.serve import make_server
    from kg.sparql.store import open_source, triple_count, write_store

    started = time.perf_counter()
    memory = ox.Store()
    memory.bulk_extend(triples(args.triples))
    size = triple_count(memory)
    print(f"graph: {size:,} triples, generated + loaded in memory in "
          f"{time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        turtle = Path(tmp) / "graph.ttl"
        started = time.perf_counter()
        memory.dump(str(turtle), format=ox.RdfFormat.TURTLE, prefixes=PREFIX_MAP,
                    from_graph=ox.DefaultGraph())
        print(f"Turtle write: {time.perf_counter() - started:.2f} s "
              f"({turtle.stat().st_size / 1e6:.0f} MB)")
        started = time.perf_counter()
        open_source(turtle)
        print(f"Turtle parse into memory (kg serve start, per worker): "
              f"{time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        write_store(turtle, Path(tmp) / "store")
        print(f"write_store (bulk load to disk): {time.perf_counter() - started:.2f} s")
        started = time.perf_counter()
        disk = open_source(Path(tmp) / "store")
        triple_count(disk)
        print(f"open store read-only + count: {time.perf_counter() - started:.2f} s")
        print(f"\nmedian of {args.runs} runs, ms (rows)")
        print(f"{'query':48} {'memory':>14} {'on disk':>14} {'HTTP (memory)':>14}")
        servers = {}
        if not args.no_http:
            server = make_server(turtle, port=0, workers=1, timeout=120, max_rows=10**7,
                                 quiet=True)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers["http"] = server
        for name, query in QUERIES.items():
            mem, rows = timed(memory, query, args.runs)
            on_disk, _ = timed(disk, query, args.runs)
            http = f"{http_timed(servers['http'].url, query, args.runs) * 1000:14.1f}" \
                if servers else f"{'-':>14}"
            print(f"{name:48} {mem * 1000:8.1f} ({rows:>4}) {on_disk * 1000:14.1f} {http}")
        if servers:
            server = servers["http"]
            started = time.perf_counter()
            req = urllib.request.Request(server.url + "sparql?" + urllib.parse.urlencode(
                {"query": "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f }"}))
            server.query_timeout = 1.0
            try:
                urllib.request.urlopen(req, timeout=120)
            except urllib.error.HTTPError as error:
                print(f"\ncartesian query with a 1 s limit: HTTP {error.code} after "
                      f"{time.perf_counter() - started:.2f} s")
            server.query_timeout = 120
            started = time.perf_counter()
            http_timed(server.url, "ASK { ?s ?p ?o }", 1)
            print(f"next query (waits for the worker to restart and reload): "
                  f"{time.perf_counter() - started:.2f} s")
            server.close()


if __name__ == "__main__":
    main()
