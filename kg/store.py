"""pyoxigraph stores of a kg graph: writing an on-disk store (so a large graph is parsed
once, not on every ``kg serve`` start), running SPARQL against a store and serializing the
results by content negotiation, and the pool of worker processes ``kg serve`` queries
through (an Oxigraph query cannot be interrupted inside a thread, but a process can be
killed).
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import multiprocessing
import os
import queue
import shutil
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import GraphError

if TYPE_CHECKING:
    import pyoxigraph
    from rdflib import Graph

# a file of this name marks a folder as written by write_store (it is never a Turtle file)
MARKER = "KG_STORE"

RDF_SUFFIXES = {".ttl": "TURTLE", ".nt": "N_TRIPLES", ".nq": "N_QUADS", ".trig": "TRIG",
                ".jsonld": "JSON_LD", ".json": "JSON_LD", ".rdf": "RDF_XML", ".owl": "RDF_XML"}


def is_store(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder holding a pyoxigraph (RocksDB) store."""
    folder = Path(path)
    return folder.is_dir() and ((folder / MARKER).exists() or (folder / "CURRENT").exists())


def rdf_format(path: str | os.PathLike[str]) -> pyoxigraph.RdfFormat:
    import pyoxigraph

    name = RDF_SUFFIXES.get(Path(path).suffix.lower(), "TURTLE")
    return getattr(pyoxigraph.RdfFormat, name)


def write_store(graph_or_path: Graph | str | os.PathLike[str],
                store_dir: str | os.PathLike[str]) -> int:
    """Write a graph (an rdflib ``Graph`` or a graph file) into a new on-disk pyoxigraph
    store at ``store_dir``, replacing a store already there; returns the triple count.

    The triples go to the store's default graph with ``bulk_load`` (compact, not
    transactional); the folder is written next to its final place and renamed, so a
    failed write leaves any previous store untouched.
    """
    import pyoxigraph

    target = Path(store_dir)
    if target.exists() and not is_store(target) and any(target.iterdir()):
        raise GraphError(f"{target}: exists and is not a kg store; not overwriting it")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    store = pyoxigraph.Store(str(partial))
    try:
        if isinstance(graph_or_path, str | os.PathLike):
            source = Path(graph_or_path)
            if not source.is_file():
                raise GraphError(f"{source}: no such file")
            try:
                store.bulk_load(path=str(source), format=rdf_format(source))
            except (SyntaxError, ValueError) as exc:
                raise GraphError(f"{source}: not a readable graph ({exc})") from exc
        else:
            data = graph_or_path.serialize(format="nt", encoding="utf-8")
            store.bulk_load(input=data, format=pyoxigraph.RdfFormat.N_TRIPLES)
        store.flush()
        count = triple_count(store)
        del store
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    (partial / MARKER).write_text("pyoxigraph store written by kg.store.write_store\n",
                                  encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return count


def open_source(path: str | os.PathLike[str], read_only: bool = True) -> pyoxigraph.Store:
    """A pyoxigraph Store for a graph: a store folder is opened (read-only by default:
    several processes may then share it); a graph file is parsed into memory."""
    import pyoxigraph

    source = Path(path)
    if is_store(source):
        try:
            return pyoxigraph.Store.read_only(str(source)) if read_only else \
                pyoxigraph.Store(str(source))
        except OSError as exc:
            raise GraphError(f"{source}: cannot open store ({exc})") from exc
    if not source.is_file():
        raise GraphError(f"{source}: no such graph file or store folder")
    store = pyoxigraph.Store()
    try:
        store.bulk_load(path=str(source), format=rdf_format(source))
    except (SyntaxError, ValueError, OSError) as exc:
        raise GraphError(f"{source}: not a readable graph ({exc})") from exc
    return store


def triple_count(store: pyoxigraph.Store) -> int:
    result = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(next(iter(result))["n"].value)


# --- SPARQL results, serialized in the format the client accepts -----------------------

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SOLUTION_TYPES = {  # media type -> format name; the first is the default
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "TURTLE", "application/x-turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES", "text/plain": "N_TRIPLES",
    "application/rdf+xml": "RDF_XML",
}
CANONICAL = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
             "csv": "text/csv", "tsv": "text/tab-separated-values", "TURTLE": "text/turtle",
             "N_TRIPLES": "application/n-triples", "RDF_XML": "application/rdf+xml"}


