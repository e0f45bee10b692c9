"""DocumentResult → rdflib Graph, and the cross-document merge of labels.

Every IRI comes from content: districts from their official code, agencies from their
jurisdiction's code and name, documents from the digest of their bytes, mentions and
sentences from their character spans. The same input therefore gives the same graph.
"""

from __future__ import annotations

import hashlib

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from kg.gazetteer import Gazetteer
from kg.model import DocumentResult, Entity, EntityType, Level, Relation
from kg.vocab import ID, KG, PREFIXES

LEVEL_TERMS = {
    Level.PROVINCE: KG.ProvinceLevel,
    Level.CITY: KG.CityLevel,
    Level.COUNTY: KG.CountyLevel,
    Level.TOWNSHIP: KG.TownshipLevel,
    Level.VILLAGE: KG.VillageLevel,
    Level.ZONE: KG.ZoneLevel,
}


def iri(key: str) -> URIRef:
    return ID[key]


def document_iri(result: DocumentResult) -> URIRef:
    return ID["doc/" + result.document.digest[:16]]


def new_graph() -> Graph:
    """An empty graph with our prefixes, in rdflib's default (context-aware) memory store,
    which pySHACL needs. (SimpleMemory adds 1.6x faster but pySHACL refuses it, and copying
    into a context-aware store for validation costs more than it saves.)"""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def integer(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def add_district_chain(
    graph: Graph, code: str, gazetteer: Gazetteer, done: set[str] | None = None
) -> None:
    """The division and its ancestors up to the province, from the gazetteer. ``done``
    holds the codes already added to this graph, so each chain is added once."""
    if done is not None:
        if code in done:
            return
        done.add(code)
    division = gazetteer.by_code(code)
    if division is None:
        return  # a zone the text named, not in the gazetteer: its entity carries its links
    chain = [division, *gazetteer.ancestors(code)]
    for child, parent in zip(chain, [*chain[1:], None], strict=True):
        node = iri(f"district/{child.code}")
        graph.add((node, RDF.type, KG.District))
        graph.add((node, SKOS.prefLabel, zh(child.name)))
        graph.add((node, RDFS.label, zh(child.name)))
        graph.add((node, KG.level, LEVEL_TERMS[child.level]))
        if child.official:
            graph.add((node, KG.divisionCode, Literal(child.code)))
        if parent is not None:
            graph.add((node, KG.partOf, iri(f"district/{parent.code}")))


def _district_codes(entity: Entity) -> list[str]:
    """Codes of the gazetteer districts an entity links to (itself, parent, jurisdiction …)."""
    codes = [entity.code] if entity.type is EntityType.DISTRICT and entity.code else []
    for key in (entity.parent_key, entity.jurisdiction_key, entity.located_key):
        if key.startswith("district/") and "/" not in key.split("/", 1)[1]:
            codes.append(key.split("/", 1)[1])
    return codes


def add_entity(
    graph: Graph, entity: Entity, doc: URIRef, gazetteer: Gazetteer, done: set[str] | None = None
) -> None:
    node = iri(entity.key)
    graph.add((node, RDF.type, KG[entity.type.value]))
    graph.add((node, SKOS.prefLabel, zh(entity.label)))
    graph.add((node, RDFS.label, zh(entity.label)))
    body = any(not m.aside for m in entity.mentions)
    graph.add((node, KG.mentionedIn if body else KG.listedIn, doc))
    for alias in entity.aliases:
        if alias != entity.label:
            graph.add((node, SKOS.altLabel, zh(alias)))
    if entity.type is EntityType.DISTRICT and not entity.code and entity.level is not None:
        graph.add((node, KG.level, LEVEL_TERMS[entity.level]))
    for code in _district_codes(entity):
        add_district_chain(graph, code, gazetteer, done)


def add_result(
    graph: Graph, result: DocumentResult, gazetteer: Gazetteer, done: set[str] | None = None
) -> None:
    """Add one document's entities, mentions, sentences and relations (``done``: see
    :func:`add_district_chain`)."""
    doc = document_iri(result)
    document = result.document
    graph.add((doc, RDF.type, KG.Document))
    graph.add((doc, KG.fileName, Literal(document.name)))
    graph.add((doc, KG.sha256, Literal(document.digest)))
    graph.add((doc, KG.encoding, Literal(document.encoding)))
    base = f"doc/{document.digest[:16]}"
    used_sentences: set[int] = set()
    for entity in result.entities:
        add_entity(graph, entity, doc, gazetteer, done)
        for mention in entity.mentions:
            node = ID[f"{base}/m{mention.start}-{mention.end}"]
            graph.add((node, RDF.type, KG.Mention))
            graph.add((node, KG.refersTo, iri(entity.key)))
            graph.add((node, KG.inDocument, doc))
            graph.add((node, KG.start, integer(mention.start)))
            graph.add((node, KG.end, integer(mention.end)))
            original_start, original_end = document.original_span(mention.start, mention.end)
            graph.add((node, KG.originalStart, integer(original_start)))
            graph.add((node, KG.originalEnd, integer(original_end)))
            graph.add((node, KG.text, zh(mention.text)))
            graph.add((node, KG.rule, Literal(mention.rule)))
            if mention.aside:
                graph.add((node, KG.aside, Literal(mention.aside)))
            if mention.sentence >= 0:
                graph.add((node, KG.inSentence, ID[_sentence_key(base, result, mention.sentence)]))
                used_sentences.add(mention.sentence)
    for relation in result.relations:
        add_relation(graph, relation, base, result)
        if relation.sentence >= 0:
            used_sentences.add(relation.sentence)
    for index in used_sentences:
        sentence = result.sentences[index]
        node = ID[_sentence_key(base, result, index)]
        graph.add((node, RDF.type, KG.Sentence))
        graph.add((node, KG.inDocument, doc))
        graph.add((node, KG.start, integer(sentence.start)))
        graph.add((node, KG.end, integer(sentence.end)))
        graph.add((node, KG.text, zh(sentence.text)))


def _sentence_key(base: str, result: DocumentResult, index: int) -> str:
    sentence = result.sentences[index]
    return f"{base}/s{sentence.start}-{sentence.end}"


def add_relation(graph: Graph, relation: Relation, base: str, result: DocumentResult) -> None:
    subject, obj = iri(relation.subject), iri(relation.object)
    predicate = KG[relation.predicate]
    graph.add((subject, predicate, obj))
    if relation.sentence < 0:
        return  # from the gazetteer or the name itself: no sentence to cite
    digest = hashlib.sha256(f"{relation.subject}|{relation.predicate}|{relation.object}".encode())
    node = ID[f"{base}/r{digest.hexdigest()[:16]}"]
    graph.add((node, RDF.type, RDF.Statement))
    graph.add((node, RDF.subject, subject))
    graph.add((node, RDF.predicate, predicate))
    graph.add((node, RDF.object, obj))
    graph.add((node, KG.evidence, ID[_sentence_key(base, result, relation.sentence)]))
    graph.add((node, KG.rule, Literal(relation.rule)))


def merge_labels(graph: Graph) -> None:
    """Across documents one entity may get several names: keep one prefLabel (the most
    mentioned, then the shortest, then the first in code-point order) and move the others
    to skos:altLabel. The choice depends only on the graph, never on input order."""
    subjects = sorted({s for s, _ in graph.subject_objects(SKOS.prefLabel)})
    for subject in subjects:
        labels = sorted(graph.objects(subject, SKOS.prefLabel))
        if len(labels) < 2:
            continue
        counts = {
            label: sum(1 for m in graph.subjects(KG.refersTo, subject)
                       if graph.value(m, KG.text) == label)
            for label in labels
        }
        keep = min(labels, key=lambda lab: (-counts[lab], len(str(lab)), str(lab)))
        for label in labels:
            if label != keep:
                graph.remove((subject, SKOS.prefLabel, label))
                graph.remove((subject, RDFS.label, label))
                graph.add((subject, SKOS.altLabel, label))
        graph.remove((subject, SKOS.altLabel, keep))


def add_schema_facts(graph: Graph) -> None:
    """The few ontology facts a graph needs to be read on its own (and validated without
    loading the whole ontology): entity classes under kg:Entity, the administrative levels."""
    for kind in ("District", "Agency", "Facility", "Program"):
        graph.add((KG[kind], RDFS.subClassOf, KG.Entity))
    for term in LEVEL_TERMS.values():
        graph.add((term, RDF.type, KG.AdministrativeLevel))
