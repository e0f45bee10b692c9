"""Graph assembly outside rdflib: per-document N-Quads, a pyoxigraph store, streaming Turtle.

The per-document step (:func:`document_outcome`, run in workers) turns one input into the
N-Quads of its triples — one named graph per distinct content — using the same
:func:`kg.graph.triples.add_result` as the in-memory graph, through a sink that writes lines
instead of keeping rdflib objects. The parent bulk-loads those lines into an on-disk store;
the cross-document steps (label merge, schema facts) then run on the store, and the Turtle
file is written from it by an external sort, so memory does not grow with the corpus.

The Turtle written here is byte-identical to :func:`kg.graph.turtle.to_turtle` of the same
merged graph: same prefixes, subjects sorted by written form, ``a`` first, then predicates
by written form, objects sorted and joined by `` , ``.
"""

from __future__ import annotations

import heapq
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg.errors import ExtractionError, InputError, KgError
from kg.graph.triples import NTRIPLES_TERMS, written
from kg.graph.turtle import INTEGER, STRING_TABLE, IriNamer
from kg.graph.vocab import ID, KG, PREFIXES
from kg.model import Source

if TYPE_CHECKING:
    import pyoxigraph

    from kg.resources import Overrides

#: named graph of one distinct content: digest of the bytes, and the name's suffix (which
#: decides HTML detection, so two suffixes may give two different results)
CONTENT_GRAPH = "urn:kg:content:"



def content_key(source: Source, digest: str) -> str:
    """The cache key of an input: its bytes' digest and its lower-cased suffix."""
    return f"{digest}{Path(source.name).suffix.lower()}"


# ---------------------------------------------------------------- per document (workers)


class LineSink:
    """What :func:`kg.graph.triples.add_result` writes a document's triples to instead of an
    rdflib Graph: it asks for N-Triples terms (made straight from the strings, no rdflib
    term in between), ``add`` keeps each line once, in the order first added."""

    terms = NTRIPLES_TERMS

    def __init__(self) -> None:
        self.lines: dict[str, None] = {}

    def add(self, triple: tuple[str, str, str]) -> None:
        self.lines[f"{triple[0]} {triple[1]} {triple[2]}"] = None

    def discard(self, triple: tuple[object, object, object]) -> None:
        """Forget a triple given in rdflib terms."""
        s, p, o = triple
        self.lines.pop(f"{written(s)} {written(p)} {written(o)}", None)

    def nquads(self, graph: str) -> bytes:
        return self._joined(f" <{graph}> .\n")

    def ntriples(self) -> bytes:
        return self._joined(" .\n")

    def _joined(self, tail: str) -> bytes:
        """Every line followed by ``tail``."""
        return (tail.join(self.lines) + tail).encode("utf-8") if self.lines else b""


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back for one distinct content: its N-Quads (without the file
    name, which the parent adds per file), its entity table line without ``doc``, the
    number of characters; or the one-line error."""

    key: str
    nquads: bytes = b""
    record: str = ""
    characters: int = 0
    error: str = ""


def document_outcome(source: Source, key: str, overrides: Overrides) -> Outcome:
    """Normalize, extract and serialize one input (the per-document step of every engine)."""
    import json

    from kg.corpus import process_source
    from kg.gazetteer import Gazetteer
    from kg.graph.triples import add_result, document_iri
    from kg.records import result_record

    try:
        result = process_source(source, overrides)
        sink = LineSink()
        add_result(sink, result, Gazetteer.load())  # type: ignore[arg-type]
        sink.discard((document_iri(result), KG.fileName, Literal(result.document.name)))
    except InputError as exc:
        return Outcome(key, error=str(exc))
    except KgError:
        raise
    except Exception as exc:  # a bug in the triples: report it against this input
        return Outcome(key, error=str(ExtractionError(
            f"{source.path or source.name}: internal error while writing triples "
            f"({type(exc).__name__}: {exc}); please report it")))
    record = result_record(result)
    record.pop("doc")
    return Outcome(key, sink.nquads(CONTENT_GRAPH + key),
                   json.dumps(record, ensure_ascii=False)[1:], len(result.document.text))


def entity_line(name: str, record: str) -> str:
    """The ``entities.jsonl`` line of a file, from its content's stored record: the same
    text as :func:`kg.records.result_line`."""
    import json

    return '{"doc": ' + json.dumps(name, ensure_ascii=False) + ", " + record


# ---------------------------------------------------------------- cross-document, on the store

_MULTI_LABELS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX kg: <{kg}>
SELECT ?s ?label (COUNT(DISTINCT ?m) AS ?n) WHERE {
  { SELECT ?s WHERE { GRAPH ?g { ?s skos:prefLabel ?l } } GROUP BY ?s
    HAVING (COUNT(DISTINCT ?l) > 1) }
  GRAPH ?h { ?s skos:prefLabel ?label }
  OPTIONAL { GRAPH ?k { ?m kg:refersTo ?s . ?m kg:text ?label } }
} GROUP BY ?s ?label
""".replace("{kg}", str(KG))


