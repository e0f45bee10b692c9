"""Exports for the tools next door (GraphML, GEXF, CSV), ``kg.select(frame=True)``, and the
CLI on store folders and large files (``kg/sparql/large.py``)."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph

import kg
from kg.cli import main
from kg.graph.exports import ENTITY_COLUMNS, RELATION_COLUMNS, csv_paths, entity_graph
from kg.graph.vocab import ENTITY_RELATIONS
from kg.sparql import large


@pytest.fixture(scope="module")
def seed_files(tmp_path_factory: pytest.TempPathFactory, seed_graph: Graph) -> dict[str, Path]:
    """The seed graph as a Turtle file and as a store folder."""
    from kg.graph.formats import write_graph
    from kg.sparql.store import write_store

    folder = tmp_path_factory.mktemp("seedgraph")
    write_graph(seed_graph, folder / "graph.ttl")
    write_store(folder / "graph.ttl", folder / "store")
    return {"ttl": folder / "graph.ttl", "store": folder / "store"}


def test_graphml_loads_into_networkx_with_every_entity_and_relation(seed_graph, seed_files,
                                                                    tmp_path, capsys) -> None:
    expected = kg.to_networkx(seed_graph)
    out = tmp_path / "graph.graphml"
    assert main(["export", str(seed_files["ttl"]), "--format", "graphml", "-o", str(out)]) == 0
    loaded = nx.read_graphml(out, force_multigraph=True)
    assert loaded.number_of_nodes() == expected.number_of_nodes() > 100
    assert loaded.number_of_edges() == expected.number_of_edges() > 50
    qiantang = next(data for _, data in loaded.nodes(data=True) if data["label"] == "钱塘区")
    assert qiantang["type"] == "District" and qiantang["districtLabel"] == "杭州市"
    assert qiantang["code"] == "330114" and qiantang["level"] == "CountyLevel"
    assert qiantang["articles"] == expected.nodes[
        next(n for n, d in expected.nodes(data=True) if d["label"] == "钱塘区")]["documents"] > 0
    facility = next(d for _, d in loaded.nodes(data=True) if d["type"] == "Facility" and d["district"])
    assert facility["districtLabel"]
    assert {d["relation"] for _, _, d in loaded.edges(data=True)} <= set(ENTITY_RELATIONS)


def test_gexf_loads_and_is_the_same_bytes_from_a_store(seed_files, tmp_path) -> None:
    a, b = tmp_path / "a.gexf", tmp_path / "b.gexf"
    assert main(["export", str(seed_files["ttl"]), "--format", "gexf", "-o", str(a)]) == 0
    assert main(["export", str(seed_files["store"]), "--format", "gexf", "-o", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert b"lastmodifieddate" not in a.read_bytes()
    loaded = nx.read_gexf(a)
    labels = {d["label"] for _, d in loaded.nodes(data=True)}
    assert "钱塘区" in labels and loaded.number_of_edges() > 50


def test_csv_writes_an_entity_table_and_a_relation_table(seed_graph, seed_files,
                                                         tmp_path) -> None:
    assert main(["export", str(seed_files["ttl"]), "--format", "csv",
                 "-o", str(tmp_path / "x.csv")]) == 0
    with open(tmp_path / "x.entities.csv", encoding="utf-8", newline="") as stream:
        entities = list(csv.DictReader(stream))
    with open(tmp_path / "x.relations.csv", encoding="utf-8", newline="") as stream:
        relations = list(csv.DictReader(stream))
    expected = kg.to_networkx(seed_graph)
    assert len(entities) == expected.number_of_nodes()
    assert len(relations) == expected.number_of_edges()
    assert tuple(entities[0]) == ENTITY_COLUMNS and tuple(relations[0]) == RELATION_COLUMNS
    iris = {row["iri"] for row in entities}
    assert all(row["source"] in iris and row["target"] in iris for row in relations)
    assert any(row["label"] == "钱塘区" and row["type"] == "District" for row in entities)
    # a folder gets entities.csv and relations.csv
    assert main(["export", str(seed_files["store"]), "--format", "csv",
                 "-o", str(tmp_path / "tables") + "/"]) == 0
    assert (tmp_path / "tables" / "entities.csv").read_bytes() == (
        tmp_path / "x.entities.csv").read_bytes()


def test_csv_paths() -> None:
    assert csv_paths("out/x.csv") == (Path("out/x.entities.csv"), Path("out/x.relations.csv"))
    assert csv_paths("out/") == (Path("out/entities.csv"), Path("out/relations.csv"))
    assert csv_paths("out/tables") == (Path("out/tables.entities.csv"),
                                       Path("out/tables.relations.csv"))


def test_entity_graph_is_the_same_from_rdflib_and_a_store(seed_graph, seed_files) -> None:
    from kg.sparql.store import open_source

    assert entity_graph(seed_graph) == entity_graph(open_source(seed_files["store"]))


def test_select_frame_gives_a_dataframe(seed_graph) -> None:
    pandas = pytest.importorskip("pandas")
    frame = kg.select(seed_graph, "entities-per-type", frame=True)
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["type", "entities", "articles", "listedOnly", "ancestors"]
    assert frame.to_dict("records") == kg.select(seed_graph, "entities-per-type")
    empty = kg.select(seed_graph, "SELECT ?x ?y WHERE { ?x a kg:NoSuchClass ; ?y ?z }", frame=True)
    assert list(empty.columns) == ["x", "y"] and len(empty) == 0


# ------------------------------------------------------------------ store folders, big files


def test_query_a_store_folder_prints_what_the_file_prints(seed_files, capsys) -> None:
    for query in ("entities-per-type", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
                  "ASK { ?a a kg:Agency }",
                  "CONSTRUCT WHERE { ?a a kg:Agency ; skos:prefLabel ?l }"):
        outputs = []
        for source in (seed_files["ttl"], seed_files["store"]):
            assert main(["query", str(source), query]) == 0
            outputs.append(capsys.readouterr().out)
        assert outputs[0] == outputs[1], query
    assert "@prefix kg:" in outputs[0] and "skos:prefLabel" in outputs[0]


def test_a_large_file_is_read_with_pyoxigraph(seed_files, monkeypatch, capsys) -> None:
    assert not large.is_large(seed_files["ttl"]) and large.is_large(seed_files["store"])
    assert main(["query", str(seed_files["ttl"]), "entities-per-type", "--format", "csv"]) == 0
    small = capsys.readouterr().out
    monkeypatch.setattr(large, "LARGE_FILE_BYTES", 1000)
    assert large.is_large(seed_files["ttl"])
    assert large.is_store_object(large.open_graph(seed_files["ttl"]))
    assert main(["query", str(seed_files["ttl"]), "entities-per-type", "--format", "csv"]) == 0
    assert capsys.readouterr().out == small


def test_export_from_a_store_keeps_kg_turtle_and_streams_large_ones(seed_files, tmp_path,
                                                                     monkeypatch) -> None:
    out = tmp_path / "graph.ttl"
    assert main(["export", str(seed_files["store"]), "-o", str(out)]) == 0
    assert out.read_bytes() == seed_files["ttl"].read_bytes()
    monkeypatch.setattr(large, "SMALL_STORE_TRIPLES", 10)  # now streamed by pyoxigraph
    for fmt, suffix in (("turtle", "ttl"), ("nt", "nt"), ("trig", "trig")):
        streamed = tmp_path / f"streamed.{suffix}"
        assert main(["export", str(seed_files["store"]), "--format", fmt, "-o", str(streamed)]) == 0
        assert set(kg.load(streamed)) == set(kg.load(seed_files["ttl"])), fmt


def test_validate_a_store_in_batches(seed_files, capsys, tmp_path) -> None:
    from kg.sparql.store import open_source

    assert main(["validate", str(seed_files["store"])]) == 0
    assert "Conforms: True" in capsys.readouterr().out
    conforms, text = large.validate_in_batches(open_source(seed_files["store"]),
                                               batch_triples=1000)
    assert conforms and "batches" in text
    # a broken graph: an agency without a label, a facility located in an agency
    broken = tmp_path / "broken.ttl"
    broken.write_text(seed_files["ttl"].read_text(encoding="utf-8") + """
<https://w3id.org/minsheng-kg/id/agency/x> a kg:Agency .
<https://w3id.org/minsheng-kg/id/facility/y> a kg:Facility ; skos:prefLabel "某某设施"@zh ;
    rdfs:label "某某设施"@zh ; kg:locatedIn <https://w3id.org/minsheng-kg/id/agency/x> .
""", encoding="utf-8")
    from kg.sparql.store import write_store

    write_store(broken, tmp_path / "broken")
    assert main(["validate", str(tmp_path / "broken")]) == 1
    report = capsys.readouterr().out
    assert "Conforms: False" in report and "Results (3)" in report
    assert "agency/x" in report and "facility/y" in report


def test_view_of_a_store(seed_graph, seed_files, tmp_path) -> None:
    from kg.view import view_data

    out = tmp_path / "view.html"
    assert main(["view", str(seed_files["store"]), "-o", str(out)]) == 0
    from kg.sparql.store import open_source

    assert view_data(open_source(seed_files["store"]))[0] == view_data(seed_graph)[0]
