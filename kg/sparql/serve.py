"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over a kg graph.

* ``/sparql``: GET ``?query=``, POST ``application/sparql-query``, POST form ``query=``.
  SELECT/ASK answer in SPARQL JSON, XML, CSV or TSV; CONSTRUCT/DESCRIBE in Turtle,
  N-Triples or RDF/XML, by the ``Accept`` header. The kg prefixes are predeclared.
* ``/``: a query page; ``/view``: the interactive HTML view of the entities.

Safety: updates (``application/sparql-update``, form ``update=``) get 403; a query whose
tokens contain the ``SERVICE`` keyword gets 403 (Oxigraph would call the remote endpoint);
each query runs in a worker process (:class:`kg.store.WorkerPool`) that is killed when it exceeds the
time limit (503), because an Oxigraph query cannot be interrupted inside a thread;
results are cut at ``max_rows`` rows/triples (header ``X-SPARQL-MaxRows``). The server binds
to 127.0.0.1 by default and then answers only requests whose ``Host`` is a loopback name
(no DNS rebinding).
"""

from __future__ import annotations

import html
import json
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast
from urllib.parse import parse_qs, urlsplit

from kg.errors import QueryError
from kg.sparql.protocol import Response
from kg.sparql.workers import WorkerPool

MAX_BODY = 1 << 20
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}

_TOKEN = re.compile(
    r"""(?P<skip>\#[^\n]*                          # comment
       |'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"   # long strings
       |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"   # strings
       |<[^<>"{}|^`\\\x00-\x20]*>                 # IRI
       |[?$][\w\u00b7-\uffff]+                    # variable
       |[\w\u00c0-\uffff][\w\-.\u00b7-\uffff]*:[^\s{}()<>,;"'\[\]]*   # prefixed name
       |:[^\s{}()<>,;"'\[\]]*)                    # prefixed name, empty prefix
     |(?P<word>[A-Za-z_][A-Za-z_0-9]*)
     |(?P<other>\S)""",
    re.VERBOSE | re.DOTALL,
)
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY",
                   "WITH"}


def keywords(query: str) -> list[str]:
    """The bare words of a SPARQL text (keywords, function names), upper-cased, skipping
    comments, strings, IRIs, variables and prefixed names: a SPARQL tokenizer, so
    ``"SERVICE"`` in a literal or ``ex:service`` is not the keyword."""
    return [m.group("word").upper() for m in _TOKEN.finditer(query) if m.group("word")]


def check_query(query: str) -> None:
    """Refuse what a read-only, offline endpoint must not run (:class:`QueryError`)."""
    words = keywords(query)
    if "SERVICE" in words:
        raise QueryError("SERVICE (federated query) is not allowed on this endpoint")
    prologue = {"PREFIX", "BASE"}
    first = next((w for w in words if w not in prologue), "")
    if first in UPDATE_KEYWORDS:
        raise QueryError("SPARQL Update is not allowed: this endpoint is read-only")


class SparqlServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], pool: WorkerPool, timeout: float,
                 max_rows: int, source: str, quiet: bool = False) -> None:
        super().__init__(address, SparqlHandler)
        self.quiet = quiet
        self.pool = pool
        self.query_timeout = timeout
        self.max_rows = max_rows
        self.source = source
        self.loopback_only = address[0] in LOOPBACK_HOSTS or address[0].startswith("127.")
        self._view: bytes | None = None
        self._view_lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = cast("tuple[str, int]", self.server_address[:2])
        return f"http://{host}:{port}/"

    def view_html(self) -> Response:
        with self._view_lock:
            if self._view is None:
                response = self.pool.run({"kind": "graph"}, max(self.query_timeout, 120.0))
                if response.status != 200:
                    return response
                from rdflib import Graph

                from kg.view import render_html

                graph = Graph()
                graph.parse(data=response.body, format="nt")
                self._view = render_html(graph).encode("utf-8")
            return Response(200, "text/html; charset=utf-8", self._view)

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self.pool.close()


class SparqlHandler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "kg-sparql/0.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if not self.server.quiet:
            super().log_message(format, *args)

    # --- HTTP verbs -------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        if not self._host_allowed():
            return
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        if url.path in ("/", "/index.html"):
            self._send(Response(200, "text/html; charset=utf-8", page(self.server)))
        elif url.path == "/view":
            try:
                self._send(self.server.view_html())
            except Exception as exc:  # the view is optional; the endpoint keeps running
                self._error(500, f"could not draw the view: {type(exc).__name__}: {exc}")
        elif url.path == "/sparql":
            self._query_from(params, "missing ?query= (see the SPARQL 1.1 Protocol)")
        else:
            self._error(404, f"no such page: {url.path}")

    def _query_from(self, params: dict[str, list[str]], missing: str) -> None:
        """Answer the query in URL or form parameters; refuse an update."""
        if "update" in params:
            self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
        elif "query" not in params:
            self._error(400, missing)
        else:
            self._query(params["query"][0])

    def do_POST(self) -> None:  # noqa: N802
        if not self._host_allowed():
            return
        if urlsplit(self.path).path != "/sparql":
            self._error(404 if urlsplit(self.path).path not in ("/", "/view") else 405,
                        "POST only to /sparql")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._error(413, f"request body over {MAX_BODY} bytes")
            return
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
        elif ctype == "application/sparql-query":
            self._query(body)
        elif ctype == "application/x-www-form-urlencoded":
            self._query_from(parse_qs(body, keep_blank_values=True), "missing query= in the form")
        else:
            self._error(415, "POST application/sparql-query or a form with query=")

    def do_PUT(self) -> None:  # noqa: N802
        self._error(405, "read-only endpoint")

    do_DELETE = do_PATCH = do_PUT  # noqa: N815

    # --- helpers ----------------------------------------------------------------------
    def _host_allowed(self) -> bool:
        if not self.server.loopback_only:
            return True
        host = (self.headers.get("Host") or "").strip()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name.lower() in LOOPBACK_HOSTS or name.startswith("127."):
            return True
        self._error(403, "this endpoint answers only loopback host names")
        return False

    def _query(self, query: str) -> None:
        try:
            check_query(query)
        except QueryError as exc:
            self._error(403, str(exc))
            return
        job = {"kind": "query", "query": query, "accept": self.headers.get("Accept") or "",
               "max_rows": self.server.max_rows}
        self._send(self.server.pool.run(job, self.server.query_timeout))

    def _error(self, status: int, message: str) -> None:
        self._send(Response(status, "text/plain; charset=utf-8", (message + "\n").encode()))

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)


def make_server(source: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 0,
                timeout: float = 30.0, max_rows: int = 10_000, workers: int = 2,
                quiet: bool = False) -> SparqlServer:
    """A started worker pool and a bound (not yet serving) server; call
    ``serve_forever()`` (e.g. in a thread) and ``close()`` at the end. ``quiet`` turns
    off the request log on stderr."""
    from kg.errors import GraphError
    from kg.sparql.store import is_store

    if not (is_store(source) or Path(source).is_file()):
        raise GraphError(f"{source}: no such graph file or store folder")
    pool = WorkerPool(str(source), size=workers)
    try:
        return SparqlServer((host, port), pool, timeout, max_rows, str(source), quiet)
    except BaseException:
        pool.close()
        raise


def serve(source: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8000,
          timeout: float = 30.0, max_rows: int = 10_000, workers: int = 2) -> None:
    started = time.perf_counter()
    server = make_server(source, host, port, timeout, max_rows, workers)
    print(f"kg serve: {Path(source)} ({server.pool.triples} triples, "
          f"{workers} worker(s), loaded in {time.perf_counter() - started:.1f} s)")
    if not server.loopback_only:
        print("kg serve: warning: listening beyond loopback; anyone who can reach this port "
              "can read the graph", file=sys.stderr)
    print(f"  query page  {server.url}\n  endpoint    {server.url}sparql\n"
          f"  view        {server.url}view\nCtrl-C stops.", flush=True)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)  # stop the workers on `kill` too
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.pool.close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def page(server: SparqlServer) -> bytes:
    from kg.sparql.query import named_queries

    named = {name: text for name, text in sorted(named_queries().items())}
    first = next(iter(named.values()), "SELECT * WHERE { ?s ?p ?o } LIMIT 10")
    options = "".join(f"<option>{html.escape(name)}</option>" for name in named)
    data = json.dumps(named, ensure_ascii=False).replace("<", "\\u003c")
    return (PAGE.replace("{{source}}", html.escape(Path(server.source).name))
            .replace("{{triples}}", str(server.pool.triples))
            .replace("{{max_rows}}", str(server.max_rows))
            .replace("{{timeout}}", f"{server.query_timeout:g}")
            .replace("{{options}}", options)
            .replace("{{query}}", html.escape(first))
            .replace("{{named}}", data)).encode("utf-8")


PAGE = """<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>kg SPARQL</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:1.5em}
textarea{width:100%;height:14em;font-family:monospace}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;padding:2px 6px;
text-align:left;vertical-align:top}th{background:#eee}#status{margin-left:1em;color:#555}
pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap}
</style></head><body>
<h1>kg SPARQL</h1>
<p>{{source}}: {{triples}} triples. Endpoint <code>/sparql</code>; prefixes kg:, kgid:, skos:,
rdfs:, rdf:, prov:, xsd:, schema:, org: are predeclared. At most {{max_rows}} rows,
{{timeout}} s per query. <a href="/view">Graph view</a></p>
<p><label>Example <select id="named"><option value="">—</option>{{options}}</select></label></p>
<textarea id="query" spellcheck="false">{{query}}</textarea>
<p><button id="run">Run</button><span id="status"></span></p>
<div id="out"></div>
<script id="queries" type="application/json">{{named}}</script>
<script>
const named = JSON.parse(document.getElementById("queries").textContent);
const $ = (id) => document.getElementById(id);
$("named").onchange = () => { if (named[$("named").value]) $("query").value = named[$("named").value]; };
function cell(term) {
  if (!term) return "";
  if (term.type === "literal" && term["xml:lang"]) return term.value + " @" + term["xml:lang"];
  return term.value;
}
async function run() {
  const out = $("out"); out.replaceChildren(); $("status").textContent = "running…";
  const started = performance.now();
  const r = await fetch("/sparql", {method: "POST",
    headers: {"Content-Type": "application/x-www-form-urlencoded",
              "Accept": "application/sparql-results+json, text/turtle;q=0.9"},
    body: new URLSearchParams({query: $("query").value})});
  const ms = Math.round(performance.now() - started);
  const type = r.headers.get("Content-Type") || "";
  if (!r.ok || !type.includes("json")) {
    const pre = document.createElement("pre"); pre.textContent = await r.text(); out.append(pre);
    $("status").textContent = (r.ok ? "" : "error " + r.status + ", ") + ms + " ms"; return;
  }
  const data = await r.json();
  if ("boolean" in data) { $("status").textContent = "ASK: " + data.boolean + ", " + ms + " ms"; return; }
  const vars = data.head.vars, table = document.createElement("table"), head = table.insertRow();
  for (const v of vars) { const th = document.createElement("th"); th.textContent = v; head.append(th); }
  for (const b of data.results.bindings) {
    const row = table.insertRow();
    for (const v of vars) row.insertCell().textContent = cell(b[v]);
  }
  out.append(table);
  const cut = r.headers.get("X-SPARQL-MaxRows");
  $("status").textContent = data.results.bindings.length + " rows" +
    (cut ? " (cut at " + cut + ")" : "") + ", " + ms + " ms";
}
$("run").onclick = () => run().catch((e) => { $("status").textContent = String(e); });
</script></body></html>
"""
