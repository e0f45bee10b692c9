"""Issue 14 against a running ``kg serve`` (a subprocess on 127.0.0.1): SERVICE never
reaches another server, deep nesting and memory-hungry queries end with an error and the
server goes on, cheap queries are answered while expensive ones run, a burst of
connections is answered, and every bad option or start-up failure is one line.
Everything listens on loopback; every wait is bounded."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph

from kg.cli import main
from kg.sparql.guard import RefusedQuery, UncheckedQuery, check_query
from kg.sparql.protocol import run_checked

ASK = "ASK { ?s ?p ?o }"
CARTESIAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
ORDER_BY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"


class Listener:
    """A loopback TCP listener that counts the connections it receives."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def bypasses(port: int) -> list[str]:
    url = f"http://127.0.0.1:{port}/a"
    return [
        f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service silent <{url}> {{ ?s ?p ?o }} }}",
        # a comment ended by CR (the old tokenizer read the comment to the next LF)
        f"SELECT * WHERE {{ #x\rSERVICE <{url}> {{ ?s ?p ?o }} }}",
        # an escaped quote in a prefixed name (the old tokenizer saw a string start)
        f"SELECT * WHERE {{ OPTIONAL {{ ?s ?p kg:a\\' }} SERVICE <{url}> {{ ?x ?y ?z }} "
        "BIND('q' AS ?q) }",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
        f"ASK {{ OPTIONAL {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
        f"PREFIX e: <http://127.0.0.1:{port}/>\nCONSTRUCT WHERE {{ SERVICE e:a {{ ?s ?p ?o }} }}",
    ]


@dataclass
class Running:
    url: str
    process: subprocess.Popen[str]
    log: Path

    def request(self, path: str = "/sparql", *, query: str | None = None,
                data: bytes | None = None, headers: dict[str, str] | None = None,
                timeout: float = 60) -> tuple[int, bytes]:
        url = self.url.rstrip("/") + path
        if query is not None:
            url += "?" + urllib.parse.urlencode({"query": query})
        req = urllib.request.Request(url, data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def start(graph: Path, log: Path, *options: str) -> Running:
    """``kg serve GRAPH --port 0 OPTIONS`` in a subprocess, once it prints its address."""
    err = log.open("w", encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", str(graph), "--port", "0",
                                *options], stdout=subprocess.PIPE, stderr=err, text=True)
    err.close()
    deadline = time.monotonic() + 60
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip().startswith("endpoint"):
            return Running(line.split()[1].removesuffix("sparql"), process, log)
        if time.monotonic() > deadline:
            break
    stop(process)
    raise AssertionError(f"kg serve did not start: {log.read_text(encoding='utf-8')}")


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    if process.stdout:
        process.stdout.close()


