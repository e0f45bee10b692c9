"""The SPARQL 1.1 Protocol side of a query: check it, run it against a pyoxigraph store and
write the results with pyoxigraph's own writers, in the format the client accepts.

The row cap is kept without a writer of our own: solutions are first written as SPARQL
TSV (one line per row) into a sink that stops the query at ``max_rows + 1`` lines; the kept
lines are parsed back and written in the negotiated format.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, cast

from kg.sparql.guard import RefusedQuery, UncheckedQuery, check_query

if TYPE_CHECKING:
    import pyoxigraph

#: media type → pyoxigraph format name; the first of each table is the default
SOLUTION_TYPES = {
    "application/sparql-results+json": "JSON", "application/json": "JSON",
    "application/sparql-results+xml": "XML", "application/xml": "XML", "text/xml": "XML",
    "text/csv": "CSV", "text/tab-separated-values": "TSV",
}
GRAPH_TYPES = {
    "text/turtle": "TURTLE", "application/x-turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES", "text/plain": "N_TRIPLES",
    "application/rdf+xml": "RDF_XML", "application/ld+json": "JSON_LD",
    "application/n-quads": "N_QUADS", "application/trig": "TRIG",
}


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def text_response(status: int, message: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode())


def negotiate(accept: str, offered: dict[str, str]) -> str | None:
    """The format name for an ``Accept`` header (q-values honoured; none → the default)."""
    ranges: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((-q, index, media.lower()))
    if not ranges:
        return next(iter(offered.values()))
    for _q, _i, media in sorted(ranges):
        if media in offered:
            return offered[media]
        if media in ("*/*", "application/*"):
            return next(iter(offered.values()))
        if media.endswith("/*"):
            for name, fmt in offered.items():
                if name.startswith(media[:-1]):
                    return fmt
    return None


def content_type(fmt: pyoxigraph.RdfFormat | pyoxigraph.QueryResultsFormat) -> str:
    media = fmt.media_type
    textual = media.startswith("text/") or media.endswith(("json", "n-triples", "n-quads",
                                                             "trig"))
    return media if "charset" in media or not textual else media + "; charset=utf-8"


class _Enough(Exception):
    """Raised by :class:`_LineSink` to stop the query once the cap is passed."""


class _LineSink:
    """A binary file for ``QuerySolutions.serialize`` that keeps what it is given and stops
    the writer (and so the query) once it has more than ``lines`` lines."""

    def __init__(self, lines: int) -> None:
        self.parts: list[bytes] = []
        self.lines = 0
        self.limit = lines

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.lines += data.count(b"\n")
        if self.lines > self.limit:
            raise _Enough
        return len(data)

    def flush(self) -> None:
        pass


def solutions(result: pyoxigraph.QuerySolutions, fmt: pyoxigraph.QueryResultsFormat,
              max_rows: int) -> tuple[bytes, bool]:
    """The solutions written in ``fmt``, at most ``max_rows`` of them; and whether some
    were cut."""
    import pyoxigraph

    tsv = pyoxigraph.QueryResultsFormat.TSV
    sink = _LineSink(max_rows + 1)  # the head line + the rows
    try:
        result.serialize(cast(IO[bytes], sink), tsv)  # a write()-only sink is enough
        cut = False
    except _Enough:
        cut = True
    data = b"".join(sink.parts)
    if cut:  # keep the head and max_rows rows: TSV escapes newlines inside terms
        end = -1
        for _ in range(max_rows + 1):
            end = data.index(b"\n", end + 1)
        data = data[:end + 1]
    if fmt == tsv:
        return data, cut
    parsed = pyoxigraph.parse_query_results(data, tsv)
    return cast(bytes, parsed.serialize(format=fmt)), cut


def run_query(store: pyoxigraph.Store, query: str, accept: str = "", max_rows: int = 10_000,
              ) -> Response:
    """Run one SPARQL query and write its results (at most ``max_rows`` rows or
    triples; a cut result carries the header ``X-SPARQL-MaxRows``)."""
    import pyoxigraph

    from kg.graph.vocab import PREFIXES

    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    started = time.perf_counter()
    try:
        result = store.query(query, prefixes=prefixes)
        if isinstance(result, pyoxigraph.QueryTriples):
            name = negotiate(accept, GRAPH_TYPES)
            if name is None:
                return text_response(406, "CONSTRUCT/DESCRIBE results come as "
                                     + ", ".join(sorted(set(GRAPH_TYPES) - {"text/plain"})))
            rdf = getattr(pyoxigraph.RdfFormat, name)
            triples = list(itertools.islice(result, max_rows + 1))
            cut = len(triples) > max_rows
            body = pyoxigraph.serialize(triples[:max_rows], format=rdf, prefixes=prefixes)
            ctype = content_type(rdf)
        else:
            name = negotiate(accept, SOLUTION_TYPES)
            if name is None:
                return text_response(406, "SELECT/ASK results come as "
                                     + ", ".join(sorted(SOLUTION_TYPES)))
            fmt = getattr(pyoxigraph.QueryResultsFormat, name)
            if isinstance(result, pyoxigraph.QueryBoolean):
                body, cut = result.serialize(format=fmt), False
            else:
                body, cut = solutions(result, fmt, max_rows)
            ctype = content_type(fmt)
    except SyntaxError as exc:
        return text_response(400, f"bad query: {exc}")
    except (OSError, RuntimeError, ValueError) as exc:
        return text_response(500, f"query failed: {exc}")
    headers = {"X-Query-Seconds": f"{time.perf_counter() - started:.4f}"}
    if cut:
        headers["X-SPARQL-MaxRows"] = str(max_rows)
    return Response(200, ctype, body or b"", headers)


def run_checked(store: pyoxigraph.Store, query: str, accept: str, max_rows: int,
                isolated: bool) -> Response:
    """:func:`run_query` after :func:`~kg.sparql.guard.check_query`: a refused query is a
    403. A query rdflib cannot parse runs only in a worker cut off from the network
    (``isolated``; the engine then reports its own syntax error), else it is a 400."""
    try:
        check_query(query)
    except RefusedQuery as exc:
        return text_response(403, str(exc))
    except UncheckedQuery as exc:
        if not isolated:
            return text_response(400, f"{exc} (every query is parsed before it runs)")
    return run_query(store, query, accept, max_rows)
