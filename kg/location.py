"""Where each facility is: one ``locatedIn`` per facility, decided by the first rule that
finds a place, from the most certain to the least:

1. ``name:district-in-name`` — the most specific District written in the facility's own name
   (义蓬街道文体中心 → 义蓬街道, 南屏村居家养老服务站 → 南屏村);
   ``name:leading-district`` — the place written right before it (kg.link decided it);
2. ``clause:facility-located-district`` — 位于/坐落于/地处/落户 and a place after the
   facility, in its clause; ``clause:district-facility`` — a place right before it in its
   clause, joined by 在/于/的… (在义蓬街道建成文体中心);
3. ``context:heading`` — the heading (a short line naming a place) of the list or section
   the facility sits in;
4. ``context:sentence`` / ``context:paragraph`` — the nearest place written before the
   facility in its sentence, else in its paragraph;
5. ``context:article-town`` — the township the article is about, when one stands out (named
   in three or more paragraphs, twice as often as any other) and lies in the article's
   area; else ``context:article-area`` — the article's home area (kg.link's choice).

A context place (3, 4) less specific than the article's own area (浙江省 in an article about
钱塘区) says less than that area, and the area wins. Mentions inside an aside never count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from kg import keys
from kg.gazetteer import Division, Gazetteer
from kg.model import Entity, EntityType, Level, Mention, Sentence

#: depth of each level: the higher, the more specific
DEPTH = {Level.PROVINCE: 1, Level.CITY: 2, Level.ZONE: 3, Level.COUNTY: 3,
         Level.TOWNSHIP: 4, Level.VILLAGE: 5}
LOCATED_WORDS = ("位于", "坐落于", "坐落在", "地处", "落户", "落户于", "选址", "选址于")
# words that join a place before a facility in one clause: 在X建成…, X的…, X新建…
JOINING = re.compile(r"^(?:的|辖区|境内|内|新建|建成|建设|打造|投用|落成|改造|的新|首个|唯一)?"
                     r"(?:[^，,；;。：:]{0,6}?(?:的|新建|建成|建设|打造|投用|落成))?$")
CLAUSE_END = "，,；;。：:！？!?"
# a heading line: short, no sentence end, often numbered (一、 (二) 1.)
MAX_HEADING = 30


@dataclass(frozen=True, slots=True)
class Place:
    start: int
    end: int
    key: str
    depth: int
    sentence: int


@dataclass(frozen=True, slots=True)
class Located:
    district: str  # key
    rule: str
    sentence: int


def _places(entities: list[Entity], taken: list[tuple[int, int]]) -> list[Place]:
    """Body mentions of Districts, not inside an agency's or another name (浙江省体育局)."""
    out = []
    for entity in entities:
        if entity.type is not EntityType.DISTRICT or entity.level is None:
            continue
        for m in entity.mentions:
            if m.aside or any(a <= m.start and m.end <= b and (a, b) != (m.start, m.end)
                              for a, b in taken):
                continue
            out.append(Place(m.start, m.end, entity.key, DEPTH[entity.level], m.sentence))
    return sorted(out, key=lambda p: (p.start, p.end))


def _in_name(facility: Entity, districts: list[Entity], inside: list[Place]) -> str:
    """The most specific District written in the facility's name (not its whole name):
    a place the gazetteer found inside one of its mentions, or a District of the article
    whose written form the name holds. A form inside a longer one (隆尧 in 隆尧县) is not."""
    names = {facility.label, *facility.aliases}
    found: list[tuple[int, int, int, str]] = []  # (depth, end, start, key) per name
    for name in names:
        hits = []
        for district in districts:
            if district.level is None:
                continue
            forms = {district.label, *district.aliases} | {m.text for m in district.mentions}
            for form in forms:
                at = name.find(form) if 2 <= len(form) < len(name) else -1
                while at >= 0:
                    hits.append((DEPTH[district.level], at + len(form), at, district.key))
                    at = name.find(form, at + 1)
        found.extend(h for h in hits
                     if not any(o[2] <= h[2] and h[1] <= o[1] and (o[2], o[1]) != (h[2], h[1])
                                for o in hits))
    found.extend((p.depth, p.end, p.start, p.key) for p in inside)
    return max(found)[3] if found else ""


def _chain_end(places: list[Place], index: int) -> Place:
    """杭州市钱塘区义蓬街道: of places written one after another, the last one."""
    place = places[index]
    while index + 1 < len(places) and places[index + 1].start == place.end:
        index += 1
        place = places[index]
    return place


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(text.rfind(ch, 0, start) for ch in CLAUSE_END + "\n") + 1
    rights = [i for i in (text.find(ch, end) for ch in CLAUSE_END + "\n") if i >= 0]
    return left, min(rights) if rights else len(text)


def _by_clause(mention: Mention, text: str, places: list[Place]) -> Located | None:
    left, right = _clause(text, mention.start, mention.end)
    for i, place in enumerate(places):
        if mention.end <= place.start < right:
            between = text[mention.end : place.start]
            if between.endswith(LOCATED_WORDS) and len(between) <= 12:
                chain = _chain_end(places, i)
                return Located(chain.key, "clause:facility-located-district", mention.sentence)
    before = [p for p in places if left <= p.start and p.end <= mention.start]
    if before:
        place = before[-1]
        between = text[place.end : mention.start]
        if len(between) <= 10 and (between.startswith(("在", "于")) or JOINING.match(between)
                                   or text[max(left, place.start - 2) : place.start]
                                   .endswith(("在", "于"))):
            return Located(place.key, "clause:district-facility", mention.sentence)
    return None


