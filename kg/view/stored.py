"""The view's data read from a pyoxigraph store instead of an rdflib Graph (``kg build``
draws the view of a graph too large to hold in rdflib).

:func:`read_store` gives the same :class:`~kg.view.data.ViewData` as
:func:`kg.view.data.read_graph` on the same triples, so the page is byte-identical; the
sentences' texts stay in the store and are read only for the sentences the page shows.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast, overload

from kg.files import atomic_write
from kg.graph.vocab import ENTITY_RELATIONS, KG
from kg.view.data import LEVEL_LABELS, RELATION_LABELS, TYPES, Entity, Evidence, Relation, ViewData
from kg.view.page import assemble, payload, script_json
from kg.view.select import Selection, ViewOptions, select

if TYPE_CHECKING:
    import pyoxigraph

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS = "http://www.w3.org/2004/02/skos/core#"


class _Reader:
    def __init__(self, store: pyoxigraph.Store) -> None:
        import pyoxigraph

        self.store = store
        self.ox = pyoxigraph
        self.nodes: dict[str, pyoxigraph.NamedNode] = {}

    def node(self, iri: str) -> pyoxigraph.NamedNode:
        found = self.nodes.get(iri)
        if found is None:
            found = self.nodes[iri] = self.ox.NamedNode(iri)
        return found

    def pairs(self, predicate: str, obj: str | None = None) -> Iterator[tuple[Any, Any]]:
        """(subject, object) of the triples with this predicate (and object)."""
        for quad in self.store.quads_for_pattern(
                None, self.node(predicate), None if obj is None else self.node(obj), None):
            yield quad.subject, quad.object

    def select(self, query: str) -> Iterator[tuple[Any, ...]]:
        """Rows of a SELECT (one query instead of a lookup per node)."""
        prefixes = (f"PREFIX kg: <{KG}>\nPREFIX rdf: <{_RDF}>\n")
        for solution in cast("pyoxigraph.QuerySolutions", self.store.query(prefixes + query)):
            yield tuple(solution)

    def value(self, subject: Any, predicate: str) -> Any:
        for quad in self.store.quads_for_pattern(subject, self.node(predicate), None, None):
            return quad.object
        return None


def _text(term: Any) -> str:
    import pyoxigraph

    return term.value if isinstance(term, pyoxigraph.Literal) else ""


def _iri(term: Any) -> str | None:
    import pyoxigraph

    return term.value if isinstance(term, pyoxigraph.NamedNode) else None


class _Sentences(Sequence[tuple[str, int]]):
    """The sentences in IRI order, their text read from the store when asked for (or from
    ``known``, texts read before: a sentence's IRI is made from its document's bytes and its
    span, so its text never changes); ``used`` collects the texts asked for."""

    def __init__(self, reader: _Reader, iris: list[str], docs: list[int],
                 known: dict[str, str] | None = None) -> None:
        self.reader, self.iris, self.docs = reader, iris, docs
        self.known = known or {}
        self.used: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self.iris)

    @overload
    def __getitem__(self, index: int) -> tuple[str, int]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, int]]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        iri = self.iris[index]
        text = self.known.get(iri)
        if text is None:
            text = _text(self.reader.value(self.reader.node(iri), str(KG.text)))
        self.used[iri] = text
        return (text, self.docs[index])


def read_store(store: pyoxigraph.Store) -> ViewData:
    """What :func:`kg.view.data.read_graph` reads, from a store's default graph."""
    r = _Reader(store)
    rdf_type = _RDF + "type"
    entities: dict[str, Entity] = {}
    for kind in TYPES:
        for node, _ in r.pairs(rdf_type, str(KG[kind])):
            iri = _iri(node)
            if iri is not None and iri not in entities:
                entities[iri] = Entity(iri=iri, type=kind, label="")
    for subject, label in r.pairs(_SKOS + "prefLabel"):
        entity = entities.get(subject.value)
        if entity is not None and (not entity.label or label.value < entity.label):
            entity.label = label.value
    for subject, alias in r.pairs(_SKOS + "altLabel"):
        if (entity := entities.get(subject.value)) is not None:
            entity.aliases.append(alias.value)
    for subject, level in r.pairs(str(KG.level)):
        if (entity := entities.get(subject.value)) is not None:
            local = level.value.rsplit("#", 1)[-1]
            entity.level = LEVEL_LABELS.get(local, local)
    for subject, code in r.pairs(str(KG.divisionCode)):
        if (entity := entities.get(subject.value)) is not None:
            entity.code = code.value
    for predicate in (str(KG.mentionedIn), str(KG.listedIn)):
        for subject, _ in r.pairs(predicate):
            if (entity := entities.get(subject.value)) is not None:
                entity.mentioned = True
                entity.in_text = entity.in_text or predicate == str(KG.mentionedIn)
    for entity in entities.values():
        entity.label = entity.label or entity.iri.rsplit("/", 1)[-1]
        entity.aliases = sorted(set(entity.aliases) - {entity.label})

    documents: list[str] = []
    doc_index: dict[str, int] = {}
    names: dict[str, list[str]] = defaultdict(list)
    for row in r.select("SELECT ?d ?n WHERE { ?d a kg:Document OPTIONAL { ?d kg:fileName ?n } }"):
        names[row[0].value].append(_text(row[1]))
    for doc in sorted(names):
        doc_index[doc] = len(documents)
        # several names (one content posted as several files): the first in code-point
        # order, so the page never depends on input order
        documents.append(min(names[doc]) or doc.rsplit("/", 1)[-1])
    del names
    sentence_doc: dict[str, int] = {}
    for row in r.select("SELECT ?s ?d WHERE { ?s a kg:Sentence OPTIONAL { ?s kg:inDocument ?d } }"):
        sentence_doc.setdefault(row[0].value, doc_index.get(_iri(row[1]) or "", -1))
    sentence_iris = sorted(sentence_doc)
    sentence_index = {iri: i for i, iri in enumerate(sentence_iris)}
    sentences = _Sentences(r, sentence_iris, [sentence_doc[iri] for iri in sentence_iris])
    del sentence_doc

    for row in r.select("SELECT ?t ?s ?x WHERE { ?m kg:refersTo ?t "
                        "OPTIONAL { ?m kg:inSentence ?s } OPTIONAL { ?m kg:text ?x } }"):
        entity = entities.get(row[0].value)
        if entity is None:
            continue
        entity.mentions += 1
        where = sentence_index.get(_iri(row[1]) or "")
        if where is not None:
            entity.evidence.append(Evidence(where, _text(row[2])))
    for entity in entities.values():
        entity.evidence.sort(key=lambda e: (e.sentence, e.text))

    relations = _relations(r, entities, sentence_index)
    labels = dict(RELATION_LABELS)
    for name in ENTITY_RELATIONS:
        labels[name] = _zh_label(r, str(KG[name])) or labels.get(name, name)
    return ViewData(entities, relations, sentences, documents, labels)  # type: ignore[arg-type]


