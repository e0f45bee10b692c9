"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over a kg graph.

* ``/sparql``: GET ``?query=``, POST ``application/sparql-query``, POST form ``query=``;
  GET without a query: the service description. SELECT/ASK answer in SPARQL JSON, XML,
  CSV or TSV; CONSTRUCT/DESCRIBE in Turtle, N-Triples, RDF/XML, JSON-LD, N-Quads or TriG,
  by the ``Accept`` header (:mod:`kg.sparql.protocol`). The kg prefixes are predeclared.
* ``/``: the YASGUI query page (:mod:`kg.sparql.page`); ``/view``: the HTML view.

Safety: updates get 403; each query is checked on its parse tree (no SERVICE, bounded
nesting: :mod:`kg.sparql.guard`) and runs in a worker process without network access and
with capped memory, killed past the time limit (:mod:`kg.sparql.workers`); results are
cut at ``max_rows`` (header ``X-SPARQL-MaxRows``). Bound to loopback (the default), the
server answers only requests whose ``Host`` is a loopback address or ``localhost`` (no
DNS rebinding) and refuses cross-origin requests unless ``cors`` names their origin.
HTTP/1.1 with keep-alive; sockets time out; request bodies are capped.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import re
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kg.errors import ServeError
from kg.sparql.page import PAGE_HEADERS, query_page, service_description, static_file
from kg.sparql.protocol import Response, text_response
from kg.sparql.workers import MB, WorkerPool

MAX_BODY = 1 << 20
#: seconds a connection may stay silent (half-sent requests, idle keep-alive)
READ_TIMEOUT = 15.0
ALLOW = "GET, HEAD, POST, OPTIONS"
#: an origin as browsers send it: scheme://host[:port], nothing after
ORIGIN = re.compile(r"https?://[^\s/?#]+")


