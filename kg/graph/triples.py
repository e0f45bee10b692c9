"""DocumentResult → triples (an rdflib Graph, or N-Triples lines), and the cross-document
merge of labels.

Every IRI comes from content: districts from their official code, agencies from their
jurisdiction's code and name, documents from the digest of their bytes, mentions and
sentences from their character spans. The same input therefore gives the same graph.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from functools import lru_cache
from typing import Generic, Protocol, TypeVar, cast

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD
from rdflib.term import Identifier

from kg import keys
from kg.gazetteer import Gazetteer
from kg.graph.turtle import escape_iri, escape_string
from kg.graph.vocab import ID, KG, PREFIXES
from kg.model import DocumentResult, Entity, EntityType, Level, Mention, Relation

LEVEL_TERMS = {
    Level.PROVINCE: KG.ProvinceLevel,
    Level.CITY: KG.CityLevel,
    Level.COUNTY: KG.CountyLevel,
    Level.TOWNSHIP: KG.TownshipLevel,
    Level.VILLAGE: KG.VillageLevel,
    Level.ZONE: KG.ZoneLevel,
}


T = TypeVar("T")


class _Terms(Generic[T]):
    """The terms of one namespace, each made once by ``make`` on first use (``KG.start``
    makes a new URIRef on every access, and the graph builder asks for them hundreds of
    thousands of times). A name the namespace does not declare raises AttributeError."""

    def __init__(self, namespace: object, make: Callable[[URIRef], T]) -> None:
        self._namespace = namespace
        self._make = make

    def __getattr__(self, name: str) -> T:
        if name.startswith("_"):
            raise AttributeError(name)
        term = self._make(getattr(self._namespace, name))
        setattr(self, name, term)
        return term


class TermWriter(ABC, Generic[T]):
    """How a sink wants the terms of its triples: rdflib terms for a Graph
    (:data:`RDFLIB_TERMS`), N-Triples text for a sink that writes lines
    (:data:`NTRIPLES_TERMS`). :func:`add_result` describes a document's triples once, in
    terms made here, so every sink gets the same triples."""

    def __init__(self, make_iri: Callable[[URIRef], T]) -> None:
        self.kg = _Terms(KG, make_iri)
        self.rdf = _Terms(RDF, make_iri)
        self.rdfs = _Terms(RDFS, make_iri)
        self.skos = _Terms(SKOS, make_iri)
        self.dcterms = _Terms(DCTERMS, make_iri)
        self.levels = {level: make_iri(term) for level, term in LEVEL_TERMS.items()}
        #: the triples of :meth:`_DocumentTriples.district_chain`, by gazetteer and code
        self.chains: dict[tuple[Gazetteer, str], tuple[tuple[T, T, T], ...]] = {}

    @abstractmethod
    def node(self, key: str) -> T:
        """The IRI of a key below the id namespace."""
        raise NotImplementedError

    @abstractmethod
    def zh(self, text: str) -> T:
        """A Chinese-tagged string."""
        raise NotImplementedError

    @abstractmethod
    def plain(self, text: str) -> T:
        """A plain string (xsd:string)."""
        raise NotImplementedError

    @abstractmethod
    def integer(self, value: int) -> T:
        raise NotImplementedError

    @abstractmethod
    def typed(self, value: str, datatype: URIRef) -> T:
        """A literal of another datatype (dates and years: a few per document)."""
        raise NotImplementedError


class RdflibTerms(TermWriter[Identifier]):
    def __init__(self) -> None:
        super().__init__(lambda term: term)

    def node(self, key: str) -> Identifier:
        return ID[key]

    def zh(self, text: str) -> Identifier:
        return zh(text)

    def plain(self, text: str) -> Identifier:
        return Literal(text)

    def integer(self, value: int) -> Identifier:
        return integer(value)

    def typed(self, value: str, datatype: URIRef) -> Identifier:
        return Literal(value, datatype=datatype)


_XSD_INTEGER = f"^^<{XSD.integer}>"


def written(term: object) -> str:
    """The N-Triples form of an rdflib IRI or literal."""
    if isinstance(term, URIRef):
        return "<" + escape_iri(str(term)) + ">"
    if isinstance(term, Literal):
        text = '"' + escape_string(str(term)) + '"'
        if term.language:
            return text + "@" + term.language
        if term.datatype is not None and term.datatype != XSD.string:
            return text + "^^" + written(term.datatype)
        return text
    raise TypeError(f"kg graphs hold no {type(term).__name__} terms")


class NTriplesTerms(TermWriter[str]):
    """Terms in their N-Triples form, written straight from the strings: the same text as
    :func:`written` of the rdflib term :class:`RdflibTerms` makes (``tests/test_triples.py``
    checks this on every article), without making the rdflib term."""

    def __init__(self) -> None:
        super().__init__(written)
        self._node_head = "<" + written(ID[""])[1:-1]
        self._integers: dict[int, str] = {}

    def node(self, key: str) -> str:
        return self._node_head + escape_iri(key) + ">"

    def zh(self, text: str) -> str:
        return '"' + escape_string(text) + '"@zh'

    def plain(self, text: str) -> str:
        return '"' + escape_string(text) + '"'

    def integer(self, value: int) -> str:
        text = self._integers.get(value)
        if text is None:
            text = f'"{value}"{_XSD_INTEGER}'
            if len(self._integers) < 200_000:
                self._integers[value] = text
        return text

    def typed(self, value: str, datatype: URIRef) -> str:
        return written(Literal(value, datatype=datatype))  # rdflib decides the lexical form


RDFLIB_TERMS = RdflibTerms()
NTRIPLES_TERMS = NTriplesTerms()
_KG, _RDF, _RDFS, _SKOS = (RDFLIB_TERMS.kg, RDFLIB_TERMS.rdf, RDFLIB_TERMS.rdfs,
                           RDFLIB_TERMS.skos)


class TripleSink(Protocol[T]):
    """What :func:`add_result` writes to besides an rdflib Graph: ``terms`` says how it
    wants the terms, ``add`` takes one triple of them."""

    terms: TermWriter[T]

    def add(self, triple: tuple[T, T, T], /) -> object: ...


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


_DATE_TYPES = {10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}


def date_literal(value: str) -> Literal:
    """YYYY-MM-DD, YYYY-MM or YYYY as an xsd:date, xsd:gYearMonth or xsd:gYear literal."""
    return Literal(value, datatype=_DATE_TYPES[len(value)])


_INTEGERS: dict[int, Literal] = {}


def integer(value: int) -> Literal:
    """An xsd:integer literal (offsets repeat across documents: each is made once)."""
    literal = _INTEGERS.get(value)
    if literal is None:
        literal = Literal(value, datatype=XSD.integer)
        if len(_INTEGERS) < 200_000:
            _INTEGERS[value] = literal
    return literal


def add_result(
    graph: Graph, result: DocumentResult, gazetteer: Gazetteer, done: set[str] | None = None
) -> None:
    """Add one document's entities, mentions, sentences and relations to an rdflib Graph,
    or to a :class:`TripleSink` (:class:`kg.assemble.LineSink`), in the terms it wants.
    ``done`` holds the division codes whose chain (the division and its ancestors, from the
    gazetteer) the graph has already: each chain is added once."""
    sink = cast("TripleSink[object]", graph)
    terms = RDFLIB_TERMS if isinstance(graph, Graph) else sink.terms
    _DocumentTriples(sink.add, terms, result, gazetteer,
                     set() if done is None else done).add_all()


class _DocumentTriples(Generic[T]):
    """The triples one document gives, in the terms of one sink: the only description of
    them (the in-memory graph and the per-document N-Quads both come from here)."""

    def __init__(self, add: Callable[[tuple[T, T, T]], object], terms: TermWriter[T],
                 result: DocumentResult, gazetteer: Gazetteer, done: set[str]) -> None:
        self.add, self.terms, self.result, self.gazetteer = add, terms, result, gazetteer
        self.done = done
        self.base = keys.document(result.document.digest)
        self.doc = terms.node(self.base)
        self._sentences: dict[int, T] = {}  # sentence index → its node
        self._nodes: dict[str, T] = {}  # entity and district keys → their nodes

    def node(self, key: str) -> T:
        node = self._nodes.get(key)
        if node is None:
            node = self._nodes[key] = self.terms.node(key)
        return node

    def sentence(self, index: int) -> T:
        node = self._sentences.get(index)
        if node is None:
            sentence = self.result.sentences[index]
            node = self._sentences[index] = self.terms.node(
                keys.sentence(self.base, sentence.start, sentence.end))
        return node

    def add_all(self) -> None:
        add, t, result, doc = self.add, self.terms, self.result, self.doc
        kg, rdf = t.kg, t.rdf
        document = result.document
        add((doc, rdf.type, kg.Document))
        add((doc, kg.fileName, t.plain(document.name)))
        add((doc, kg.sha256, t.plain(document.digest)))
        add((doc, kg.encoding, t.plain(document.encoding)))
        if result.date:
            add((doc, t.dcterms.issued, t.typed(result.date, _DATE_TYPES[len(result.date)])))
        used_sentences: set[int] = set()
        for entity in result.entities:
            node = self.node(entity.key)
            self.add_entity(entity, node)
            for mention in entity.mentions:
                used_sentences.update(self.add_mention(mention, node))
        for relation in result.relations:
            self.add_relation(relation)
            if relation.sentence >= 0:
                used_sentences.add(relation.sentence)
        for index in used_sentences:
            sentence = result.sentences[index]
            node = self.sentence(index)
            add((node, rdf.type, kg.Sentence))
            add((node, kg.inDocument, doc))
            add((node, kg.start, t.integer(sentence.start)))
            add((node, kg.end, t.integer(sentence.end)))
            add((node, kg.text, t.zh(sentence.text)))

    def add_entity(self, entity: Entity, node: T) -> None:
        add, t = self.add, self.terms
        kg, skos = t.kg, t.skos
        add((node, t.rdf.type, getattr(kg, entity.type.value)))
        label = t.zh(entity.label)
        add((node, skos.prefLabel, label))
        add((node, t.rdfs.label, label))
        body = any(not m.aside for m in entity.mentions)
        add((node, kg.mentionedIn if body else kg.listedIn, self.doc))
        for alias in entity.aliases:
            if alias != entity.label:
                add((node, skos.altLabel, t.zh(alias)))
        if entity.type is EntityType.DISTRICT and not entity.code and entity.level is not None:
            add((node, kg.level, t.levels[entity.level]))
        if entity.year:
            add((node, kg.year, t.typed(entity.year, XSD.gYear)))
        for code in _district_codes(entity):
            self.add_district_chain(code)

    def add_mention(self, mention: Mention, entity: T) -> tuple[int, ...]:
        """The mention's triples; returns the index of its sentence, if it has one."""
        add, t, doc = self.add, self.terms, self.doc
        kg = t.kg
        node = t.node(keys.mention(self.base, mention.start, mention.end))
        add((node, t.rdf.type, kg.Mention))
        add((node, kg.refersTo, entity))
        add((node, kg.inDocument, doc))
        add((node, kg.start, t.integer(mention.start)))
        add((node, kg.end, t.integer(mention.end)))
        original_start, original_end = self.result.document.original_span(
            mention.start, mention.end)
        add((node, kg.originalStart, t.integer(original_start)))
        add((node, kg.originalEnd, t.integer(original_end)))
        add((node, kg.text, t.zh(mention.text)))
        add((node, kg.rule, t.plain(mention.rule)))
        if mention.aside:
            add((node, kg.aside, t.plain(mention.aside)))
        if mention.sentence < 0:
            return ()
        add((node, kg.inSentence, self.sentence(mention.sentence)))
        return (mention.sentence,)

    def add_district_chain(self, code: str) -> None:
        """The division and its ancestors up to the province, from the gazetteer, once."""
        if code in self.done:
            return
        self.done.add(code)
        chains = self.terms.chains
        triples = chains.get((self.gazetteer, code))
        if triples is None:
            triples = self.district_chain(code)
            if len(chains) < 10_000:  # a few kB each
                chains[(self.gazetteer, code)] = triples
        for triple in triples:
            self.add(triple)

    def district_chain(self, code: str) -> tuple[tuple[T, T, T], ...]:
        division = self.gazetteer.by_code(code)
        if division is None:
            return ()  # a zone the text named, not in the gazetteer: its entity has its links
        t = self.terms
        kg = t.kg
        chain = [division, *self.gazetteer.ancestors(code)]
        triples = []
        for child, parent in zip(chain, [*chain[1:], None], strict=True):
            node = t.node(keys.district(child.code))
            name = t.zh(child.name)
            triples += [(node, t.rdf.type, kg.District), (node, t.skos.prefLabel, name),
                        (node, t.rdfs.label, name), (node, kg.level, t.levels[child.level])]
            if child.official:
                triples.append((node, kg.divisionCode, t.plain(child.code)))
            if parent is not None:
                triples.append((node, kg.partOf, t.node(keys.district(parent.code))))
        return tuple(triples)

    def add_relation(self, relation: Relation) -> None:
        add, t = self.add, self.terms
        rdf = t.rdf
        subject, obj = self.node(relation.subject), self.node(relation.object)
        predicate = getattr(t.kg, relation.predicate)
        add((subject, predicate, obj))
        if relation.sentence < 0:
            return  # from the gazetteer or the name itself: no sentence to cite
        node = t.node(keys.statement(self.base, relation.subject, relation.predicate,
                                     relation.object))
        add((node, rdf.type, rdf.Statement))
        add((node, rdf.subject, subject))
        add((node, rdf.predicate, predicate))
        add((node, rdf.object, obj))
        add((node, t.kg.evidence, self.sentence(relation.sentence)))
        add((node, t.kg.rule, t.plain(relation.rule)))


#: :func:`kg.keys.district_code`, remembered (the same keys recur in every document)
_district_code = lru_cache(maxsize=1 << 16)(keys.district_code)


def _district_codes(entity: Entity) -> list[str]:
    """Codes of the gazetteer districts an entity links to (itself, parent, jurisdiction …)."""
    codes = [entity.code] if entity.type is EntityType.DISTRICT and entity.code else []
    for key in (entity.parent_key, entity.jurisdiction_key, entity.located_key):
        code = _district_code(key)
        if code:
            codes.append(code)
    return codes


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
