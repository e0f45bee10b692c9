"""Namespaces of the kg graph. The terms are defined in ``ontology/kg.ttl``."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/minsheng-kg/"
KG = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")

PREFIXES = {
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
