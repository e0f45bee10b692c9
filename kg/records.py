"""The entity table: one JSON object per article, in the format ``kg eval`` and the
scorer read (``entities.jsonl``, ``kg extract``): each entity with its mentions, a
District's ``parent``, a Facility's ``located`` (the most specific District it is in), a
Program's ``runBy`` (the Agencies that run it), and the document's publication ``date``.
"""

from __future__ import annotations

import json
from typing import Any

from kg.graph.triples import iri
from kg.model import DocumentResult, Entity, EntityType


def _labels(result: DocumentResult) -> dict[str, str]:
    return {e.key: e.label for e in result.entities}


def _objects(result: DocumentResult, key: str, predicate: str) -> list[str]:
    return [r.object for r in result.relations if r.subject == key and r.predicate == predicate]


def _district_label(result: DocumentResult, key: str, labels: dict[str, str]) -> str | None:
    if key in labels:
        return labels[key]
    from kg.gazetteer import Gazetteer
    from kg.keys import district_code

    code = district_code(key)
    division = Gazetteer.load().by_code(code) if code else None
    return division.name if division is not None else None


def entity_record(entity: Entity, result: DocumentResult | None = None) -> dict[str, Any]:
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
    if result is not None:
        labels = _labels(result)
        if entity.type is EntityType.FACILITY:
            places = _objects(result, entity.key, "locatedIn")
            record["located"] = _district_label(result, places[0], labels) if places else None
        elif entity.type is EntityType.PROGRAM:
            record["runBy"] = [labels[k] for k in _objects(result, entity.key, "runBy")
                               if k in labels]
            if entity.year:
                record["year"] = entity.year
    return record


def result_record(result: DocumentResult) -> dict[str, Any]:
    return {
        "doc": result.document.name,
        "sha256": result.document.digest,
        "date": result.date or None,
        "entities": [entity_record(e, result) for e in result.entities],
    }


def result_line(result: DocumentResult) -> str:
    return json.dumps(result_record(result), ensure_ascii=False, sort_keys=False)