def _objects(r: _Reader, subject: str, predicate: str) -> Iterator[tuple[Any, Any]]:
    for quad in r.store.quads_for_pattern(r.node(subject), r.node(predicate), None, None):
        yield quad.subject, quad.object


def _zh_label(r: _Reader, term: str) -> str:
    for _, label in _objects(r, term, _RDFS_LABEL):
        if _text(label) and (label.language or "").startswith("zh"):
            return label.value
    return ""


def _relations(r: _Reader, entities: dict[str, Entity],
               sentence_index: dict[str, int]) -> list[Relation]:
    found: dict[tuple[str, str, str], Relation] = {}
    for name in ENTITY_RELATIONS:
        for source, target in r.pairs(str(KG[name])):
            s, t = _iri(source), _iri(target)
            if s in entities and t in entities and s != t:
                found.setdefault((s, name, t), Relation(s, t, name))
    evidence: dict[tuple[str, str, str], list[Evidence]] = defaultdict(list)
    cited: dict[str, list[str]] = defaultdict(list)
    for row in r.select("SELECT ?st ?e WHERE { ?st a rdf:Statement ; kg:evidence ?e }"):
        cited[row[0].value].append(_iri(row[1]) or "")
    for row in r.select(
            "SELECT ?st ?p ?s ?o ?rule WHERE { ?st a rdf:Statement "
            "OPTIONAL { ?st rdf:predicate ?p } OPTIONAL { ?st rdf:subject ?s } "
            "OPTIONAL { ?st rdf:object ?o } OPTIONAL { ?st kg:rule ?rule } }"):
        name = (_iri(row[1]) or "").rsplit("#", 1)[-1]
        source, target = _iri(row[2]) or "", _iri(row[3]) or ""
        if name not in ENTITY_RELATIONS or source not in entities or target not in entities:
            continue
        key = (source, name, target)
        found.setdefault(key, Relation(source, target, name))
        rule = _text(row[4])
        for sentence in cited.get(row[0].value, ()):
            if (where := sentence_index.get(sentence)) is not None:
                evidence[key].append(Evidence(where, rule))
    for key, items in evidence.items():
        found[key].evidence = sorted(items, key=lambda e: (e.sentence, e.text))
    return sorted(found.values(), key=lambda rel: (rel.source, rel.relation, rel.target))


def write_html_from_store(store: pyoxigraph.Store, path: str | os.PathLike[str],
                          data: ViewData | None = None, **options: Any) -> Selection:
    """:func:`kg.view.write_html` for a graph held in a store (``data``: what
    :func:`read_store` read from it already)."""
    opts = ViewOptions(**options)
    data = read_store(store) if data is None else data
    selection = select(data, opts)
    page = payload(data, selection, opts)
    with atomic_write(path) as stream:
        stream.write(assemble(script_json(page), options.get("title") or ViewOptions.title))
    return selection
