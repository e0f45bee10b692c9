"""Extraction time against document size: one document of distinct lines, at growing sizes.

    .venv/bin/python benchmarks/bench_scaling.py [--kb 128 512 2048] [--profile KB] [--limit S]

The document is every distinct line of ``seeds/`` and ``tests/data/dev/texts/``, repeated
with its numbers varied (copy ``i`` adds ``i`` to every number and numbers each paragraph)
so that no pass sees repeated lines, cut at the requested size. Each size is normalized and
extracted (:func:`kg.corpus.process_source`) once, in this process. Reports seconds and the
ratio to the previous size; extraction is linear when 4× the size costs at most 6× the time
(the target). ``--lines`` separates the paragraphs by a blank line (default), a line
end, or nothing (one long line). ``--profile KB`` prints the cProfile top 25 of that size instead; ``--limit``
stops before a size when the previous one took longer than that many seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.corpus import process_source, warm_up  # noqa: E402
from kg.model import Source  # noqa: E402

#: a run of ASCII digits (dates, counts, phone numbers): varied from copy to copy
NUMBER = re.compile(r"[0-9]+")


def base_lines() -> list[str]:
    """The distinct non-empty lines of the seed and dev articles, in file order."""
    files = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests/data/dev/texts").glob("*.txt"))
    lines: dict[str, None] = {}
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines.setdefault(line.strip(), None)
    return list(lines)


SEPARATORS = {"blank": "\n\n", "newline": "\n", "none": ""}


def document(size: int, lines: list[str] | None = None, separator: str = "\n\n") -> str:
    """About ``size`` UTF-8 bytes of distinct lines (paragraphs separated by ``separator``)."""
    lines = lines or base_lines()
    out: list[str] = []
    total = 0
    copy = 0
    while total < size:
        for n, line in enumerate(lines):
            varied = NUMBER.sub(lambda m, c=copy: str(int(m.group(0)) + c), line)
            paragraph = f"{varied}（第{copy}-{n}段）"
            out.append(paragraph)
            total += len(paragraph.encode("utf-8")) + len(separator)
            if total >= size:
                break
        copy += 1
    return separator.join(out) + "\n"


def run(size: int, lines: list[str], separator: str = "\n\n") -> float:
    data = document(size, lines, separator).encode("utf-8")
    source = Source(name=f"big-{size}.txt", data=data)
    started = time.perf_counter()
    process_source(source)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=int, nargs="+", default=[128, 512, 2048],
                        help="document sizes in KB (default 128 512 2048)")
    parser.add_argument("--profile", type=int, metavar="KB", help="profile one size instead")
    parser.add_argument("--lines", choices=SEPARATORS, default="blank",
                        help="paragraphs separated by a blank line (default), a line end, "
                             "or nothing (one long line)")
    parser.add_argument("--limit", type=float, default=120.0, metavar="S",
                        help="skip the next size once one takes longer than this (default 120)")
    args = parser.parse_args()
    warm_up()
    lines = base_lines()
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        seconds = run(args.profile * 1024, lines, SEPARATORS[args.lines])
        profiler.disable()
        print(f"{args.profile} KB: {seconds:.2f} s")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        return
    previous: tuple[int, float] | None = None
    worst = 0.0
    for kb in args.kb:
        if previous is not None and previous[1] > args.limit:
            print(f"{kb:>6} KB: skipped (the previous size took {previous[1]:.0f} s)")
            continue
        seconds = run(kb * 1024, lines, SEPARATORS[args.lines])
        note = ""
        if previous is not None:
            ratio = seconds / previous[1]
            per_4x = ratio ** (2 / max(1e-9, math.log2(kb / previous[0])))
            worst = max(worst, per_4x)
            note = f"  ×{ratio:.2f} for ×{kb / previous[0]:g} size (×{per_4x:.2f} per ×4)"
        print(f"{kb:>6} KB: {seconds:7.2f} s  {kb / 1024 / seconds:5.2f} MB/s{note}")
        previous = (kb, seconds)
    if worst:
        print(f"worst: ×{worst:.2f} time per ×4 size (target ≤ ×6): "
              + ("ok" if worst <= 6 else "FAILS"))


if __name__ == "__main__":
    main()
