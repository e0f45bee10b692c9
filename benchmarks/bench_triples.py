"""The per-document triples step and the pre-fork warm-up, timed on their own.

    .venv/bin/python benchmarks/bench_triples.py [--docs 150] [--repeat 5] [--dump DIR]

1. Triples: the articles of seeds/ and tests/data/dev/texts, repeated as in
   ``bench_build.py`` (each copy made distinct by a numbered last line) up to ``--docs``
   documents, are extracted first (not timed); then the CPU time of the part of
   :func:`kg.assemble.document_outcome` after the extraction — ``add_result`` into a
   ``LineSink``, the file-name discard, the N-Quads bytes — is timed over all of them, best
   of ``--repeat`` passes (target ≤ 1.5 ms per document). ``--dump DIR`` writes each
   document's N-Quads to ``DIR/NNNNN.nq`` (to compare two versions byte for byte).
2. Warm-up: the CPU time of :func:`kg.corpus.warm_up`'s parts where it runs, in a real
   ``kg build`` (of one article, in a child process; the garbage collector's state there
   is part of the cost), best of ``--repeat`` builds.

Run two versions back to back with the same script by putting the other checkout first on
``PYTHONPATH`` (the script prints which ``kg`` it imported).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests/data/dev/texts").glob("*.txt"))

#: ``kg build`` of one article (fresh output folder, two workers), its warm-up replaced by
#: the same steps timed one by one; argv: article, output folder. Whether the garbage
#: collector runs full collections during the loads depends on everything allocated before
#: (run as ``-c`` code instead of a script, the old loaders happened to need none): the
#: count is printed with the times.
_WARM_UP_CHILD = """
import gc, json, sys, time
import kg.corpus
from kg.cli import main

parts = {}
real_warm_up = kg.corpus.warm_up


def timed_warm_up():
    from kg.gazetteer import Gazetteer
    from kg.text import tokenizer, word_tag

    collections = [generation["collections"] for generation in gc.get_stats()]
    start = time.process_time()
    gazetteer = Gazetteer.load()
    parts["Gazetteer.load"] = time.process_time() - start
    mark = time.process_time()
    gazetteer.villages_named("")
    parts["villages_named"] = time.process_time() - mark
    mark = time.process_time()
    tokenizer()
    parts["tokenizer"] = time.process_time() - mark
    mark = time.process_time()
    word_tag("")
    parts["word_tag"] = time.process_time() - mark
    parts["total"] = time.process_time() - start
    parts["full collections"] = gc.get_stats()[2]["collections"] - collections[2]
    real_warm_up()  # now a no-op: it must not load anything else


kg.corpus.warm_up = timed_warm_up
main(["build", sys.argv[1], "--out", sys.argv[2], "--jobs", "2"])
print(json.dumps(parts))
"""


def sources(count: int) -> list[object]:
    from kg.model import Source

    texts = [p.read_text(encoding="utf-8", errors="replace") for p in SOURCES]
    made = []
    for n in range(count):
        text = texts[n % len(texts)] + f"\n（本文为基准测试副本，第{n}篇。）\n"
        made.append(Source(name=f"{n:05d}_{SOURCES[n % len(SOURCES)].stem}.txt",
                           data=text.encode("utf-8")))
    return made


def time_triples(count: int, repeat: int, dump: Path | None) -> float:
    """Best CPU seconds per document of the triples part of ``document_outcome`` (CPU
    time: the machine may be shared, and this step neither waits nor does I/O)."""
    from rdflib import Literal

    from kg.assemble import CONTENT_GRAPH, LineSink
    from kg.corpus import process_source, warm_up
    from kg.gazetteer import Gazetteer
    from kg.graph.triples import add_result, document_iri
    from kg.graph.vocab import KG

    warm_up()
    results = [process_source(source) for source in sources(count)]  # type: ignore[arg-type]
    best = float("inf")
    outputs: list[bytes] = []
    for _ in range(repeat):
        outputs = []
        start = time.process_time()
        for n, result in enumerate(results):
            sink = LineSink()
            add_result(sink, result, Gazetteer.load())  # type: ignore[arg-type]
            sink.discard((document_iri(result), KG.fileName, Literal(result.document.name)))
            outputs.append(sink.nquads(f"{CONTENT_GRAPH}{n:05d}.txt"))
        best = min(best, (time.process_time() - start) / len(results))
    if dump is not None:
        dump.mkdir(parents=True, exist_ok=True)
        for n, data in enumerate(outputs):
            (dump / f"{n:05d}.nq").write_bytes(data)
    lines = sum(data.count(b"\n") for data in outputs) / len(outputs)
    print(f"triples: {len(results)} documents, {lines:.0f} lines per document, "
          f"best of {repeat}: {best * 1000:.2f} ms/doc")
    return best


def time_warm_up(repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="kg-warm-up-") as folder:
            script = Path(folder) / "kg_build.py"  # a script file, like the kg command
            script.write_text(_WARM_UP_CHILD, encoding="utf-8")
            child = subprocess.run([sys.executable, str(script), str(SOURCES[0]),
                                    str(Path(folder) / "out")],
                                   check=True, capture_output=True, text=True)
        runs.append(json.loads(child.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda parts: parts["total"])
    shares = ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in best.items()
                       if name not in ("total", "full collections"))
    print(f"warm-up: best of {repeat}: {best['total'] * 1000:.0f} ms ({shares} ms; "
          f"full GC collections: {[run['full collections'] for run in runs]})")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=150, help="documents (default 150)")
    parser.add_argument("--repeat", type=int, default=5, help="passes; the best counts")
    parser.add_argument("--dump", type=Path, help="write each document's N-Quads here")
    parser.add_argument("--skip-warm-up", action="store_true")
    args = parser.parse_args()
    import kg

    print(f"kg from {Path(kg.__file__).parent}")
    time_triples(args.docs, args.repeat, args.dump)
    if not args.skip_warm_up:
        time_warm_up(args.repeat)


if __name__ == "__main__":
    main()
