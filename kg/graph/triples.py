"""DocumentResult → rdflib Graph, and the cross-document merge of labels.

Every IRI comes from content: districts from their official code, agencies from their
jurisdiction's code and name, documents from the digest of their bytes, mentions and
sentences from their character spans. The same input therefore gives the same graph.
"""

from __future__ import annotations

from typing import cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD
from rdflib.term import Identifier

from kg import keys
from kg.gazetteer import Gazetteer
from kg.graph.vocab import ID, KG, PREFIXES
from kg.model import DocumentResult, Entity, EntityType, Level, Relation

LEVEL_TERMS = {
    Level.PROVINCE: KG.ProvinceLevel,
    Level.CITY: KG.CityLevel,
    Level.COUNTY: KG.CountyLevel,
    Level.TOWNSHIP: KG.TownshipLevel,
    Level.VILLAGE: KG.VillageLevel,
    Level.ZONE: KG.ZoneLevel,
}


class _Terms:
    """Namespace terms made once: ``KG.start`` makes a new URIRef on every access, and the
    graph builder asks for them hundreds of thousands of times."""

    def __init__(self, namespace: object) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term = getattr(self._namespace, name) if not name.startswith("_") else None
        if term is None:
            raise AttributeError(name)
        setattr(self, name, term)
        return term


_KG, _RDF, _RDFS, _SKOS = _Terms(KG), _Terms(RDF), _Terms(RDFS), _Terms(SKOS)


def iri(key: str) -> URIRef:
    return ID[key]


def document_iri(result: DocumentResult) -> URIRef:
    return ID[keys.document(result.document.digest)]


def new_graph() -> Graph:
    """An empty graph with our prefixes, in rdflib's SimpleMemory store: one graph, no
    contexts, and triples go in about 1.6x faster than in the default store. (pySHACL
    needs a context-aware store: :mod:`kg.validate` copies the graph for it.)"""
    graph = Graph(store="SimpleMemory")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    return graph


def zh(text: str) -> Literal:
    return Literal(text, lang="zh")


def date_literal(value: str) -> Literal:
    """YYYY-MM-DD, YYYY-MM or YYYY as an xsd:date, xsd:gYearMonth or xsd:gYear literal."""
    kinds = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}
    return Literal(value, datatype=kinds[len(value)])


_INTEGERS: dict[int, Literal] = {}


def integer(value: int) -> Literal:
    """An xsd:integer literal (offsets repeat across documents: each is made once)."""
    literal = _INTEGERS.get(value)
    if literal is None:
        literal = Literal(value, datatype=XSD.integer)
        if len(_INTEGERS) < 200_000:
            _INTEGERS[value] = literal
    return literal


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
        node = iri(keys.district(child.code))
        graph.add((node, _RDF.type, _KG.District))
        graph.add((node, _SKOS.prefLabel, zh(child.name)))
        graph.add((node, _RDFS.label, zh(child.name)))
        graph.add((node, _KG.level, LEVEL_TERMS[child.level]))
        if child.official:
            graph.add((node, _KG.divisionCode, Literal(child.code)))
        if parent is not None:
            graph.add((node, _KG.partOf, iri(keys.district(parent.code))))


def _district_codes(entity: Entity) -> list[str]:
    """Codes of the gazetteer districts an entity links to (itself, parent, jurisdiction …)."""
    codes = [entity.code] if entity.type is EntityType.DISTRICT and entity.code else []
    for key in (entity.parent_key, entity.jurisdiction_key, entity.located_key):
        code = keys.district_code(key)
        if code:
            codes.append(code)
    return codes


def add_entity(
    graph: Graph, entity: Entity, doc: URIRef, gazetteer: Gazetteer, done: set[str] | None = None
) -> None:
    node = iri(entity.key)
    graph.add((node, _RDF.type, getattr(_KG, entity.type.value)))
    graph.add((node, _SKOS.prefLabel, zh(entity.label)))
    graph.add((node, _RDFS.label, zh(entity.label)))
    body = any(not m.aside for m in entity.mentions)
    graph.add((node, _KG.mentionedIn if body else _KG.listedIn, doc))
    for alias in entity.aliases:
        if alias != entity.label:
            graph.add((node, _SKOS.altLabel, zh(alias)))
    if entity.type is EntityType.DISTRICT and not entity.code and entity.level is not None:
        graph.add((node, _KG.level, LEVEL_TERMS[entity.level]))
    if entity.year:
        graph.add((node, _KG.year, Literal(entity.year, datatype=XSD.gYear)))
    for code in _district_codes(entity):
        add_district_chain(graph, code, gazetteer, done)