@dataclass(frozen=True)
class LabelChoice:
    keep: pyoxigraph.Literal
    others: frozenset[pyoxigraph.Literal]


def label_choices(store: pyoxigraph.Store) -> dict[str, LabelChoice]:
    """:func:`kg.graph.triples.merge_labels` decided on the store: for every entity named
    in more than one way, the prefLabel kept (most mentioned, then shortest, then first in
    code-point order) and the others (moved to skos:altLabel when written)."""
    found: dict[str, list[tuple[pyoxigraph.Literal, int]]] = {}
    for row in cast("pyoxigraph.QuerySolutions", store.query(_MULTI_LABELS)):
        found.setdefault(row["s"].value, []).append((row["label"], int(row["n"].value)))
    choices = {}
    for subject, labels in found.items():
        keep = min(labels, key=lambda item: (-item[1], len(item[0].value), item[0].value,
                                             item[0].language or ""))[0]
        choices[subject] = LabelChoice(keep, frozenset(lab for lab, _ in labels) - {keep})
    return choices


@dataclass(frozen=True)
class EntityCounts:
    """Entities of one type by how the articles name them (the ``entities-per-type`` query's
    ``entities``, ``listedOnly`` and ``ancestors`` columns)."""

    named: int  # in an article's text (kg:mentionedIn)
    listed_only: int  # only in an article's lists of other articles (kg:listedIn)
    ancestors: int  # in no article: gazetteer ancestors of the districts named


def entity_counts(store: pyoxigraph.Store) -> dict[str, EntityCounts]:
    """Entities by type (local name) over every document's graph, counted by the
    ``entities-per-type`` query itself, so ``kg build`` prints what ``kg query`` answers."""
    from kg.sparql.query import query_text

    rows = cast("pyoxigraph.QuerySolutions", store.query(
        query_text("entities-per-type"), use_default_graph_as_union=True,
        prefixes={p: str(ns) for p, ns in PREFIXES.items()}))
    return {row["type"].value.rsplit("#", 1)[-1]: EntityCounts(
        int(row["entities"].value), int(row["listedOnly"].value), int(row["ancestors"].value))
        for row in rows}


# ---------------------------------------------------------------- writing, streaming


class TurtleNamer(IriNamer):
    """Written forms of pyoxigraph terms, as :mod:`kg.graph.turtle` writes the rdflib terms
    of the same graph (the prefixes of :func:`kg.graph.triples.new_graph`)."""

    def __init__(self) -> None:
        from kg.graph.triples import new_graph

        super().__init__(new_graph().namespaces())

    def iri(self, text: str) -> str:
        return self.iri_text(text)

    def term(self, term: object) -> str:
        import pyoxigraph

        written = self.cache.get(term)
        if written is not None:
            return written
        if isinstance(term, pyoxigraph.NamedNode):
            written = self.iri(term.value)
        elif isinstance(term, pyoxigraph.Literal):
            lexical = term.value
            datatype = term.datatype.value
            if datatype == _XSD_INTEGER and INTEGER.match(lexical):
                written = lexical
            else:
                written = '"' + lexical.translate(STRING_TABLE) + '"'
                if term.language:
                    written += "@" + term.language
                elif datatype != _XSD_STRING:
                    written += "^^" + self.iri(datatype)
        else:
            raise TypeError(f"kg graphs hold no {type(term).__name__} terms")
        if len(self.cache) < 200_000:
            self.cache[term] = written
        return written


_XSD_INTEGER = str(XSD.integer)
_XSD_STRING = str(XSD.string)
_RDF_TYPE = str(RDF.type)


def sort_key_lines(store: pyoxigraph.Store, choices: dict[str, LabelChoice],
                   extra: Iterable[tuple[object, object, object]], namer: TurtleNamer,
                   ) -> Iterator[str]:
    """Every triple of the merged graph as ``subject\\tflag+predicate\\tobject`` in
    written form (flag 0 for rdf:type, written ``a``, else 1), possibly repeated: the
    union of the documents' graphs with the label merge applied, and ``extra``."""
    import pyoxigraph

    pref, label, alt = (pyoxigraph.NamedNode(str(t)) for t in
                        (SKOS.prefLabel, RDFS.label, SKOS.altLabel))
    by_node = {pyoxigraph.NamedNode(iri): choice for iri, choice in choices.items()}
    term, cache = namer.term, namer.cache
    flags: dict[object, str] = {}  # predicate → "0a" or "1" + its written form
    last_s, last_written = None, ""
    for s, p, o, _ in store.quads_for_pattern(None, None, None, None):
        if s != last_s:  # the store yields a subject's triples together: write it once
            last_s, last_written = s, term(s)
        choice = by_node.get(s)
        if choice is not None:
            if p == pref and o in choice.others:
                p = alt
            elif p == label and o in choice.others or p == alt and o == choice.keep:
                continue
        flag = flags.get(p)
        if flag is None:
            flag = flags[p] = "0a" if p.value == _RDF_TYPE else "1" + term(p)
        written = cache.get(o)
        yield f"{last_written}\t{flag}\t{term(o) if written is None else written}"
    for s, p, o in extra:
        flag = "0a" if p.value == _RDF_TYPE else "1" + term(p)  # type: ignore[attr-defined]
        yield f"{term(s)}\t{flag}\t{term(o)}"


