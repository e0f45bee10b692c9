"""`kg build` on N distinct articles made by varying real ones: time, peak memory, store size,
and the named queries' latency on the result.

    .venv/bin/python benchmarks/bench_scale.py [--n 100000] [--jobs J] [--keep DIR]

Article i is a real article (seeds and tests/data/dev, in turn) with its years shifted by
i mod 15 and a numbered closing line, so every article is a distinct content (nothing comes
from the cache or is deduplicated as a repost). The build runs in a child process from an
empty ``--out``; peak memory is the resident memory of the whole process tree (parent and
workers), sampled every 0.2 s. Then every named query (kg/sparql/queries) runs on OUT/store
(pyoxigraph, on disk, read-only): the median of 3 runs each.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests/data/dev/texts").glob("*.txt"))
# a year written in an article (2010年 … 2029年), shifted to vary the copies
YEAR = re.compile(r"20([12][0-9])年")


def make_corpus(folder: Path, n: int) -> tuple[int, int]:
    """N distinct articles in ``folder`` (in subfolders of 1,000); (bytes, characters)."""
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in SOURCES]
    size = chars = 0
    for i in range(n):
        shift = i % 15
        text = YEAR.sub(lambda m, s=shift: f"20{10 + (int(m.group(1)) - 10 + s) % 20}年",
                        texts[i % len(texts)])
        text += f"\n（本文为规模测试稿件，第{i}篇。）\n"
        path = folder / f"{i // 1000:04d}" / f"{i:07d}_{SOURCES[i % len(SOURCES)].stem}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        size += len(data)
        chars += len(text)
    return size, chars


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def parent_rss(proc: psutil.Process) -> int:
    with contextlib.suppress(psutil.Error):
        return proc.memory_info().rss
    return 0


def build(corpus: Path, out: Path, jobs: int | None) -> tuple[float, float, float, str]:
    kg = ROOT / ".venv" / "bin" / "kg"
    command = [str(kg) if kg.exists() else "kg", "build", str(corpus), "--out", str(out)]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    start = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as child:
        watched = psutil.Process(child.pid)
        peak = peak_parent = 0
        while child.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, tree_rss(watched))
                peak_parent = max(peak_parent, parent_rss(watched))
            time.sleep(0.2)
        stdout, stderr = child.communicate()
    seconds = time.perf_counter() - start
    if child.returncode not in (0, 2):
        sys.exit(f"kg build failed ({child.returncode}): {stderr.strip()[-2000:]}")
    return seconds, peak / 1e6, peak_parent / 1e6, stdout


def folder_mb(path: Path) -> float:
    path = path.resolve()
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.resolve().rglob("*") if p.is_file()) / 1e6


def query_latency(store_dir: Path, runs: int = 3) -> Iterator[tuple[str, float, int]]:
    import pyoxigraph

    from kg.graph.vocab import PREFIXES
    from kg.sparql.query import named_queries

    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    store = pyoxigraph.Store.read_only(str(store_dir.resolve()))
    for name, text in sorted(named_queries().items()):
        times, rows = [], 0
        for _ in range(runs):
            start = time.perf_counter()
            rows = sum(1 for _ in store.query(prologue + text))
            times.append(time.perf_counter() - start)
        yield name, statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="articles (default 100,000)")
    parser.add_argument("--jobs", type=int, help="kg build --jobs (default: kg's default)")
    parser.add_argument("--keep", type=Path, help="keep the corpus and outputs in this folder")
    parser.add_argument("--query-runs", type=int, default=3,
                        help="runs of each named query; the median counts (default 3; 0: "
                             "no queries)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kg-scale-"))
    try:
        corpus = work / "corpus"
        shutil.rmtree(corpus, ignore_errors=True)
        size, chars = make_corpus(corpus, args.n)
        print(f"corpus: {args.n:,} articles, {size / 1e6:.1f} MB, {chars:,} characters",
              flush=True)
        shutil.rmtree(work / "out", ignore_errors=True)
        seconds, peak, peak_parent, summary = build(corpus, work / "out", args.jobs)
        triples = re.search(r"triples: (\d+)", summary)
        n_triples = int(triples.group(1)) if triples else 0
        print("| measure | value |\n|---|---|")
        print(f"| articles | {args.n:,} ({size / 1e6:.1f} MB) |")
        print(f"| triples | {n_triples:,} |")
        print(f"| build time | {seconds:,.1f} s ({seconds / args.n * 1000:.1f} ms per article, "
              f"{chars / seconds / 1000:.1f} kchar/s) |")
        print(f"| peak RSS, whole process tree | {peak:,.0f} MB |")
        print(f"| peak RSS, parent process | {peak_parent:,.0f} MB |")
        print(f"| graph.ttl | {folder_mb(work / 'out' / 'graph.ttl'):,.1f} MB |")
        print(f"| store (OUT/store) | {folder_mb(work / 'out' / 'store'):,.1f} MB |")
        print(f"| cache (OUT/.kg-cache: per-document graphs + index) | "
              f"{folder_mb(work / 'out' / '.kg-cache'):,.1f} MB |")
        print(f"| the view's rows (a SQLite file of the set) | "
              f"{folder_mb(work / 'out' / '.kg-current' / '.view-rows.sqlite'):,.1f} MB |")
        runs = args.query_runs
        for name, latency, rows in query_latency(work / "out" / "store", runs) if runs else ():
            print(f"| query {name} | {latency * 1000:,.1f} ms ({rows:,} rows) |", flush=True)
        print("kg build summary:\n  " + summary.strip().replace("\n", "\n  "))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
