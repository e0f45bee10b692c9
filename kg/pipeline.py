"""The per-document pipeline: Document → mentions → entities and relations.

Each step is a small named function; :func:`process` runs them in order. Documents are
independent of each other; merging across documents is :mod:`kg.merge`.
"""

from __future__ import annotations

from dataclasses import replace

from kg.extract import agencies, districts, facilities, programs
from kg.extract.scan import Scan
from kg.gazetteer import Division, Gazetteer
from kg.link import (
    Locality,
    agency_entities,
    district_entities,
    facility_entities,
    program_entities,
)
from kg.model import Document, DocumentResult, Entity, EntityType, Mention
from kg.overrides import apply_overrides
from kg.relations import find_relations
from kg.resources import Overrides, load_overrides
from kg.text import sentence_index


def _inside(mention: Mention, spans: list[tuple[int, int]]) -> bool:
    return any(s <= mention.start and mention.end <= e and (s, e) != (mention.start, mention.end)
               for s, e in spans)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def process(document: Document, overrides: Overrides | None = None) -> DocumentResult:
    """Extract the entities and relations of one normalized document."""
    gazetteer = Gazetteer.load()
    overrides = overrides or load_overrides(None)
    scan = Scan.of(document.text)

    # districts first: every other type uses them as jurisdiction or location
    candidates = districts.find_candidates(scan, gazetteer)
    resolved, district_why = districts.resolve(candidates, gazetteer)
    asides = tuple((a.start, a.end) for a in document.asides)
    home = districts.home_areas(resolved, gazetteer, asides, document.text)
    resolved, zone_why = districts.resolve_zone_words(candidates, resolved, home, gazetteer)
    if zone_why:  # 经开区 named the city's zone: the article may be about the zone
        home = districts.home_areas(resolved, gazetteer, asides, document.text)
    district_why += zone_why
    district_at: dict[int, Division] = {
        r.candidate.start: r.division for r in resolved if r.division is not None
    }
    district_spans = {r.candidate.end: (r.candidate.start, r.candidate.text) for r in resolved}

    agency_spans = agencies.find_agencies(scan, district_spans)
    facility_spans = facilities.find_facilities(
        scan,
        {r.candidate.end: r.candidate.start for r in resolved},
        {
            r.candidate.start: r.division.level.value
            for r in resolved
            if r.division is not None and r.candidate.text == r.division.name
        }
        | {r.candidate.start: "village" for r in resolved if r.division is None},
    )
    # an agency name wins over a facility reading of the same words, and vice versa by length
    agency_ranges = [(a.start, a.end) for a in agency_spans]
    facility_spans = [
        f for f in facility_spans
        if not any(_overlaps((f.start, f.end), r) and r[1] - r[0] >= f.end - f.start
                   for r in agency_ranges)
    ]
    facility_ranges = [(f.start, f.end) for f in facility_spans]
    agency_spans = [
        a for a in agency_spans
        if not any(_overlaps((a.start, a.end), r) and r[1] - r[0] > a.end - a.start
                   for r in facility_ranges)
    ]
    known = {r.candidate.text for r in resolved} | {a.text for a in agency_spans}
    program_spans = programs.find_programs(scan, known)
    program_ranges = [(p.start, p.end) for p in program_spans]
    taken = [(a.start, a.end) for a in agency_spans] + facility_ranges
    agency_spans = [
        a for a in agency_spans if not any(_overlaps((a.start, a.end), r) for r in program_ranges)
    ]
    facility_spans = [
        f for f in facility_spans if not any(_overlaps((f.start, f.end), r) for r in program_ranges)
    ]

    # districts inside a program name, or inside a facility/agency name without being its
    # leading part, are not mentions of the district (健康浙江促进行动, 钱塘大剧院)
    kept_resolved = []
    for item in resolved:
        span = (item.candidate.start, item.candidate.end)
        if any(_overlaps(span, r) for r in program_ranges):
            continue
        # inside a facility's own name (not its leading places) a place is part of the name;
        # inside an agency's name it is the agency's jurisdiction, a mention of its own
        if any(f.start < span[0] < f.end and span[1] > f.name_start for f in facility_spans):
            continue
        if item.candidate.rule == "gazetteer:short" and any(
            s == span[0] and span[1] < e for s, e in taken
        ):
            continue  # 钱塘大剧院: a short form leading a name is part of that name
        kept_resolved.append(item)

    sentences = scan.sentences

    def with_sentence(mentions: list[Mention]) -> list[Mention]:
        out = []
        for m in mentions:
            aside = document.aside_at(m.start)
            out.append(replace(m, sentence=sentence_index(sentences, m.start),
                               aside=aside.reason if aside else ""))
        return out

    district_mentions = with_sentence(districts.to_mentions(kept_resolved))
    agency_mentions = with_sentence(agencies.to_mentions(agency_spans))
    facility_mentions = with_sentence(facilities.to_mentions(facility_spans))
    program_mentions = with_sentence(programs.to_mentions(program_spans))

    district_list = district_entities(kept_resolved, district_mentions, gazetteer, home)
    locality = Locality(
        document.text,
        [(r.candidate.start, r.candidate.end, r.division) for r in kept_resolved
         if r.division is not None],
        home,
        asides,
    )
    entity_list: list[Entity] = [
        *district_list,
        *agency_entities(agency_spans, agency_mentions, district_at, locality),
        *facility_entities(facility_spans, facility_mentions, district_at, locality),
        *program_entities(program_spans, program_mentions, home),
    ]
    entity_list = apply_overrides(entity_list, overrides, document.text, sentences, home)
    if district_why:
        entity_list = [
            replace(e, why=e.why + tuple(w for w in district_why
                                         if any(w.startswith(f"{m.text}@{m.start}:") for m in e.mentions)))
            if e.type is EntityType.DISTRICT else e
            for e in entity_list
        ]
    entity_list.sort(key=lambda e: (e.mentions[0].start if e.mentions else 0, e.key))
    relations = find_relations(entity_list, sentences, gazetteer, home)
    mentions = tuple(sorted((m for e in entity_list for m in e.mentions), key=lambda m: (m.start, m.end)))
    return DocumentResult(
        document=document,
        sentences=sentences,
        mentions=mentions,
        entities=tuple(entity_list),
        relations=tuple(relations),
        home=tuple(f"district/{d.code}" for d in home),
    )
