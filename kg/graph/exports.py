"""Exports for the tools next door: GraphML and GEXF (Gephi, Cytoscape, networkx, yEd) and
two CSV tables (pandas, Excel, R).

All three carry the same thing, the entity graph: one node per District/Agency/Facility/
Program with

    type          "District" | "Agency" | "Facility" | "Program"
    label         skos:prefLabel (the smallest, if a graph has several)
    district      IRI of the district the entity is in: a facility's kg:locatedIn, an agency's
                  kg:jurisdiction, a program's kg:coversArea, a district's kg:partOf parent
                  ("" when it has none; the smallest IRI when it has several)
    districtLabel that district's label
    articles      number of articles mentioning the entity (kg:mentionedIn), as in
                  ``kg.to_networkx`` and the ``entities-per-type`` query
    level, code   a district's kg:level (local name, e.g. "CountyLevel") and division code

and one edge per entity relation (``relation``: partOf, locatedIn …) between two of them.
Everything is read through SPARQL, so the source may be an rdflib ``Graph`` or a
``pyoxigraph.Store`` (a store folder of ``kg build --store``). Nodes are written sorted by
IRI and edges by (source, relation, target): the same graph gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.files import atomic_write
from kg.graph.vocab import ENTITY_RELATIONS

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph
    from rdflib import Graph

ENTITY_TYPES = ("District", "Agency", "Facility", "Program")
#: the relation that places an entity of each type in a district
DISTRICT_RELATION = {"District": "partOf", "Facility": "locatedIn", "Agency": "jurisdiction",
                     "Program": "coversArea"}
ENTITY_COLUMNS = ("iri", "type", "label", "district", "districtLabel", "articles", "level", "code")
RELATION_COLUMNS = ("source", "relation", "target", "sourceLabel", "targetLabel")
NETWORK_FORMATS = ("graphml", "gexf", "csv")

_ENTITIES = """SELECT ?entity ?type ?label ?level ?code WHERE {
  VALUES ?type { kg:District kg:Agency kg:Facility kg:Program }
  ?entity a ?type .
  OPTIONAL { ?entity skos:prefLabel ?label }
  OPTIONAL { ?entity kg:level ?level }
  OPTIONAL { ?entity kg:divisionCode ?code }
}"""
_ARTICLES = """SELECT ?entity (COUNT(DISTINCT ?doc) AS ?articles) WHERE {
  ?entity kg:mentionedIn ?doc } GROUP BY ?entity"""
_RELATIONS = ("SELECT ?source ?relation ?target WHERE { VALUES ?relation { "
              + " ".join(f"kg:{r}" for r in ENTITY_RELATIONS) + " } ?source ?relation ?target }")


@dataclass(frozen=True)
class EntityGraph:
    """The entity graph as two tables: rows of ENTITY_COLUMNS and of RELATION_COLUMNS."""

    entities: list[dict[str, Any]]
    relations: list[dict[str, Any]]


def entity_graph(source: Graph | pyoxigraph.Store) -> EntityGraph:
    """Read the entity graph of an rdflib Graph or a pyoxigraph Store (see the module doc)."""
    from kg.sparql.rows import select

    kinds: dict[str, str] = {}
    labels: dict[str, str] = {}
    levels: dict[str, str] = {}
    codes: dict[str, str] = {}
    for row in select(source, _ENTITIES):
        iri, kind = row["entity"], row["type"].rsplit("#", 1)[-1]
        if iri not in kinds or ENTITY_TYPES.index(kind) < ENTITY_TYPES.index(kinds[iri]):
            kinds[iri] = kind  # typed twice: the first type in ENTITY_TYPES order
        name = row["label"]
        if name is not None and (iri not in labels or name < labels[iri]):
            labels[iri] = name
        for found, value in ((levels, row["level"]), (codes, row["code"])):
            if value is not None:
                value = str(value).rsplit("#", 1)[-1]
                if iri not in found or value < found[iri]:
                    found[iri] = value
    articles = {row["entity"]: int(row["articles"]) for row in select(source, _ARTICLES)}
    edges = sorted({(row["source"], row["relation"].rsplit("#", 1)[-1], row["target"])
                    for row in select(source, _RELATIONS)
                    if row["source"] in kinds and row["target"] in kinds
                    and row["source"] != row["target"]})
    district: dict[str, str] = {}
    for s, relation, o in edges:  # sorted: the smallest target IRI wins
        if DISTRICT_RELATION[kinds[s]] == relation and kinds[o] == "District":
            district.setdefault(s, o)

    def label(iri: str) -> str:
        return labels.get(iri, iri.rsplit("/", 1)[-1])

    entities = []
    for iri in sorted(kinds):
        where = district.get(iri, "")
        entities.append({"iri": iri, "type": kinds[iri], "label": label(iri), "district": where,
                         "districtLabel": label(where) if where else "",
                         "articles": articles.get(iri, 0), "level": levels.get(iri, ""),
                         "code": codes.get(iri, "")})
    relations = [{"source": s, "relation": r, "target": o, "sourceLabel": label(s),
                  "targetLabel": label(o)} for s, r, o in edges]
    return EntityGraph(entities, relations)


def to_network(table: EntityGraph) -> nx.MultiDiGraph:
    """The tables as a networkx MultiDiGraph (node attributes: the entity columns but
    ``iri``; edges keyed by ``relation``)."""
    import networkx as nx

    out = nx.MultiDiGraph()
    for row in table.entities:
        out.add_node(row["iri"], **{k: v for k, v in row.items() if k != "iri"})
    for row in table.relations:
        out.add_edge(row["source"], row["target"], key=row["relation"], relation=row["relation"])
    return out


def graphml(table: EntityGraph) -> bytes:
    """GraphML 1.0 in UTF-8 (networkx's plain-XML writer, so the bytes do not depend on
    whether lxml is installed)."""
    from networkx.readwrite.graphml import write_graphml_xml

    buffer = io.BytesIO()
    write_graphml_xml(to_network(table), buffer, encoding="utf-8")
    return buffer.getvalue()


def gexf(table: EntityGraph) -> bytes:
    """GEXF 1.2 in UTF-8 (networkx's writer, without the day's date it stamps in ``<meta>``)."""
    import networkx as nx

    buffer = io.BytesIO()
    nx.write_gexf(to_network(table), buffer, encoding="utf-8")
    # the writer's meta element carries lastmodifieddate="YYYY-MM-DD" (today): drop the
    # attribute so the same graph gives the same bytes on any day
    return re.sub(rb' lastmodifieddate="[^"]*"', b"", buffer.getvalue(), count=1)


def csv_paths(output: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Where ``--format csv -o OUTPUT`` writes: ``OUTPUT/entities.csv`` and
    ``OUTPUT/relations.csv`` for a folder (an existing one, or a path ending in ``/``);
    ``X.entities.csv`` and ``X.relations.csv`` for ``X.csv`` (or any other name X)."""
    text = os.fspath(output)
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):
        return path / "entities.csv", path / "relations.csv"
    stem = path.name[:-4] if path.name.lower().endswith(".csv") else path.name
    return path.with_name(f"{stem}.entities.csv"), path.with_name(f"{stem}.relations.csv")


def csv_table(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    """UTF-8 CSV text (no byte-order mark), a header row, ``\\n`` line ends."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_network(source: Graph | pyoxigraph.Store, output: str | os.PathLike[str],
                  fmt: str) -> list[Path]:
    """Write the entity graph as ``graphml``, ``gexf`` or ``csv`` (two files, see
    :func:`csv_paths`); returns the paths written."""
    if fmt not in NETWORK_FORMATS:
        raise ValueError(f"unknown network format {fmt!r} (one of {', '.join(NETWORK_FORMATS)})")
    table = entity_graph(source)
    if fmt == "csv":
        written = []
        for path, rows, columns in zip(csv_paths(output), (table.entities, table.relations),
                                       (ENTITY_COLUMNS, RELATION_COLUMNS), strict=True):
            with atomic_write(path) as stream:
                stream.write(csv_table(rows, columns))
            written.append(path)
        return written
    data = graphml(table) if fmt == "graphml" else gexf(table)
    with atomic_write(output, "wb") as stream:
        stream.write(data)
    return [Path(output)]

