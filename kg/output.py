"""Writing outputs: the entity table (JSONL in the format ``shared/eval/score.py`` reads),
Turtle and other RDF formats. Every file is written to a temporary file first and then
renamed, so a failed run never leaves a half-written output behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from rdflib import Graph

from kg.model import DocumentResult, Entity
from kg.rdf import iri


def entity_record(entity: Entity) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": entity.type.value,
        "label": entity.label,
        "iri": str(iri(entity.key)),
        "mentions": [
            {"text": m.text, "start": m.start, "end": m.end, "rule": m.rule}
            | ({"aside": m.aside} if m.aside else {})
            for m in entity.mentions
        ],
        "parent": entity.parent or None,
    }
    if entity.aliases:
        record["aliases"] = list(entity.aliases)
    if entity.code:
        record["code"] = entity.code
    return record


def result_record(result: DocumentResult) -> dict[str, Any]:
    return {
        "doc": result.document.name,
        "sha256": result.document.digest,
        "entities": [entity_record(e) for e in result.entities],
    }


def result_line(result: DocumentResult) -> str:
    return json.dumps(result_record(result), ensure_ascii=False, sort_keys=False)


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; rename it over ``path`` only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as stream:
            yield stream
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


#: export format name → rdflib serializer name
RDF_FORMATS = {"turtle": "turtle", "nt": "nt", "json-ld": "json-ld", "trig": "trig"}


def serialize(graph: Graph, fmt: str = "turtle") -> bytes:
    """Deterministic serialization: the same graph always gives the same bytes."""
    if fmt == "nt":
        lines = sorted(set(graph.serialize(format="nt", encoding="utf-8").decode().splitlines()))
        return ("\n".join(line for line in lines if line) + "\n").encode()
    if fmt == "json-ld":
        from kg.jsonld import to_jsonld

        return to_jsonld(graph)
    return graph.serialize(format=RDF_FORMATS[fmt], encoding="utf-8")


def write_graph(graph: Graph, path: str | os.PathLike[str], fmt: str = "turtle") -> None:
    data = serialize(graph, fmt)
    with atomic_write(path, "wb") as stream:
        stream.write(data)
