"""Namespaces of the kg graph. The terms are defined in ``ontology/kg.ttl``."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace

BASE = "https://w3id.org/minsheng-kg/"


class KG(DefinedNamespace):
    """The terms declared in ``ontology/kg.ttl``, and no others: ``KG.partOf`` and
    ``KG["partOf"]`` give the IRI, a name the ontology does not declare raises
    AttributeError at once instead of minting a wrong IRI (``tests/test_ontology.py`` checks
    this list against the ontology)."""

    _NS = Namespace(BASE + "ontology#")
    _fail = True

    # classes
    Entity: URIRef
    District: URIRef
    Agency: URIRef
    Facility: URIRef
    Program: URIRef
    AdministrativeLevel: URIRef
    Document: URIRef
    Mention: URIRef
    Sentence: URIRef
    # administrative levels (individuals of AdministrativeLevel)
    ProvinceLevel: URIRef
    CityLevel: URIRef
    CountyLevel: URIRef
    TownshipLevel: URIRef
    VillageLevel: URIRef
    ZoneLevel: URIRef
    # relations between entities
    partOf: URIRef
    jurisdiction: URIRef
    locatedIn: URIRef
    operatedBy: URIRef
    runBy: URIRef
    coversArea: URIRef
    subOrganizationOf: URIRef
    # entities, documents, mentions and evidence
    level: URIRef
    divisionCode: URIRef
    mentionedIn: URIRef
    listedIn: URIRef
    fileName: URIRef
    sha256: URIRef
    encoding: URIRef
    aside: URIRef
    refersTo: URIRef
    inDocument: URIRef
    inSentence: URIRef
    start: URIRef
    end: URIRef
    originalStart: URIRef
    originalEnd: URIRef
    text: URIRef
    rule: URIRef
    evidence: URIRef
    year: URIRef

ID = Namespace(BASE + "id/")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")

PREFIXES: dict[str, Namespace | type[DefinedNamespace]] = {
    "kg": KG,
    "kgid": ID,
    "skos": SKOS,
    "rdfs": RDFS,
    "rdf": RDF,
    "prov": PROV,
    "xsd": XSD,
    "schema": SCHEMA,
    "org": ORG,
    "dcterms": DCTERMS,
}

# entity-to-entity relations of the ontology, by local name
ENTITY_RELATIONS = (
    "partOf",
    "jurisdiction",
    "locatedIn",
    "operatedBy",
    "runBy",
    "coversArea",
    "subOrganizationOf",
)