@pytest.fixture(scope="module")
def graph_file(seed_graph: Graph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("attacks") / "graph.ttl"
    seed_graph.serialize(path, format="turtle")
    return path


@pytest.fixture(scope="module")
def served(graph_file: Path) -> Iterator[Running]:
    running = start(graph_file, graph_file.with_name("serve.log"), "--workers", "2",
                    "--memory", "1024", "--timeout", "20")
    try:
        yield running
    finally:
        stop(running.process)
        log = running.log.read_text(encoding="utf-8")
        assert "Traceback" not in log, log[-3000:]


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    try:
        yield listening
    finally:
        listening.close()


# --- SERVICE ----------------------------------------------------------------------------

def test_no_service_query_reaches_another_server(served: Running, listener: Listener) -> None:
    for query in bypasses(listener.port):
        for how in ("get", "form", "body"):
            if how == "get":
                status, body = served.request(query=query)
            elif how == "form":
                status, body = served.request(data=urllib.parse.urlencode(
                    {"query": query}).encode(), headers={
                    "Content-Type": "application/x-www-form-urlencoded"})
            else:
                status, body = served.request(data=query.encode(), headers={
                    "Content-Type": "application/sparql-query"})
            assert status in (400, 403, 500), (query, status, body)
    time.sleep(0.5)
    assert listener.connections == 0
    assert served.request(query=ASK)[0] == 200


def test_the_parse_tree_check_alone_refuses_every_bypass(listener: Listener) -> None:
    """Without the network isolation of the workers (this test process has network),
    each bypass is refused before the engine sees it."""
    import pyoxigraph

    store = pyoxigraph.Store()
    for query in bypasses(listener.port):
        response = run_checked(store, query, "", 100, isolated=False)
        assert response.status in (400, 403), (query, response)
    time.sleep(0.3)
    assert listener.connections == 0
    with pytest.raises(RefusedQuery, match="SERVICE"):
        check_query(bypasses(listener.port)[3])
    with pytest.raises(UncheckedQuery):  # rdflib reads past the CR: the query is refused
        check_query(bypasses(listener.port)[2])
    check_query('SELECT * WHERE { ?s ?p "SERVICE <http://x/> { }" }')


def test_an_isolated_worker_cannot_connect(listener: Listener) -> None:
    code = ("import sys, pyoxigraph\n"
            "from kg.sparql.guard import isolate_from_network\n"
            "why = isolate_from_network()\n"
            "if why: print('SKIP', why); sys.exit(0)\n"
            "try:\n"
            f"    list(pyoxigraph.Store().query({bypasses(listener.port)[0]!r}))\n"
            "except OSError as exc: print('ERROR', exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    if out.startswith("SKIP"):
        pytest.skip(f"no network namespaces here: {out}")
    assert out.startswith("ERROR") and "unreachable" in out.lower()
    assert listener.connections == 0


# --- nesting, memory, busy workers ------------------------------------------------------

def test_deep_nesting_is_refused_by_depth_and_the_worker_survives(served: Running) -> None:
    for query in ("SELECT * WHERE " + "{" * 3000 + "}" * 3000,
                  "SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }"):
        status, body = served.request(data=query.encode(),
                                      headers={"Content-Type": "application/sparql-query"})
        assert status == 403 and b"nested 3" in body
    nested = "SELECT * WHERE " + "{" * 60 + "?s ?p ?o" + "}" * 60 + " LIMIT 1"
    status, body = served.request(query=nested)
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 1


def _tree_rss(pid: int) -> int:
    """Resident bytes of a process and its children."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0]) * 1024
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, IndexError):
            continue
    return total


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_memory_hungry_query_fails_and_the_server_goes_on(served: Running) -> None:
    peak, done = 0, threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.1):
            peak = max(peak, _tree_rss(served.process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    try:
        status, body = served.request(query=ORDER_BY, timeout=90)
    finally:
        done.set()
        sampler.join(2)
    assert status == 503 and b"memory" in body, body
    assert time.monotonic() - started < 25  # the cap ends it, not the 20 s time limit
    assert peak < 3 << 30
    # the dead worker's raw Rust abort line does not reach the server's log
    assert "memory allocation of" not in served.log.read_text(errors="replace")
    status, body = served.request(query=ASK)
    assert status == 200 and json.loads(body)["boolean"] is True


def test_expensive_queries_do_not_block_a_cheap_one(graph_file: Path, tmp_path: Path) -> None:
    running = start(graph_file, tmp_path / "serve.log", "--workers", "2", "--timeout", "10")
    try:
        with ThreadPoolExecutor(2) as pool:
            slow = [pool.submit(running.request, query=CARTESIAN) for _ in range(2)]
            time.sleep(1.0)  # both workers are busy now
            started = time.monotonic()
            status, body = running.request(query=ASK)
            took = time.monotonic() - started
            assert status == 200 and json.loads(body)["boolean"] is True
            assert took < 8, f"the cheap query waited {took:.1f} s"
            assert [f.result(60)[0] for f in slow] == [503, 503]
        assert running.request(query=ASK)[0] == 200
    finally:
        stop(running.process)


def test_a_burst_of_120_connections_is_answered(served: Running) -> None:
    barrier = threading.Barrier(120, timeout=30)

    def one(i: int) -> int:
        barrier.wait()
        return served.request(query=f"ASK {{ ?s ?p {i} }}" if i % 2 else ASK)[0]

    with ThreadPoolExecutor(120) as pool:
        statuses = list(pool.map(one, range(120), timeout=120))
    assert statuses == [200] * 120


def test_bad_content_length_leaves_one_log_line(served: Running) -> None:
    port = int(served.url.rsplit(":", 1)[1].strip("/"))
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 400")
    time.sleep(0.3)
    log = served.log.read_text(encoding="utf-8")
    assert "Traceback" not in log and '"POST /sparql HTTP/1.1" 400' in log


# --- start-up errors: one line, never a traceback ---------------------------------------

@pytest.mark.parametrize(("option", "value"), [
    ("--port", "70000"), ("--port", "-1"), ("--timeout", "0"), ("--timeout", "nan"),
    ("--max-rows", "-1"), ("--workers", "-5"), ("--workers", "0"), ("--memory", "-3")])
def test_bad_numbers_are_refused_by_argparse(graph_file: Path, option: str, value: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", str(graph_file), option, value])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    assert f"argument {option}" in err.splitlines()[-1] and value in err.splitlines()[-1]


def test_start_up_failures_are_one_line(graph_file: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        cases = {"in use": ("--port", str(taken.getsockname()[1])),
                 "unknown host": ("--host", "nosuch.invalid"),
                 "is not an origin": ("--cors", "not an origin"),
                 "below 256 MB": ("--memory", "10")}
        for expected, options in cases.items():
            assert main(["serve", str(graph_file), *options]) == 1
            lines = capsys.readouterr().err.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("kg: ") and expected in lines[0]
    finally:
        taken.close()


def test_serves_on_ipv6_loopback(graph_file: Path, tmp_path: Path) -> None:
    try:
        socket.socket(socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 here")
    running = start(graph_file, tmp_path / "serve.log", "--host", "::1", "--workers", "1")
    try:
        assert running.url.startswith("http://[::1]:")
        status, body = running.request(query=ASK)
        assert status == 200 and json.loads(body)["boolean"] is True
        assert running.request(query=ASK, headers={"Host": "evil.example"})[0] == 403
    finally:
        stop(running.process)

