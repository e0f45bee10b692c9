"""`kg build` throughput against bare `jieba.cut` on the same files, and peak memory.

    .venv/bin/python benchmarks/bench_build.py [--mb 3] [--keep DIR]

Builds a corpus of real articles (the seeds and the dev articles of tests/data/dev), each
copy made distinct by a numbered last line, until it holds at least --mb MB. Then, in one run:

1. bare ``jieba.cut`` over every file (read, decode, cut) — the floor any jieba-based
   extractor stands on;
2. ``kg build CORPUS --out DIR`` in a child process (everything a user gets: Turtle, HTML,
   entities.jsonl, SHACL validation), timed from the outside, with its peak RSS;
3. the same build on half the corpus, to show how memory grows with the number of files.

Reports characters per second for both (best of --repeat runs), their ratio (target ≥ 0.3),
and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    start = time.perf_counter()
    chars = 0
    for path in paths:
        text = path.read_bytes().decode("utf-8")
        chars += len(text)
        for _ in jieba.cut(text):
            pass
    return time.perf_counter() - start, chars


def kg_build(folder: Path, out: Path) -> tuple[float, float, str]:
    kg = ROOT / ".venv" / "bin" / "kg"
    command = [str(kg) if kg.exists() else "kg", "build", str(folder), "--out", str(out)]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode != 0:
        sys.exit(f"kg build failed ({proc.returncode}): {proc.stderr.strip()}")
    return seconds, peak_mb, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=3.0, help="corpus size in MB (default 3)")
    parser.add_argument("--keep", type=Path, help="keep the corpus and outputs in this folder")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each timing; the best counts")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="kg-bench-"))
    try:
        corpus = work / "corpus"
        paths, chars = make_corpus(corpus, args.mb)
        mb = sum(p.stat().st_size for p in paths) / 1e6
        print(f"corpus: {len(paths)} files, {mb:.2f} MB, {chars:,} characters")

        jieba_s = min(bare_jieba(paths)[0] for _ in range(args.repeat))
        print(f"jieba.cut:  {jieba_s:7.2f} s  {chars / jieba_s / 1000:8.1f} kchar/s")

        half = work / "half"
        half.mkdir(exist_ok=True)
        for path in paths[: len(paths) // 2]:
            shutil.copy(path, half / path.name)
        half_s, half_peak, _ = kg_build(half, work / "out-half")
        runs = [kg_build(corpus, work / "out") for _ in range(args.repeat)]
        build_s = min(r[0] for r in runs)
        peak, summary = runs[-1][1], runs[-1][2]
        print(f"kg build:   {build_s:7.2f} s  {chars / build_s / 1000:8.1f} kchar/s "
              f"(ratio to jieba.cut {jieba_s / build_s:.2f}; target ≥ 0.30)")
        print(f"peak RSS:   {peak:7.0f} MB for {len(paths)} files; "
              f"{half_peak:.0f} MB for {len(paths) // 2} files ({half_s:.2f} s)")
        print("kg build summary:\n  " + summary.strip().replace("\n", "\n  "))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
