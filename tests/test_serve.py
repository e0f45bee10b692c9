"""`kg serve`: a real HTTP server on 127.0.0.1 (ephemeral port), queried with urllib."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import RDF, SKOS, BNode, Dataset, Graph, Literal, URIRef

from kg.sparql.guard import nesting_depth
from kg.sparql.protocol import negotiate
from kg.sparql.serve import SparqlServer, host_name, is_loopback, make_server
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
    # the word in a literal, an IRI, a prefixed name or a comment is not the keyword
    harmless = ('PREFIX service: <urn:service:>\nSELECT * WHERE { ?s ?p "SERVICE" . '
                '?s <urn:SERVICE> ?o OPTIONAL { ?s service:x ?y } } # SERVICE')
    assert request(server, "/sparql", query={"query": harmless})[0] == 200


def test_nesting_depth_skips_strings_iris_comments_and_escapes() -> None:
    assert nesting_depth("SELECT * { { ?s ?p ?o } FILTER((1)) }") == 3
    assert nesting_depth('SELECT * { ?s ?p "{{{{" . ?s <urn:a(b(> ?o } # {{{{') == 1
    assert nesting_depth("SELECT * { ?s ?p kg:a\\' } { {") == 2  # kg:a\' is a name
    assert nesting_depth("SELECT * { #x\r{ { } } }") == 3  # the comment ends at CR
    assert nesting_depth("SELECT * { FILTER(?a < ?b && ?c > ?d) }") == 2


def test_loopback_names() -> None:
    for name in ("localhost", "127.0.0.1", "127.8.9.10", "::1", "[::1]"):
        assert is_loopback(name), name
    for name in ("127.evil.example", "127.0.0.1.nip.io", "localhost.evil", "0.0.0.0",
                 "10.0.0.1", "::", "", "127.1"):
        assert not is_loopback(name), name
    assert host_name("127.0.0.1:8000") == "127.0.0.1"
    assert host_name("[::1]:8000") == "[::1]"
    assert host_name("localhost") == "localhost"
    assert host_name("a:b:c") is None and host_name("x:port") is None


def test_bad_query_and_errors(server: SparqlServer) -> None:
    status, _, body = request(server, "/sparql", query={"query": "SELEKT * WHERE {}"})
    assert status == 400 and body.startswith(b"bad query")
    assert request(server, "/sparql", data=form(x="1"), headers=FORM)[0] == 400
    assert request(server, "/nothing")[0] == 404
    status, _, _ = request(server, "/sparql", query={"query": COUNT},
                           headers={"Accept": "image/png"})
    assert status == 406
    status, _, _ = request(server, "/sparql", data=b"x", headers={"Content-Type": "text/plain"})
    assert status == 415


def test_foreign_host_names_are_refused(server: SparqlServer) -> None:
    port = server.server_address[1]
    for host in ("attacker.example", f"127.evil.example:{port}", "127.0.0.1.nip.io"):
        status, _, _ = request(server, "/sparql", query={"query": COUNT}, headers={"Host": host})
        assert status == 403, host
    for host in (f"localhost:{port}", f"127.0.0.2:{port}", f"[::1]:{port}"):
        status, _, _ = request(server, "/sparql", query={"query": COUNT}, headers={"Host": host})
        assert status == 200, host


def test_query_page_is_yasgui_with_the_named_queries_and_a_csp(server: SparqlServer) -> None:
    status, headers, body = request(server, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    assert "default-src 'self'" in csp and "http" not in csp
    page = body.decode()
    assert '<script src="/static/yasgui.min.js">' in page and "<script>" not in page
    # named queries are embedded as JSON that cannot close the script element
    embedded = page.split('type="application/json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in embedded and "facilities-in-district" in json.loads(embedded)["named"]
    for name, kind in (("yasgui.min.js", "text/javascript"), ("yasgui.min.css", "text/css"),
                       ("query.js", "text/javascript"), ("NOTICE.md", "text/plain")):
        status, headers, body = request(server, f"/static/{name}")
        assert status == 200 and headers["Content-Type"].startswith(kind) and body, name
    assert b"cdn" not in request(server, "/static/query.js")[2].lower()
    assert request(server, "/static/../serve.py")[0] == 404
    assert request(server, "/static/nothing.js")[0] == 404


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


# --- conformance (issue 15) and hygiene (issue 14) --------------------------------------

def test_head_and_service_description(server: SparqlServer) -> None:
    status, headers, body = request(server, "/sparql")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    sd = Graph().parse(data=body.decode(), format="turtle")
    SD = "http://www.w3.org/ns/sparql-service-description#"
    endpoint = server.url + "sparql"
    assert (URIRef(endpoint), RDF.type, URIRef(SD + "Service")) in sd
    assert (URIRef(endpoint), URIRef(SD + "endpoint"), URIRef(endpoint)) in sd
    formats = {str(o) for o in sd.objects(URIRef(endpoint), URIRef(SD + "resultFormat"))}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    assert "http://www.w3.org/ns/formats/TriG" in formats
    status, headers, body = request(server, "/sparql", headers={"Accept": "application/ld+json"})
    assert status == 200 and headers["Content-Type"].startswith("application/ld+json")
    assert len(Graph().parse(data=body.decode(), format="json-ld")) == len(sd)
    req = urllib.request.Request(server.url + "sparql?" + urllib.parse.urlencode(
        {"query": COUNT}), method="HEAD")
    with urllib.request.urlopen(req, timeout=30) as response:
        assert response.status == 200 and response.read() == b""
        assert int(response.headers["Content-Length"]) > 0


@pytest.mark.parametrize(("accept", "rdflib_format"), [
    ("application/ld+json", "json-ld"), ("application/n-quads", "nquads"),
    ("application/trig", "trig"), ("application/rdf+xml", "xml"), ("text/turtle", "turtle")])
def test_construct_in_every_rdf_format(server: SparqlServer, accept: str,
                                       rdflib_format: str) -> None:
    construct = "CONSTRUCT { ?a a kg:Agency ; skos:prefLabel ?l } WHERE { ?a a kg:Agency ; skos:prefLabel ?l }"
    status, headers, body = request(server, "/sparql", query={"query": construct},
                                    headers={"Accept": accept})
    assert status == 200 and headers["Content-Type"].startswith(accept)
    parsed = Dataset().parse(data=body.decode(), format=rdflib_format)
    labels = {str(o) for _, _, o, _ in parsed.quads((None, SKOS.prefLabel, None, None))}
    assert len(labels) > 5 and any("局" in label for label in labels)


def test_solutions_keep_every_term_when_cut(tmp_path: Path) -> None:
    """The cap goes through TSV and back: a literal with a newline, a language, a datatype
    and a blank node survive, and exactly max_rows rows are kept."""
    g = Graph()
    for i in range(30):
        g.add((URIRef(f"urn:s{i}"), URIRef("urn:p"), Literal(f"行\n{i}\t\"q\"", lang="zh")))
        g.add((URIRef(f"urn:s{i}"), URIRef("urn:n"), Literal(i)))
        g.add((URIRef(f"urn:s{i}"), URIRef("urn:b"), BNode(f"b{i}")))
    path = tmp_path / "g.nt"
    g.serialize(path, format="nt", encoding="utf-8")
    query = ("SELECT ?s ?text ?n ?b WHERE { ?s <urn:p> ?text ; <urn:n> ?n ; <urn:b> ?b } "
             "ORDER BY ?n")
    for server in _running(path, workers=1, max_rows=25):
        status, headers, body = request(server, "/sparql", query={"query": query})
        assert status == 200 and headers["X-SPARQL-MaxRows"] == "25"
        rows = json.loads(body)["results"]["bindings"]
        assert len(rows) == 25
        assert rows[3]["text"] == {"type": "literal", "value": "行\n3\t\"q\"", "xml:lang": "zh"}
        assert rows[3]["n"]["datatype"].endswith("#integer") and rows[3]["b"]["type"] == "bnode"
        status, headers, body = request(server, "/sparql", query={"query": query},
                                        headers={"Accept": "text/csv"})
        assert status == 200 and body.decode().count("行") == 25
        status, headers, body = request(server, "/sparql", query={"query": query + " LIMIT 5"})
        assert "X-SPARQL-MaxRows" not in headers
        assert len(json.loads(body)["results"]["bindings"]) == 5


def test_keep_alive_answers_several_requests_on_one_connection(server: SparqlServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    try:
        for _ in range(3):
            connection.request("GET", "/sparql?" + urllib.parse.urlencode({"query": COUNT}))
            response = connection.getresponse()
            assert response.status == 200 and response.version == 11
            json.loads(response.read())
        sock = connection.sock
        connection.request("GET", "/")
        assert connection.getresponse().read() and connection.sock is sock
    finally:
        connection.close()


def test_cors_is_off_by_default(server: SparqlServer) -> None:
    evil = {"Origin": "http://evil.example"}
    status, headers, _ = request(server, "/sparql", query={"query": COUNT}, headers=evil)
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    # what fetch(…, {mode: "no-cors"}) from another site sends without an Origin
    status, _, _ = request(server, "/sparql", query={"query": COUNT}, headers={
        "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
    assert status == 403
    own = {"Origin": server.url.rstrip("/")}
    assert request(server, "/sparql", query={"query": COUNT}, headers=own)[0] == 200


def test_cors_allows_one_origin(graph_file: Path) -> None:
    origin = "http://localhost:3000"
    for server in _running(graph_file, workers=1, cors=origin):
        req = urllib.request.Request(server.url + "sparql", method="OPTIONS", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        with urllib.request.urlopen(req, timeout=30) as response:
            assert response.status == 204
            assert response.headers["Access-Control-Allow-Origin"] == origin
            assert "POST" in response.headers["Access-Control-Allow-Methods"]
        status, headers, _ = request(server, "/sparql", query={"query": COUNT},
                                     headers={"Origin": origin})
        assert status == 200 and headers["Access-Control-Allow-Origin"] == origin
        status, headers, _ = request(server, "/sparql", query={"query": COUNT},
                                     headers={"Origin": "http://localhost:4000"})
        assert status == 403 and "Access-Control-Allow-Origin" not in headers
        req = urllib.request.Request(server.url + "sparql", method="OPTIONS",
                                     headers={"Origin": "http://localhost:4000"})
        with urllib.request.urlopen(req, timeout=30) as response:
            assert "Access-Control-Allow-Origin" not in response.headers


def raw(server: SparqlServer, data: bytes, wait: float = 10.0) -> bytes:
    """Send bytes on a fresh connection; what comes back until the server closes it."""
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=wait) as s:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
        return out


@pytest.mark.parametrize("length", ["-1", "abc", "1e3", " 12x", "٣"])
def test_bad_content_length_is_refused_before_reading(server: SparqlServer,
                                                      length: str) -> None:
    answer = raw(server, (f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                          f"{length}\r\nContent-Type: application/sparql-query\r\n\r\n"
                          ).encode())
    assert answer.startswith(b"HTTP/1.1 400") and b"Content-Length must be" in answer


def test_big_body_is_refused_unread(server: SparqlServer) -> None:
    answer = raw(server, b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                 b"5000000\r\nContent-Type: application/sparql-query\r\n\r\nASK {}")
    assert answer.startswith(b"HTTP/1.1 413")


def test_half_sent_request_is_dropped_after_the_read_timeout(graph_file: Path) -> None:
    for server in _running(graph_file, workers=1, read_timeout=1.0):
        started = time.perf_counter()
        assert raw(server, b"GET /sparql?query=ASK HTTP/1.1\r\nHost: 127") == b""
        body = raw(server, b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
                   b"100\r\nContent-Type: application/sparql-query\r\n\r\nASK {")
        assert body == b"" and time.perf_counter() - started < 8
        assert request(server, "/sparql", query={"query": COUNT})[0] == 200
