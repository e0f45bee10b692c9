"""The Python API: lazy ``kg`` exports, ``kg.select``/``kg.query`` and ``kg.to_networkx``."""

from __future__ import annotations

import subprocess
import sys

import networkx as nx
import pytest
from rdflib import Graph
from rdflib.namespace import RDF

import kg
from kg.errors import QueryError
from kg.graph.vocab import ENTITY_RELATIONS, KG
from kg.sparql.query import run_query
from tests.conftest import ROOT


def test_import_kg_is_lazy() -> None:
    code = "import sys, kg; assert 'rdflib' not in sys.modules and 'kg.corpus' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_api_functions_work_whatever_was_imported_first() -> None:
    code = ("import kg.corpus, kg.sparql.query, kg.graph.formats, kg\n"
            "g = kg.build('seeds')\n"
            "assert kg.build is kg.corpus.build and kg.load is kg.graph.formats.load_graph\n"
            "assert kg.query(g, 'ASK { ?a a kg:Agency }') == [{'ask': True}]\n"
            "assert kg.select is not None and kg.load and kg.to_networkx\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_select_returns_plain_rows(seed_graph: Graph) -> None:
    rows = kg.select(seed_graph, "facilities-in-district")
    assert rows and set(rows[0]) == {"facility", "name", "district", "districtName"}
    assert all(isinstance(v, str) for row in rows for v in row.values())
    counts = kg.select(seed_graph, "entities-per-type")
    assert all(isinstance(row["entities"], int) for row in counts)
    assert kg.select(seed_graph, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [
        {"n": len(seed_graph)}]
    assert len(kg.query(seed_graph, "agency-programs")) == len(
        list(run_query(seed_graph, "agency-programs")))
    triples = kg.select(seed_graph, "CONSTRUCT WHERE { ?a a kg:Agency }")
    assert triples and set(triples[0]) == {"subject", "predicate", "object"}
    with pytest.raises(QueryError):
        kg.select(seed_graph, "SELECT WHERE {")


def test_select_on_a_pyoxigraph_store(seed_graph: Graph, tmp_path) -> None:
    from kg.sparql.store import open_source, write_store

    write_store(seed_graph, tmp_path / "store")
    store = open_source(tmp_path / "store")
    assert kg.select(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == [
        {"n": len(seed_graph)}]
    assert sorted(kg.select(store, "entities-per-type"), key=str) == sorted(
        kg.select(seed_graph, "entities-per-type"), key=str)


def test_to_networkx(seed_graph: Graph) -> None:
    g = kg.to_networkx(seed_graph)
    assert isinstance(g, nx.MultiDiGraph)
    entities = {str(s) for kind in ("District", "Agency", "Facility", "Program")
                for s in seed_graph.subjects(RDF.type, KG[kind])}
    assert set(g.nodes) == entities
    for _node, data in g.nodes(data=True):
        assert data["type"] in ("District", "Agency", "Facility", "Program") and data["label"]
    expected = {(str(s), str(o), r) for r in ENTITY_RELATIONS
                for s, o in seed_graph.subject_objects(KG[r]) if str(s) in g and str(o) in g}
    assert {(s, o, d["relation"]) for s, o, d in g.edges(data=True)} == expected
    assert g.number_of_edges() == len(expected) > 0
    # ready for analysis: centrality and communities run
    ranks = nx.pagerank(nx.DiGraph(g))
    assert abs(sum(ranks.values()) - 1) < 1e-6
    communities = nx.community.greedy_modularity_communities(g.to_undirected())
    assert sum(len(c) for c in communities) == g.number_of_nodes()


def test_the_rendered_notebook_holds_its_charts() -> None:
    """docs/explore.html is `make docs`'s executed copy of notebooks/explore.ipynb: its
    matplotlib charts are PNG images in the page, and the notebook's cells are all in it."""
    import json
    import re

    page = (ROOT / "docs" / "explore.html").read_text(encoding="utf-8")
    pictures = re.findall(r'<img [^>]*src="data:image/png;base64,', page)
    assert len(pictures) >= 2
    notebook = json.loads((ROOT / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    headings = [line.lstrip("# ").strip() for cell in notebook["cells"]
                if cell["cell_type"] == "markdown"
                for line in "".join(cell["source"]).splitlines() if line.startswith("#")]
    assert headings and all(h in page for h in headings), "docs/explore.html is out of date"
    assert "Traceback" not in page
