"""The OWL ontology (ontology/kg.ttl), the SHACL shapes (ontology/shapes.ttl) and the
JSON-LD context (ontology/context.jsonld): every term documented in Chinese and English,
the entity relations typed, and the shapes catching broken graphs."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SH, SKOS

from kg.graph.vocab import ENTITY_RELATIONS, KG, ORG, SCHEMA
from tests.conftest import ROOT

ONTOLOGY_IRI = URIRef(str(KG).rstrip("#"))


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "kg.ttl", format="turtle")


def kg_terms(ontology: Graph) -> list[URIRef]:
    """Every class, property and individual the ontology declares in the kg namespace."""
    return sorted({s for s in ontology.subjects(RDF.type, None)
                   if isinstance(s, URIRef) and s.startswith(str(KG))})


def test_the_ontology_has_one_copy_and_kg_finds_it():
    from kg.resources import packaged

    assert not (ROOT / "kg" / "ontology").exists()
    for name in ("kg.ttl", "shapes.ttl", "context.jsonld"):
        assert packaged(f"ontology/{name}").read_bytes() == (ROOT / "ontology" / name).read_bytes()


def test_a_missing_packaged_file_is_a_one_line_data_error():
    from kg.errors import DataError
    from kg.resources import packaged

    with pytest.raises(DataError, match=r"ontology/nothing.ttl: missing from the kg installation"):
        packaged("ontology/nothing.ttl")


def test_the_ontology_declares_the_expected_terms(ontology):
    terms = set(kg_terms(ontology))
    classes = {KG.District, KG.Agency, KG.Facility, KG.Program, KG.Document, KG.Sentence,
               KG.Mention, KG.AdministrativeLevel}
    assert all((c, RDF.type, OWL.Class) in ontology for c in classes)
    levels = {KG.ProvinceLevel, KG.CityLevel, KG.CountyLevel, KG.TownshipLevel,
              KG.VillageLevel, KG.ZoneLevel}
    assert all((lv, RDF.type, KG.AdministrativeLevel) in ontology for lv in levels)
    assert classes | levels | {KG[r] for r in ENTITY_RELATIONS} | {KG.level} <= terms
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology


def test_the_kg_namespace_is_closed_over_exactly_the_ontology_terms(ontology):
    # a term added to ontology/kg.ttl goes in kg.graph.vocab.KG too, and the other way round
    assert sorted(dir(KG)) == kg_terms(ontology)
    for term in kg_terms(ontology):
        name = term.removeprefix(str(KG))
        assert getattr(KG, name) == KG[name] == term, name  # no clash with a class attribute
        assert term in KG


@pytest.mark.parametrize("name", ["notATerm", "partof", "District ", "operatedby"])
def test_a_name_the_ontology_does_not_declare_fails_at_once(name):
    with pytest.raises(AttributeError, match="not in namespace"):
        getattr(KG, name)
    with pytest.raises(AttributeError, match="not in namespace"):
        KG[name]
    assert KG._NS[name] not in KG


def test_the_graph_layer_refuses_a_predicate_outside_the_ontology():
    from kg.graph.triples import _KG

    with pytest.raises(AttributeError):
        _KG.operatedBY  # noqa: B018  (the attribute access is the test)


def test_every_term_has_chinese_and_english_labels_and_a_one_line_definition(ontology):
    terms = kg_terms(ontology)
    assert len(terms) >= 30
    problems = []
    for term in [ONTOLOGY_IRI, *terms]:
        labels = list(ontology.objects(term, RDFS.label))
        langs = sorted(label.language for label in labels if isinstance(label, Literal))
        if langs != ["en", "zh"]:
            problems.append(f"{term}: labels in {langs}, want one @en and one @zh")
        if term == ONTOLOGY_IRI:
            continue
        definitions = list(ontology.objects(term, SKOS.definition))
        if len(definitions) != 1:
            problems.append(f"{term}: {len(definitions)} skos:definition")
        elif "\n" in str(definitions[0]) or len(str(definitions[0])) < 10:
            problems.append(f"{term}: definition is not one line of text")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ENTITY_RELATIONS)
def test_entity_relations_are_object_properties_with_domain_and_range(ontology, name):
    prop = KG[name]
    assert (prop, RDF.type, OWL.ObjectProperty) in ontology
    domains = list(ontology.objects(prop, RDFS.domain))
    ranges = list(ontology.objects(prop, RDFS.range))
    entity_classes = {KG.District, KG.Agency, KG.Facility, KG.Program}
    assert len(domains) == 1 and domains[0] in entity_classes, domains
    assert len(ranges) == 1 and ranges[0] in entity_classes, ranges


def test_relation_domains_and_ranges(ontology):
    expected = {
        "partOf": (KG.District, KG.District),
        "jurisdiction": (KG.Agency, KG.District),
        "locatedIn": (KG.Facility, KG.District),
        "operatedBy": (KG.Facility, KG.Agency),
        "runBy": (KG.Program, KG.Agency),
        "coversArea": (KG.Program, KG.District),
        "subOrganizationOf": (KG.Agency, KG.Agency),
    }
    assert set(expected) == set(ENTITY_RELATIONS)
    for name, (domain, range_) in expected.items():
        assert ontology.value(KG[name], RDFS.domain) == domain, name
        assert ontology.value(KG[name], RDFS.range) == range_, name
    assert (KG.partOf, RDF.type, OWL.TransitiveProperty) in ontology


def test_alignment_with_schema_org_org_and_prov(ontology):
    def supers(term: URIRef) -> set:
        return set(ontology.objects(term, RDFS.subClassOf))

    assert {SCHEMA.AdministrativeArea, PROV.Location} <= supers(KG.District)
    assert {SCHEMA.GovernmentOrganization, ORG.Organization, PROV.Agent} <= supers(KG.Agency)
    assert SCHEMA.CivicStructure in supers(KG.Facility)
    assert PROV.Plan in supers(KG.Program)
    for provenance in (KG.Document, KG.Sentence, KG.Mention):
        assert PROV.Entity in supers(provenance), provenance
    assert (KG.subOrganizationOf, RDFS.subPropertyOf, ORG.subOrganizationOf) in ontology
    assert (KG.partOf, RDFS.subPropertyOf, SCHEMA.containedInPlace) in ontology
    assert (KG.evidence, RDFS.subPropertyOf, PROV.wasDerivedFrom) in ontology


def test_the_graph_uses_only_terms_the_ontology_defines(ontology, seed_graph):
    defined = set(kg_terms(ontology))
    used = {p for p in seed_graph.predicates() if p.startswith(str(KG))}
    used |= {o for o in seed_graph.objects(None, RDF.type) if o.startswith(str(KG))}
    used |= {o for o in seed_graph.objects(None, KG.level)}
    assert used, "the seed graph uses no kg terms"
    assert used <= defined, sorted(used - defined)


def test_shapes_cover_every_entity_class_and_relation():
    shapes = Graph().parse(ROOT / "ontology" / "shapes.ttl", format="turtle")
    targets = set(shapes.objects(None, SH.targetClass))
    assert {KG.District, KG.Agency, KG.Facility, KG.Program, KG.Document, KG.Sentence,
            KG.Mention, RDF.Statement} <= targets
    paths = set(shapes.objects(None, SH.path))
    assert {KG[name] for name in ENTITY_RELATIONS} <= paths


def test_context_declares_the_kg_prefixes_and_terms():
    context = json.loads((ROOT / "ontology" / "context.jsonld").read_text("utf-8"))["@context"]
    assert context["kg"] == str(KG)
    for name in ENTITY_RELATIONS:
        assert context[name] == {"@id": f"kg:{name}", "@type": "@id"}, name
    assert context["prefLabel"] == {"@id": "skos:prefLabel", "@language": "zh"}
