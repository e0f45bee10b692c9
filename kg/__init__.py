"""kg: knowledge graphs from Chinese local-government livelihood (民生) news.

The Python API (imported lazily, so ``import kg`` stays fast)::

    kg.build(paths)            -> rdflib.Graph   build a graph from article files/folders
    kg.load(path)              -> rdflib.Graph   read a graph file written by ``kg build``
    kg.select(graph, query)    -> list[dict]     SPARQL text, .rq file or named query → rows
    kg.query(graph, query)     -> list[dict]     the same as ``kg.select``
    kg.to_networkx(graph)      -> networkx.MultiDiGraph of the entities and their relations

The layers are subpackages: :mod:`kg.normalize` (raw text → Document), :mod:`kg.extract`
(mentions), :mod:`kg.graph` (vocabulary, triples, formats, validation), :mod:`kg.sparql`
(queries, stores, the endpoint) and :mod:`kg.view` (the HTML view); :mod:`kg.corpus`
builds a corpus of files end to end.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = ["build", "load", "query", "select", "to_networkx", "__version__"]

# public name -> "module:attribute", imported on first use
_LAZY = {
    "build": "kg.corpus:build",
    "load": "kg.graph.formats:load_graph",
    "query": "kg.sparql.rows:select",
    "select": "kg.sparql.rows:select",
    "to_networkx": "kg.sparql.rows:to_networkx",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, _, attribute = _LAZY[name].partition(":")
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
