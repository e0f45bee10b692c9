"""The SPARQL 1.1 Protocol side of a query: run it against a pyoxigraph store and
serialize the results in the format the client accepts (content negotiation).
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import pyoxigraph



# --- SPARQL results, serialized in the format the client accepts -----------------------

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
SOLUTION_TYPES = {  # media type -> format name; the first is the default
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "TURTLE", "application/x-turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES", "text/plain": "N_TRIPLES",
    "application/rdf+xml": "RDF_XML",
}
CANONICAL = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
             "csv": "text/csv", "tsv": "text/tab-separated-values", "TURTLE": "text/turtle",
             "N_TRIPLES": "application/n-triples", "RDF_XML": "application/rdf+xml"}


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def text_response(status: int, message: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode())


def negotiate(accept: str, offered: dict[str, str]) -> str | None:
    """The format name for an ``Accept`` header (q-values honoured; none → the default)."""
    ranges: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranges.append((-q, index, media.lower()))
    if not ranges:
        return next(iter(offered.values()))
    for _q, _i, media in sorted(ranges):
        if media in offered:
            return offered[media]
        if media in ("*/*", "application/*"):
            return next(iter(offered.values()))
        if media.endswith("/*"):
            for name, fmt in offered.items():
                if name.startswith(media[:-1]):
                    return fmt
    return None


def _json_term(term: Any) -> dict[str, Any]:
    import pyoxigraph

    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, pyoxigraph.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                        "predicate": _json_term(term.predicate),
                                        "object": _json_term(term.object)}}


def _xml_term(term: Any) -> str:
    from xml.sax.saxutils import escape, quoteattr

    data = _json_term(term)
    if data["type"] == "uri":
        return f"<uri>{escape(data['value'])}</uri>"
    if data["type"] == "bnode":
        return f"<bnode>{escape(data['value'])}</bnode>"
    if data["type"] == "literal":
        attr = (f" xml:lang={quoteattr(data['xml:lang'])}" if "xml:lang" in data else
                f" datatype={quoteattr(data['datatype'])}" if "datatype" in data else "")
        return f"<literal{attr}>{escape(data['value'])}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _csv_value(term: Any) -> str:
    import pyoxigraph

    if term is None:
        return ""
    if isinstance(term, pyoxigraph.BlankNode):
        return f"_:{term.value}"
    return term.value if hasattr(term, "value") else str(term)


def serialize_solutions(names: list[str], rows: list[Any], fmt: str) -> bytes:
    if fmt == "json":
        bindings = [{n: _json_term(row[n]) for n in names if row[n] is not None} for row in rows]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                          ensure_ascii=False).encode("utf-8")
    if fmt == "xml":
        from xml.sax.saxutils import quoteattr

        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
               "<head>", *(f"<variable name={quoteattr(n)}/>" for n in names),
               "</head><results>"]
        for row in rows:
            out.append("<result>" + "".join(
                f"<binding name={quoteattr(n)}>{_xml_term(row[n])}</binding>"
                for n in names if row[n] is not None) + "</result>")
        out.append("</results></sparql>\n")
        return "\n".join(out).encode("utf-8")
    buffer = io.StringIO()
    if fmt == "csv":
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(names)
        writer.writerows([_csv_value(row[n]) for n in names] for row in rows)
    else:  # tsv: terms in N-Triples syntax
        buffer.write("\t".join("?" + n for n in names) + "\n")
        for row in rows:
            buffer.write("\t".join("" if row[n] is None else str(row[n]) for n in names) + "\n")
    return buffer.getvalue().encode("utf-8")


def serialize_boolean(value: bool, fmt: str) -> bytes:
    word = "true" if value else "false"
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{word}</boolean></sparql>\n").encode()
    return f"{word}\n".encode()


def run_query(store: pyoxigraph.Store, query: str, accept: str = "", max_rows: int = 10_000
              ) -> Response:
    """Run one SPARQL query and serialize its results (at most ``max_rows`` rows or
    triples; a cut result carries the header ``X-SPARQL-MaxRows``)."""
    import pyoxigraph

    from kg.graph.vocab import PREFIXES

    started = time.perf_counter()
    try:
        result = store.query(query, prefixes={p: str(ns) for p, ns in PREFIXES.items()})
        if isinstance(result, pyoxigraph.QueryTriples):
            fmt = negotiate(accept, GRAPH_TYPES)
            if fmt is None:
                return text_response(406, "CONSTRUCT/DESCRIBE results come as "
                                     + ", ".join(sorted(set(CANONICAL.values()) - set(
                                         CANONICAL[f] for f in ("json", "xml", "csv", "tsv")))))
            triples = list(itertools.islice(result, max_rows + 1))
            cut = len(triples) > max_rows
            body = cast(bytes, pyoxigraph.serialize(  # bytes, since no output is given
                triples[:max_rows], format=getattr(pyoxigraph.RdfFormat, fmt),
                prefixes={p: str(ns) for p, ns in PREFIXES.items()}))
        else:
            fmt = negotiate(accept, SOLUTION_TYPES)
            if fmt is None:
                return text_response(406, "SELECT/ASK results come as application/sparql-"
                                     "results+json or +xml, text/csv, text/tab-separated-values")
            cut = False
            if isinstance(result, pyoxigraph.QueryBoolean):
                body = serialize_boolean(bool(result), fmt)
            else:
                names = [v.value for v in result.variables]
                rows = list(itertools.islice(result, max_rows + 1))
                cut = len(rows) > max_rows
                body = serialize_solutions(names, rows[:max_rows], fmt)
    except SyntaxError as exc:
        return text_response(400, f"bad query: {exc}")
    except (OSError, RuntimeError, ValueError) as exc:
        return text_response(500, f"query failed: {exc}")
    headers = {"X-Query-Seconds": f"{time.perf_counter() - started:.4f}"}
    if cut:
        headers["X-SPARQL-MaxRows"] = str(max_rows)
    ctype = CANONICAL[fmt] + ("; charset=utf-8" if fmt not in ("RDF_XML",) else "")
    return Response(200, ctype, body, headers)
