"""The knowledge graph of the seed articles (issue 5): facts asked with SPARQL, provenance
of every mention and text relation, stable IRIs, SHACL, the example queries, byte-identical
builds, and the export formats."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SKOS

import kg
from kg.graph.formats import load_graph, serialize
from kg.graph.triples import new_graph
from kg.graph.validate import validate_graph
from kg.graph.vocab import ENTITY_RELATIONS, ID, KG
from kg.sparql.query import named_queries
from tests.conftest import ROOT, SEEDS

FORMATS = {"turtle": ("ttl", "turtle"), "nt": ("nt", "nt"), "json-ld": ("jsonld", "json-ld"),
           "trig": ("trig", "trig")}


def ask(graph, query: str) -> bool:
    return kg.select(graph, query) == [{"ask": True}]


def run_kg(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300, env=env)


# --- the facts of issue 5 ---------------------------------------------------------------


def test_seed_graph_conforms_to_the_shapes(seed_graph):
    assert validate_graph(seed_graph) == (True, 0)


def test_xiashi_street_is_part_of_zhejiang(seed_graph):
    assert ask(seed_graph, """ASK {
        ?street a kg:District ; skos:prefLabel "硖石街道"@zh ; kg:partOf+ ?province .
        ?province a kg:District ; skos:prefLabel "浙江省"@zh ; kg:level kg:ProvinceLevel }""")


def test_qiantang_is_part_of_hangzhou(seed_graph):
    assert ask(seed_graph, """ASK {
        ?qiantang a kg:District ; skos:prefLabel "钱塘区"@zh ; kg:partOf+ ?hangzhou .
        ?hangzhou skos:prefLabel "杭州市"@zh ; kg:level kg:CityLevel }""")
    # the direct parent, from the gazetteer
    assert (ID["district/330114"], KG.partOf, ID["district/330100"]) in seed_graph


def test_hangzhou_civil_affairs_bureau_has_hangzhou_as_jurisdiction(seed_graph):
    assert ask(seed_graph, """ASK {
        ?bureau a kg:Agency ; skos:prefLabel "杭州市民政局"@zh ; kg:jurisdiction ?city .
        ?city a kg:District ; skos:prefLabel "杭州市"@zh }""")


def test_wenchao_health_centre_is_in_qiantang(seed_graph):
    assert ask(seed_graph, """ASK {
        ?centre a kg:Facility ; skos:prefLabel "闻潮社区卫生服务中心"@zh ;
                kg:locatedIn/kg:partOf* ?qiantang .
        ?qiantang skos:prefLabel "钱塘区"@zh }""")


def test_the_sentence_about_wenchao_is_reachable_from_it(seed_graph):
    # through its mentions ...
    rows = kg.select(seed_graph, """SELECT DISTINCT ?sentence ?file WHERE {
        ?centre skos:prefLabel "闻潮社区卫生服务中心"@zh .
        ?mention kg:refersTo ?centre ; kg:inSentence ?s .
        ?s kg:text ?sentence ; kg:inDocument/kg:fileName ?file }""")
    assert rows and all("闻潮社区卫生服务中心" in r["sentence"] for r in rows)
    assert {r["file"] for r in rows} == {"000_15af565bc8285b03.txt"}
    # ... and through the reified locatedIn statement
    rows = kg.select(seed_graph, """SELECT ?sentence WHERE {
        ?centre skos:prefLabel "闻潮社区卫生服务中心"@zh .
        ?qiantang skos:prefLabel "钱塘区"@zh .
        ?statement a rdf:Statement ; rdf:subject ?centre ; rdf:predicate kg:locatedIn ;
                   rdf:object ?qiantang ; kg:evidence/kg:text ?sentence }""")
    assert rows and all("闻潮社区卫生服务中心" in r["sentence"] for r in rows)


# --- stable, readable IRIs -----------------------------------------------------------------


def test_districts_are_keyed_by_division_code(seed_graph):
    for code, name in [("330000", "浙江省"), ("330100", "杭州市"), ("330114", "钱塘区"),
                       ("330481", "海宁市"), ("330481004", "硖石街道")]:
        node = ID[f"district/{code}"]
        assert seed_graph.value(node, SKOS.prefLabel) == Literal(name, lang="zh"), code
        assert seed_graph.value(node, KG.divisionCode) == Literal(code), code
    rows = kg.select(seed_graph, """SELECT ?d ?code WHERE {
        ?d a kg:District ; kg:divisionCode ?code }""")
    assert len(rows) > 20
    assert all(r["d"] == str(ID["district/" + r["code"]]) for r in rows)


def test_entity_iris_are_readable(seed_graph):
    assert (ID["agency/330100/民政局"], SKOS.prefLabel, Literal("杭州市民政局", lang="zh")) \
        in seed_graph
    assert (ID["facility/330114/闻潮社区卫生服务中心"], RDF.type, KG.Facility) in seed_graph
    for entity_type in ("District", "Agency", "Facility", "Program"):
        prefix = str(ID) + entity_type.lower() + "/"
        assert all(s.startswith(prefix) for s in seed_graph.subjects(RDF.type, KG[entity_type]))


# --- provenance ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def documents(seed_graph, seed_results):
    """document IRI → its DocumentResult (with the normalized text)."""
    out = {}
    for doc, name in seed_graph.subject_objects(KG.fileName):
        out[doc] = seed_results[str(name)]
    assert len(out) == len(list(SEEDS.glob("*.txt")))
    return out


def test_every_mention_has_document_span_sentence_and_rule(seed_graph):
    rows = kg.select(seed_graph, """SELECT ?m WHERE { ?m a kg:Mention .
        FILTER NOT EXISTS { ?m kg:refersTo ?e ; kg:inDocument ?d ; kg:start ?s ; kg:end ?t ;
                                kg:inSentence ?sentence ; kg:rule ?rule ; kg:text ?text } }""")
    assert rows == []


def test_mention_spans_index_the_normalized_text(seed_graph, documents):
    mentions = list(seed_graph.subjects(RDF.type, KG.Mention))
    assert len(mentions) > 200
    wrong = []
    for mention in mentions:
        document = documents[seed_graph.value(mention, KG.inDocument)].document
        start = seed_graph.value(mention, KG.start).toPython()
        end = seed_graph.value(mention, KG.end).toPython()
        text = str(seed_graph.value(mention, KG.text))
        if document.text[start:end] != text:
            wrong.append(f"{mention}: text[{start}:{end}]={document.text[start:end]!r} != {text!r}")
        original = (seed_graph.value(mention, KG.originalStart).toPython(),
                    seed_graph.value(mention, KG.originalEnd).toPython())
        if original != document.original_span(start, end):
            wrong.append(f"{mention}: original span {original} != {document.original_span(start, end)}")
        sentence = seed_graph.value(mention, KG.inSentence)
        s_start = seed_graph.value(sentence, KG.start).toPython()
        s_end = seed_graph.value(sentence, KG.end).toPython()
        if not (s_start <= start and end <= s_end) or seed_graph.value(
                sentence, KG.inDocument) != seed_graph.value(mention, KG.inDocument):
            wrong.append(f"{mention}: not inside its sentence {sentence}")
    assert not wrong, "\n".join(wrong[:20])


def test_sentence_spans_index_the_normalized_text(seed_graph, documents):
    sentences = list(seed_graph.subjects(RDF.type, KG.Sentence))
    assert sentences
    for sentence in sentences:
        text = documents[seed_graph.value(sentence, KG.inDocument)].document.text
        start = seed_graph.value(sentence, KG.start).toPython()
        end = seed_graph.value(sentence, KG.end).toPython()
        assert text[start:end] == str(seed_graph.value(sentence, KG.text)), sentence


def test_every_text_relation_has_its_supporting_sentence(seed_graph, seed_results):
    evidence = {}
    for row in kg.select(seed_graph, """SELECT ?s ?p ?o ?sentence ?file WHERE {
            ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
                kg:evidence ?e . ?e kg:text ?sentence ; kg:inDocument/kg:fileName ?file }"""):
        evidence.setdefault((row["s"], row["p"], row["o"], row["file"]), set()).add(row["sentence"])
    text_relations = 0
    for name, result in seed_results.items():
        for relation in result.relations:
            if relation.sentence < 0:
                continue
            text_relations += 1
            key = (str(ID[relation.subject]), str(KG[relation.predicate]),
                   str(ID[relation.object]), name)
            assert result.sentences[relation.sentence].text in evidence.get(key, set()), key
    assert text_relations > 10


def test_reified_statements_are_asserted_and_cite_a_sentence(seed_graph):
    statements = list(seed_graph.subjects(RDF.type, RDF.Statement))
    assert len(statements) > 10
    for statement in statements:
        triple = (seed_graph.value(statement, RDF.subject), seed_graph.value(statement, RDF.predicate),
                  seed_graph.value(statement, RDF.object))
        assert triple in seed_graph, statement
        assert triple[1] in {KG[name] for name in ENTITY_RELATIONS}
        assert seed_graph.value(statement, KG.rule) is not None
        for sentence in seed_graph.objects(statement, KG.evidence):
            assert (sentence, RDF.type, KG.Sentence) in seed_graph


@pytest.mark.parametrize("name", ENTITY_RELATIONS)
def test_relations_respect_domain_and_range(seed_graph, name):
    ontology = Graph().parse(ROOT / "ontology" / "kg.ttl", format="turtle")
    from rdflib.namespace import RDFS

    domain = ontology.value(KG[name], RDFS.domain)
    range_ = ontology.value(KG[name], RDFS.range)
    for s, o in seed_graph.subject_objects(KG[name]):
        assert (s, RDF.type, domain) in seed_graph, (s, name)
        assert (o, RDF.type, range_) in seed_graph, (o, name)


# --- the shapes catch broken graphs -----------------------------------------------------


def _copy(graph: Graph) -> Graph:
    out = Graph()  # rdflib's default store, whatever kg.rdf.new_graph uses
    out += graph
    return out


def _violations(graph: Graph) -> set[tuple[str, str]]:
    """(focus node, path) of every violation."""
    from rdflib.namespace import SH

    from kg.graph.validate import _run

    conforms, report, _ = _run(graph)
    found = {(str(report.value(r, SH.focusNode)), str(report.value(r, SH.resultPath)))
             for r in report.subjects(RDF.type, SH.ValidationResult)}
    assert conforms == (not found)
    return found


WENCHAO = ID["facility/330114/闻潮社区卫生服务中心"]


def _a_mention(graph: Graph) -> URIRef:
    return min(graph.subjects(KG.refersTo, WENCHAO))


def _break_mention_without_entity(graph: Graph) -> tuple[URIRef, URIRef]:
    mention = _a_mention(graph)
    graph.remove((mention, KG.refersTo, None))
    return mention, KG.refersTo


def _break_two_preflabels(graph: Graph) -> tuple[URIRef, URIRef]:
    graph.add((WENCHAO, SKOS.prefLabel, Literal("闻潮卫生中心", lang="zh")))
    return WENCHAO, SKOS.prefLabel


def _break_statement_without_evidence(graph: Graph) -> tuple[URIRef, URIRef]:
    statement = min(graph.subjects(RDF.subject, WENCHAO))
    graph.remove((statement, KG.evidence, None))
    return statement, KG.evidence


def _break_inverted_span(graph: Graph) -> tuple[URIRef, URIRef]:
    mention = _a_mention(graph)
    start = graph.value(mention, KG.start)
    graph.set((mention, KG.end, start))
    return mention, KG.start


def _break_division_code(graph: Graph) -> tuple[URIRef, URIRef]:
    node = ID["district/330114"]
    graph.set((node, KG.divisionCode, Literal("33011")))
    return node, KG.divisionCode


def _break_jurisdiction_to_facility(graph: Graph) -> tuple[URIRef, URIRef]:
    bureau = ID["agency/330100/民政局"]
    graph.set((bureau, KG.jurisdiction, WENCHAO))
    return bureau, KG.jurisdiction


@pytest.mark.parametrize("breaker", [
    _break_mention_without_entity, _break_two_preflabels, _break_statement_without_evidence,
    _break_inverted_span, _break_division_code, _break_jurisdiction_to_facility,
], ids=lambda f: f.__name__.removeprefix("_break_"))
def test_shapes_catch_a_broken_graph(seed_graph, breaker):
    graph = _copy(seed_graph)
    focus, path = breaker(graph)
    assert _violations(graph) == {(str(focus), str(path))}
    # what `kg build` runs on its store: batches of subjects, the same one violation
    import pyoxigraph

    from kg.sparql.large import batch_results

    store = pyoxigraph.Store()
    store.load(input=graph.serialize(format="nt", encoding="utf-8"),
               format=pyoxigraph.RdfFormat.N_TRIPLES)
    results, batches = batch_results(store, batch_triples=500)
    assert batches > 3 and len(results) == 1 and f"<{focus}>" in results[0]


@pytest.fixture(scope="module")
def seed_ttl(tmp_path_factory, seed_graph) -> Path:
    path = tmp_path_factory.mktemp("graph") / "graph.ttl"
    path.write_bytes(serialize(seed_graph, "turtle"))
    return path


def test_kg_validate_exit_status(seed_graph, seed_ttl, tmp_path):
    broken = _copy(seed_graph)
    _break_mention_without_entity(broken)
    _break_two_preflabels(broken)
    broken_path = tmp_path / "broken.ttl"
    broken_path.write_bytes(serialize(broken, "turtle"))
    procs = {name: subprocess.Popen([sys.executable, "-m", "kg", "validate", str(path)],
                                    cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
             for name, path in (("seed", seed_ttl), ("broken", broken_path))}
    out = {name: (proc.communicate(timeout=300), proc.returncode) for name, proc in procs.items()}
    (stdout, stderr), code = out["seed"]
    assert code == 0, stdout + stderr
    assert "Conforms: True" in stdout
    (stdout, stderr), code = out["broken"]
    assert code == 1, stdout + stderr
    assert "Conforms: False" in stdout
    assert "a Mention refers to exactly one entity" in stdout
    assert "an entity needs exactly one Chinese skos:prefLabel" in stdout


# --- the example queries ----------------------------------------------------------------


def test_queries_folder_holds_the_named_queries():
    names = sorted(p.stem for p in (ROOT / "kg" / "sparql" / "queries").glob("*.rq"))
    assert names == sorted(named_queries())
    assert {"facilities-in-district", "agency-programs", "entity-evidence",
            "district-articles", "mention-sentences", "entities-per-type"} <= set(names)


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_every_query_says_what_it_answers_and_runs(seed_graph, name):
    text = named_queries()[name]
    assert text.lstrip().startswith("# ") and len(text.splitlines()[0]) > 20
    kg.select(seed_graph, name)


def test_facilities_in_district_includes_sub_districts(seed_graph):
    rows = kg.select(seed_graph, "facilities-in-district", params={"district": "钱塘区"})
    by_name = {r["name"]: r["districtName"] for r in rows}
    assert by_name.get("闻潮社区卫生服务中心") == "钱塘区"
    assert by_name.get("义蓬街道文体中心") == "义蓬街道"  # a street inside 钱塘区: partOf*
    assert all(seed_graph.value(URIRef(r["facility"]), RDF.type) == KG.Facility for r in rows)
    assert "沿江体育公园" not in by_name  # in 滨江区, not 钱塘区


def test_district_articles_of_hangzhou(seed_graph):
    rows = kg.select(seed_graph, "district-articles", params={"district": "杭州市"})
    files = [r["file"] for r in rows]
    assert {"000_15af565bc8285b03.txt", "002_5dc2bdb78a7935d9.txt"} <= set(files)
    assert "003_f2cf3845780c6986.txt" not in files  # 威海: nothing in 杭州市
    counts = [r["mentions"] for r in rows]
    assert all(isinstance(n, int) and n > 0 for n in counts)
    assert counts == sorted(counts, reverse=True)


def test_entity_evidence_returns_the_sentence_about_wenchao(seed_graph):
    rows = kg.select(seed_graph, "entity-evidence", params={"entity": "闻潮社区卫生服务中心"})
    located = [r for r in rows if r["relation"] == str(KG.locatedIn)]
    assert located, rows
    assert all(r["subjectName"] == "闻潮社区卫生服务中心" and r["objectName"] == "钱塘区"
               for r in located)
    assert any("闻潮社区卫生服务中心" in r["sentence"] for r in located)
    assert {r["file"] for r in rows} == {"000_15af565bc8285b03.txt"}
    assert all(r["rule"] for r in rows)


def test_mention_sentences_lists_located_in_evidence(seed_graph):
    rows = kg.select(seed_graph, "mention-sentences")
    pairs = {(r["facilityName"], r["districtName"]) for r in rows}
    assert ("闻潮社区卫生服务中心", "钱塘区") in pairs
    assert ("沿江体育公园", "滨江区") in pairs
    for row in rows:
        assert row["sentence"] and row["file"].endswith(".txt") and row["rule"]


def test_agency_programs(seed_graph):
    rows = kg.select(seed_graph, "agency-programs")
    assert rows, "no agency runs a program in the seed graph (runBy relations missing)"
    guideline = "关于加快发展数字家庭提高居住品质的指导意见"
    agencies = {r["agencyName"] for r in rows if r["programName"] == guideline}
    # 004: 住房和城乡建设部、工业和信息化部、公安部等16部门联合印发《关于…指导意见》
    assert {"住房和城乡建设部", "工业和信息化部", "公安部"} <= agencies
    # 000: 区社会发展局(筹)秉持……全面铺开“八大行动”: a local agency, with its jurisdiction
    local = {(r["agencyName"], r["jurisdictionName"]) for r in rows if r["programName"] == "八大行动"}
    assert ("钱塘区社会发展局(筹)", "钱塘区") in local


def test_entities_per_type(seed_graph):
    rows = {r["type"]: r for r in kg.select(seed_graph, "entities-per-type")}
    assert set(rows) == {str(KG[t]) for t in ("District", "Agency", "Facility", "Program")}
    assert all(r["entities"] > 0 and 0 < r["articles"] <= 5 for r in rows.values())


# --- deterministic output ---------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_builds(tmp_path_factory):
    """Two `kg build seeds/` runs in separate processes with different hash seeds."""
    out = tmp_path_factory.mktemp("builds")
    procs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        procs.append((out / seed, subprocess.Popen(
            [sys.executable, "-m", "kg", "build", str(SEEDS), "--out", str(out / seed)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    results = []
    for folder, proc in procs:
        stdout, stderr = proc.communicate(timeout=300)
        results.append((proc.returncode, stdout, stderr, folder))
    return results


def test_builds_are_byte_identical_across_processes_and_hash_seeds(cli_builds):
    (_, out1, err1, dir1), (_, out2, err2, dir2) = cli_builds
    # (the exit status, which also says whether the graph conforms, is test_build_validates')
    for name in ("graph.ttl", "entities.jsonl"):
        assert (dir1 / name).exists(), out1 + err1
        assert (dir2 / name).exists(), out2 + err2
        assert (dir1 / name).read_bytes() == (dir2 / name).read_bytes(), name


def test_build_validates(cli_builds):
    for code, stdout, stderr, _ in cli_builds:
        assert code == 0, stdout + stderr
        assert "SHACL: conforms" in stdout


def test_build_writes_the_session_graph(cli_builds, seed_graph):
    """The CLI's graph.ttl is exactly the serialization of `kg.build(seeds)`."""
    folder = cli_builds[0][3]
    assert (folder / "graph.ttl").read_bytes() == serialize(seed_graph, "turtle")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_serialization_does_not_depend_on_insertion_order(seed_graph, fmt):
    triples = list(seed_graph)
    random.Random(5).shuffle(triples)
    shuffled = new_graph()
    for triple in triples:
        shuffled.add(triple)
    assert serialize(shuffled, fmt) == serialize(seed_graph, fmt)