def sorted_unique(lines: Iterable[str], folder: str | os.PathLike[str],
                  chunk: int = 200_000) -> Iterator[str]:
    """``lines`` sorted (code-point order) without repeats, in bounded memory: runs of
    ``chunk`` lines are sorted and spilled to temporary files in ``folder``, then merged."""
    runs: list[IO[str]] = []
    buffer: list[str] = []
    try:
        for line in lines:
            buffer.append(line)
            if len(buffer) >= chunk:
                runs.append(_spill(buffer, folder))
                buffer = []
        buffer = sorted(set(buffer))
        streams: list[Iterable[str]] = [(line.rstrip("\n") for line in run) for run in runs]
        merged = heapq.merge(*streams, buffer) if runs else iter(buffer)
        last = None
        for line in merged:
            if line != last:
                yield line
                last = line
    finally:
        for run in runs:
            run.close()


def _spill(buffer: list[str], folder: str | os.PathLike[str]) -> IO[str]:
    # lines hold no "\n" (written forms escape it); the run file is deleted on close
    run = tempfile.TemporaryFile("w+", encoding="utf-8", dir=folder, newline="\n")  # noqa: SIM115 (closed by sorted_unique)
    run.writelines(line + "\n" for line in sorted(set(buffer)))
    run.seek(0)
    return run


def write_turtle(lines: Iterable[str], namer: TurtleNamer, stream: IO[str],
                 store: pyoxigraph.Store | None = None, batch: int = 100_000) -> int:
    """Write sorted unique lines of :func:`sort_key_lines` as Turtle; returns the number of
    triples. The prefixes go first, so every term must have been written by ``namer``
    already: the lines are consumed into a temporary body file, then copied after them.
    ``store`` also gets the triples, bulk-loaded ``batch`` at a time (bounded memory)."""
    count = 0
    header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in namer.prefixes)
    statements: list[str] = []

    def load() -> None:
        import pyoxigraph

        if store is not None and statements:
            data = header + "".join(statements)
            store.bulk_load(input=data.encode("utf-8"), format=pyoxigraph.RdfFormat.TURTLE)
            statements.clear()

    with tempfile.TemporaryFile("w+", encoding="utf-8", dir=Path(stream.name).parent,
                                newline="\n") as body:
        subject = predicate = None
        objects: list[str] = []
        predicates: list[str] = []
        for line in lines:
            count += 1
            s, p, o = line.split("\t", 2)
            p = p[1:]
            if store is not None:
                statements.append(f"{s} {p} {o} .\n")
                if len(statements) >= batch:
                    load()
            if s != subject:
                if subject is not None:
                    predicates.append(f"    {predicate} {' , '.join(objects)}")
                    body.write(f"{subject}\n" + " ;\n".join(predicates) + " .\n\n")
                subject, predicate, objects, predicates = s, p, [o], []
            elif p != predicate:
                predicates.append(f"    {predicate} {' , '.join(objects)}")
                predicate, objects = p, [o]
            else:
                objects.append(o)
        if subject is not None:
            predicates.append(f"    {predicate} {' , '.join(objects)}")
            body.write(f"{subject}\n" + " ;\n".join(predicates) + " .\n")
        load()
        stream.write("".join(f"@prefix {p}: <{ns}> .\n" for p, ns in sorted(namer.used)) + "\n")
        body.seek(0)
        while block := body.read(1 << 20):
            stream.write(block)
    return count


def schema_triples() -> list[tuple[object, object, object]]:
    """The triples of :func:`kg.graph.triples.add_schema_facts`, as pyoxigraph terms."""
    from kg.graph.triples import add_schema_facts

    sink = _TripleList()
    add_schema_facts(sink)  # type: ignore[arg-type]
    return sink.triples


def file_name_triple(digest: str, name: str) -> tuple[object, object, object]:
    import pyoxigraph

    return (pyoxigraph.NamedNode(str(ID["doc/" + digest[:16]])),
            pyoxigraph.NamedNode(str(KG.fileName)), pyoxigraph.Literal(name))


class _TripleList:
    def __init__(self) -> None:
        self.triples: list[tuple[object, object, object]] = []

    def add(self, triple: tuple[object, object, object]) -> None:

        self.triples.append(tuple(_ox(t) for t in triple))  # type: ignore[arg-type]


def _ox(term: object) -> object:
    import pyoxigraph

    if isinstance(term, URIRef):
        return pyoxigraph.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return pyoxigraph.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return pyoxigraph.Literal(str(term), datatype=pyoxigraph.NamedNode(str(term.datatype)))
        return pyoxigraph.Literal(str(term))
    raise TypeError(f"kg graphs hold no {type(term).__name__} terms")
