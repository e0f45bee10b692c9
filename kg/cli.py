"""The ``kg`` command line: a thin layer over the library.

Each command parses its arguments, calls library functions, and turns a
:class:`~kg.errors.KgError` into one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from kg import __version__
from kg.errors import InputError, KgError

EXIT_ERROR = 1
#: above this many triples `kg build` leaves SHACL validation to `kg validate`
AUTO_VALIDATE_TRIPLES = 200_000  # = kg.corpus.AUTO_VALIDATE_TRIPLES (not imported: --help stays light)
EXIT_SOME_INPUTS_FAILED = 2

Handler = Callable[[argparse.Namespace], int]


def _err(message: str) -> None:
    print(f"kg: {message}", file=sys.stderr)


def cmd_build(args: argparse.Namespace) -> int:
    from kg.corpus import build_outputs
    from kg.resources import load_overrides

    progress = _progress(args)
    report = build_outputs(
        args.inputs, args.out, overrides=load_overrides(args.overrides), jobs=args.jobs,
        engine=args.engine, scheduler=args.scheduler, strict=args.strict,
        validate=args.validate, on_error=lambda exc: _err(str(exc)), on_progress=progress.update,
    )
    progress.close()
    if args.store:
        from kg.sparql.store import write_store

        write_store(report.outputs["graph.ttl"], args.store)
    out = Path(args.out)
    types = ", ".join(f"{k} {report.entities.get(k, 0)}" for k in
                      ("District", "Agency", "Facility", "Program"))
    print(f"documents: {report.documents}" + (f" ({len(report.failed)} failed)" if report.failed else ""))
    print(f"entities: {types}")
    print(f"triples: {report.triples}")
    if not report.validated:
        print(f"SHACL: not run ({report.triples} triples; `kg validate {out / 'graph.ttl'}` "
              "checks it, or build with --validate always)")
    else:
        print("SHACL: " + ("conforms" if report.conforms
                           else f"{report.violations} violation(s); see `kg validate`"))
    print(f"extracted: {report.extracted} new content(s), {report.reused} from the cache"
          + (f", {report.dropped} dropped" if report.dropped else ""))
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

    failed = []

    def on_error(exc: InputError) -> None:
        failed.append(exc)
        _err(str(exc))

    for result in extract(args.inputs, load_overrides(args.overrides), on_error, args.strict,
                          jobs=args.jobs):
        print(result_line(result), flush=False)
    return EXIT_SOME_INPUTS_FAILED if failed else 0


def cmd_query(args: argparse.Namespace) -> int:
    from kg.graph.formats import load_graph
    from kg.sparql.query import format_result, run_query

    graph = load_graph(Path(args.graph))
    print(format_result(run_query(graph, args.query), args.format))
    return 0


def cmd_normalize(args: argparse.Namespace) -> int:
    from kg.normalize import explain_removed, normalize
    from kg.sources import read_source

    path = Path(args.file)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    document = normalize(read_source(path))
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
    print(explain(process_source(read_source(path), load_overrides(args.overrides))))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from kg.evaluate import evaluate, format_scores

    scores = evaluate(Path(args.gold), args.inputs)
    print(format_scores(scores))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from kg.graph.formats import load_graph
    from kg.graph.validate import validation_report

    conforms, text = validation_report(load_graph(Path(args.graph)))
    print(text)
    return 0 if conforms else EXIT_ERROR


def cmd_export(args: argparse.Namespace) -> int:
    from kg.graph.formats import load_graph, write_graph

    graph = load_graph(Path(args.graph))
    write_graph(graph, args.output, args.format)
    print(f"wrote {args.output} ({len(graph)} triples, {args.format})")
    return 0


def cmd_view(args: argparse.Namespace) -> int:
    from kg.graph.formats import load_graph
    from kg.view import write_html

    graph = load_graph(Path(args.graph))
    types = args.types.split(",") if args.types else None
    shown = write_html(graph, args.output, types=types, focus=args.focus,
                       district=args.district, max_nodes=args.max_nodes)
    print(f"wrote {args.output} ({len(shown.keep)} of {shown.total} entities)")
    if shown.notice:
        print(shown.notice, file=sys.stderr)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from kg.sparql.serve import serve

    serve(args.graph, host=args.host, port=args.port, timeout=args.timeout,
          max_rows=args.max_rows, workers=args.workers)
    return 0


COMMANDS: dict[str, tuple[Handler, str, str]] = {
    "build": (cmd_build, "build a knowledge graph from articles",
              "kg build seeds/ --out build/"),
    "extract": (cmd_extract, "print the entities of each article as JSON lines",
                "kg extract seeds/*.txt > predictions.jsonl"),
    "query": (cmd_query, "run a SPARQL query over a graph file",
              "kg query build/graph.ttl 'SELECT ?s WHERE { ?s a kg:Agency }' --format csv"),
    "normalize": (cmd_normalize, "print the normalized text of one article",
                  "kg normalize seeds/001_8559640708291db9.txt --show-removed"),
    "explain": (cmd_explain, "show the mentions, rules and linking decisions of one article",
                "kg explain seeds/000_15af565bc8285b03.txt"),
    "eval": (cmd_eval, "score the extractor against gold annotations",
             "kg eval seeds/gold seeds/"),
    "validate": (cmd_validate, "check a graph against the SHACL shapes",
                 "kg validate build/graph.ttl"),
    "export": (cmd_export, "write a graph in another RDF format",
               "kg export build/graph.ttl --format json-ld -o build/graph.jsonld"),
    "view": (cmd_view, "draw a graph as an interactive HTML page",
             "kg view build/graph.ttl -o build/view.html"),
    "serve": (cmd_serve, "serve a graph as a read-only SPARQL endpoint with a query page",
              "kg serve build/graph.ttl --port 8000"),
}


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
    from kg.corpus import default_jobs

    for name in ("build", "extract"):
        made[name].add_argument("--jobs", "-j", type=int, default=default_jobs(), metavar="N",
                                help="extraction worker processes (default: one per CPU; 0 = none)")
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
    made["query"].add_argument("graph", help="graph file (Turtle, N-Triples, JSON-LD, TriG)")
    made["query"].add_argument("query", help="SPARQL text, a .rq file, or a named query")
    made["query"].add_argument("--format", choices=("table", "csv", "json"), default="table")
    made["normalize"].add_argument("file")
    made["normalize"].add_argument("--show-removed", action="store_true",
                                   help="print what was removed or set aside, and why")
    made["explain"].add_argument("file")
    made["eval"].add_argument("gold", help="folder of *.gold.json files")
    made["eval"].add_argument("inputs", nargs="+", metavar="INPUT", help="article files or folders")
    made["validate"].add_argument("graph")
    made["export"].add_argument("graph")
    made["export"].add_argument("--format", choices=("turtle", "nt", "json-ld", "trig"),
                                default="turtle")
    made["export"].add_argument("-o", "--output", required=True, metavar="FILE")
    made["view"].add_argument("graph")
    made["view"].add_argument("-o", "--output", required=True, metavar="FILE")
    made["view"].add_argument("--focus", metavar="NAME", help="open the view on this name or alias")
    made["view"].add_argument("--types", metavar="TYPES",
                              help="comma-separated entity types to show, e.g. District,Agency")
    made["view"].add_argument("--district", metavar="NAME",
                              help="show only this district and everything under it")
    made["view"].add_argument("--max-nodes", type=int, default=5000, metavar="N",
                              help="node budget; above it the busiest entities are kept (default 5000)")
    made["serve"].add_argument("graph", help="graph file (Turtle …) or store folder (kg.store)")
    made["serve"].add_argument("--host", default="127.0.0.1", help="default: loopback only")
    made["serve"].add_argument("--port", type=int, default=8000, help="0 picks a free port")
    made["serve"].add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                               help="longest a query may run (default 30)")
    made["serve"].add_argument("--max-rows", type=int, default=10_000, metavar="N",
                               help="most rows or triples a result may hold (default 10000)")
    made["serve"].add_argument("--workers", type=int, default=2, metavar="N",
                               help="query processes, each with the graph loaded (default 2)")
    return top


def run() -> None:
    """Console entry point: like :func:`main`, then leave without tearing down the heap
    (freeing a large graph object by object takes seconds; every file is closed by now)."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    handler = COMMANDS[args.command][0]
    try:
        return handler(args)
    except KgError as exc:
        _err(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except BrokenPipeError:
        return 0
