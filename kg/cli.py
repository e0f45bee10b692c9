"""The ``kg`` command line: a thin layer over the library.

Each command parses its arguments, calls library functions, and turns a
:class:`~kg.errors.KgError` into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kg import __version__
from kg.errors import InputError, KgError, one_line

EXIT_ERROR = 1
#: above this many triples `kg build` leaves SHACL validation to `kg validate`
AUTO_VALIDATE_TRIPLES = 200_000  # = kg.corpus.AUTO_VALIDATE_TRIPLES (not imported: --help stays light)
EXIT_SOME_INPUTS_FAILED = 2

Handler = Callable[[argparse.Namespace], int]


def _err(message: str) -> None:
    print(f"kg: {one_line(message)}", file=sys.stderr)


def cmd_build(args: argparse.Namespace) -> int:
    from kg.corpus import build_outputs
    from kg.files import check_output_dir
    from kg.resources import load_overrides
    from kg.sources import Reading

    out = check_output_dir(args.out)
    progress = _progress(args)
    report = build_outputs(
        args.inputs, out, overrides=load_overrides(args.overrides), jobs=args.jobs,
        engine=args.engine, scheduler=args.scheduler, strict=args.strict,
        validate=args.validate, on_error=lambda exc: _err(str(exc)), on_progress=progress.update,
        reading=Reading(args.max_bytes),
    )
    progress.close()
    if args.store:
        from kg.sparql.store import write_store

        write_store(report.outputs["graph.ttl"], args.store)
    out = Path(args.out)
    kinds = ("District", "Agency", "Facility", "Program")
    print(f"documents: {report.documents}" + (f" ({len(report.failed)} failed)" if report.failed else ""))
    # the columns of `kg query OUT/graph.ttl entities-per-type`, in the view's legend too
    print("entities: " + ", ".join(f"{k} {report.entities.get(k, 0)}" for k in kinds)
          + " (named in an article's text)")
    for counts, words in ((report.listed_only, "only in lists of other articles"),
                          (report.ancestors, "ancestors from the gazetteer")):
        if any(counts.values()):
            print(f"  + {words}: " + ", ".join(f"{k} {counts[k]}" for k in kinds if counts[k]))
    print(f"triples: {report.triples}")
    if not report.validated:
        print(f"SHACL: not run ({report.triples} triples; `kg validate {out / 'graph.ttl'}` "
              "checks it, or build with --validate always)")
    else:
        print("SHACL: " + ("conforms" if report.conforms
                           else f"{report.violations} violation(s); see `kg validate`"))
    print(f"extracted: {report.extracted} new content(s), {report.reused} from the cache"
          + (f", {report.dropped} dropped" if report.dropped else "")
          + ("; outputs patched from the previous set" if report.patched else ""))
    print(f"seconds: {report.seconds:.2f}")
    print(f"wrote {out / 'graph.ttl'}, {out / 'graph.html'}, {out / 'entities.jsonl'}, "
          f"{out / 'store'}" + (f", store {args.store}" if args.store else ""))
    if report.failed:
        return EXIT_SOME_INPUTS_FAILED
    return 0 if report.conforms else EXIT_ERROR


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(args: argparse.Namespace):  # noqa: ANN202
    if not sys.stderr.isatty():
        return _NoProgress()
    from tqdm import tqdm

    from kg.sources import expand_paths

    total = sum(1 for _ in expand_paths(args.inputs))
    if total < 20:
        return _NoProgress()
    return tqdm(total=total, unit="doc", file=sys.stderr, leave=False)


def cmd_extract(args: argparse.Namespace) -> int:
    from kg.corpus import extract
    from kg.records import result_line
    from kg.resources import load_overrides
    from kg.sources import Reading

    failed = []

    def on_error(exc: InputError) -> None:
        failed.append(exc)
        _err(str(exc))

    for result in extract(args.inputs, load_overrides(args.overrides), on_error, args.strict,
                          jobs=args.jobs, reading=Reading(args.max_bytes)):
        print(result_line(result), flush=False)
    return EXIT_SOME_INPUTS_FAILED if failed else 0


def cmd_query(args: argparse.Namespace) -> int:
    from kg.sparql.large import open_graph, query_output
    from kg.sparql.named import parse_assignments

    params = parse_assignments(args.param)
    # a store folder or a large file is queried with pyoxigraph (kg/sparql/large.py)
    print(query_output(open_graph(Path(args.graph)), args.query, args.format, params))
    return 0


def cmd_normalize(args: argparse.Namespace) -> int:
    from kg.normalize import explain_removed, normalize
    from kg.sources import read_source

    path = Path(args.file)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    document = normalize(read_source(path, args.max_bytes))
    if args.show_removed:
        for line in explain_removed(document):
            print(line)
    else:
        sys.stdout.write(document.text + ("" if document.text.endswith("\n") else "\n"))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from kg.corpus import process_source
    from kg.explain import explain
    from kg.resources import load_overrides
    from kg.sources import read_source

    path = Path(args.file)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    print(explain(process_source(read_source(path, args.max_bytes), load_overrides(args.overrides))))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from kg.evaluate import Scores, evaluate, format_scores

    if args.cv:
        from kg.learn.train import cross_validate, find_articles

        articles = find_articles([args.gold, *args.inputs], args.texts or ())
        result = cross_validate(articles, args.cv)
        print(f"rules only ({len(articles)} articles; the rules learn nothing, so this is "
              "their score on every article)")
        print(format_scores(Scores(result["rules"], len(articles))))
        print(f"\nmodel, {args.cv}-fold article-level cross-validation (trained on the other "
              "folds, scored on the held-out one, micro-averaged)")
        print(format_scores(Scores(result["model"], len(articles))))
        return 0
    if not args.inputs:
        raise InputError("eval: give the articles to score (INPUT...), or --cv K")
    scores = evaluate(Path(args.gold), args.inputs)
    print(format_scores(scores))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    import time

    from kg.files import atomic_write
    from kg.learn.train import find_articles, train

    began = time.perf_counter()
    articles = find_articles(args.gold, args.texts or ())
    model, missed = train(articles, cv=args.cv)
    with atomic_write(args.out) as stream:
        stream.write(model.to_json())
    for kind, names in missed.items():
        print(f"{kind}: {len(names)} gold names no candidate reproduces", file=sys.stderr)
    cv = model.record.get("cv")
    if cv:
        for which in ("rules", "model"):
            row = " ".join(f"{k} {v['F1']:.3f}" for k, v in cv[which].items())
            print(f"cv {which:<5} F1: {row}", file=sys.stderr)
    print(f"kg: trained on {len(articles)} articles in {time.perf_counter() - began:.1f} s "
          f"→ {args.out}", file=sys.stderr)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from rdflib import Graph

    from kg.graph.validate import validation_report
    from kg.sparql.large import open_graph, validate_in_batches

    graph = open_graph(Path(args.graph))
    conforms, text = (validation_report(graph) if isinstance(graph, Graph)
                      else validate_in_batches(graph))
    print(text)
    return 0 if conforms else EXIT_ERROR


def cmd_export(args: argparse.Namespace) -> int:
    from rdflib import Graph

    from kg.graph.exports import NETWORK_FORMATS, write_network
    from kg.graph.formats import write_graph
    from kg.sparql.large import export_store, open_graph

    graph = open_graph(Path(args.graph))
    if args.format in NETWORK_FORMATS:
        written = write_network(graph, args.output, args.format)
        print(f"wrote {', '.join(map(str, written))} (entity graph, {args.format})")
        return 0
    if isinstance(graph, Graph):
        write_graph(graph, args.output, args.format)
        count = len(graph)
    else:
        count = export_store(graph, args.output, args.format)
    print(f"wrote {args.output} ({count} triples, {args.format})")
    return 0


def cmd_view(args: argparse.Namespace) -> int:
    from kg.sparql.large import open_graph
    from kg.view import write_html

    graph = open_graph(Path(args.graph))
    types = args.types.split(",") if args.types else None
    shown = write_html(graph, args.output, types=types, focus=args.focus,
                       district=args.district, max_nodes=args.max_nodes)
    folded = f", {len(shown.keep) - shown.shown} more folded into {len(shown.folded)} " \
        "districts" if shown.folded else ""
    print(f"wrote {args.output} ({shown.shown} of {shown.total} entities{folded})")
    if shown.notice:
        print(shown.notice, file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from kg.sparql.serve import serve

    serve(args.graph, host=args.host, port=args.port, timeout=args.timeout,
          max_rows=args.max_rows, workers=args.workers,
          memory=args.memory << 20 if args.memory else None, cors=args.cors)
    return 0


COMMANDS: dict[str, tuple[Handler, str, str]] = {
    "build": (cmd_build, "build a knowledge graph from articles",
              "kg build seeds/ --out build/"),
    "extract": (cmd_extract, "print the entities of each article as JSON lines",
                "kg extract seeds/*.txt > predictions.jsonl"),
    "query": (cmd_query, "run a SPARQL query over a graph file or store",
              "kg query build/graph.ttl 'SELECT ?s WHERE { ?s a kg:Agency }' --format csv"),
    "normalize": (cmd_normalize, "print the normalized text of one article",
                  "kg normalize seeds/001_8559640708291db9.txt --show-removed"),
    "explain": (cmd_explain, "show the mentions, rules and linking decisions of one article",
                "kg explain seeds/000_15af565bc8285b03.txt"),
    "eval": (cmd_eval, "score the extractor against gold annotations",
             "kg eval seeds/gold seeds/"),
    "train": (cmd_train, "train the recognizer on annotated articles",
              "kg train seeds/gold tests/data/dev/gold tests/data/train/gold "
              "--out kg/data/model/recognizer.json"),
    "validate": (cmd_validate, "check a graph against the SHACL shapes",
                 "kg validate build/graph.ttl"),
    "export": (cmd_export, "write a graph in another RDF format, GraphML, GEXF or CSV",
               "kg export build/graph.ttl --format json-ld -o build/graph.jsonld"),
    "view": (cmd_view, "draw a graph as an interactive HTML page",
             "kg view build/graph.ttl -o build/view.html"),
    "serve": (cmd_serve, "serve a graph as a read-only SPARQL endpoint with a query page",
              "kg serve build/graph.ttl --port 8000"),
}


def max_jobs() -> int:
    """The most extraction workers `--jobs` accepts: 4 per CPU (each holds the gazetteer)."""
    return 4 * (os.cpu_count() or 1)


#: a size with an optional unit: 1000, 500K, 20M, 1G (powers of 1024)
SIZE = re.compile(r"\s*(\d+)\s*([KMG]?)i?B?\s*", re.IGNORECASE)


def _byte_count(text: str) -> int:
    """An argparse type: a positive number of bytes, e.g. ``20M``."""
    match = SIZE.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 500K, 20M)")
    value = int(match.group(1)) * 1024 ** " KMG".index(match.group(2).upper() or " ")
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1 byte")
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="kg",
        description="Knowledge graphs of districts, agencies, facilities and programs "
        "from Chinese local-government livelihood news.",
        epilog="Run `kg COMMAND --help` for a command's options and an example.",
    )
    top.add_argument("--version", action="version", version=f"kg {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    made: dict[str, argparse.ArgumentParser] = {}
    for name, (_handler, summary, example) in COMMANDS.items():
        made[name] = sub.add_parser(
            name, help=summary, description=summary[0].upper() + summary[1:] + ".",
            epilog=f"example:\n  {example}", formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    for name in ("build", "extract"):
        made[name].add_argument("inputs", nargs="+", metavar="INPUT", help="article files or folders")
        made[name].add_argument("--strict", action="store_true",
                                help="stop at the first input that cannot be used")
    for name in ("build", "extract"):
        # default None, resolved in main(): kg.corpus imports the whole pipeline, which
        # `kg --help` must not wait for
        made[name].add_argument("--jobs", "-j", type=_bounded(int, 0, max_jobs()),
                                default=None, metavar="N",
                                help="extraction worker processes (default: one per CPU; 0 = none; "
                                     f"at most {max_jobs()})")
    from kg.sources import DEFAULT_MAX_BYTES

    for name in ("build", "extract", "normalize", "explain"):
        made[name].add_argument("--max-bytes", type=_byte_count, default=DEFAULT_MAX_BYTES,
                                metavar="SIZE",
                                help="largest input read, e.g. 500K or 50M (default "
                                     f"{DEFAULT_MAX_BYTES // 2**20}M); a larger one is named "
                                     "on one line and skipped")
    for name in ("build", "extract", "explain"):
        made[name].add_argument("--overrides", metavar="FILE",
                                help="TOML file of aliases, type fixes and forbidden merges")
    made["build"].add_argument("--out", required=True, metavar="DIR", help="output folder")
    made["build"].add_argument(
        "--validate", choices=("auto", "always", "never"), default="auto",
        help=f"SHACL validation: auto (default) validates graphs of up to "
             f"{AUTO_VALIDATE_TRIPLES:,} triples; pySHACL takes about 40 µs per triple")
    made["build"].add_argument("--store", metavar="DIR",
                               help="also copy the graph into an on-disk store at DIR "
                                    "(OUT/store is always written)")
    made["build"].add_argument("--engine", choices=("local", "dask"), default="local",
                               help="where extraction runs: local processes (default) or "
                                    "Dask tasks (a LocalCluster of --jobs workers, or --scheduler)")
    made["build"].add_argument("--scheduler", metavar="ADDRESS",
                               help="address of a running Dask scheduler (with --engine dask), "
                                    "e.g. tcp://127.0.0.1:8786")
    made["query"].add_argument("graph", help="graph file (Turtle, N-Triples, JSON-LD, TriG) "
                               "or store folder (kg build --store)")
    made["query"].add_argument("query", help="SPARQL text, a .rq file, or a named query")
    made["query"].add_argument("--format", choices=("table", "csv", "json"), default="table")
    made["query"].add_argument("--param", action="append", metavar="NAME=VALUE",
                               help="a named query's parameter, e.g. district=钱塘区 (repeatable)")
    from kg.sparql.named import describe

    made["query"].epilog = (f"example:\n  {COMMANDS['query'][2]}\n"
                            "  kg query build/graph.ttl facilities-in-district --param district=钱塘区\n\n"
                            + describe())
    made["normalize"].add_argument("file")
    made["normalize"].add_argument("--show-removed", action="store_true",
                                   help="print what was removed or set aside, and why")
    made["explain"].add_argument("file")
    for name in ("build", "extract", "explain", "eval"):
        made[name].add_argument(
            "--model", default="shipped", metavar="PATH",
            help="the learned recognizer: shipped (default), none (rules only) or a model file")
    made["eval"].add_argument("gold", help="folder of *.gold.json files")
    made["eval"].add_argument("inputs", nargs="*", metavar="INPUT",
                              help="article files or folders (with --cv: more gold folders)")
    made["eval"].add_argument("--cv", type=int, metavar="K",
                              help="K-fold article-level cross-validation of the model "
                                   "against the rules, over the gold folders")
    made["train"].add_argument("gold", nargs="+", help="folders of *.gold.json files")
    made["train"].add_argument("--out", required=True, metavar="MODEL", help="model file to write")
    made["train"].add_argument("--cv", type=int, default=5, metavar="K",
                               help="folds of the cross-validation recorded in the model "
                                    "(default 5; 0 = none)")
    for name in ("eval", "train"):
        made[name].add_argument(
            "--texts", nargs="+", metavar="DIR",
            help="folders holding the articles (default: beside each gold folder: in it, its "
                 "parent, or a sibling texts/)")
    for name in ("validate", "export", "view"):
        made[name].add_argument("graph", help="graph file or store folder (kg build --store)")
    made["export"].add_argument(
        "--format", choices=("turtle", "nt", "json-ld", "trig", "graphml", "gexf", "csv"),
        default="turtle", help="an RDF format, or the entity graph for Gephi/Cytoscape/networkx "
        "(graphml, gexf) or pandas/Excel (csv: X.csv writes X.entities.csv and X.relations.csv, "
        "DIR/ writes DIR/entities.csv and DIR/relations.csv)")
    made["export"].add_argument("-o", "--output", required=True, metavar="FILE")
    made["view"].add_argument("-o", "--output", required=True, metavar="FILE")
    made["view"].add_argument("--focus", metavar="NAME", help="open the view on this name or alias")
    made["view"].add_argument("--types", metavar="TYPES",
                              help="comma-separated entity types to show, e.g. District,Agency")
    made["view"].add_argument("--district", metavar="NAME",
                              help="show only this district and everything under it")
    made["view"].add_argument("--max-nodes", type=int, default=5000, metavar="N",
                              help="node budget; above it the busiest entities are kept (default 5000)")
    made["serve"].add_argument("graph", help="graph file (Turtle …) or store folder (kg.store)")
    made["serve"].add_argument("--host", default="127.0.0.1",
                               help="default: loopback only (127.0.0.1; ::1 for IPv6)")
    made["serve"].add_argument("--port", type=_bounded(int, 0, 65535), default=8000,
                               help="0 picks a free port")
    made["serve"].add_argument("--timeout", type=_bounded(float, 0.1, 86_400), default=30.0,
                               metavar="SECONDS", help="longest a query may run (default 30)")
    made["serve"].add_argument("--max-rows", type=_bounded(int, 1, 100_000_000), default=10_000,
                               metavar="N",
                               help="most rows or triples a result may hold (default 10000)")
    made["serve"].add_argument("--workers", type=_bounded(int, 1, 64), default=2, metavar="N",
                               help="query processes, each with the graph loaded (default 2)")
    made["serve"].add_argument("--memory", type=_bounded(int, 0, 1 << 30), default=2048,
                               metavar="MB", help="address space of each query process; a "
                               "query that needs more fails with 503 (default 2048; 0: no cap)")
    made["serve"].add_argument("--cors", metavar="ORIGIN",
                               help="let pages of this one origin query the endpoint "
                               "(e.g. http://localhost:3000); default: no cross-origin access")
    return top


def _bounded(kind: Callable[[str], float], low: float, high: float) -> Callable[[str], float]:
    """An argparse type: ``kind`` of the text, between ``low`` and ``high``."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text} is not between {low:g} and {high:g}")
        return value

    parse.__name__ = kind.__name__  # argparse names the type in its messages
    return parse


def run() -> None:
    """Console entry point: like :func:`main`, then leave without tearing down the heap
    (freeing a large graph object by object takes seconds; every file is closed by now)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "jobs", 0) is None:
        from kg.corpus import default_jobs

        args.jobs = default_jobs()
    handler = COMMANDS[args.command][0]
    try:
        if getattr(args, "model", None) is not None:
            from kg.learn.model import use_model

            use_model(args.model)
        return handler(args)
    except KgError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a last resort: the library names its paths in KgErrors
        reason = exc.strerror or str(exc)
        _err(f"{exc.filename}: {reason}" if exc.filename else reason)
        return EXIT_ERROR
