"""Normalization throughput on one core: the seed articles, repeated to at least 10 MB.

    .venv/bin/python benchmarks/bench_normalize.py [--mb 10] [--repeat 3] [--profile]

Reports MB/s (UTF-8 input bytes per second) for
  * per-document: each seed is decoded and normalized as its own Source, cycling through the
    seeds until ≥ --mb MB have been processed (the realistic case);
  * one big text: all seeds concatenated and repeated into a single ≥ --mb MB document
    (checks that no pass is worse than linear).
plus the mean time for a ~12 KB article. Target: ≥ 2 MB/s.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.model import Source  # noqa: E402
from kg.normalize import normalize, normalize_text  # noqa: E402


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def per_document(seeds: list[Source], target: int) -> tuple[float, int, int]:
    done = docs = 0
    start = time.perf_counter()
    while done < target:
        for src in seeds:
            normalize(src)
            done += len(src.data)
            docs += 1
    return time.perf_counter() - start, done, docs


def one_big_text(seeds: list[Source], target: int) -> tuple[float, int]:
    block = "\n\n".join(src.data.decode("utf-8") for src in seeds)
    copies = target // len(block.encode("utf-8")) + 1
    # number the copies so that the repeat pass does not see one paragraph repeated
    text = "\n\n".join(f"第{i}篇\n{block}" for i in range(copies))
    size = len(text.encode("utf-8"))
    start = time.perf_counter()
    normalize_text(text, "big.txt")
    return time.perf_counter() - start, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    _pin_one_core()
    seeds = [Source(p.name, p.read_bytes()) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    target = int(args.mb * 1_000_000)
    normalize(seeds[0])  # warm-up: OpenCC dictionaries, regex compilation

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        per_document(seeds, target // 5)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        return

    best = min(per_document(seeds, target) for _ in range(args.repeat))
    secs, done, docs = best
    print(
        f"per-document: {done / 1e6:.1f} MB in {docs} docs, {secs:.2f} s "
        f"-> {done / 1e6 / secs:.2f} MB/s, {secs / docs * 1000:.2f} ms/doc "
        f"(mean doc {done / docs / 1000:.1f} KB)"
    )
    big = min(one_big_text(seeds, target) for _ in range(max(1, args.repeat - 1)))
    print(
        f"one big text: {big[1] / 1e6:.1f} MB in {big[0]:.2f} s -> {big[1] / 1e6 / big[0]:.2f} MB/s"
    )
    twelve = [s for s in seeds if 11_000 <= len(s.data) <= 13_000]
    if twelve:
        n = 200
        start = time.perf_counter()
        for _ in range(n):
            normalize(twelve[0])
        ms = (time.perf_counter() - start) / n * 1000
        print(f"{twelve[0].name} ({len(twelve[0].data) / 1000:.1f} KB): {ms:.2f} ms")


if __name__ == "__main__":
    main()
