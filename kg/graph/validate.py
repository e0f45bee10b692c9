"""SHACL validation of a kg graph against ``ontology/shapes.ttl`` (pySHACL)."""

from __future__ import annotations

from functools import cache

from rdflib import Graph

from kg.resources import packaged


@cache
def shapes() -> Graph:
    """The SHACL shapes shipped with kg (``ontology/shapes.ttl``)."""
    text = packaged("ontology/shapes.ttl").read_text("utf-8")
    return Graph().parse(data=text, format="turtle")


def _run(graph: Graph) -> tuple[bool, Graph, str]:
    from pyshacl import validate

    if not graph.store.context_aware:  # pySHACL reads through a context-aware store
        copy = Graph()
        copy.addN((s, p, o, copy) for s, p, o in graph)
        graph = copy

    # the graph carries the schema facts the shapes need (kg.rdf.add_schema_facts), so the
    # ontology is not mixed in: that would copy the whole data graph first
    conforms, report_graph, report_text = validate(
        graph, shacl_graph=shapes(), inference="none", allow_warnings=True,
    )
    return bool(conforms), report_graph, str(report_text)


def validate_graph(graph: Graph) -> tuple[bool, int]:
    """(conforms, number of violations)."""
    from rdflib.namespace import SH

    conforms, report_graph, _ = _run(graph)
    return conforms, len(set(report_graph.subjects(predicate=SH.resultSeverity)))


def validation_report(graph: Graph) -> tuple[bool, str]:
    conforms, _, text = _run(graph)
    return conforms, text.strip()