@dataclass
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


def _json_term(term: Any) -> dict[str, Any]:
    import pyoxigraph

    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, pyoxigraph.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                        "predicate": _json_term(term.predicate),
                                        "object": _json_term(term.object)}}


def _xml_term(term: Any) -> str:
    from xml.sax.saxutils import escape, quoteattr

    data = _json_term(term)
    if data["type"] == "uri":
        return f"<uri>{escape(data['value'])}</uri>"
    if data["type"] == "bnode":
        return f"<bnode>{escape(data['value'])}</bnode>"
    if data["type"] == "literal":
        attr = (f" xml:lang={quoteattr(data['xml:lang'])}" if "xml:lang" in data else
                f" datatype={quoteattr(data['datatype'])}" if "datatype" in data else "")
        return f"<literal{attr}>{escape(data['value'])}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _csv_value(term: Any) -> str:
    import pyoxigraph

    if term is None:
        return ""
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}"
    return term.value if hasattr(term, "value") else str(term)


def serialize_solutions(names: list[str], rows: list[Any], fmt: str) -> bytes:
    if fmt == "json":
        bindings = [{n: _json_term(row[n]) for n in names if row[n] is not None} for row in rows]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        from xml.sax.saxutils import quoteattr

        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
               "<head>", *(f"<variable name={quoteattr(n)}/>" for n in names),
               "</head><results>"]
        for row in rows:
            out.append("<result>" + "".join(
                f"<binding name={quoteattr(n)}>{_xml_term(row[n])}</binding>"
                for n in names if row[n] is not None) + "</result>")
        out.append("</results></sparql>\n")
        return "\n".join(out).encode("utf-8")
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(names)
        writer.writerows([_csv_value(row[n]) for n in names] for row in rows)
    else:  # tsv: terms in N-Triples syntax
        buffer.write("\t".join("?" + n for n in names) + "\n")
        for row in rows:
            buffer.write("\t".join("" if row[n] is None else str(row[n]) for n in names) + "\n")
    return buffer.getvalue().encode("utf-8")


def serialize_boolean(value: bool, fmt: str) -> bytes:
    word = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{word}</boolean></sparql>\n").encode()
    return f"{word}\n".encode()


def run_query(store: pyoxigraph.Store, query: str, accept: str = "", max_rows: int = 10_000
              ) -> Response:
    """Run one SPARQL query and serialize its results (at most ``max_rows`` rows or
    triples; a cut result carries the header ``X-SPARQL-MaxRows``)."""
    import pyoxigraph

    from kg.vocab import PREFIXES

    started = time.perf_counter()
    try:
        result = store.query(query, prefixes={p: str(ns) for p, ns in PREFIXES.items()})
        if isinstance(result, pyoxigraph.QueryTriples):
            fmt = negotiate(accept, GRAPH_TYPES)
            if fmt is None:
                return text_response(406, "CONSTRUCT/DESCRIBE results come as "
                                     + ", ".join(sorted(set(CANONICAL.values()) - set(
                                         CANONICAL[f] for f in ("json", "xml", "csv", "tsv")))))
            triples = list(itertools.islice(result, max_rows + 1))
            cut = len(triples) > max_rows
            body = pyoxigraph.serialize(triples[:max_rows], format=getattr(
                pyoxigraph.RdfFormat, fmt), prefixes={p: str(ns) for p, ns in PREFIXES.items()})
        else:
            fmt = negotiate(accept, SOLUTION_TYPES)
            if fmt is None:
                return text_response(406, "SELECT/ASK results come as application/sparql-"
                                     "results+json or +xml, text/csv, text/tab-separated-values")
            cut = False
            if isinstance(result, pyoxigraph.QueryBoolean):
                body = serialize_boolean(bool(result), fmt)
            else:
                names = [v.value for v in result.variables]
                rows = list(itertools.islice(result, max_rows + 1))
                cut = len(rows) > max_rows
                body = serialize_solutions(names, rows[:max_rows], fmt)
    except SyntaxError as exc:
        return text_response(400, f"bad query: {exc}")
    except (OSError, RuntimeError, ValueError) as exc:
        return text_response(500, f"query failed: {exc}")
    headers = {"X-Query-Seconds": f"{time.perf_counter() - started:.4f}"}
    if cut:
        headers["X-SPARQL-MaxRows"] = str(max_rows)
    ctype = CANONICAL[fmt] + ("; charset=utf-8" if fmt not in ("RDF_XML",) else "")
    return Response(200, ctype, body, headers)


