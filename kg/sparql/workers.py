"""The pool of worker processes ``kg serve`` queries through: an Oxigraph query cannot be
interrupted inside a thread, but a process can be killed.

Each worker is cut off from the network (:func:`kg.sparql.guard.isolate_from_network`)
and its address space is capped (``RLIMIT_AS``), so a query that would take the
machine's memory ends its own worker instead; the pool replaces a worker that died or ran
past the time limit. When every worker is busy, a short-lived extra worker answers the
next query, so two expensive queries do not hold up cheap ones for the whole time limit.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import resource
import signal
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from kg.errors import GraphError
from kg.sparql.guard import isolate_from_network
from kg.sparql.protocol import Response, run_checked, run_query, text_response
from kg.sparql.store import open_source, triple_count

ALL_TRIPLES = "CONSTRUCT WHERE { ?s ?p ?o }"
MB = 1 << 20
#: how long a query waits for a busy worker before an extra one is started for it
BURST_AFTER = 0.3


# --- worker processes: a query that runs too long is ended by killing its process -------

def _worker_main(source: str, conn: Connection, memory: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server process
    not_isolated = isolate_from_network()  # first: it needs a single-threaded process
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        # a query past the cap aborts this process from inside Rust, which first writes
        # "memory allocation of N bytes failed" to stderr; the parent tells the client in
        # its own words (_memory_message), so the raw line would only confuse the log
        _silence_stderr()
    try:
        store = open_source(source)
        conn.send(("ready", triple_count(store), not_isolated))
    except Exception as exc:  # reported to the parent, which raises it
        conn.send(("error", str(exc), None))
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
                response = run_checked(store, job["query"], job["accept"], job["max_rows"],
                                       isolated=not_isolated is None)
        except MemoryError:
            response = text_response(503, _memory_message(memory))
        except Exception as exc:  # never let one query end the worker
            response = text_response(500, f"query failed: {type(exc).__name__}: {exc}")
        conn.send(response)


def _silence_stderr() -> None:
    import os

    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)


def _memory_message(memory: int | None) -> str:
    limit = f"the memory limit of {memory // MB} MB per query" if memory else "memory"
    return f"the query needed more than {limit} and was stopped; make it more selective"


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    extra: bool = False


class WorkerPool:
    """``size`` processes, each with the graph loaded (a graph file is parsed into memory
    in each; a store folder is opened read-only and shared), each limited to ``memory``
    bytes of address space. :meth:`run` hands a job to an idle worker and waits at most
    ``timeout`` seconds; past that the worker is killed, a fresh one started in the
    background, and the caller gets a 503. Up to ``extra`` more workers are started for
    one query each while all are busy."""

    def __init__(self, source: str, size: int = 2, memory: int | None = None,
                 extra: int | None = None) -> None:
        self.source = source
        self.size = max(1, size)
        self.memory = memory
        self.limit = self.size + (self.size if extra is None else max(0, extra))
        self.triples = 0
        #: why the workers could not be cut off from the network, or None when they are
        self.not_isolated: str | None = None
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._grow = threading.Lock()
        self._closed = False
        self._context = multiprocessing.get_context("spawn")
        started = [self._start() for _ in range(self.size)]
        try:
            for worker in started:
                self._await_ready(worker)
                self._idle.put(worker)
        except BaseException:
            self.close()
            raise

    def _start(self, extra: bool = False) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main,
                                        args=(self.source, child, self.memory),
                                        daemon=True, name="kg-sparql-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent, extra)
        with self._lock:
            self._all.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        try:
            status, value, not_isolated = worker.conn.recv()
        except EOFError:
            worker.process.join(5)
            status, value, not_isolated = "error", self._death(worker, "while loading the "
                                                               "graph"), None
        if status != "ready":
            self._discard(worker)
            raise GraphError(str(value))
        self.triples = value
        self.not_isolated = not_isolated

    def _death(self, worker: _Worker, when: str) -> str:
        code = worker.process.exitcode
        if code is None or code >= 0:
            return f"the query worker stopped {when} (exit code {code})"
        limit = f" (the limit is {self.memory // MB} MB per worker)" if self.memory else ""
        return f"the query worker stopped {when} (signal {-code}), most likely out of memory{limit}"

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(5)
        worker.conn.close()

    def _replace(self, worker: _Worker) -> None:
        self._discard(worker)
        if self._closed or worker.extra:
            return

        def start() -> None:
            try:
                fresh = self._start()
                self._await_ready(fresh)
                self._idle.put(fresh)
            except Exception as exc:
                print(f"kg serve: could not restart a worker: {exc}", file=sys.stderr)

        threading.Thread(target=start, daemon=True).start()

    def _take(self, wait: float) -> _Worker | None:
        """An idle worker; after :data:`BURST_AFTER` s an extra one if there is room."""
        try:
            return self._idle.get(timeout=min(BURST_AFTER, wait))
        except queue.Empty:
            pass
        with self._grow:  # one thread at a time checks for room and starts a worker
            with self._lock:
                room = len(self._all) < self.limit and not self._closed
            worker = self._start(extra=True) if room else None
        if worker is not None:
            try:
                self._await_ready(worker)
                return worker
            except GraphError as exc:
                print(f"kg serve: could not start an extra worker: {exc}", file=sys.stderr)
        try:
            return self._idle.get(timeout=max(0.0, wait - BURST_AFTER))
        except queue.Empty:
            return None

    def _give_back(self, worker: _Worker) -> None:
        if worker.extra:
            self._discard(worker)  # an extra worker answers one query
        else:
            self._idle.put(worker)

    def run(self, job: dict[str, Any], timeout: float) -> Response:
        """The response to ``job``; ``timeout`` bounds the run, not the wait for a free
        worker (up to ``max(timeout, 10)`` s more, which covers restarting one)."""
        wait = max(timeout, 10.0)
        worker = self._take(wait)
        if worker is None:
            return text_response(503, f"all query workers stayed busy for {wait:g} s; "
                                 "try again later")
        try:
            worker.conn.send(job)
            if worker.conn.poll(timeout):
                response = worker.conn.recv()
                self._give_back(worker)
                return response
        except (EOFError, OSError):
            worker.process.join(2)
            message = self._death(worker, "during the query")
            self._replace(worker)
            return text_response(503, message + "; it has been replaced. Make the query "
                                 "more selective or add a LIMIT")
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
