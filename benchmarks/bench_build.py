"""`kg build` throughput against bare `jieba.cut` on the same files, and peak memory.

    .venv/bin/python benchmarks/bench_build.py [--mb 3] [--keep DIR]

Builds a corpus of real articles (the seeds and the dev articles of tests/data/dev), each
copy made distinct by a numbered last line, until it holds at least --mb MB. Then, in one run:

1. bare ``jieba.cut`` over every file (read, decode, cut) — the floor any jieba-based
   extractor stands on;
2. ``kg build CORPUS --out DIR`` in a child process (everything a user gets: Turtle, HTML,
   entities.jsonl), timed from the outside, with its peak RSS. Every build here runs with
   ``--validate never``: from 200,000 triples (about 3 MB) the default leaves SHACL to
   ``kg validate`` anyway, and the smaller corpus would otherwise be the only one validated
   (pySHACL's 40 µs per triple and its memory in one figure and not in the other);
3. the same build on a corpus --small-mb large (default 3), to show how memory grows with
   the number of files (target: peak within 1.3x);
4. a rebuild after one file changed, one added and one removed (incremental, from the cache in
   ``--out``; target ≤ 0.2 of the full build).

Before these, one build of a single article makes the files kg derives from its data at
first use (the village index as SQLite, the tokenizer's dictionary; in the user's cache
folder), so that no measured build pays that one-time cost; its time is reported.
Every build starts from an empty ``--out`` except the incremental one. Peak memory is the
resident memory of the whole process tree (parent and workers), sampled.
Reports characters per second (best of --repeat runs), the ratio to jieba (target ≥ 0.6).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests/data/dev/texts").glob("*.txt"))


def make_corpus(folder: Path, megabytes: float) -> tuple[list[Path], int]:
    folder.mkdir(parents=True, exist_ok=True)
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in SOURCES]
    paths: list[Path] = []
    size = chars = 0
    n = 0
    while size < megabytes * 1_000_000:
        text = texts[n % len(texts)] + f"\n（本文为基准测试副本，第{n}篇。）\n"
        path = folder / f"{n:05d}_{SOURCES[n % len(SOURCES)].stem}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
        size += len(text.encode("utf-8"))
        chars += len(text)
        n += 1
    return paths, chars


def bare_jieba(paths: list[Path]) -> tuple[float, int]:
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    start = time.process_time()
    chars = 0
    for path in paths:
        text = path.read_bytes().decode("utf-8")
        chars += len(text)
        for _ in jieba.cut(text):
            pass
    return time.process_time() - start, chars


def tree_rss(proc: psutil.Process) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def kg_build(folder: Path, out: Path, *extra: str) -> tuple[float, float, str]:
    """Run ``kg build`` in a child; (seconds, peak RSS of the whole process tree in MB,
    stdout). The tree is sampled every 50 ms (workers included)."""
    kg = ROOT / ".venv" / "bin" / "kg"
    command = [str(kg) if kg.exists() else "kg", "build", str(folder), "--out", str(out), *extra]
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as child:
        watched = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, tree_rss(watched))
            time.sleep(0.05)
        stdout, stderr = child.communicate()
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if child.returncode not in (0, 2):
        sys.exit(f"kg build failed ({child.returncode}): {stderr.strip()}")
    return seconds, peak / 1e6, stdout


#: CPU seconds (user + system, the whole process tree) of each kg_build run, in order
CPU: list[float] = []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=15.0, help="corpus size in MB (default 15)")
    parser.add_argument("--small-mb", type=float, default=3.0,
                        help="the smaller corpus, for the memory ratio (default 3)")
    parser.add_argument("--keep", type=Path, help="keep the corpus and outputs in this folder")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each timing; the best counts")
    parser.add_argument("--jobs", type=int, help="kg build --jobs (default: kg's default)")
    args = parser.parse_args()
    jobs = ("--jobs", str(args.jobs)) if args.jobs is not None else ()
    extra = (*jobs, "--validate", "never")
    work = args.keep or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    try:
        corpus = work / "corpus"
        paths, chars = make_corpus(corpus, args.mb)
        mb = sum(p.stat().st_size for p in paths) / 1e6
        print(f"corpus: {len(paths)} files, {mb:.2f} MB, {chars:,} characters")

        jieba_s = min(bare_jieba(paths)[0] for _ in range(args.repeat))
        print(f"jieba.cut:  {jieba_s:7.2f} s CPU  {chars / jieba_s / 1000:8.1f} kchar/s")

        first = work / "first"
        first.mkdir(exist_ok=True)  # --keep DIR may hold it from an earlier run
        shutil.copy(SOURCES[0], first / SOURCES[0].name)
        first_s, _, _ = kg_build(first, work / "out-first", *extra)
        print(f"first build (1 file; derives kg's cached data if absent): {first_s:.2f} s")

        small = work / "small"
        small_paths, _ = make_corpus(small, args.small_mb)
        small_s, small_peak, _ = kg_build(small, work / "out-small", *extra)
        runs = []
        for _ in range(args.repeat):
            shutil.rmtree(work / "out", ignore_errors=True)
            runs.append(kg_build(corpus, work / "out", *extra))
        build_s = min(r[0] for r in runs)
        peak, summary = runs[-1][1], runs[-1][2]
        cores = min(os.cpu_count() or 1, args.jobs or os.cpu_count() or 1)
        build_cpu = CPU[-1]
        print(f"kg build:   {build_s:7.2f} s wall, {build_cpu:7.2f} s CPU over the process tree; "
              f"ratio to jieba.cut (CPU, kg's spread over {cores} cores) "
              f"{jieba_s / (build_cpu / cores):.2f}; wall ratio {jieba_s / build_s:.2f} "
              f"(target ≥ 0.60)")
        print(f"peak RSS:   {peak:7.0f} MB for {len(paths)} files; "
              f"{small_peak:.0f} MB for {len(small_paths)} files ({small_s:.2f} s); "
              f"ratio {peak / small_peak:.2f} (target ≤ 1.3)")
        print("kg build summary:\n  " + summary.strip().replace("\n", "\n  "))

        paths[0].write_text(paths[0].read_text(encoding="utf-8") + "\n杭州市民政局发布通知。\n",
                            encoding="utf-8")
        paths[1].unlink()
        shutil.copy(SOURCES[0], corpus / "added.txt")
        again_s, again_peak, again = kg_build(corpus, work / "out", *extra)
        shutil.rmtree(work / "fresh", ignore_errors=True)
        fresh_s, _, _ = kg_build(corpus, work / "fresh", *extra)
        same = all((work / "out" / n).read_bytes() == (work / "fresh" / n).read_bytes()
                   for n in ("graph.ttl", "graph.html", "entities.jsonl"))
        print(f"incremental: {again_s:6.2f} s after 1 changed, 1 added, 1 removed file = "
              f"{again_s / fresh_s:.2f} of a fresh build ({fresh_s:.2f} s; target ≤ 0.2); "
              f"outputs {'identical to' if same else 'DIFFERENT from'} the fresh build")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
