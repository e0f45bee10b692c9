"""Graphs too large for rdflib: what ``kg query``, ``kg validate``, ``kg view`` and ``kg export``
do with a store folder (``kg build --store``) or a large graph file.

rdflib parses about 7,000 triples a second and answers ``COUNT(*)`` on 344k triples in a
minute; pyoxigraph loads the same file in about 2 s and counts in 0.2 s. So a store folder,
or a file above :data:`LARGE_FILE_BYTES`, is opened as a ``pyoxigraph.Store``; smaller files
are read with rdflib as before, so their output does not change.

- :func:`open_graph` — an rdflib ``Graph`` or a pyoxigraph ``Store``, by size;
- :func:`query_output` — a query's result as the text ``kg query`` prints (a table, CSV or
  JSON of rows; CONSTRUCT/DESCRIBE as Turtle);
- :func:`validate_in_batches` — SHACL on a store, a batch of subjects at a time;
- :func:`export_store` — a store written out by pyoxigraph's streaming serializers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.errors import GraphError, QueryError
from kg.graph.vocab import PREFIXES

if TYPE_CHECKING:
    import pyoxigraph
    from rdflib import Graph

#: graph files above this size are loaded into an in-memory pyoxigraph Store (4 MB of
#: Turtle is about 45,000 triples: some 6 s for rdflib)
LARGE_FILE_BYTES = 4_000_000
#: a store of at most this many triples is exported through rdflib and kg's own writers, so
#: its Turtle is byte-identical to ``kg build``'s; a larger one is streamed by pyoxigraph
SMALL_STORE_TRIPLES = 50_000
#: triples per pySHACL batch in :func:`validate_in_batches`
BATCH_TRIPLES = 50_000


def is_large(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is read with pyoxigraph: a store folder or a file above the limit."""
    from kg.sparql.store import is_store

    source = Path(path)
    return is_store(source) or (source.is_file() and source.stat().st_size > LARGE_FILE_BYTES)


def open_graph(path: str | os.PathLike[str]) -> Graph | pyoxigraph.Store:
    """A store folder or large file as a pyoxigraph Store, any other graph file as an rdflib
    Graph; :class:`GraphError` when it cannot be read."""
    from kg.graph.formats import load_graph
    from kg.sparql.store import open_source

    return open_source(path) if is_large(path) else load_graph(path)


def is_store_object(source: object) -> bool:
    return not hasattr(source, "triples")  # an rdflib Graph has .triples, a Store has not


# ---------------------------------------------------------------------------------- query


def query_output(source: Graph | pyoxigraph.Store, query: str, fmt: str = "table",
                 params: dict[str, str] | None = None) -> str:
    """What ``kg query`` prints: SELECT/ASK rows as a table, CSV or JSON; CONSTRUCT and
    DESCRIBE as Turtle (or as subject/predicate/object rows with ``csv``/``json``);
    ``params`` bind a named query's parameters."""
    from rdflib import Graph

    from kg.sparql.query import format_result, run_query

    if isinstance(source, Graph):
        result = run_query(source, query, params)
        if result.type in ("CONSTRUCT", "DESCRIBE") and fmt == "table" and result.graph is not None:
            return _turtle(result.graph)
        return format_result(result, fmt)
    return _store_output(source, query, fmt, params)


def _store_output(store: pyoxigraph.Store, query: str, fmt: str,
                  params: dict[str, str] | None = None) -> str:
    import pyoxigraph

    from kg.sparql.query import format_rows, query_text

    try:
        result = store.query(query_text(query, params), prefixes={p: str(ns) for p, ns in PREFIXES.items()})
        if isinstance(result, pyoxigraph.QueryBoolean):
            names, table = ["ask"], [[str(bool(result)).lower()]]
        elif isinstance(result, pyoxigraph.QueryTriples):
            triples = list(result)
            if fmt == "table" and len(triples) > SMALL_STORE_TRIPLES:
                data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.TURTLE,
                                            prefixes={p: str(ns) for p, ns in PREFIXES.items()})
                return (data or b"").decode("utf-8").rstrip("\n")
            if fmt == "table":  # the same Turtle as from a file: kg's writer
                graph = _new_graph()
                for t in triples:
                    graph.add((_rdflib_term(t.subject), _rdflib_term(t.predicate),
                               _rdflib_term(t.object)))
                return _turtle(graph)
            names = ["subject", "predicate", "object"]
            table = [[_lexical(t.subject), _lexical(t.predicate), _lexical(t.object)]
                     for t in triples]
        else:
            names = [v.value for v in result.variables]
            table = [[_lexical(row[name]) for name in names] for row in result]
    except (SyntaxError, OSError, RuntimeError) as exc:
        raise QueryError(f"bad query: {str(exc).splitlines()[0] if str(exc) else exc!r}") from exc
    return format_rows(names, table, fmt)


def _new_graph() -> Graph:
    from rdflib import Graph

    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def _turtle(graph: Graph) -> str:
    from kg.graph.turtle import to_turtle

    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return to_turtle(graph).decode("utf-8").rstrip("\n")


def _lexical(term: Any) -> str:
    """The text rdflib's ``str(term)`` gives: an IRI, a blank node id, a literal's lexical form."""
    return "" if term is None else str(term.value)


# ------------------------------------------------------------------------------ validate


