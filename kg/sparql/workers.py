"""The pool of worker processes ``kg serve`` queries through: an Oxigraph query cannot be
interrupted inside a thread, but a process can be killed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import signal
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

from kg.errors import GraphError

if TYPE_CHECKING:
    pass

from kg.sparql.protocol import Response, run_query, text_response
from kg.sparql.store import open_source, triple_count

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
