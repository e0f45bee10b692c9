"""The learned recognizer's cost: extraction time per document with and without the model.

    .venv/bin/python benchmarks/bench_recognizer.py [--repeat 5]

The 43 annotated articles of the repo (seeds, tests/data/dev, tests/data/train) are
normalized once; then each is extracted (``kg.pipeline.process``, one core, in this process)
with the rules alone (``model=None``) and with the shipped model, alternating, best of
``--repeat`` rounds, in CPU seconds of this process (wall time
varies with the load of a shared machine). Also reported: the model file's size and the time to read and validate
it (the first load in a process). Target: trained path ≤ 1.25 × the rules-only time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kg.learn.model import SHIPPED, load_model  # noqa: E402
from kg.normalize import normalize  # noqa: E402
from kg.pipeline import process  # noqa: E402
from kg.sources import read_source  # noqa: E402

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
    best = {"rules": float("inf"), "model": float("inf")}
    for _ in range(args.repeat):
        for label, chosen in (("rules", None), ("model", model)):
            began = time.process_time()  # CPU time: the machine is shared
            for d in documents:
                process(d, None, chosen)
            best[label] = min(best[label], time.process_time() - began)
    n = len(documents)
    print(f"{n} documents, {chars:,} characters; best of {args.repeat} rounds, one core")
    print(f"model file: {path.stat().st_size / 1024:.0f} KiB, read and validated in "
          f"{load * 1000:.0f} ms")
    for label in ("rules", "model"):
        print(f"{label:<6} {best[label]:.3f} s  {best[label] / n * 1000:.1f} ms/doc  "
              f"{chars / best[label] / 1000:.0f} kchar/s")
    print(f"ratio model/rules: {best['model'] / best['rules']:.2f} (target ≤ 1.25)")


if __name__ == "__main__":
    main()
