"""The learned recognizer's cost: extraction time per document with and without the model.

    .venv/bin/python benchmarks/bench_recognizer.py [--repeat 5]

The 43 annotated articles of the repo (seeds, tests/data/dev, tests/data/train) are
normalized once; then each is extracted (``kg.pipeline.process``, one core, in this process)
with the rules alone (``model=None``) and with the shipped model, alternating, over
``--repeat`` rounds. Reported per path: the median round in CPU seconds of this process (the
figure the target is about: wall time varies with the load of a shared machine) and in wall
seconds, and the ratio of the medians. Also reported: the model file's size and the time to
read and validate it (the first load in a process). Target: trained path ≤ 1.25 × the
rules-only time; the last line says whether the CPU ratio meets it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.learn.model import SHIPPED, load_model  # noqa: E402
from kg.normalize import normalize  # noqa: E402
from kg.pipeline import process  # noqa: E402
from kg.sources import read_source  # noqa: E402

TARGET = 1.25  # issue 11: the trained path costs at most 25 % more time per document
FOLDERS = (ROOT / "seeds", ROOT / "tests/data/dev/texts", ROOT / "tests/data/train/texts")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    path = ROOT / "kg" / SHIPPED
    began = time.perf_counter()
    model = load_model(path)
    load = time.perf_counter() - began
    documents = [normalize(read_source(p)) for folder in FOLDERS for p in sorted(folder.glob("*.txt"))]
    chars = sum(len(d.text) for d in documents)
    for d in documents:  # warm up: gazetteer, village index, tokenizer, tag table
        process(d, None, None)
        process(d, None, model)
    cpu: dict[str, list[float]] = {"rules": [], "model": []}
    wall: dict[str, list[float]] = {"rules": [], "model": []}
    for _ in range(args.repeat):
        for label, chosen in (("rules", None), ("model", model)):
            began, began_wall = time.process_time(), time.perf_counter()
            for d in documents:
                process(d, None, chosen)
            cpu[label].append(time.process_time() - began)
            wall[label].append(time.perf_counter() - began_wall)
    n = len(documents)
    print(f"{n} documents, {chars:,} characters; median of {args.repeat} rounds, one core")
    print(f"model file: {path.stat().st_size / 1024:.0f} KiB, read and validated in "
          f"{load * 1000:.0f} ms")
    for label in ("rules", "model"):
        c, w = median(cpu[label]), median(wall[label])
        print(f"{label:<6} CPU {c:.3f} s  {c / n * 1000:.1f} ms/doc  {chars / c / 1000:.0f} kchar/s"
              f"   wall {w:.3f} s  {w / n * 1000:.1f} ms/doc")
    ratio = median(cpu["model"]) / median(cpu["rules"])
    ratio_wall = median(wall["model"]) / median(wall["rules"])
    print(f"ratio model/rules: CPU {ratio:.2f}, wall {ratio_wall:.2f}")
    print(f"target CPU ratio ≤ {TARGET:.2f}: {'met' if ratio <= TARGET else 'NOT met'}")

if __name__ == "__main__":
    main()
