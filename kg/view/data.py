"""Read what the view shows from a kg graph: entities, relations and their evidence.

Everything is read in a few passes over the triples (no SPARQL), so a graph of some
hundred thousand triples is read in about a second.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Graph, Literal, URIRef
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
    evidence: list[Evidence] = field(default_factory=list)


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

    def parents(self) -> dict[str, str]:
        """Direct kg:partOf parent of each entity that has one."""
        return {r.source: r.target for r in self.relations if r.relation == "partOf"}


def _text(value: object) -> str:
    return str(value) if isinstance(value, Literal) else ""


def _zh_label(graph: Graph, term: URIRef) -> str:
    labels = [o for o in graph.objects(term, RDFS.label) if isinstance(o, Literal)]
    for label in labels:
        if label.language and label.language.startswith("zh"):
            return str(label)
    return ""


def read_graph(graph: Graph) -> ViewData:
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


def _relations(graph: Graph, entities: dict[str, Entity],
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
