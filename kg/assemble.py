"""Graph assembly outside rdflib: per-document N-Quads, a pyoxigraph store, streaming Turtle.

The per-document step (:func:`document_outcome`, run in workers) turns one input into the
N-Quads of its triples — one named graph per distinct content — using the same
:func:`kg.graph.triples.add_result` as the in-memory graph, through a sink that writes lines
instead of keeping rdflib objects, and into the same triples as sorted Turtle lines. The
parent bulk-loads the N-Quads into an on-disk store and keeps the lines in the cache's
index; the cross-document step (the label merge) is decided on the store, and the Turtle
file is written by merging the lines in an external sort (:mod:`kg.stream`), so memory does
not grow with the corpus.

The Turtle written here is byte-identical to :func:`kg.graph.turtle.to_turtle` of the same
merged graph: same prefixes, subjects sorted by written form, ``a`` first, then predicates
by written form, objects sorted and joined by `` , ``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rdflib import Literal

from kg.errors import ExtractionError, InputError, KgError
from kg.graph.triples import NTRIPLES_TERMS, written
from kg.graph.vocab import KG
from kg.model import Source
from kg.stream import OWNED_START, split_owned

if TYPE_CHECKING:
    import pyoxigraph

    from kg.resources import Overrides
    from kg.stream import TurtleLines

#: named graph of one distinct content: digest of the bytes, and the name's suffix (which
#: decides HTML detection, so two suffixes may give two different results)
CONTENT_GRAPH = "urn:kg:content:"

#: where a mention's kind letter is in its written IRI: after ``doc/``, 16 hex digits, ``/``
_KIND_AT = len(OWNED_START) + 17
#: the two triples of a mention the label merge counts (:func:`label_choices`), written
_REFERS_TO, _TEXT = f"<{KG.refersTo}>", f"<{KG.text}>"
#: the cache store's predicate (its own, never in an output) of what the label merge counts,
#: one quad per entity and name in a content in place of two per mention: ``entity LABEL_USE
#: "<document digest> m<start>-<end> … <TAB> name"``: the document's mentions (their IRIs'
#: last part) of the entity written ``name``
LABEL_USE = "urn:kg:labelUse"


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
        # the triples of written terms, kept as tuples: the terms are mostly the same string
        # objects (the writer's caches), whose hashes are kept, so a tuple is cheaper to
        # keep once than the joined line
        self.triples: dict[tuple[str, str, str], None] = {}

    @property
    def lines(self) -> list[str]:
        """The N-Triples lines without their final `` .``, in the order first added."""
        return [f"{s} {p} {o}" for s, p, o in self.triples]

    def add(self, triple: tuple[str, str, str]) -> None:
        self.triples[triple] = None

    def discard(self, triple: tuple[object, object, object]) -> None:
        """Forget a triple given in rdflib terms."""
        s, p, o = triple
        self.triples.pop((written(s), written(p), written(o)), None)

    def nquads(self, graph: str) -> bytes:
        return self._joined(f" <{graph}> .\n")

    def shared_nquads(self, graph: str) -> bytes:
        """The N-Quads of the triples the cross-document steps read from the cache store:
        those of the entities (an entity's triples come from every document naming it), and
        what the label merge counts of the mentions, their entity and text: one
        :data:`LABEL_USE` quad per entity and name (:func:`label_choices`). The rest, about
        80% (the document's own mentions, sentences and statements, which no other document
        adds to), is kept only as lines (:meth:`turtle_parts`)."""
        tail = f" <{graph}> .\n"
        owned, at = OWNED_START, _KIND_AT
        kept: list[str] = []
        entities: dict[str, list[str]] = defaultdict(list)  # mention → its entities
        texts: dict[str, list[str]] = defaultdict(list)  # mention → its texts, written
        for subject, predicate, obj in self.triples:
            if not subject.startswith(owned):
                kept.append(f"{subject} {predicate} {obj}")
            elif subject[at:at + 1] == "m":  # a mention (the document's own IRI is shorter)
                if predicate == _REFERS_TO:
                    entities[subject].append(obj)
                elif predicate == _TEXT:
                    texts[subject].append(obj)
        uses: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for mention, found in entities.items():
            digest = mention[len(owned):len(owned) + 16]
            local = mention[mention.rindex("/") + 1:-1]
            for entity in found:
                for written_text in texts.get(mention, ()):
                    uses[digest, entity, written_text].append(local)
        for (digest, entity, written_text), parts in uses.items():
            # the text's escaped lexical form, from "…"@zh (kg writes mentions' texts in zh)
            lexical = written_text[1:written_text.rindex('"')]
            kept.append(f'{entity} <{LABEL_USE}> "{digest} {" ".join(parts)}\\t{lexical}"')
        return (tail.join(kept) + tail).encode("utf-8") if kept else b""

    def turtle_lines(self) -> bytes:
        """The lines :mod:`kg.stream` sorts into Turtle, sorted, one per ``\\n``."""
        return "\n".join(_turtle_lines().of_triples(self.triples)).encode("utf-8")

    def turtle_parts(self) -> tuple[bytes, bytes]:
        """The same lines in two parts, the entities' and the document's own
        (:func:`kg.stream.split_owned`)."""
        shared, owned = split_owned(_turtle_lines().of_triples(self.triples))
        return "\n".join(shared).encode("utf-8"), "\n".join(owned).encode("utf-8")

    def ntriples(self) -> bytes:
        return self._joined(" .\n")

    def _joined(self, tail: str) -> bytes:
        """Every line followed by ``tail``."""
        return (tail.join(self.lines) + tail).encode("utf-8") if self.triples else b""


def owning_document(iri: str) -> str | None:
    """The digest (16 hex digits) of the document that owns an IRI — the document itself,
    its mentions, sentences and statements, whose triples are not in the cache store — or
    None for anything else (an entity, a schema term)."""
    prefix = OWNED_START[1:]
    return iri[len(prefix):len(prefix) + 16] if iri.startswith(prefix) else None


@cache
def _turtle_lines() -> TurtleLines:
    from kg.stream import TurtleLines

    return TurtleLines()


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back for one distinct content: the N-Quads of its triples the
    cache store keeps (:meth:`LineSink.shared_nquads`), all its triples as sorted Turtle
    lines in two parts (:meth:`LineSink.turtle_parts`: what the outputs are merged from;
    without the file name, which the parent adds per file), its entity table line without ``doc``, the
    number of characters; or the one-line error."""

    key: str
    nquads: bytes = b""
    lines: bytes = b""  # the entities' lines
    owned: bytes = b""  # the lines of what the document owns
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
    shared, owned = sink.turtle_parts()
    return Outcome(key, sink.shared_nquads(CONTENT_GRAPH + key), shared, owned,
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
SELECT ?s ?label ?m ?text ?use WHERE {
  { SELECT ?s WHERE { GRAPH ?g { ?s skos:prefLabel ?l } } GROUP BY ?s
    HAVING (COUNT(DISTINCT ?l) > 1) }
  { GRAPH ?h { ?s skos:prefLabel ?label } }
  UNION { GRAPH ?k { ?m kg:refersTo ?s . ?m kg:text ?text } }
  UNION { GRAPH ?k { ?s <{use}> ?use } }
}
""".replace("{kg}", str(KG)).replace("{use}", LABEL_USE)


@dataclass(frozen=True)
class LabelChoice:
    keep: pyoxigraph.Literal
    others: frozenset[pyoxigraph.Literal]


def label_choices(store: pyoxigraph.Store) -> dict[str, LabelChoice]:
    """:func:`kg.graph.triples.merge_labels` decided on the store: for every entity named
    in more than one way, the prefLabel kept (most mentioned, then shortest, then first in
    code-point order) and the others (moved to skos:altLabel when written).

    A mention counts for the name it is written (its kg:text), once however many graphs
    hold it (one content under two suffixes): read from the cache store's
    :data:`LABEL_USE` quads, or from the mentions' own triples in a store that has them."""
    import pyoxigraph

    labels: dict[str, set[pyoxigraph.Literal]] = defaultdict(set)
    # entity → name → its mentions, each as (document digest, last part of its IRI)
    mentions: dict[str, dict[pyoxigraph.Literal, set[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(set))
    for row in cast("pyoxigraph.QuerySolutions", store.query(_MULTI_LABELS)):
        subject = row["s"].value
        if (label := row["label"]) is not None:
            labels[subject].add(label)
        elif (mention := row["m"]) is not None:
            digest = owning_document(mention.value) or ""
            mentions[subject][row["text"]].add((digest, mention.value.rsplit("/", 1)[-1]))
        else:
            found, _, said = row["use"].value.partition("\t")
            digest, *parts = found.split(" ")
            counting = mentions[subject][pyoxigraph.Literal(said, language="zh")]
            counting.update((digest, part) for part in parts)
    choices = {}
    for subject, named in labels.items():
        counted = mentions.get(subject, {})
        keep = min(named, key=lambda label: (-len(counted.get(label, ())), len(label.value),
                                             label.value, label.language or ""))
        choices[subject] = LabelChoice(keep, frozenset(named - {keep}))
    return choices
