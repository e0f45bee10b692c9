"""The per-document pipeline: Document → mentions → entities and relations.

Each step is a small named function; :func:`process` runs them in order: places
(:func:`find_places`), names (:func:`find_names`), the places that are mentions
(:func:`places_as_mentions`), entities (:mod:`kg.link`), the override file
(:mod:`kg.overrides`), relations (:mod:`kg.relations`). Documents are independent of each
other; they merge in the graph through their content IRIs (:mod:`kg.rdf`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from typing import cast

from kg import keys
from kg.dates import iso, named_year, publication_date
from kg.extract import agencies, districts, facilities, programs
from kg.extract.agencies import AgencySpan
from kg.extract.districts import Reason, Resolved
from kg.extract.facilities import FacilitySpan
from kg.extract.programs import ProgramSpan
from kg.extract.scan import Scan
from kg.gazetteer import Division, Gazetteer
from kg.learn import recognize
from kg.learn.model import Model, active_model
from kg.link import (
    Locality,
    agency_entities,
    district_entities,
    facility_entities,
    program_entities,
)
from kg.location import locate
from kg.model import Document, DocumentResult, Entity, EntityType, Mention, Sentence
from kg.overrides import apply_overrides
from kg.relations import find_relations
from kg.resources import Overrides, lexicon, load_overrides
from kg.spans import SpanIndex
from kg.text import sentence_index


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


@dataclass(frozen=True)
class Places:
    """Step 1's result: the District spans of one article, its home areas, and why."""

    resolved: list[Resolved]
    home: tuple[Division, ...]
    why: list[Reason]


def find_places(scan: Scan, document: Document, gazetteer: Gazetteer) -> Places:
    """Districts first: every other type uses them as jurisdiction or location."""
    candidates = districts.find_candidates(scan, gazetteer)
    resolved, why = districts.resolve(candidates, gazetteer)
    asides = tuple((a.start, a.end) for a in document.asides)
    home = districts.home_areas(resolved, gazetteer, asides, document.text)
    resolved, zone_why = districts.resolve_zone_words(candidates, resolved, home, gazetteer)
    if zone_why:  # 经开区 named the city's zone: the article may be about the zone
        home = districts.home_areas(resolved, gazetteer, asides, document.text)
    resolved = districts.drop_place_stems(resolved, home, gazetteer)
    return Places(resolved, home, why + zone_why)


@dataclass(frozen=True)
class Spans:
    """Step 2's result: the non-overlapping Agency, Facility and Program spans."""

    agencies: list[AgencySpan]
    facilities: list[FacilitySpan]
    programs: list[ProgramSpan]


_DEFAULT = object()  # process(): use the active model (kg.learn.model.active_model)


def find_names(scan: Scan, resolved: list[Resolved], model: Model | None = None) -> Spans:
    """Agencies, facilities and programs; where two readings overlap the longer wins, and a
    program name wins over an agency or facility inside it. With a ``model``, the learned
    recognizer chooses the facility and program spans among the rules' candidates."""
    agency_spans = agencies.find_agencies(
        scan, {r.candidate.end: (r.candidate.start, r.candidate.text) for r in resolved})
    district_ends = {r.candidate.end: r.candidate.start for r in resolved}
    full_names = (
        {r.candidate.start: r.division.level.value for r in resolved
         if r.division is not None and r.candidate.text == r.division.name}
        | {r.candidate.start: "village" for r in resolved if r.division is None}
    )
    facility_spans = facilities.find_facilities(scan, district_ends, full_names)
    if model is not None:
        facility_spans = recognize.choose(model, "Facility", recognize.facility_examples(
            scan, district_ends, full_names, facility_spans))
    agency_ranges = SpanIndex((a.start, a.end, a.end - a.start) for a in agency_spans)
    facility_spans = [
        f for f in facility_spans
        if not any(n >= f.end - f.start for n in agency_ranges.overlapping(f.start, f.end))
    ]
    facility_ranges = SpanIndex((f.start, f.end, f.end - f.start) for f in facility_spans)
    agency_spans = [
        a for a in agency_spans
        if not any(n > a.end - a.start for n in facility_ranges.overlapping(a.start, a.end))
    ]
    known = {r.candidate.text for r in resolved} | {a.text for a in agency_spans}
    program_spans = programs.find_programs(scan, known)
    if model is not None:
        program_spans = recognize.choose(model, "Program", recognize.program_examples(
            scan, district_ends, known, program_spans))
    program_ranges = SpanIndex((p.start, p.end, (p.start, p.end)) for p in program_spans)
    return Spans(
        [a for a in agency_spans if not program_ranges.overlapping(a.start, a.end)],
        [f for f in facility_spans
         if not any(not _names_inside(f, r, scan.text)
                    for r in program_ranges.overlapping(f.start, f.end))],
        program_spans,
    )


def _names_inside(facility: FacilitySpan, program: tuple[int, int], text: str) -> bool:
    """A facility named at the start of a project name stays a mention (黄桥中学|管网工程,
    横港中心幼儿园|新建工程): the project is about that facility. Inside a slogan-like name
    (“美丽乡村|幼儿园”行动) or one that only adds quotes, it does not."""
    start, end = program
    return (facility.start in (start, start + 1) and facility.end < end
            and text[start] not in "“\"「『《" and facility.end - facility.start >= 4)


