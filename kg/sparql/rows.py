"""Helpers for notebooks and scripts: SPARQL rows as plain Python, and the entity graph as
a networkx ``MultiDiGraph`` ready for centrality and community detection.

Both work on the rdflib ``Graph`` returned by :func:`kg.build` / :func:`kg.load`;
:func:`select` also takes a ``pyoxigraph.Store`` (see :mod:`kg.store`) for large graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from kg.graph.vocab import ENTITY_RELATIONS, KG, PREFIXES

if TYPE_CHECKING:
    import networkx as nx
    import pyoxigraph
    from rdflib import Graph
    from rdflib.query import ResultRow

ENTITY_TYPES = ("District", "Agency", "Facility", "Program")

Row = dict[str, Any]


def select(graph: Graph | pyoxigraph.Store, query: str,
           params: dict[str, str] | None = None, *, frame: bool = False) -> Any:
    """Run SPARQL and return the rows as dicts of plain Python values (with
    ``frame=True``: a pandas ``DataFrame`` of the same values, one column per variable,
    in the query's order; needs pandas, ``pip install 'kg[analysis]'``).

    ``query`` is SPARQL text (the kg prefixes are declared for you), a path to a ``.rq``
    file, or the name of a query in ``queries/`` such as ``"facilities-in-district"``.
    IRIs, blank nodes and language-tagged or plain literals become ``str``; typed literals
    their Python value (``int``, ``float``, ``bool``, ``datetime.date`` …); unbound ``None``.
    An ``ASK`` gives ``[{"ask": True}]`` and a ``CONSTRUCT``/``DESCRIBE`` one row per
    triple with keys ``subject``, ``predicate``, ``object``. ``params`` bind the parameters
    a named query declares (``{"district": "钱塘区"}``; see ``kg query --help``). Raises
    :class:`kg.errors.QueryError` for a bad query, :class:`kg.errors.KgError` for
    ``frame=True`` without pandas.
    """
    if frame:
        try:
            import pandas
        except ImportError as exc:
            from kg.errors import KgError

            raise KgError("kg.select(..., frame=True) needs pandas: "
                          "pip install pandas (or kg[analysis])") from exc
    names, rows = _select(graph, query, params)
    if frame:
        return pandas.DataFrame.from_records(rows, columns=names)
    return rows


TRIPLE_COLUMNS = ["subject", "predicate", "object"]


def _select(graph: Graph | pyoxigraph.Store, query: str,
            params: dict[str, str] | None = None) -> tuple[list[str], list[Row]]:
    from kg.sparql.query import query_text, run_query

    if not hasattr(graph, "triples"):  # a pyoxigraph Store
        return _select_store(graph, query_text(query, params))
    result = run_query(cast("Graph", graph), query, params)
    if result.type == "ASK":
        return ["ask"], [{"ask": bool(result.askAnswer)}]
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        return TRIPLE_COLUMNS, [{"subject": _py(s), "predicate": _py(p), "object": _py(o)}
                                for s, p, o in cast("Graph", result.graph)]
    names = [str(v) for v in result.vars or []]
    return names, [{name: _py(value) for name, value in zip(names, row, strict=True)}
                   for row in cast("Iterable[ResultRow]", result)]


def _py(term: Any) -> Any:
    from rdflib import Literal

    if term is None:
        return None
    if isinstance(term, Literal):
        if term.language is not None or term.datatype is None:
            return str(term)
        value = term.toPython()
        return str(term) if isinstance(value, Literal) else value
    return str(term)


def _select_store(store: pyoxigraph.Store, text: str) -> tuple[list[str], list[Row]]:
    import pyoxigraph

    from kg.errors import QueryError

    try:
        result = store.query(text, prefixes={p: str(ns) for p, ns in PREFIXES.items()})
        if isinstance(result, pyoxigraph.QueryBoolean):
            return ["ask"], [{"ask": bool(result)}]
        if isinstance(result, pyoxigraph.QueryTriples):
            return TRIPLE_COLUMNS, [{"subject": _ox_py(t.subject), "predicate": _ox_py(t.predicate),
                                     "object": _ox_py(t.object)} for t in result]
        names = [v.value for v in result.variables]
        return names, [{name: _ox_py(row[name]) for name in names} for row in result]
    except (SyntaxError, OSError, RuntimeError) as exc:
        raise QueryError(f"bad query: {str(exc).splitlines()[0] if str(exc) else exc!r}") from exc


def _ox_py(term: Any) -> Any:
    import pyoxigraph

    if term is None:
        return None
    if isinstance(term, pyoxigraph.Literal):
        from rdflib import Literal, URIRef

        datatype = term.datatype.value if term.language is None else None
        return _py(Literal(term.value, lang=term.language,
                           datatype=URIRef(datatype) if datatype else None))
    return str(term.value) if hasattr(term, "value") else str(term)


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """The entity graph: one node per District/Agency/Facility/Program, one edge per
    entity relation between two of them.

    Nodes are entity IRIs (``str``) with attributes ``type`` (``"Agency"`` …), ``label``
    (the ``skos:prefLabel``) and ``documents`` (how many articles mention the entity).
    Edges run subject → object with key and attribute ``relation`` (``"partOf"``,
    ``"locatedIn"`` …), so ``G.edges(keys=True)`` never merges two relations.
    Documents, mentions and literals are left out: project them yourself if needed.
    """
    import networkx as nx
    from rdflib.namespace import RDF, SKOS

    out = nx.MultiDiGraph()
    for kind in ENTITY_TYPES:
        for node in graph.subjects(RDF.type, KG[kind]):
            key = str(node)
            if key in out:  # typed twice: keep the first type in ENTITY_TYPES order
                continue
            label = graph.value(node, SKOS.prefLabel)
            documents = sum(1 for _ in graph.objects(node, KG.mentionedIn))
            out.add_node(key, type=kind, label=str(label) if label is not None else key,
                         documents=documents)
    for relation in ENTITY_RELATIONS:
        for s, o in graph.subject_objects(KG[relation]):
            if str(s) in out and str(o) in out:
                out.add_edge(str(s), str(o), key=relation, relation=relation)
    return out