def _heading(mention: Mention, text: str, places: list[Place]) -> Located | None:
    """The nearest short line before the facility's paragraph that names a place: the
    heading of the list or section it is in."""
    line_start = text.rfind("\n", 0, mention.start) + 1
    position = line_start - 1
    for _ in range(40):  # headings of lists within forty lines
        if position <= 0:
            return None
        start = text.rfind("\n", 0, position) + 1
        line = text[start:position]
        if line.strip() and len(line) <= MAX_HEADING and not line.rstrip().endswith("。"):
            inside = [i for i, p in enumerate(places) if start <= p.start and p.end <= position]
            if inside:
                place = _chain_end(places, inside[-1])
                return Located(place.key, "context:heading", place.sentence)
        position = start - 1
    return None


def _nearest(mention: Mention, text: str, places: list[Place], sentences: tuple[Sentence, ...]) \
        -> Located | None:
    sentence = sentences[mention.sentence] if 0 <= mention.sentence < len(sentences) else None
    paragraph = text.rfind("\n", 0, mention.start) + 1
    before = [i for i, p in enumerate(places) if p.end <= mention.start]
    if not before:
        return None
    place = places[before[-1]]
    if any(ch in text[place.end : mention.start] for ch in "；;\n"):
        return None  # the place leads another item of a list (辛庄镇建…；南开学校…)
    if sentence is not None and place.start >= sentence.start:
        return Located(place.key, "context:sentence", mention.sentence)
    if place.start >= paragraph:
        return Located(place.key, "context:paragraph", mention.sentence)
    return None


#: an article is about one town when that many paragraphs name it, twice as many as any other
TOWN_PARAGRAPHS = 3


def _article_town(places: list[Place], text: str) -> str:
    """The township (street, town) the article is about, if one stands out: named in
    three or more paragraphs, twice as many as any other township."""
    paragraphs: dict[str, set[int]] = {}
    for place in places:
        if place.depth == DEPTH[Level.TOWNSHIP]:
            paragraphs.setdefault(place.key, set()).add(text.count("\n", 0, place.start))
    ranked = sorted(((len(v), k) for k, v in paragraphs.items()), reverse=True)
    if not ranked or ranked[0][0] < TOWN_PARAGRAPHS:
        return ""
    if len(ranked) > 1 and ranked[1][0] * 2 > ranked[0][0]:
        return ""
    return ranked[0][1]


def _less_specific(place: str, than: str, gazetteer: Gazetteer) -> bool:
    """Is ``place`` an ancestor of (or the same as) ``than``?"""
    if place == than:
        return True
    inner, outer = keys.parse(than), keys.district_code(place)
    if not outer:
        return False
    return inner.scope == outer or gazetteer.is_within(inner.scope, outer)


def locate(
    entities: list[Entity], sentences: tuple[Sentence, ...], text: str, gazetteer: Gazetteer,
    written: Sequence[tuple[int, int, Division]] = (),
) -> list[Entity]:
    """Each facility with ``located_key`` and ``located_by`` set by the first rule that
    finds its place. ``written``: every gazetteer place the recognizers found, with its span
    (those inside a facility's name are not District mentions of their own)."""
    districts = [e for e in entities if e.type is EntityType.DISTRICT]
    taken = [(m.start, m.end) for e in entities if e.type is not EntityType.DISTRICT
             for m in e.mentions]
    places = _places(entities, taken)
    town = _article_town(places, text)
    out = []
    for facility in entities:
        if facility.type is EntityType.FACILITY:
            found = _decide(facility, districts, places, written, sentences, text, gazetteer)
            if (found is not None and found.rule.startswith("context:article-area") and town
                    and _less_specific(found.district, town, gazetteer) and found.district != town):
                found = Located(town, "context:article-town", found.sentence)
            if found is not None:
                facility = replace(facility, located_key=found.district, located_by=found.rule)
        out.append(facility)
    return out


def _decide(
    facility: Entity, districts: list[Entity], places: list[Place],
    written: Sequence[tuple[int, int, Division]], sentences: tuple[Sentence, ...], text: str,
    gazetteer: Gazetteer,
) -> Located | None:
    body = [m for m in facility.mentions if not m.aside]
    first = body[0].sentence if body else -1
    # a place inside the name counts when the article names it as a District of its own
    # (a short form inside a brand, 华舍金色年华…, alone is not where the text places it)
    known = {d.key for d in districts}
    inside = [Place(a, b, keys.district(d.code), DEPTH[d.level], -1) for a, b, d in written
              if keys.district(d.code) in known and any(m.start <= a and b <= m.end and (a, b) != (m.start, m.end)
                     for m in facility.mentions)]
    named = _in_name(facility, districts, inside)
    leading = facility.located_key if facility.located_by.startswith("name:") else ""
    area = leading or facility.located_key
    if named and named != leading and not (area and _less_specific(named, area, gazetteer)):
        return Located(named, "name:district-in-name", first)
    if leading:
        return Located(leading, facility.located_by, first)
    found = next((loc for m in body if (loc := _by_clause(m, text, places))), None)
    if found is not None:
        return found
    if body:
        for candidate in (_heading(body[0], text, places),
                          _nearest(body[0], text, places, sentences)):
            if candidate is not None and not (
                    area and _less_specific(candidate.district, area, gazetteer)):
                return candidate
    return Located(area, facility.located_by or "context:article-area", first) if area else None
