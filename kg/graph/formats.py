"""RDF formats: the one table of file suffixes, reading a graph file, and deterministic
serialization to Turtle, N-Triples, TriG and JSON-LD.
"""

from __future__ import annotations

import os
from pathlib import Path

from rdflib import Graph

from kg.errors import GraphError
from kg.files import atomic_write
from kg.graph.vocab import PREFIXES

#: file suffix → format name (rdflib's parser and serializer names); the one suffix table
SUFFIX_FORMATS = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig",
                  ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml", ".owl": "xml"}
#: format name → the name of pyoxigraph's ``RdfFormat`` member
OXIGRAPH_FORMATS = {"turtle": "TURTLE", "nt": "N_TRIPLES", "nquads": "N_QUADS", "trig": "TRIG",
                    "json-ld": "JSON_LD", "xml": "RDF_XML"}


def format_of(path: str | os.PathLike[str]) -> str:
    """The format of a graph file, by its suffix (Turtle when the suffix says nothing)."""
    return SUFFIX_FORMATS.get(Path(path).suffix.lower(), "turtle")



def load_graph(path: str | os.PathLike[str]) -> Graph:
    """Read a graph file (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML, by suffix);
    raises :class:`GraphError` with a one-line reason."""
    path = Path(path)
    if not path.exists():
        raise GraphError(f"{path}: no such file")
    fmt = format_of(path)
    graph = Graph()
    try:
        graph.parse(path, format=fmt)
    except Exception as exc:  # rdflib raises many kinds; all mean "not a readable graph"
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise GraphError(f"{path}: not a readable {fmt} graph ({first})") from exc
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


#: export format name → rdflib serializer name
RDF_FORMATS = {"turtle": "turtle", "nt": "nt", "json-ld": "json-ld", "trig": "trig"}


def serialize(graph: Graph, fmt: str = "turtle") -> bytes:
    """Deterministic serialization: the same triples always give the same bytes, whatever
    order they were added in and whatever the hash seed (for graphs without blank nodes,
    which kg never makes).

    - ``turtle``: :func:`kg.turtle.to_turtle` groups by subject and sorts subjects,
      predicates and objects by their written form; only the prefixes used, sorted (about
      10x faster than rdflib's serializer);
    - ``nt``: one line per triple, sorted;
    - ``trig``: the Turtle, wrapped as the default graph (``{ … }``), so a TriG reader
      (or ``kg.load``) puts the triples back in the default graph;
    - ``json-ld``: compacted with ``ontology/context.jsonld``, nodes and values sorted.
    """
    if fmt not in RDF_FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r} (one of {', '.join(RDF_FORMATS)})")
    if fmt == "nt":
        # split on "\n" only: str.splitlines would also cut at U+2028, U+0085 …, which
        # N-Triples leaves unescaped inside literals
        lines = set(graph.serialize(format="nt", encoding="utf-8").split(b"\n"))
        return b"".join(line + b"\n" for line in sorted(lines) if line.strip())
    if fmt == "json-ld":
        from kg.graph.jsonld import to_jsonld

        return to_jsonld(graph)
    from kg.graph.turtle import to_turtle

    if fmt == "trig":
        return _trig(to_turtle(graph))
    return to_turtle(graph)


def _trig(turtle: bytes) -> bytes:
    """TriG with the triples in the default graph: the Turtle body inside ``{ … }``, the
    prefixes before it. (rdflib's TriG writer puts a plain Graph in a named graph called by
    a random blank node, which changes on every run and which ``Graph().parse(format=
    "trig")`` does not read back; given a Dataset instead it takes twice as long as Turtle.)
    The body is not indented, so multi-line string literals keep their exact content."""
    lines = turtle.splitlines(keepends=True)
    head = 0
    while head < len(lines) and (lines[head].startswith((b"@prefix", b"@base"))
                                 or not lines[head].strip()):
        head += 1
    prefixes = b"".join(line for line in lines[:head] if line.strip())
    body = b"".join(lines[head:]).rstrip(b"\n")
    return prefixes + (b"\n" if prefixes else b"") + b"{\n" + body + (b"\n" if body else b"") + b"}\n"


def write_graph(graph: Graph, path: str | os.PathLike[str], fmt: str = "turtle") -> None:
    data = serialize(graph, fmt)
    with atomic_write(path, "wb") as stream:
        stream.write(data)
