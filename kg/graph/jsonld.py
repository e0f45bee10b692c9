"""JSON-LD export with the context shipped in ``ontology/context.jsonld``.

rdflib writes the nodes and the values of each property in the order the graph yields
them, which depends on how the graph was filled. :func:`to_jsonld` sorts both (nodes by
``@id``, values by their JSON text; ``@list`` contents keep their order), so the same
triples always give the same bytes.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from rdflib import Graph

from kg.resources import packaged


@cache
def context() -> dict:
    return json.loads(packaged("ontology/context.jsonld").read_text("utf-8"))


def _key(value: Any) -> tuple[str, str]:
    if isinstance(value, dict):
        return (str(value.get("@id", "")), _text(value))
    return ("", _text(value))


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _canonical(value: Any) -> Any:
    """Sort every JSON array except ``@list`` contents, deepest first."""
    if isinstance(value, list):
        return sorted((_canonical(item) for item in value), key=_key)
    if isinstance(value, dict):
        return {key: (_canonical_list(item) if key == "@list" else
                      item if key == "@context" else _canonical(item))
                for key, item in value.items()}
    return value


def _canonical_list(items: Any) -> Any:
    if isinstance(items, list):
        return [_canonical(item) for item in items]
    return _canonical(items)


def to_jsonld(graph: Graph) -> bytes:
    text = graph.serialize(format="json-ld", context=context()["@context"])
    document = _canonical(json.loads(text))
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()
