"""Relations of one article: from names (jurisdiction, leading district of a facility), from
the gazetteer (partOf), and from the clause with trigger words (runBy, operatedBy,
coversArea, locatedIn, subOrganizationOf). Pairs that only share an article are never linked.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from kg import roles
from kg.gazetteer import Division, Gazetteer
from kg.model import Entity, EntityType, Level, Mention, Relation, Sentence
from kg.resources import Lexicon, lexicon

CLAUSE_BREAK = re.compile(r"[，,；;：:]")
# words before an agency that make it the source of the news (记者从…获悉, 据…介绍)
SOURCE_WORDS = ("从", "据", "向", "记者从", "据悉")
#: the most characters between two mentions of a clause that are related
PAIR_GAP = 24


def find_relations(
    entities: list[Entity], sentences: tuple[Sentence, ...], gazetteer: Gazetteer,
    home: tuple[Division, ...] = (), text: str = "",
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
            # kg.location decided the place and the rule; the sentence is the facility's
            add(Relation(entity.key, "locatedIn", entity.located_key,
                         entity.located_by or "context:article-area", first))
    for rel in _clause_relations(entities, sentences, home):
        add(rel)
    if text:
        for rel in roles.relations(entities, text, sentences, lexicon().run_triggers):
            add(rel)
    return sorted(_most_specific(list(relations.values()), gazetteer),
                  key=lambda r: (r.subject, r.predicate, r.object))


def _code(key: str) -> str:
    return key.split("/", 1)[1] if key.startswith("district/") else ""


def _most_specific(relations: list[Relation], gazetteer: Gazetteer) -> list[Relation]:
    """Of two locatedIn/coversArea facts about one thing, the one naming a place that holds
    the other's place says nothing more (南七街道 over 蜀山区): drop it."""
    places: dict[tuple[str, str], list[str]] = {}
    for rel in relations:
        if rel.predicate in ("locatedIn", "coversArea"):
            places.setdefault((rel.subject, rel.predicate), []).append(_code(rel.object))
    kept = []
    for rel in relations:
        others = places.get((rel.subject, rel.predicate), [])
        code = _code(rel.object)
        if code and any(o != code and o and gazetteer.is_within(o, code) for o in others):
            continue
        kept.append(rel)
    return kept


def _clauses(sentence: Sentence) -> Iterator[tuple[int, int]]:
    start = sentence.start
    for match in CLAUSE_BREAK.finditer(sentence.text):
        yield start, sentence.start + match.start()
        start = sentence.start + match.end()
    yield start, sentence.end


def _clause_relations(
    entities: list[Entity], sentences: tuple[Sentence, ...], home: tuple[Division, ...]
) -> Iterator[Relation]:
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
        starts = [m.start for m, _e in members]  # members are in text order
        for c_start, c_end in _clauses(sentence):
            inside = [(m, e) for m, e in members[bisect_left(starts, c_start):bisect_right(starts, c_end)]
                      if m.end <= c_end]
            for i, (m1, e1) in enumerate(inside):
                for j in range(i + 1, len(inside)):
                    m2, e2 = inside[j]
                    if m2.start - m1.end > PAIR_GAP:
                        break  # the later ones are further still
                    between = text_of[m1.end - offset : m2.start - offset]
                    yield from _pair(m1, e1, m2, e2, between, index, lex)
        yield from _subject_relations(sentence, index, members, lex)
    yield from _pronoun_subjects(sentences, placed, home, lex)


def _pair(m1: Mention, e1: Entity, m2: Mention, e2: Entity, between: str, sentence: int, lex: Lexicon) \
        -> Iterator[Relation]:
    """e1 comes before e2 in the clause; ``between`` is the text between them."""
    if len(between) > PAIR_GAP:
        return
    kinds = (e1.type, e2.type)
    if kinds == (EntityType.AGENCY, EntityType.PROGRAM):
        trigger = next((t for t in lex.run_triggers if t in between), None)
        if trigger:
            yield Relation(e2.key, "runBy", e1.key, f"clause:agency-{trigger}-program", sentence)
    elif kinds == (EntityType.AGENCY, EntityType.FACILITY):
        trigger = next((t for t in lex.operate_triggers if t in between), None)
        if trigger:
            yield Relation(e2.key, "operatedBy", e1.key, f"clause:agency-{trigger}-facility", sentence)
    elif kinds == (EntityType.DISTRICT, EntityType.PROGRAM):
        if _placed(between, lex) or any(t in between for t in lex.run_triggers):
            yield Relation(e2.key, "coversArea", e1.key, "clause:district-program", sentence)
    elif kinds == (EntityType.AGENCY, EntityType.AGENCY) and between in ("", "下属", "下属的", "所属", "内设"):
        yield Relation(e2.key, "subOrganizationOf", e1.key, "clause:agency-agency", sentence)


