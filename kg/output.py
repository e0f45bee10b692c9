"""Writing outputs: the entity table (JSONL in the format ``shared/eval/score.py`` reads),
Turtle and other RDF formats. Every file is written to a temporary file first and then
renamed, so a failed run never leaves a half-written output behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; rename it over ``path`` only on success."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; outputs are ordinary files
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as stream:
            yield stream
        os.replace(tmp, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


#: export format name → rdflib serializer name
RDF_FORMATS = {"turtle": "turtle", "nt": "nt", "json-ld": "json-ld", "trig": "trig"}


def serialize(graph: Graph, fmt: str = "turtle") -> bytes:
    """Deterministic serialization: the same triples always give the same bytes, whatever
    order they were added in and whatever the hash seed (for graphs without blank nodes,
    which kg never makes).

    - ``turtle``: :func:`kg.turtle.to_turtle` groups by subject and sorts subjects,
      predicates and objects by their written form; only the prefixes used, sorted (about
      10x faster than rdflib's serializer);
    - ``nt``: one line per triple, sorted;
    - ``trig``: the Turtle, wrapped as the default graph (``{ … }``), so a TriG reader
      (or ``kg.load``) puts the triples back in the default graph;
    - ``json-ld``: compacted with ``ontology/context.jsonld``, nodes and values sorted.
    """
    if fmt not in RDF_FORMATS:
        raise ValueError(f"unknown RDF format {fmt!r} (one of {', '.join(RDF_FORMATS)})")
    if fmt == "nt":
        # split on "\n" only: str.splitlines would also cut at U+2028, U+0085 …, which
        # N-Triples leaves unescaped inside literals
        lines = set(graph.serialize(format="nt", encoding="utf-8").split(b"\n"))
        return b"".join(line + b"\n" for line in sorted(lines) if line.strip())
    if fmt == "json-ld":
        from kg.jsonld import to_jsonld

        return to_jsonld(graph)
    from kg.turtle import to_turtle

    if fmt == "trig":
        return _trig(to_turtle(graph))
    return to_turtle(graph)


def _trig(turtle: bytes) -> bytes:
    """TriG with the triples in the default graph: the Turtle body inside ``{ … }``, the
    prefixes before it. (rdflib's TriG writer puts a plain Graph in a named graph called by
    a random blank node, which changes on every run and which ``Graph().parse(format=
    "trig")`` does not read back; given a Dataset instead it takes twice as long as Turtle.)
    The body is not indented, so multi-line string literals keep their exact content."""
    lines = turtle.splitlines(keepends=True)
    head = 0
    while head < len(lines) and (lines[head].startswith((b"@prefix", b"@base"))
                                 or not lines[head].strip()):
        head += 1
    prefixes = b"".join(line for line in lines[:head] if line.strip())
    body = b"".join(lines[head:]).rstrip(b"\n")
    return prefixes + (b"\n" if prefixes else b"") + b"{\n" + body + (b"\n" if body else b"") + b"}\n"


def write_graph(graph: Graph, path: str | os.PathLike[str], fmt: str = "turtle") -> None:
    data = serialize(graph, fmt)
    with atomic_write(path, "wb") as stream:
        stream.write(data)
