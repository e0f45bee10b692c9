"""SPARQL over a graph file, and the named example queries in ``queries/``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import cast

from rdflib import Graph
from rdflib.query import Result, ResultRow

from kg.errors import QueryError
from kg.graph.vocab import PREFIXES


def query_text(query: str, params: dict[str, str] | None = None) -> str:
    """A query given as a string, a path to a ``.rq`` file, or a named query; ``params``
    bind a named query's parameters (:mod:`kg.sparql.named`)."""
    from kg.sparql import named

    candidate = Path(query)
    found: named.NamedQuery | None = None
    if query.endswith(".rq") or (len(query) < 200 and "\n" not in query and candidate.is_file()):
        if candidate.is_file():
            text = candidate.read_text(encoding="utf-8")
            found = named.parse(candidate.stem, text)
        else:
            found = named.named_queries().get(candidate.stem)
            if found is None:
                raise QueryError(f"{query}: no such query file")
    else:
        found = named.named_queries().get(query)
    if found is None:
        if params:
            raise QueryError("--param works with named queries and .rq files that declare "
                             "parameters (see `kg query --help`)")
        return query
    return named.bind(found, params or {})


def _prologue() -> str:
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def run_query(graph: Graph, query: str, params: dict[str, str] | None = None) -> Result:
    """Run SPARQL (the kg prefixes are declared for you); :class:`QueryError` if it is bad."""
    text = query_text(query, params)
    try:
        return graph.query(_prologue() + text)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise QueryError(f"bad query: {first}") from exc


def rows(result: Result) -> tuple[list[str], list[list[str]]]:
    if result.type == "ASK":
        return ["ask"], [[str(bool(result.askAnswer)).lower()]]
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        graph = cast(Graph, result.graph)
        return ["subject", "predicate", "object"], [[str(t) for t in triple] for triple in graph]
    names = [str(v) for v in result.vars or []]
    solutions = cast(Iterable[ResultRow], result)
    return names, [["" if value is None else str(value) for value in row] for row in solutions]


def format_result(result: Result, fmt: str = "table") -> str:
    return format_rows(*rows(result), fmt)


def format_rows(names: list[str], table: list[list[str]], fmt: str = "table") -> str:
    """Rows of strings as ``kg query`` prints them: an aligned table, CSV or JSON."""
    if fmt == "json":
        return json.dumps([dict(zip(names, row, strict=True)) for row in table],
                          ensure_ascii=False, indent=1)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(table)
        return buffer.getvalue()
    return _table(names, table)


def _width(text: str) -> int:
    return sum(2 if ch >= "\u1100" and (ch <= "\u115f" or "\u2e80" <= ch <= "\ua4cf"
                                        or "\uac00" <= ch <= "\ud7a3" or "\uf900" <= ch <= "\ufaff"
                                        or "\uff00" <= ch <= "\uff60") else 1 for ch in text)


def _table(names: list[str], table: list[list[str]]) -> str:
    shown = [[_short(v) for v in row] for row in table]
    widths = [max([_width(n)] + [_width(r[i]) for r in shown]) for i, n in enumerate(names)]

    def line(values: list[str]) -> str:
        return "  ".join(v + " " * (w - _width(v)) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(names), line(["-" * w for w in widths])]
    out.extend(line(r) for r in shown)
    out.append(f"({len(table)} row{'s' if len(table) != 1 else ''})")
    return "\n".join(out)


def _short(value: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if value.startswith(str(namespace)):
            return f"{prefix}:{value[len(str(namespace)):]}"
    return value


def named_queries() -> dict[str, str]:
    """The example queries shipped in ``kg/sparql/queries`` (name → SPARQL text)."""
    from kg.sparql.named import named_queries as queries

    return {name: query.text for name, query in queries().items()}