def _rdflib_term(term: Any) -> Any:
    import pyoxigraph
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _batches(store: pyoxigraph.Store, size: int) -> Iterator[tuple[Graph, list[Any]]]:
    """(rdflib Graph, focus nodes) of ``size``-odd triples: every triple of a run of
    subjects (sorted by IRI, the focus nodes), the rdf:type of every object they point to,
    and every rdfs:subClassOf triple. That is all a shape needs whose constraints look one
    hop from the focus node (every shape in ontology/shapes.ttl does: sh:class, sh:datatype,
    counts and patterns of direct values)."""
    import pyoxigraph
    from rdflib import Graph

    rdf_type = pyoxigraph.NamedNode(str(PREFIXES["rdf"]) + "type")
    sub_class = pyoxigraph.NamedNode(str(PREFIXES["rdfs"]) + "subClassOf")
    default = pyoxigraph.DefaultGraph()
    schema = [(q.subject, q.predicate, q.object)
              for q in store.quads_for_pattern(None, sub_class, None, default)]
    subjects = sorted({q.subject for q in store.quads_for_pattern(None, None, None, default)},
                      key=lambda t: (isinstance(t, pyoxigraph.BlankNode),
                                     str(t) if isinstance(t, pyoxigraph.Triple) else t.value))
    batch: list[tuple[Any, Any, Any]] = []
    focus: list[Any] = []
    for k, subject in enumerate(subjects):
        focus.append(subject)
        for quad in store.quads_for_pattern(subject, None, None, default):
            batch.append((quad.subject, quad.predicate, quad.object))
        if len(batch) >= size or k == len(subjects) - 1:
            graph = Graph()
            objects = {o for _, _, o in batch if not isinstance(o, pyoxigraph.Literal)}
            extra = [(q.subject, q.predicate, q.object) for o in objects
                     for q in store.quads_for_pattern(o, rdf_type, None, default)]
            for triple in batch + extra + schema:
                graph.add(tuple(_rdflib_term(t) for t in triple))
            yield graph, [_rdflib_term(t) for t in focus]
            batch, focus = [], []


#: one result in pySHACL's text report starts with this line
_RESULT_START = re.compile(r"^(Constraint Violation|Validation Result|Warning|Info)\b", re.M)
#: the result's focus node, as pySHACL writes it: "\tFocus Node: <iri>" (or a literal, _:b…)
_FOCUS = re.compile(r"^\s*Focus Node: (.+?)\s*$", re.M)


def _results(text: str) -> list[str]:
    """The results of a pySHACL text report, one string each."""
    starts = [m.start() for m in _RESULT_START.finditer(text)]
    return [text[a:b].strip() for a, b in zip(starts, starts[1:] + [len(text)], strict=True)]


def batch_results(store: pyoxigraph.Store,
                  batch_triples: int = BATCH_TRIPLES) -> tuple[list[str], int]:
    """(text of every SHACL result, number of batches) of validation on a store, one batch
    of subjects at a time (see :func:`_batches`), so memory stays bounded whatever the
    store's size: the same results as validating the whole graph at once.

    The objects whose types were copied into a batch are targets of the shapes too, without
    their own properties; their results are dropped here (each is validated in its own
    batch). pySHACL's ``focus_nodes`` would do the same but compares every focus node with
    every target (an hour for a 330k-triple store)."""
    from pyshacl import validate

    from kg.graph.validate import shapes

    kept: list[str] = []
    batches = 0
    for graph, focus in _batches(store, batch_triples):
        batches += 1
        ok, _, text = validate(graph, shacl_graph=shapes(), inference="none",
                               allow_warnings=True)
        if ok:
            continue
        own = {term.n3() for term in focus}
        for result in _results(str(text)):
            node = _FOCUS.search(result)
            if node is None or node.group(1) in own:
                kept.append(result)
    return kept, batches


def validate_in_batches(store: pyoxigraph.Store,
                        batch_triples: int = BATCH_TRIPLES) -> tuple[bool, str]:
    """(conforms, report text) of :func:`batch_results`: every batch's results under one
    header."""
    kept, batches = batch_results(store, batch_triples)
    conforms = not kept
    head = (f"Validation Report\nConforms: {conforms}\n"
            f"(validated in {batches} batch{'es' if batches != 1 else ''} of about "
            f"{batch_triples:,} triples)")
    if conforms:
        return True, head
    return False, head + f"\nResults ({len(kept)}):\n" + "\n".join(kept)


# -------------------------------------------------------------------------------- export


def export_store(store: pyoxigraph.Store, output: str | os.PathLike[str], fmt: str) -> int:
    """Write a store's default graph to ``output`` in ``fmt`` (turtle, nt, json-ld, trig);
    returns the triple count. A small store goes through rdflib and kg's deterministic
    writers (the bytes ``kg build`` writes); a large one is streamed by pyoxigraph's
    serializers (the same triples and prefixes, in pyoxigraph's order, not sorted)."""
    import pyoxigraph

    from kg.files import atomic_write
    from kg.graph.formats import OXIGRAPH_FORMATS, RDF_FORMATS, write_graph
    from kg.sparql.store import triple_count

    if fmt not in RDF_FORMATS:
        raise GraphError(f"unknown RDF format {fmt!r} (one of {', '.join(RDF_FORMATS)})")
    count = triple_count(store)
    if count <= SMALL_STORE_TRIPLES:
        graph = _new_graph()
        data = store.dump(format=pyoxigraph.RdfFormat.N_TRIPLES,
                          from_graph=pyoxigraph.DefaultGraph())
        graph.parse(data=data, format="nt")
        write_graph(graph, output, fmt)
        return count
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    rdf_format = getattr(pyoxigraph.RdfFormat, OXIGRAPH_FORMATS[fmt])
    with atomic_write(output, "wb") as stream:
        if fmt == "trig":  # the default graph only, like kg's TriG
            store.dump(stream, format=rdf_format, prefixes=prefixes)
        elif fmt == "nt":
            store.dump(stream, format=rdf_format, from_graph=pyoxigraph.DefaultGraph())
        else:
            store.dump(stream, format=rdf_format, from_graph=pyoxigraph.DefaultGraph(),
                       prefixes=prefixes)
    return count