def is_loopback(name: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ``::1`` (brackets allowed)."""
    name = name.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str | None:
    """The host of a ``Host`` header (``name``, ``name:port``, ``[v6]:port``), or None
    when it is not of that shape."""
    # a bracketed IPv6 address or a name without colons, then an optional :port
    match = re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[^:\[\]]+)(?::[0-9]{1,5})?", header.strip())
    return match.group(1) if match else None


class SparqlServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # listen backlog: a burst of connections is queued, not reset

    pool: WorkerPool

    def __init__(self, address: tuple[str, int], timeout: float, max_rows: int, source: str,
                 quiet: bool = False, cors: str | None = None,
                 read_timeout: float = READ_TIMEOUT) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, SparqlHandler)
        self.quiet = quiet
        self.read_timeout = read_timeout
        self.query_timeout = timeout
        self.max_rows = max_rows
        self.source = source
        self.cors = cors
        self.loopback_only = is_loopback(address[0])
        self._view: bytes | None = None
        self._view_lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = str(self.server_address[0]), int(self.server_address[1])
        host = f"[{host}]" if ":" in host else host
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

    def handle_error(self, request: object, client_address: object) -> None:
        """One line in the log, never a traceback."""
        kind, exc = sys.exc_info()[:2]
        if kind is not None and issubclass(kind, ConnectionError | TimeoutError):
            return
        print(f"kg serve: error while answering {client_address}: "
              f"{getattr(kind, '__name__', kind)}: {exc}", file=sys.stderr)

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self.pool.close()


class SparqlHandler(BaseHTTPRequestHandler):
    server: SparqlServer
    server_version = "kg-sparql/0.2"
    protocol_version = "HTTP/1.1"  # keep-alive

    def setup(self) -> None:
        self.timeout = self.server.read_timeout  # type: ignore[misc]  # the socket's read and write timeout
        super().setup()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if not self.server.quiet:
            super().log_message(format, *args)

    # --- HTTP verbs -------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        if not self._allowed():
            return
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        if url.path in ("/", "/index.html"):
            server = self.server
            self._send(query_page(Path(server.source).name, server.pool.triples,
                                  server.max_rows, server.query_timeout,
                                  server.pool.not_isolated is None))
        elif url.path.startswith("/static/"):
            found = static_file(url.path[len("/static/"):])
            self._send(found) if found else self._error(404, f"no such file: {url.path}")
        elif url.path == "/favicon.ico":
            self._send(Response(204, "image/x-icon", b""))
        elif url.path == "/view":
            try:
                self._send(self.server.view_html())
            except Exception as exc:  # the view is optional; the endpoint keeps running
                self._error(500, f"could not draw the view: {type(exc).__name__}: {exc}")
        elif url.path == "/sparql":
            if "query" not in params and "update" not in params:
                self._describe()
            else:
                self._query_from(params, "missing ?query=")
        else:
            self._error(404, f"no such page: {url.path}")

    do_HEAD = do_GET  # noqa: N815  (_send leaves the body out)

    def do_POST(self) -> None:  # noqa: N802
        if not self._allowed():
            return
        path = urlsplit(self.path).path
        if path != "/sparql":
            self._refuse(404 if path not in ("/", "/view") else 405, "POST only to /sparql")
            return
        body = self._body()
        if body is None:
            return
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
        elif ctype == "application/sparql-query":
            self._query(body)
        elif ctype == "application/x-www-form-urlencoded":
            self._query_from(parse_qs(body, keep_blank_values=True), "missing query= in the form")
        else:
            self._error(415, "POST application/sparql-query or a form with query=")

    def do_OPTIONS(self) -> None:  # noqa: N802
        """CORS preflight: answered for the ``--cors`` origin only."""
        if not self._host_allowed():
            return
        headers = {"Allow": ALLOW}
        if self.server.cors and self.headers.get("Origin") == self.server.cors:
            headers.update({"Access-Control-Allow-Methods": ALLOW,
                            "Access-Control-Allow-Headers": "Accept, Content-Type",
                            "Access-Control-Max-Age": "600"})
        self._send(Response(204, "text/plain; charset=utf-8", b"", headers))

    def do_PUT(self) -> None:  # noqa: N802
        self._refuse(405, "read-only endpoint")

    do_DELETE = do_PATCH = do_PUT  # noqa: N815

    # --- checks -----------------------------------------------------------------------
    def _allowed(self) -> bool:
        return self._host_allowed() and self._origin_allowed()

    def _host_allowed(self) -> bool:
        if not self.server.loopback_only:
            return True
        name = host_name(self.headers.get("Host") or "")
        if name is not None and is_loopback(name):
            return True
        self._refuse(403, "this endpoint answers only loopback host names")
        return False

    def _origin_allowed(self) -> bool:
        """Refuse what a page on another origin sends (e.g. ``fetch(…, {mode:
        "no-cors"})``) unless ``--cors`` allows that origin; a user following a link
        (a navigation) is let through."""
        origin = self.headers.get("Origin")
        own = f"http://{(self.headers.get('Host') or '').strip()}"
        if origin is not None:
            allowed = origin in (own, self.server.cors)
        else:
            site = (self.headers.get("Sec-Fetch-Site") or "none").lower()
            mode = (self.headers.get("Sec-Fetch-Mode") or "navigate").lower()
            allowed = site in ("same-origin", "none") or mode == "navigate"
        if not allowed:
            self._refuse(403, "cross-origin requests are refused; start kg serve with "
                         "--cors ORIGIN to allow one origin")
        return allowed

    def _body(self) -> str | None:
        """The request body (at most :data:`MAX_BODY` bytes), or None after an error
        response: the length is checked before anything is read."""
        if self.headers.get("Transfer-Encoding"):
            self._refuse(411, "send the body with a Content-Length, not chunked")
            return None
        raw = (self.headers.get("Content-Length") or "0").strip()
        if not (raw.isascii() and raw.isdigit()):
            self._refuse(400, f"Content-Length must be a number of bytes, not {raw[:40]!r}")
            return None
        length = int(raw)
        if length > MAX_BODY:
            self._refuse(413, f"request body over {MAX_BODY} bytes")
            return None
        return self.rfile.read(length).decode("utf-8", errors="replace")

    # --- answers ----------------------------------------------------------------------
    def _describe(self) -> None:
        accept = self.headers.get("Accept") or ""
        if accept.split(",")[0].strip().startswith("text/html"):  # a browser: the editor
            self._send(Response(303, "text/plain; charset=utf-8", b"see /\n",
                                {"Location": "/"}))
            return
        host = (self.headers.get("Host") or "").strip() or self.server.url[7:-1]
        self._send(service_description(f"http://{host}/sparql", self.server.pool.triples,
                                       accept))

    def _query_from(self, params: dict[str, list[str]], missing: str) -> None:
        """Answer the query in URL or form parameters; refuse an update."""
        if "update" in params:
            self._error(403, "SPARQL Update is not allowed: this endpoint is read-only")
        elif "query" not in params:
            self._error(400, missing)
        else:
            self._query(params["query"][0])

    def _query(self, query: str) -> None:
        job = {"kind": "query", "query": query, "accept": self.headers.get("Accept") or "",
               "max_rows": self.server.max_rows}
        self._send(self.server.pool.run(job, self.server.query_timeout))

    def _error(self, status: int, message: str) -> None:
        self._send(text_response(status, message))

    def _refuse(self, status: int, message: str) -> None:
        """An error after which the connection closes (its body was not read)."""
        self.close_connection = True
        self._send(text_response(status, message), {"Connection": "close"})

    def _send(self, response: Response, extra: dict[str, str] | None = None) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        if response.content_type.startswith("text/html"):
            for name, value in PAGE_HEADERS.items():
                if name not in response.headers:
                    self.send_header(name, value)
        cors = self.server.cors
        if cors:
            self.send_header("Vary", "Origin")
            if self.headers.get("Origin") == cors:
                self.send_header("Access-Control-Allow-Origin", cors)
                self.send_header("Access-Control-Expose-Headers",
                                 "X-SPARQL-MaxRows, X-Query-Seconds")
        for name, value in {**response.headers, **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)


def check_options(port: int, timeout: float, max_rows: int, workers: int,
                  memory: int | None, cors: str | None) -> None:
    """:class:`ServeError` for values ``kg serve`` cannot work with."""
    problems = []
    if not 0 <= port <= 65535:
        problems.append(f"port {port} is not between 0 and 65535")
    if not 0.1 <= timeout <= 86_400:
        problems.append(f"timeout {timeout:g} s is not between 0.1 and 86400")
    if not 1 <= max_rows <= 100_000_000:
        problems.append(f"max rows {max_rows} is not between 1 and 100000000")
    if not 1 <= workers <= 64:
        problems.append(f"{workers} workers: give 1 to 64")
    if memory is not None and memory < 256 * MB:
        problems.append(f"memory {memory // MB} MB per worker is below 256 MB")
    if cors is not None and not ORIGIN.fullmatch(cors):
        problems.append(f"--cors {cors!r} is not an origin like http://localhost:3000")
    if problems:
        raise ServeError("; ".join(problems))


def make_server(source: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 0,
                timeout: float = 30.0, max_rows: int = 10_000, workers: int = 2,
                quiet: bool = False, memory: int | None = 2048 * MB,
                cors: str | None = None, read_timeout: float = READ_TIMEOUT) -> SparqlServer:
    """A started worker pool and a bound (not yet serving) server; call
    ``serve_forever()`` (e.g. in a thread) and ``close()`` at the end. ``quiet`` turns
    off the request log on stderr; ``memory`` caps each worker's address space (bytes,
    None: no cap); ``cors`` is the one origin allowed to query from another page;
    ``read_timeout`` bounds how long a connection may stay silent."""
    from kg.errors import GraphError
    from kg.sparql.store import is_store

    check_options(port, timeout, max_rows, workers, memory, cors)
    if not (is_store(source) or Path(source).is_file()):
        raise GraphError(f"{source}: no such graph file or store folder")
    try:
        server = SparqlServer(_address(host, port), timeout, max_rows, str(source), quiet,
                              cors, read_timeout)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is in use; pick another with --port "
                             "(0 picks a free one)") from None
        raise ServeError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") \
            from None
    try:
        server.pool = WorkerPool(str(source), size=workers, memory=memory)
    except BaseException:
        server.server_close()
        raise
    return server


def _address(host: str, port: int) -> tuple[str, int]:
    """``host`` as the address to bind (brackets dropped), checked to resolve."""
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ServeError(f"cannot listen on {host!r}: unknown host ({exc})") from None
    return name, port


def serve(source: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8000,
          timeout: float = 30.0, max_rows: int = 10_000, workers: int = 2,
          memory: int | None = 2048 * MB, cors: str | None = None) -> None:
    started = time.perf_counter()
    server = make_server(source, host, port, timeout, max_rows, workers, memory=memory,
                         cors=cors)
    limit = f"{memory // MB} MB each" if memory else "no memory cap"
    print(f"kg serve: {Path(source)} ({server.pool.triples} triples, {workers} worker(s), "
          f"{limit}, loaded in {time.perf_counter() - started:.1f} s)")
    if server.pool.not_isolated:
        print(f"kg serve: note: the query workers keep network access "
              f"({server.pool.not_isolated}); SERVICE is refused by the query check",
              file=sys.stderr)
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
