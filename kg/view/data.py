"""Read what the view shows from a kg graph: entities, relations and their evidence.

Everything is read in a few passes over the triples (no SPARQL), so a graph of some
hundred thousand triples is read in about a second. The source is an rdflib ``Graph`` or a
``pyoxigraph.Store`` (a store folder of ``kg build --store``, or a large file loaded by
``kg.sparql.large.open_graph``), read through the same few triple-pattern calls.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from kg.graph.vocab import ENTITY_RELATIONS, KG

TYPES = ("District", "Agency", "Facility", "Program")

#: Chinese labels of the ontology terms (ontology/kg.ttl); a label in the graph itself wins
TYPE_LABELS = {"District": "行政区域", "Agency": "机构", "Facility": "设施", "Program": "项目"}
RELATION_LABELS = {
    "partOf": "隶属于",
    "jurisdiction": "管辖区域",
    "locatedIn": "位于",
    "operatedBy": "运营机构",
    "runBy": "实施机构",
    "coversArea": "覆盖区域",
    "subOrganizationOf": "下属于",
}
LEVEL_LABELS = {
    "ProvinceLevel": "省级",
    "CityLevel": "地级",
    "CountyLevel": "县级",
    "TownshipLevel": "乡级",
    "VillageLevel": "村级",
    "ZoneLevel": "功能区",
}
#: relations that put an entity inside a district (for the district filter)
AREA_RELATIONS = ("partOf", "locatedIn", "jurisdiction", "coversArea")


@dataclass
class Evidence:
    sentence: int  # index into ViewData.sentences
    text: str  # the mention's text, or the rule of a reified statement


@dataclass
class Entity:
    iri: str
    type: str
    label: str
    aliases: list[str] = field(default_factory=list)
    level: str = ""
    code: str = ""
    mentions: int = 0
    mentioned: bool = False  # False for gazetteer-only ancestors
    in_text: bool = False  # kg:mentionedIn: named in an article's own text (not only its asides)
    evidence: list[Evidence] = field(default_factory=list)
    #: how many evidence items there are when ``evidence`` holds only the first ones (the
    #: view's data read while building, :class:`kg.view.lines.BlockReader`); else None
    evidence_total: int | None = None


@dataclass
class Relation:
    source: str
    target: str
    relation: str  # local name, one of ENTITY_RELATIONS
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class ViewData:
    entities: dict[str, Entity]
    relations: list[Relation]
    sentences: list[tuple[str, int]]  # (text, index into documents)
    documents: list[str]  # file names
    relation_labels: dict[str, str] = field(default_factory=lambda: dict(RELATION_LABELS))

    def type_counts(self) -> dict[str, tuple[int, int, int]]:
        """Entities by type as the ``entities-per-type`` query counts them: (named in an
        article's text, named only in lists of other articles, gazetteer ancestors)."""
        counts: dict[str, list[int]] = {}
        for entity in self.entities.values():
            found = counts.setdefault(entity.type, [0, 0, 0])
            found[0 if entity.in_text else 1 if entity.mentioned else 2] += 1
        return {kind: (n[0], n[1], n[2]) for kind, n in counts.items()}

    def parents(self) -> dict[str, str]:
        """Direct kg:partOf parent of each entity that has one."""
        return {r.source: r.target for r in self.relations if r.relation == "partOf"}


def _text(value: object) -> str:
    return str(value) if isinstance(value, Literal) else ""


def _zh_label(graph: Any, term: URIRef) -> str:
    labels = [o for o in graph.objects(term, RDFS.label) if isinstance(o, Literal)]
    for label in labels:
        if label.language and label.language.startswith("zh"):
            return str(label)
    return ""


class StoreTriples:
    """The rdflib ``Graph`` reading calls :func:`read_graph` makes (``subjects``,
    ``objects``, ``subject_objects``, ``value``), answered by a pyoxigraph Store's default
    graph with rdflib terms."""

    def __init__(self, store: Any) -> None:
        import pyoxigraph

        self.store = store
        self._ox = pyoxigraph
        self._default = pyoxigraph.DefaultGraph()

    def _to_ox(self, term: Any) -> Any:
        if term is None:
            return None
        if isinstance(term, URIRef):
            return self._ox.NamedNode(str(term))
        if isinstance(term, BNode):
            return self._ox.BlankNode(str(term))
        if term.language:
            return self._ox.Literal(str(term), language=term.language)
        return self._ox.Literal(str(term), datatype=self._ox.NamedNode(str(term.datatype))
                                if term.datatype else None)

    def _to_rdflib(self, term: Any) -> Any:
        if isinstance(term, self._ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, self._ox.BlankNode):
            return BNode(term.value)
        if term.language:
            return Literal(term.value, lang=term.language)
        return Literal(term.value, datatype=URIRef(term.datatype.value))

    def _quads(self, s: Any, p: Any, o: Any) -> Iterator[Any]:
        return self.store.quads_for_pattern(self._to_ox(s), self._to_ox(p), self._to_ox(o),
                                            self._default)

    def subjects(self, predicate: Any = None, object: Any = None) -> Iterator[Any]:  # noqa: A002
        return (self._to_rdflib(q.subject) for q in self._quads(None, predicate, object))

    def objects(self, subject: Any = None, predicate: Any = None) -> Iterator[Any]:
        return (self._to_rdflib(q.object) for q in self._quads(subject, predicate, None))

    def subject_objects(self, predicate: Any = None) -> Iterator[tuple[Any, Any]]:
        return ((self._to_rdflib(q.subject), self._to_rdflib(q.object))
                for q in self._quads(None, predicate, None))

    def value(self, subject: Any = None, predicate: Any = None) -> Any:
        return next(self.objects(subject, predicate), None)


def read_graph(source: Graph | Any) -> ViewData:
    """The view's data of an rdflib Graph or a pyoxigraph Store."""
    graph: Any = source if hasattr(source, "triples") else StoreTriples(source)
    entities: dict[str, Entity] = {}
    for kind in TYPES:
        for node in graph.subjects(RDF.type, KG[kind]):
            if isinstance(node, URIRef) and str(node) not in entities:
                entities[str(node)] = Entity(iri=str(node), type=kind, label="")
    for subject, label in graph.subject_objects(SKOS.prefLabel):
        entity = entities.get(str(subject))
        if entity is not None and (not entity.label or str(label) < entity.label):
            entity.label = str(label)  # exactly one in a valid graph; smallest if not
    for subject, alias in graph.subject_objects(SKOS.altLabel):
        entity = entities.get(str(subject))
        if entity is not None:
            entity.aliases.append(str(alias))
    for subject, level in graph.subject_objects(KG.level):
        if (entity := entities.get(str(subject))) is not None:
            local = str(level).rsplit("#", 1)[-1]
            entity.level = LEVEL_LABELS.get(local, local)
    for subject, code in graph.subject_objects(KG.divisionCode):
        if (entity := entities.get(str(subject))) is not None:
            entity.code = str(code)
    for predicate in (KG.mentionedIn, KG.listedIn):
        for subject in graph.subjects(predicate, None):
            if (entity := entities.get(str(subject))) is not None:
                entity.mentioned = True
                entity.in_text = entity.in_text or predicate == KG.mentionedIn
    for entity in entities.values():
        entity.label = entity.label or entity.iri.rsplit("/", 1)[-1]
        entity.aliases = sorted(set(entity.aliases) - {entity.label})

    documents: list[str] = []
    doc_index: dict[str, int] = {}
    for doc in sorted(set(graph.subjects(RDF.type, KG.Document)), key=str):
        doc_index[str(doc)] = len(documents)
        # every file with this content, sorted (graph.value would pick one by input order)
        names = sorted({_text(v) for v in graph.objects(doc, KG.fileName)} - {""})
        documents.append(", ".join(names) or str(doc).rsplit("/", 1)[-1])
    sentences: list[tuple[str, int]] = []
    sentence_index: dict[str, int] = {}
    for sentence in sorted(set(graph.subjects(RDF.type, KG.Sentence)), key=str):
        in_doc = graph.value(sentence, KG.inDocument)
        sentence_index[str(sentence)] = len(sentences)
        sentences.append((_text(graph.value(sentence, KG.text)), doc_index.get(str(in_doc), -1)))

    for mention, target in graph.subject_objects(KG.refersTo):
        entity = entities.get(str(target))
        if entity is None:
            continue
        entity.mentions += 1
        where = sentence_index.get(str(graph.value(mention, KG.inSentence)))
        if where is not None:
            entity.evidence.append(Evidence(where, _text(graph.value(mention, KG.text))))
    for entity in entities.values():
        entity.evidence.sort(key=lambda e: (e.sentence, e.text))

    relations = _relations(graph, entities, sentence_index)
    labels = dict(RELATION_LABELS)
    for name in ENTITY_RELATIONS:
        labels[name] = _zh_label(graph, KG[name]) or labels.get(name, name)
    return ViewData(entities, relations, sentences, documents, labels)


def _relations(graph: Any, entities: dict[str, Entity],
               sentence_index: dict[str, int]) -> list[Relation]:
    found: dict[tuple[str, str, str], Relation] = {}
    for name in ENTITY_RELATIONS:
        for s, o in graph.subject_objects(KG[name]):
            if str(s) in entities and str(o) in entities and s != o:
                key = (str(s), name, str(o))
                found.setdefault(key, Relation(str(s), str(o), name))
    evidence: dict[tuple[str, str, str], list[Evidence]] = defaultdict(list)
    for statement in graph.subjects(RDF.type, RDF.Statement):
        predicate = str(graph.value(statement, RDF.predicate) or "")
        name = predicate.rsplit("#", 1)[-1]
        source = str(graph.value(statement, RDF.subject) or "")
        target = str(graph.value(statement, RDF.object) or "")
        if name not in ENTITY_RELATIONS or source not in entities or target not in entities:
            continue
        key = (source, name, target)
        found.setdefault(key, Relation(source, target, name))
        rule = _text(graph.value(statement, KG.rule))
        for sentence in graph.objects(statement, KG.evidence):
            if (where := sentence_index.get(str(sentence))) is not None:
                evidence[key].append(Evidence(where, rule))
    for key, items in evidence.items():
        found[key].evidence = sorted(items, key=lambda e: (e.sentence, e.text))
    return sorted(found.values(), key=lambda r: (r.source, r.relation, r.target))
