"""The entity table: one JSON object per article, in the format ``kg eval`` and the
scorer read (``entities.jsonl``, ``kg extract``).
"""

from __future__ import annotations

import json
from typing import Any

from kg.graph.triples import iri
from kg.model import DocumentResult, Entity


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
