"""A fast, deterministic Turtle writer for kg graphs.

rdflib's Turtle serializer takes about 40 µs per triple (13 s for the graph of 3 MB of
articles), more than the extraction itself. This writer groups the triples by subject and
predicate, sorts everything by its written form, and writes the result in one pass (about
10x faster). The output is plain Turtle 1.1: any parser reads it back to an isomorphic graph
(the export tests check this), and the same graph always gives the same bytes.
"""

from __future__ import annotations

import re
from collections import defaultdict

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_IRI_ESCAPES = {ch: f"\\u{ord(ch):04X}" for ch in '<>"{}|^`\\'}
_IRI_ESCAPES.update({chr(c): f"\\u{c:04X}" for c in range(0x21)})
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
                   "\b": "\\b", "\f": "\\f"}
_IRI_TABLE = str.maketrans(_IRI_ESCAPES)
_STRING_TABLE = str.maketrans(_STRING_ESCAPES)


class _Namer:
    """Writes terms, using a prefix where the local name is plain."""

    def __init__(self, graph: Graph) -> None:
        self.prefixes = sorted(
            ((str(prefix), str(namespace)) for prefix, namespace in graph.namespaces()
             if prefix), key=lambda p: -len(p[1]))
        self.used: set[tuple[str, str]] = set()
        self.cache: dict[object, str] = {}

    def iri(self, term: URIRef) -> str:
        text = str(term)
        for prefix, namespace in self.prefixes:
            if text.startswith(namespace) and _LOCAL.match(text[len(namespace):]):
                self.used.add((prefix, namespace))
                return f"{prefix}:{text[len(namespace):]}"
        return "<" + text.translate(_IRI_TABLE) + ">"

    def term(self, term: object) -> str:
        written = self.cache.get(term)
        if written is not None:
            return written
        if isinstance(term, URIRef):
            written = self.iri(term)
        elif isinstance(term, Literal):
            written = self.literal(term)
        elif isinstance(term, BNode):
            written = f"_:{term}"
        else:
            raise TypeError(f"cannot write {term!r} in Turtle")
        if len(self.cache) < 500_000:
            self.cache[term] = written
        return written

    def literal(self, term: Literal) -> str:
        lexical = str(term)
        if term.datatype == XSD.integer and _INTEGER.match(lexical):
            return lexical
        body = '"' + lexical.translate(_STRING_TABLE) + '"'
        if term.language:
            return f"{body}@{term.language}"
        if term.datatype is not None:
            return f"{body}^^{self.iri(term.datatype)}"
        return body


def to_turtle(graph: Graph) -> bytes:
    """The graph as Turtle: prefixes used, then one block per subject, sorted."""
    namer = _Namer(graph)
    blocks: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for subject, predicate, obj in graph:
        written_predicate = "a" if predicate == RDF.type else namer.term(predicate)
        blocks[namer.term(subject)][written_predicate].append(namer.term(obj))
    out: list[str] = []
    for subject in sorted(blocks):
        predicates = blocks[subject]
        order = sorted(predicates, key=lambda p: (p != "a", p))
        lines = [f"    {p} {' , '.join(sorted(predicates[p]))}" for p in order]
        out.append(subject + "\n" + " ;\n".join(lines) + " .\n")
    head = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(namer.used))
    return (head + "\n" + "\n".join(out)).encode("utf-8")