def places_as_mentions(resolved: list[Resolved], spans: Spans, text: str) -> list[Resolved]:
    """The District spans that are mentions: not inside a program name (健康浙江促进行动) or a
    facility's own name (钱塘大剧院); a place in an agency's name is its jurisdiction and
    stays a mention (浙江省体育局 names 浙江省)."""
    program_ranges = SpanIndex((p.start, p.end, None) for p in spans.programs)
    facility_ranges = SpanIndex((f.start, f.end, f) for f in spans.facilities)
    taken: dict[int, int] = {}  # start → the furthest end of an agency or facility there
    for s, e in [(a.start, a.end) for a in spans.agencies] + [(f.start, f.end) for f in spans.facilities]:
        taken[s] = max(e, taken.get(s, e))
    kept = []
    for item in resolved:
        span = (item.candidate.start, item.candidate.end)
        if program_ranges.overlapping(*span):
            continue
        if any(f.start < span[0] and span[1] > f.name_start for f in facility_ranges.holding(span[0])):
            continue
        if item.candidate.rule == "gazetteer:short" and span[1] < taken.get(span[0], span[1]):
            continue  # a short form leading a name is part of that name
        if item.candidate.rule == "gazetteer:short" and text.startswith(
                lexicon().short_not_before, span[1]):
            continue  # 杭州|亚运会, 淄博|新闻网: a place without its suffix in another name
        kept.append(item)
    return kept


def _placed_in(document: Document, sentences: tuple[Sentence, ...],
               mentions: list[Mention]) -> list[Mention]:
    """Each mention with its sentence and, inside an aside, the aside's reason."""
    out = []
    asides = SpanIndex((a.start, a.end, a) for a in document.asides)
    for m in mentions:
        aside = next(iter(asides.holding(m.start)), None)  # Document.aside_at, indexed
        out.append(replace(m, sentence=sentence_index(sentences, m.start),
                           aside=aside.reason if aside else ""))
    return out


def _with_reasons(entities: list[Entity], why: list[Reason]) -> list[Entity]:
    """District resolution reasons go to the entity whose mention they are about."""
    if not why:
        return entities
    about: dict[tuple[str, int], list[int]] = defaultdict(list)  # mention → its reasons
    for i, reason in enumerate(why):
        about[(reason.text, reason.start)].append(i)
    return [
        replace(e, why=e.why + tuple(str(why[i]) for i in sorted(
            {i for m in e.mentions for i in about.get((m.text, m.start), ())})))
        if e.type is EntityType.DISTRICT else e
        for e in entities
    ]


def _with_years(entities: list[Entity], text: str) -> list[Entity]:
    """A program whose name, or the text right before one of its mentions, gives its year
    (2025年民生实事) gets that year."""
    out = []
    for e in entities:
        if e.type is EntityType.PROGRAM:
            year = named_year(e.label) or next(
                (y for m in e.mentions if not m.aside
                 and (y := named_year(m.text, text[max(0, m.start - 10) : m.start]))), "")
            if year:
                e = replace(e, year=year)
        out.append(e)
    return out


def process(document: Document, overrides: Overrides | None = None,
            model: Model | None | object = _DEFAULT) -> DocumentResult:
    """Extract the entities and relations of one normalized document. ``model``: the
    learned recognizer (by default the active one, see :func:`kg.learn.model.use_model`);
    ``None`` runs the rules alone."""
    chosen = active_model() if model is _DEFAULT else cast(Model | None, model)
    gazetteer = Gazetteer.load()
    overrides = overrides or load_overrides(None)
    scan = Scan.of(document.text)
    sentences = scan.sentences

    places = find_places(scan, document, gazetteer)
    spans = find_names(scan, places.resolved, chosen)
    kept = places_as_mentions(places.resolved, spans, document.text)
    district_at = {r.candidate.start: r.division for r in places.resolved if r.division is not None}
    locality = Locality(
        document.text,
        [(r.candidate.start, r.candidate.end, r.division) for r in kept if r.division is not None],
        places.home,
        tuple((a.start, a.end) for a in document.asides),
    )

    def placed(mentions: list[Mention]) -> list[Mention]:
        return _placed_in(document, sentences, mentions)

    entity_list: list[Entity] = [
        *district_entities(kept, placed(districts.to_mentions(kept)), gazetteer, places.home),
        *agency_entities(spans.agencies, placed(agencies.to_mentions(spans.agencies)),
                         district_at, locality),
        *facility_entities(spans.facilities, placed(facilities.to_mentions(spans.facilities)),
                           district_at, locality),
        *program_entities(spans.programs, placed(programs.to_mentions(spans.programs)),
                          places.home),
    ]
    entity_list = apply_overrides(entity_list, overrides, document.text, sentences, places.home)
    entity_list = _with_reasons(entity_list, places.why)
    entity_list = _with_years(entity_list, document.text)
    entity_list.sort(key=lambda e: (e.mentions[0].start if e.mentions else 0, e.key))
    entity_list = locate(
        entity_list, sentences, document.text, gazetteer,
        [(r.candidate.start, r.candidate.end, r.division) for r in places.resolved
         if r.division is not None and r.division.level is not None])
    relations = find_relations(entity_list, sentences, gazetteer, places.home, document.text)
    mentions = tuple(sorted((m for e in entity_list for m in e.mentions),
                            key=lambda m: (m.start, m.end)))
    return DocumentResult(
        document=document,
        sentences=sentences,
        mentions=mentions,
        entities=tuple(entity_list),
        relations=tuple(relations),
        home=tuple(keys.district(d.code) for d in places.home),
        date=iso(publication_date(document)),
    )
