"""`kg serve`: a real HTTP server on 127.0.0.1 (ephemeral port), queried with urllib."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph

from kg.sparql.protocol import negotiate
from kg.sparql.serve import SparqlServer, check_query, keywords, make_server
from kg.sparql.store import write_store

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def graph_file(seed_graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("serve") / "graph.ttl"
    seed_graph.serialize(path, format="turtle")
    return path


def _running(source: Path, **options: object) -> Iterator[SparqlServer]:
    server = make_server(source, host="127.0.0.1", port=0, quiet=True, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.close()
        thread.join(5)


@pytest.fixture(scope="module")
def server(graph_file: Path) -> Iterator[SparqlServer]:
    yield from _running(graph_file, timeout=20.0, max_rows=100, workers=2)


def request(server: SparqlServer, path: str, *, query: dict[str, str] | None = None,
            data: bytes | None = None, headers: dict[str, str] | None = None,
            ) -> tuple[int, dict[str, str], bytes]:
    url = server.url.rstrip("/") + path
    if query:
        url += "?" + urllib.parse.urlencode(query)
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_count_matches_the_graph(server: SparqlServer, seed_graph: Graph) -> None:
    status, headers, body = request(server, "/sparql", query={"query": COUNT},
                                    headers={"Accept": "application/sparql-results+json"})
    assert status == 200
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    data = json.loads(body)
    assert data["head"]["vars"] == ["n"]
    assert int(data["results"]["bindings"][0]["n"]["value"]) == len(seed_graph)


def test_post_query_and_form_in_csv_and_xml(server: SparqlServer) -> None:
    text = "SELECT ?name WHERE { ?a a kg:Agency ; skos:prefLabel ?name } ORDER BY ?name"
    status, headers, body = request(server, "/sparql", data=text.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    lines = body.decode().splitlines()
    assert lines[0] == "name" and len(lines) > 5 and any("局" in line for line in lines)
    status, headers, body = request(server, "/sparql", data=form(query=text), headers={
        **FORM, "Accept": "application/sparql-results+xml"})
    assert status == 200 and b'xml:lang="zh"' in body and b"<variable name=\"name\"/>" in body


def test_ask_and_construct(server: SparqlServer) -> None:
    status, _, body = request(server, "/sparql", query={"query": "ASK { ?x a kg:District }"})
    assert status == 200 and json.loads(body) == {"head": {}, "boolean": True}
    construct = "CONSTRUCT { ?a a kg:Agency } WHERE { ?a a kg:Agency }"
    status, headers, body = request(server, "/sparql", query={"query": construct},
                                    headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert len(Graph().parse(data=body.decode(), format="turtle")) > 5
    status, headers, _ = request(server, "/sparql", query={"query": construct},
                                 headers={"Accept": "application/n-triples"})
    assert status == 200 and headers["Content-Type"].startswith("application/n-triples")


def test_results_are_cut_at_max_rows(server: SparqlServer) -> None:
    status, headers, body = request(server, "/sparql",
                                    query={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert status == 200 and headers["X-SPARQL-MaxRows"] == "100"
    assert len(json.loads(body)["results"]["bindings"]) == 100


@pytest.mark.parametrize("how", ["sparql-update", "form", "get", "update-as-query"])
def test_updates_are_refused(server: SparqlServer, how: str) -> None:
    update = 'INSERT DATA { <urn:x> <urn:p> "1" }'
    if how == "sparql-update":
        status, _, body = request(server, "/sparql", data=update.encode(),
                                  headers={"Content-Type": "application/sparql-update"})
    elif how == "form":
        status, _, body = request(server, "/sparql", data=form(update=update), headers=FORM)
    elif how == "get":
        status, _, body = request(server, "/sparql", query={"update": update})
    else:
        status, _, body = request(server, "/sparql", data=form(query=update), headers=FORM)
    assert 400 <= status < 500
    assert b"read-only" in body
    _, _, body = request(server, "/sparql", query={"query": "ASK { <urn:x> ?p ?o }"})
    assert json.loads(body)["boolean"] is False


def test_service_is_refused(server: SparqlServer) -> None:
    query = "SELECT * WHERE { service   <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    status, _, body = request(server, "/sparql", query={"query": query})
    assert status == 403 and b"SERVICE" in body
    # the word in a literal, an IRI or a comment is not the keyword
    harmless = 'SELECT * WHERE { ?s ?p "SERVICE" . ?s <urn:SERVICE> ?o } # SERVICE'
    assert request(server, "/sparql", query={"query": harmless})[0] == 200


def test_keywords_skip_strings_iris_comments_and_names() -> None:
    text = 'PREFIX service: <urn:service>\nSELECT ?service { ?s service:x "SERVICE" } # SERVICE'
    assert "SERVICE" not in keywords(text)
    assert keywords("select * { Service <urn:e> { ?s ?p ?o } }")[:2] == ["SELECT", "SERVICE"]
    check_query(text)


def test_bad_query_and_errors(server: SparqlServer) -> None:
    status, _, body = request(server, "/sparql", query={"query": "SELEKT * WHERE {}"})
    assert status == 400 and body.startswith(b"bad query")
    assert request(server, "/sparql")[0] == 400
    assert request(server, "/nothing")[0] == 404
    status, _, _ = request(server, "/sparql", query={"query": COUNT},
                           headers={"Accept": "image/png"})
    assert status == 406
    status, _, _ = request(server, "/sparql", data=b"x", headers={"Content-Type": "text/plain"})
    assert status == 415


def test_foreign_host_names_are_refused(server: SparqlServer) -> None:
    status, _, _ = request(server, "/sparql", query={"query": COUNT},
                           headers={"Host": "attacker.example"})
    assert status == 403


def test_query_page(server: SparqlServer) -> None:
    status, headers, body = request(server, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    assert "<textarea" in page and "<button" in page and "facilities-in-district" in page
    # named queries are embedded as JSON that cannot close the script element
    embedded = page.split('type="application/json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in embedded and "facilities-in-district" in json.loads(embedded)


def test_view_page(server: SparqlServer) -> None:
    status, headers, body = request(server, "/view")
    assert status == 200, body[:300]
    assert headers["Content-Type"].startswith("text/html") and b"<html" in body.lower()


def test_too_long_query_ends_with_an_error_and_the_server_goes_on(graph_file: Path) -> None:
    for server in _running(graph_file, timeout=0.5, workers=1):
        started = time.perf_counter()
        status, _, body = request(server, "/sparql", query={"query": CARTESIAN})
        assert status == 503 and b"timed out" in body
        assert time.perf_counter() - started < 5
        # the killed worker is replaced: the next query is answered
        status, _, body = request(server, "/sparql", query={"query": "ASK { ?s ?p ?o }"})
        assert status == 200 and json.loads(body)["boolean"] is True


def test_serves_a_store_folder(seed_graph: Graph, tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert write_store(seed_graph, store) == len(seed_graph)
    for server in _running(store, workers=1):
        _, _, body = request(server, "/sparql", query={"query": COUNT})
        assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == len(seed_graph)


def test_negotiation() -> None:
    offered = {"application/sparql-results+json": "json", "text/csv": "csv"}
    assert negotiate("", offered) == "json"
    assert negotiate("text/csv;q=0.5, application/sparql-results+json", offered) == "json"
    assert negotiate("text/html, */*;q=0.1", offered) == "json"
    assert negotiate("text/*", offered) == "csv"
    assert negotiate("image/png", offered) is None
