"""A readable account of one article's extraction: home area, mentions with the rule that
found them, entities with their linking decisions, and relations with their sentences."""

from __future__ import annotations

from kg.model import DocumentResult


def explain(result: DocumentResult) -> str:
    doc = result.document
    lines = [f"# {doc.name}  ({len(doc.text)} characters, {doc.encoding}, sha256 {doc.digest[:12]}…)"]
    lines.append("home area: " + (", ".join(result.home) or "(none found)"))
    lines.append("")
    for entity in result.entities:
        extra = []
        if entity.parent:
            extra.append(f"parent {entity.parent}")
        if entity.code:
            extra.append(f"code {entity.code}")
        if entity.jurisdiction_key:
            extra.append(f"jurisdiction {entity.jurisdiction_key}")
        if entity.located_key:
            extra.append(f"located in {entity.located_key}")
        lines.append(f"{entity.type.value:<8} {entity.label}  <{entity.key}>" +
                     (f"  ({'; '.join(extra)})" if extra else ""))
        for mention in entity.mentions:
            lines.append(f"    {mention.start:>5}-{mention.end:<5} {mention.text}  [{mention.rule}]")
        for why in entity.why:
            lines.append(f"    why: {why}")
    if result.relations:
        lines.append("")
        lines.append("relations:")
        for rel in result.relations:
            where = (f'  «{result.sentences[rel.sentence].text}»' if rel.sentence >= 0 else "")
            lines.append(f"  {rel.subject} {rel.predicate} {rel.object}  [{rel.rule}]{where}")
    return "\n".join(lines)