def _subject_relations(
    sentence: Sentence, index: int, members: list[tuple[Mention, Entity]], lex: Lexicon
) -> Iterator[Relation]:
    """An agency that opens the sentence is the subject of its later clauses too:
    区社会发展局(筹)秉持…，全面铺开“八大行动” → 八大行动 runBy the agency, when the clause
    of the program (or facility) has the trigger before it."""
    first = next(((m, e) for m, e in members if e.type is not EntityType.DISTRICT), None)
    if first is None or first[1].type is not EntityType.AGENCY:
        return
    mention, agency = first
    lead = sentence.text[: mention.start - sentence.start]
    if len(lead) > 12 or any(ch in lead for ch in "；;"):
        return  # the agency does not open the sentence (a short 半年来, may stand before it)
    if lead.endswith(SOURCE_WORDS) or sentence.text[mention.end - sentence.start:].startswith("获悉"):
        return  # 记者从昌平区卫生健康委获悉: the agency is the source of the news, not the actor
    for m, e in members:
        if m.start <= mention.end or e.type not in (EntityType.PROGRAM, EntityType.FACILITY):
            continue
        clause_start = max(sentence.text.rfind(ch, 0, m.start - sentence.start) for ch in "，,；;") + 1
        before = sentence.text[clause_start : m.start - sentence.start]
        triggers = lex.run_triggers if e.type is EntityType.PROGRAM else lex.operate_triggers
        trigger = next((t for t in triggers if t in before), None)
        if trigger is None:
            continue
        predicate = "runBy" if e.type is EntityType.PROGRAM else "operatedBy"
        yield Relation(e.key, predicate, agency.key, f"sentence:subject-agency-{trigger}", index)


LEVEL_OF_PRONOUN = {"county": (Level.COUNTY, Level.ZONE), "city": (Level.CITY,),
                    "township": (Level.TOWNSHIP,)}


def _pronoun_subjects(
    sentences: tuple[Sentence, ...], placed: list[tuple[Mention, Entity]],
    home: tuple[Division, ...], lex: Lexicon,
) -> Iterator[Relation]:
    """我区建设…，推出了“健康长寿码” → the program covers the article's home area."""
    programs: dict[int, list[tuple[Mention, Entity]]] = {}
    for mention, entity in placed:
        if entity.type is EntityType.PROGRAM and not mention.aside:
            programs.setdefault(mention.sentence, []).append((mention, entity))
    for index, members in programs.items():
        if index < 0:
            continue
        sentence = sentences[index]
        lead = sentence.text[:14]
        pronoun = next((p for p in lex.pronouns if lead.find(p) != -1 and lead.find(p) <= 8), None)
        if pronoun is None:
            continue
        wanted = LEVEL_OF_PRONOUN.get(lex.pronouns[pronoun], ())
        area = next((h for h in home if h.level in wanted), None)
        if area is None:
            continue
        for mention, entity in members:
            clause_start = max(sentence.text.rfind(ch, 0, mention.start - sentence.start)
                               for ch in "，,；;") + 1
            before = sentence.text[clause_start : mention.start - sentence.start]
            trigger = next((t for t in lex.run_triggers if t in before), None)
            if trigger:
                yield Relation(entity.key, "coversArea", f"district/{area.code}",
                               f"sentence:{pronoun}-{trigger}", index)


def _placed(between: str, lex: Lexicon) -> bool:
    return len(between) <= 8 and any(between.startswith(w) or between.endswith(w) for w in lex.place_words)
