"""kg: knowledge graphs from Chinese local-government livelihood (民生) news.

The Python API (imported lazily, so ``import kg`` stays fast)::

    kg.build(paths)            -> rdflib.Graph   build a graph from article files/folders
    kg.load(path)              -> rdflib.Graph   read a graph file written by ``kg build``
    kg.select(graph, query)    -> list[dict]     SPARQL text, .rq file or named query → rows
    kg.to_networkx(graph)      -> networkx.MultiDiGraph of the entities and their relations

``kg.build`` and ``kg.query`` are also the names of the modules ``kg/build.py`` and
``kg/query.py``. Those two modules are made callable, so ``kg.build(paths)`` and
``kg.query(graph, "facilities-in-district")`` (same as :func:`kg.select`) work whatever was
imported before, and ``kg.build.extract`` / ``kg.query.run_query`` keep working too.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

__all__ = ["build", "load", "query", "select", "to_networkx", "__version__"]

# public name -> "module:attribute"
_LAZY = {
    "load": "kg.build:load",
    "select": "kg.analysis:select",
    "to_networkx": "kg.analysis:to_networkx",
}
# submodules that double as functions: calling the module calls this attribute
_CALLABLE_MODULES = {"build": "kg.build:build", "query": "kg.analysis:select"}


def _resolve(target: str) -> Any:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


class _CallableModule(types.ModuleType):
    """A submodule whose call runs its entry function (``kg.build(paths)``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = self.__name__.rpartition(".")[2]
        return _resolve(_CALLABLE_MODULES[name])(*args, **kwargs)


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # the import system sets ``kg.build = <module kg.build>`` after importing it
        if name in _CALLABLE_MODULES and type(value) is types.ModuleType:
            value.__class__ = _CallableModule
        super().__setattr__(name, value)


def __getattr__(name: str) -> Any:
    if name in _CALLABLE_MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        return _resolve(_LAZY[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


sys.modules[__name__].__class__ = _Package