ALL_TRIPLES = "CONSTRUCT WHERE { ?s ?p ?o }"


# --- worker processes: a query that runs too long is ended by killing its process -------

def _worker_main(source: str, conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server process
    try:
        store = open_source(source)
        conn.send(("ready", triple_count(store)))
    except Exception as exc:  # reported to the parent, which raises it
        conn.send(("error", str(exc)))
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            if job["kind"] == "graph":  # the whole graph, for the HTML view
                response = run_query(store, ALL_TRIPLES, "application/n-triples",
                                     max_rows=sys.maxsize - 1)
            else:
                response = run_query(store, job["query"], job["accept"], job["max_rows"])
        except Exception as exc:  # never let one query end the worker
            response = text_response(500, f"query failed: {type(exc).__name__}: {exc}")
        conn.send(response)


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection


class WorkerPool:
    """``size`` processes, each with the graph loaded (a graph file is parsed into memory
    in each; a store folder is opened read-only and shared). :meth:`run` hands a job to an
    idle worker and waits at most ``timeout`` seconds; past that the worker is killed,
    a fresh one started in the background, and the caller gets a 503."""

    def __init__(self, source: str, size: int = 2) -> None:
        self.source = source
        self.triples = 0
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._context = multiprocessing.get_context("spawn")
        started = [self._start() for _ in range(max(1, size))]
        try:
            for worker in started:
                self._await_ready(worker)
        except BaseException:
            self.close()
            raise

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(self.source, child),
                                        daemon=True, name="kg-sparql-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        try:
            status, value = worker.conn.recv()
        except EOFError:
            status, value = "error", f"worker exited with code {worker.process.exitcode}"
        if status != "ready":
            self._discard(worker)
            raise GraphError(str(value))
        self.triples = value
        self._idle.put(worker)

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        if self._closed:
            return

        def start() -> None:
            try:
                self._await_ready(self._start())
            except Exception as exc:
                print(f"kg serve: could not restart a worker: {exc}", file=sys.stderr)

        threading.Thread(target=start, daemon=True).start()

    def run(self, job: dict[str, Any], timeout: float) -> Response:
        """The response to ``job``; ``timeout`` bounds the run, not the wait for a free
        worker (up to ``max(timeout, 10)`` s more, which covers restarting one)."""
        wait = max(timeout, 10.0)
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            return text_response(503, f"all query workers stayed busy for {wait:g} s; "
                                 "try again later")
        try:
            worker.conn.send(job)
            if worker.conn.poll(timeout):
                response = worker.conn.recv()
                self._idle.put(worker)
                return response
        except (EOFError, OSError, BrokenPipeError):
            self._replace(worker)
            return text_response(500, "the query worker died; it has been restarted")
        self._replace(worker)
        return text_response(503, f"query timed out after {timeout:g} s and was stopped; "
                             "make it more selective or add a LIMIT")

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        for worker in workers:
            worker.process.join(1)
            self._discard(worker)
