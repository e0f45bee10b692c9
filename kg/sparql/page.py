"""What ``kg serve`` answers besides query results: the YASGUI query page, its static
files, and the SPARQL 1.1 service description of the endpoint.
"""

from __future__ import annotations

import html
import json
from functools import lru_cache

from kg.resources import packaged
from kg.sparql.protocol import GRAPH_TYPES, SOLUTION_TYPES, Response, content_type, negotiate

#: the page runs only its own scripts, styles and requests (YASGUI sets style attributes,
#: hence 'unsafe-inline' for styles only)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
PAGE_HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY",
                "Referrer-Policy": "no-referrer"}
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".txt": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8"}


@lru_cache(maxsize=16)
def static_file(name: str) -> Response | None:
    """A file of ``kg/sparql/static`` (no sub-folders), or None."""
    if "/" in name or "\\" in name or name.startswith("."):
        return None
    path = packaged("sparql/static") / name
    suffix = name[name.rfind("."):] if "." in name else ""
    if suffix not in STATIC_TYPES or not path.is_file():
        return None
    return Response(200, STATIC_TYPES[suffix], path.read_bytes(),
                    {"Cache-Control": "max-age=3600"})


def query_page(source: str, triples: int, max_rows: int, timeout: float,
               isolated: bool) -> Response:
    """The YASGUI page; the named queries become example tabs (page data in a JSON block
    that cannot close its script element)."""
    from kg.graph.vocab import PREFIXES
    from kg.sparql.query import named_queries

    data = {"named": dict(sorted(named_queries().items())),
            "prefixes": {p: str(ns) for p, ns in PREFIXES.items()}}
    payload = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    note = "" if isolated else " SERVICE is refused by the query check."
    body = PAGE.format(source=html.escape(source), triples=triples, max_rows=max_rows,
                       timeout=f"{timeout:g}", payload=payload, note=html.escape(note))
    return Response(200, "text/html; charset=utf-8", body.encode("utf-8"), PAGE_HEADERS)


PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>kg SPARQL</title>
<link rel="stylesheet" href="/static/yasgui.min.css">
<link rel="stylesheet" href="/static/query.css">
</head><body>
<header><h1>kg SPARQL</h1>
<p>{source}: {triples} triples. Endpoint <code>/sparql</code>; the kg prefixes are
predeclared. At most {max_rows} rows, {timeout} s per query.{note} Ctrl+Enter runs the
query. <a href="/view">Graph view</a></p>
</header>
<div id="yasgui"></div>
<script id="kg-page" type="application/json">{payload}</script>
<script src="/static/yasgui.min.js"></script>
<script src="/static/query.js"></script>
</body></html>
"""


# --- SPARQL 1.1 service description -----------------------------------------------------

SD = "http://www.w3.org/ns/sparql-service-description#"
DESCRIPTION_TYPES = {media: name for media, name in GRAPH_TYPES.items()
                     if name in ("TURTLE", "N_TRIPLES", "RDF_XML", "JSON_LD")}


def service_description(endpoint: str, triples: int, accept: str) -> Response:
    """``sd:Service`` for ``endpoint``: language, result formats, the default graph's size;
    in Turtle unless ``Accept`` asks for N-Triples, RDF/XML or JSON-LD."""
    import pyoxigraph as ox

    name = negotiate(accept, DESCRIPTION_TYPES) or "TURTLE"
    rdf = getattr(ox.RdfFormat, name)
    sd = lambda local: ox.NamedNode(SD + local)  # noqa: E731
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    service, dataset, graph = ox.NamedNode(endpoint), ox.BlankNode("dataset"), \
        ox.BlankNode("default")
    out = [ox.Triple(service, rdf_type, sd("Service")),
           ox.Triple(service, sd("endpoint"), service),
           ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
           ox.Triple(service, sd("defaultDataset"), dataset),
           ox.Triple(dataset, rdf_type, sd("Dataset")),
           ox.Triple(dataset, sd("defaultGraph"), graph),
           ox.Triple(graph, rdf_type, sd("Graph")),
           ox.Triple(graph, ox.NamedNode("http://rdfs.org/ns/void#triples"),
                     ox.Literal(str(triples), datatype=ox.NamedNode(
                         "http://www.w3.org/2001/XMLSchema#integer")))]
    formats = {getattr(ox.QueryResultsFormat, n).iri for n in SOLUTION_TYPES.values()}
    formats |= {getattr(ox.RdfFormat, n).iri for n in GRAPH_TYPES.values()}
    out += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(iri)) for iri in sorted(formats)]
    body = ox.serialize(out, format=rdf, prefixes={"sd": SD, "void": "http://rdfs.org/ns/void#"})
    return Response(200, content_type(rdf), body or b"")
