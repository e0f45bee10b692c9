"""JSON-LD export with the context shipped in ``ontology/context.jsonld``."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from rdflib import Graph


@cache
def context() -> dict:
    return json.loads(resources.files("kg").joinpath("ontology/context.jsonld").read_text("utf-8"))


def to_jsonld(graph: Graph) -> bytes:
    text = graph.serialize(format="json-ld", context=context()["@context"], sort_keys=True,
                           indent=1, ensure_ascii=False)
    return text.encode("utf-8")