def add_result(
    graph: Graph, result: DocumentResult, gazetteer: Gazetteer, done: set[str] | None = None
) -> None:
    """Add one document's entities, mentions, sentences and relations (``done``: see
    :func:`add_district_chain`)."""
    doc = document_iri(result)
    document = result.document
    graph.add((doc, _RDF.type, _KG.Document))
    graph.add((doc, _KG.fileName, Literal(document.name)))
    graph.add((doc, _KG.sha256, Literal(document.digest)))
    graph.add((doc, _KG.encoding, Literal(document.encoding)))
    if result.date:
        graph.add((doc, DCTERMS.issued, date_literal(result.date)))
    base = keys.document(document.digest)
    used_sentences: set[int] = set()
    for entity in result.entities:
        add_entity(graph, entity, doc, gazetteer, done)
        for mention in entity.mentions:
            node = ID[keys.mention(base, mention.start, mention.end)]
            graph.add((node, _RDF.type, _KG.Mention))
            graph.add((node, _KG.refersTo, iri(entity.key)))
            graph.add((node, _KG.inDocument, doc))
            graph.add((node, _KG.start, integer(mention.start)))
            graph.add((node, _KG.end, integer(mention.end)))
            original_start, original_end = document.original_span(mention.start, mention.end)
            graph.add((node, _KG.originalStart, integer(original_start)))
            graph.add((node, _KG.originalEnd, integer(original_end)))
            graph.add((node, _KG.text, zh(mention.text)))
            graph.add((node, _KG.rule, Literal(mention.rule)))
            if mention.aside:
                graph.add((node, _KG.aside, Literal(mention.aside)))
            if mention.sentence >= 0:
                graph.add((node, _KG.inSentence, ID[_sentence_key(base, result, mention.sentence)]))
                used_sentences.add(mention.sentence)
    for relation in result.relations:
        add_relation(graph, relation, base, result)
        if relation.sentence >= 0:
            used_sentences.add(relation.sentence)
    for index in used_sentences:
        sentence = result.sentences[index]
        node = ID[_sentence_key(base, result, index)]
        graph.add((node, _RDF.type, _KG.Sentence))
        graph.add((node, _KG.inDocument, doc))
        graph.add((node, _KG.start, integer(sentence.start)))
        graph.add((node, _KG.end, integer(sentence.end)))
        graph.add((node, _KG.text, zh(sentence.text)))


def _sentence_key(base: str, result: DocumentResult, index: int) -> str:
    sentence = result.sentences[index]
    return keys.sentence(base, sentence.start, sentence.end)


def add_relation(graph: Graph, relation: Relation, base: str, result: DocumentResult) -> None:
    subject, obj = iri(relation.subject), iri(relation.object)
    predicate = getattr(_KG, relation.predicate)
    graph.add((subject, predicate, obj))
    if relation.sentence < 0:
        return  # from the gazetteer or the name itself: no sentence to cite
    node = ID[keys.statement(base, relation.subject, relation.predicate, relation.object)]
    graph.add((node, _RDF.type, _RDF.Statement))
    graph.add((node, _RDF.subject, subject))
    graph.add((node, _RDF.predicate, predicate))
    graph.add((node, _RDF.object, obj))
    graph.add((node, _KG.evidence, ID[_sentence_key(base, result, relation.sentence)]))
    graph.add((node, _KG.rule, Literal(relation.rule)))


def merge_labels(graph: Graph) -> None:
    """Across documents one entity may get several names: keep one prefLabel (the most
    mentioned, then the shortest, then the first in code-point order) and move the others
    to skos:altLabel. The choice depends only on the graph, never on input order."""
    # (rdflib types triple terms as Node, which has no ordering; these are IRIs and literals)
    subjects = sorted({cast(Identifier, s) for s, _ in graph.subject_objects(_SKOS.prefLabel)})
    for subject in subjects:
        labels = sorted(cast(Identifier, o) for o in graph.objects(subject, _SKOS.prefLabel))
        if len(labels) < 2:
            continue
        counts = {
            label: sum(1 for m in graph.subjects(_KG.refersTo, subject)
                       if graph.value(m, _KG.text) == label)
            for label in labels
        }
        keep = min(labels, key=lambda lab: (-counts[lab], len(str(lab)), str(lab)))
        for label in labels:
            if label != keep:
                graph.remove((subject, _SKOS.prefLabel, label))
                graph.remove((subject, _RDFS.label, label))
                graph.add((subject, _SKOS.altLabel, label))
        graph.remove((subject, _SKOS.altLabel, keep))


def add_schema_facts(graph: Graph) -> None:
    """The few ontology facts a graph needs to be read on its own (and validated without
    loading the whole ontology): entity classes under kg:Entity, the administrative levels."""
    for kind in ("District", "Agency", "Facility", "Program"):
        graph.add((KG[kind], _RDFS.subClassOf, _KG.Entity))
    for term in LEVEL_TERMS.values():
        graph.add((term, _RDF.type, _KG.AdministrativeLevel))
