"""Relations of one article: from names (jurisdiction, leading district of a facility), from
the gazetteer (partOf), and from the clause with trigger words (runBy, operatedBy,
coversArea, locatedIn, subOrganizationOf). Pairs that only share an article are never linked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kg.gazetteer import Gazetteer
from kg.model import Entity, EntityType, Mention, Relation, Sentence
from kg.resources import lexicon

CLAUSE_BREAK = re.compile(r"[，,；;：:]")


def find_relations(
    entities: list[Entity], sentences: tuple[Sentence, ...], gazetteer: Gazetteer
) -> list[Relation]:
    relations: dict[tuple[str, str, str], Relation] = {}

    def add(rel: Relation) -> None:
        relations.setdefault((rel.subject, rel.predicate, rel.object), rel)

    for entity in entities:
        first = entity.mentions[0].sentence if entity.mentions else -1
        if entity.type is EntityType.DISTRICT and entity.parent_key:
            rule = "gazetteer:parent" if entity.code else "text:place-before-village"
            add(Relation(entity.key, "partOf", entity.parent_key, rule, -1 if entity.code else first))
        elif entity.type is EntityType.AGENCY and entity.jurisdiction_key:
            add(Relation(entity.key, "jurisdiction", entity.jurisdiction_key, "name:jurisdiction", first))
        elif entity.type is EntityType.FACILITY and entity.located_key:
            rule = ("name:leading-district"
                    if any(w.endswith(", written before it") for w in entity.why)
                    else "context:article-area")
            add(Relation(entity.key, "locatedIn", entity.located_key, rule, first))
    for rel in _clause_relations(entities, sentences):
        add(rel)
    return sorted(relations.values(), key=lambda r: (r.subject, r.predicate, r.object))


def _clauses(sentence: Sentence) -> Iterator[tuple[int, int]]:
    start = sentence.start
    for match in CLAUSE_BREAK.finditer(sentence.text):
        yield start, sentence.start + match.start()
        start = sentence.start + match.end()
    yield start, sentence.end


def _clause_relations(entities: list[Entity], sentences: tuple[Sentence, ...]) -> Iterator[Relation]:
    lex = lexicon()
    placed: list[tuple[Mention, Entity]] = sorted(
        ((m, e) for e in entities for m in e.mentions), key=lambda pair: pair[0].start
    )
    by_sentence: dict[int, list[tuple[Mention, Entity]]] = {}
    for mention, entity in placed:
        if mention.aside:
            continue  # a list of other headlines says nothing about this article's relations
        by_sentence.setdefault(mention.sentence, []).append((mention, entity))
    for index, members in by_sentence.items():
        if index < 0:
            continue
        sentence = sentences[index]
        text_of = sentence.text
        offset = sentence.start
        for c_start, c_end in _clauses(sentence):
            inside = [(m, e) for m, e in members if c_start <= m.start and m.end <= c_end]
            for i, (m1, e1) in enumerate(inside):
                for m2, e2 in inside[i + 1 :]:
                    between = text_of[m1.end - offset : m2.start - offset]
                    yield from _pair(m1, e1, m2, e2, between, index, lex)


def _pair(m1: Mention, e1: Entity, m2: Mention, e2: Entity, between: str, sentence: int, lex) \
        -> Iterator[Relation]:
    """e1 comes before e2 in the clause; ``between`` is the text between them."""
    if len(between) > 24:
        return
    t1, t2 = e1.type, e2.type
    if t1 is EntityType.AGENCY and t2 is EntityType.PROGRAM:
        trigger = next((t for t in lex.run_triggers if t in between), None)
        if trigger:
            yield Relation(e2.key, "runBy", e1.key, f"clause:agency-{trigger}-program", sentence)
    elif t1 is EntityType.AGENCY and t2 is EntityType.FACILITY:
        trigger = next((t for t in lex.operate_triggers if t in between), None)
        if trigger:
            yield Relation(e2.key, "operatedBy", e1.key, f"clause:agency-{trigger}-facility", sentence)
    elif t1 is EntityType.DISTRICT and t2 is EntityType.PROGRAM:
        if _placed(between, lex) or any(t in between for t in lex.run_triggers):
            yield Relation(e2.key, "coversArea", e1.key, "clause:district-program", sentence)
    elif t1 is EntityType.DISTRICT and t2 is EntityType.FACILITY:
        if between == "" or _placed(between, lex):
            yield Relation(e2.key, "locatedIn", e1.key, "clause:district-facility", sentence)
    elif t1 is EntityType.FACILITY and t2 is EntityType.DISTRICT:
        if between.endswith(("位于", "坐落于", "落户")):
            yield Relation(e1.key, "locatedIn", e2.key, "clause:facility-located-district", sentence)
    elif t1 is EntityType.AGENCY and t2 is EntityType.AGENCY:
        if between in ("", "下属", "下属的", "所属", "内设"):
            yield Relation(e2.key, "subOrganizationOf", e1.key, "clause:agency-agency", sentence)


def _placed(between: str, lex) -> bool:
    return len(between) <= 8 and any(between.startswith(w) or between.endswith(w) for w in lex.place_words)
