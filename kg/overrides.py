"""Applying a user's override file (see :class:`kg.resources.Overrides`) to one article's
entities: extra names, extra surface forms, type fixes and drops, forbidden merges. Every
change is recorded in the entity's ``why``."""

from __future__ import annotations

import re
from dataclasses import replace

from kg import keys
from kg.gazetteer import Division
from kg.model import Entity, EntityType, Mention, Sentence
from kg.resources import Overrides
from kg.text import sentence_index


def _occurrences(text: str, form: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(re.escape(form), text)]


def _free(span: tuple[int, int], entities: list[Entity]) -> bool:
    return not any(m.start < span[1] and span[0] < m.end for e in entities for m in e.mentions)


def apply_overrides(
    entities: list[Entity], overrides: Overrides, text: str, sentences: tuple[Sentence, ...],
    home: tuple[Division, ...],
) -> list[Entity]:
    if not (overrides.names or overrides.aliases or overrides.types or overrides.no_merge):
        return entities
    entities = list(entities)
    anchor = home[0].code if home else keys.NO_PLACE
    # extra names: every occurrence not already inside another mention
    for name, kind in sorted(overrides.names.items()):
        spans = [s for s in _occurrences(text, name) if _free(s, entities)]
        if not spans:
            continue
        mentions = tuple(Mention(a, b, name, kind, "override:name", name,
                                 sentence=sentence_index(sentences, a)) for a, b in spans)
        key = keys.scoped(kind, anchor, name)
        existing = next((e for e in entities if e.key == key), None)
        if existing is not None:
            entities.remove(existing)
            mentions = existing.mentions + mentions
        entities.append(Entity(key, kind, name, mentions, why=("named in the override file",)))
    out: list[Entity] = []
    by_label = {e.label: e for e in entities}
    extra: dict[str, list[Mention]] = {}
    # extra surface forms: occurrences become mentions of the entity they name
    for form, target in sorted(overrides.aliases.items()):
        entity = by_label.get(target)
        if entity is None:
            continue
        spans = [s for s in _occurrences(text, form) if _free(s, entities)]
        extra.setdefault(target, []).extend(
            Mention(a, b, form, entity.type, "override:alias", target,
                    sentence=sentence_index(sentences, a)) for a, b in spans)
    for entity in entities:
        label = overrides.aliases.get(entity.label, entity.label)
        type_fix = overrides.types.get(label)
        if type_fix == "none":
            continue
        new_type = EntityType(type_fix) if type_fix else entity.type
        why = entity.why
        if label != entity.label:
            why += (f"label {entity.label} → {label} by the override file",)
        if new_type is not entity.type:
            why += (f"type {entity.type.value} → {new_type.value} by the override file",)
        mentions = tuple(sorted(entity.mentions + tuple(extra.get(label, ())),
                                key=lambda m: (m.start, m.end)))
        if new_type is not entity.type:
            mentions = tuple(replace(m, type=new_type) for m in mentions)
            key = keys.retyped(entity.key, new_type)
        else:
            key = entity.key
        aliases = tuple(sorted(set(entity.aliases) | ({entity.label} - {label})
                               | {m.text for m in mentions} - {label}))
        updated = replace(entity, key=key, label=label, type=new_type, mentions=mentions,
                          aliases=aliases, why=why)
        out.extend(_split_forbidden(updated, overrides))
    return out


def _split_forbidden(entity: Entity, overrides: Overrides) -> list[Entity]:
    """An entity whose names include a forbidden pair becomes two: the mentions written as
    the other name move to an entity of their own."""
    names = {entity.label, *entity.aliases}
    for pair in overrides.no_merge:
        if entity.label in pair and pair <= names:
            other = next(iter(pair - {entity.label}))
            moved = tuple(m for m in entity.mentions if m.text == other)
            kept = tuple(m for m in entity.mentions if m.text != other)
            if not moved or not kept:
                continue
            why = (f"{entity.label} and {other} kept apart by the override file",)
            return [
                replace(entity, mentions=kept, aliases=tuple(a for a in entity.aliases if a != other),
                        why=entity.why + why),
                replace(entity, key=keys.split_off(entity.key, other), label=other, mentions=moved,
                        aliases=(), why=why),
            ]
    return [entity]