# --- export -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exports(cli_builds, tmp_path_factory):
    """`kg export graph.ttl --format F -o FILE` for every format (in-process)."""
    from kg.cli import main

    graph_ttl = cli_builds[0][3] / "graph.ttl"
    out = tmp_path_factory.mktemp("export")
    files = {}
    for fmt, (suffix, _) in FORMATS.items():
        files[fmt] = out / f"graph.{suffix}"
        assert main(["export", str(graph_ttl), "--format", fmt, "-o", str(files[fmt])]) == 0
    return graph_ttl, files


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_round_trips_to_an_isomorphic_graph(exports, seed_graph, fmt):
    graph_ttl, files = exports
    parsed = Graph().parse(files[fmt], format=FORMATS[fmt][1])
    assert len(parsed) == len(seed_graph)
    assert isomorphic(parsed, seed_graph)
    assert set(load_graph(files[fmt])) == set(parsed)  # `kg.load` reads it by its suffix


def test_export_turtle_reproduces_graph_ttl(exports):
    graph_ttl, files = exports
    assert files["turtle"].read_bytes() == graph_ttl.read_bytes()


def test_nt_export_is_sorted(exports):
    lines = exports[1]["nt"].read_text(encoding="utf-8").splitlines()
    assert lines == sorted(set(lines)) and all(line.endswith(" .") for line in lines)


def test_trig_export_puts_the_triples_in_the_default_graph(exports, seed_graph):
    dataset = Dataset()
    dataset.parse(exports[1]["trig"], format="trig")
    named = [g for g in dataset.graphs() if g.identifier != dataset.default_graph.identifier
             and len(g)]
    assert named == []
    assert isomorphic(dataset.default_graph, seed_graph)


def test_json_ld_uses_the_repo_context_and_holds_the_turtle_triples(exports):
    graph_ttl, files = exports
    document = json.loads(files["json-ld"].read_text(encoding="utf-8"))
    context = json.loads((ROOT / "ontology" / "context.jsonld").read_text(encoding="utf-8"))
    assert document["@context"] == context["@context"]
    nodes = {node["@id"]: node for node in document["@graph"]}
    centre = nodes[str(WENCHAO)]
    assert centre["@type"] == "Facility" and centre["prefLabel"] == "闻潮社区卫生服务中心"
    assert centre["locatedIn"] == str(ID["district/330114"])
    turtle = Graph().parse(graph_ttl, format="turtle")
    jsonld = Graph().parse(files["json-ld"], format="json-ld")
    assert set(jsonld) == set(turtle)
