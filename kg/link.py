"""Linking within one article: mentions → entities with canonical names, parents,
jurisdictions and stable keys, and the reasons for each decision.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable

from kg import keys
from kg.extract.agencies import AgencySpan
from kg.extract.districts import Resolved
from kg.extract.facilities import FacilitySpan, is_generic
from kg.extract.programs import ProgramSpan
from kg.gazetteer import Division, Gazetteer
from kg.model import Entity, EntityType, Level, Mention
from kg.resources import lexicon
from kg.spans import SpanIndex

PROGRAM_TAILS = ("项目", "活动", "机制", "工作", "系列活动", "建设")


def parent_of(division: Division, gazetteer: Gazetteer) -> Division | None:
    ancestors = gazetteer.ancestors(division.code)
    if ancestors:
        return ancestors[0]
    return gazetteer.by_code(division.parent_code) if division.parent_code else None


def _district_parent(
    division: Division, mentioned: set[str], gazetteer: Gazetteer
) -> Division | None:
    """The gazetteer parent, or a functional zone holding the division when the article
    names that zone (皇冠街道 → 威海经济技术开发区 rather than 环翠区)."""
    for zone in gazetteer.zones_of(division.code):
        if zone.code in mentioned:
            return zone
    return parent_of(division, gazetteer)


def _containers(code: str, gazetteer: Gazetteer, memo: dict[str, frozenset[str]]) -> frozenset[str]:
    """The codes ``c`` with ``gazetteer.is_within(code, c)``: the ancestors and the zones
    holding the division or an ancestor (memoized in ``memo``)."""
    if code not in memo:
        chain = [code, *(d.code for d in gazetteer.ancestors(code))]
        memo[code] = frozenset(chain[1:]) | {z.code for c in chain for z in gazetteer.zones_of(c)}
    return memo[code]


def district_entities(
    resolved: list[Resolved], mentions: list[Mention], gazetteer: Gazetteer,
    home: tuple[Division, ...],
) -> list[Entity]:
    """Group District mentions by division; villages (社区/村) by name, attached to the place
    written right before one of their mentions or, failing that, to the only gazetteer
    village of that name inside a place of the article."""
    mentioned = {r.division.code for r in resolved if r.division is not None}
    by_end = {r.candidate.end: r for r in resolved if r.division is not None}
    places = [r.division for r in resolved
              if r.division is not None and r.division.level is not Level.VILLAGE]
    # each area once: a village is tested against the areas, not against every mention
    areas = dict.fromkeys(p.code for p in [*places, *home]
                          if p.level in (Level.TOWNSHIP, Level.COUNTY, Level.ZONE))
    containers: dict[str, frozenset[str]] = {}
    village_parent: dict[str, tuple[Division, str]] = {}
    for item in resolved:
        if item.division is not None and item.division.level is not Level.VILLAGE:
            continue
        name = item.candidate.name or item.candidate.text
        before = by_end.get(item.candidate.start)
        if before is not None and before.division is not None and name not in village_parent:
            village_parent[name] = (before.division,
                                    f"{name}: parent {before.division.name} written right before it")
    for item in resolved:
        name = item.candidate.name or item.candidate.text
        if name in village_parent or (item.division and item.division.level is not Level.VILLAGE):
            continue
        options = [v for v in item.candidate.divisions
                   if not _containers(v.code, gazetteer, containers).isdisjoint(areas)]
        towns = {v.parent_code for v in options}
        if len(towns) == 1:
            parent = gazetteer.by_code(towns.pop())
            if parent is not None:
                village_parent[name] = (
                    parent, f"{name}: the gazetteer's only {name} inside a place of the article")
    groups: dict[str, list[Mention]] = defaultdict(list)
    info: dict[str, tuple[str, str, Division | None, Level, tuple[str, ...]]] = {}
    for item, mention in zip(resolved, mentions, strict=True):
        division = item.division
        if division is not None and division.level is not Level.VILLAGE:
            key = keys.district(division.code)
            parent = _district_parent(division, mentioned, gazetteer)
            known = gazetteer.by_code(division.code) is not None
            info.setdefault(key, (division.name, division.code if known else "", parent,
                                  division.level, () if known else (
                                      f"{division.name}: a zone named by the text, not in the gazetteer",)))
        else:
            name = item.candidate.name or item.candidate.text
            parent, reason = village_parent.get(name, (None, f"{name}: no parent certain"))
            anchor = parent.code if parent else (home[0].code if home else keys.NO_PLACE)
            key = keys.village(anchor, name)
            info.setdefault(key, (name, "", parent, Level.VILLAGE, (reason,)))
        groups[key].append(mention)
    entities = []
    for key, mentions_of in groups.items():
        label, code, parent, level, why = info[key]
        aliases = tuple(sorted({m.text for m in mentions_of} - {label}))
        entities.append(
            Entity(key, EntityType.DISTRICT, label, tuple(mentions_of), aliases,
                   parent.name if parent else "", keys.district(parent.code) if parent else "",
                   code, level, why=why)
        )
    return entities


NATIONAL_HEADS = ("部", "总局", "署")
#: facility names that need their place in front to name one facility
NEEDS_PLACE = ("第", "实验", "中心", "人民", "中医", "妇幼", "儿童", "老年", "职业", "市民", "区")
LEVELS_OF = {
    "province": (Level.PROVINCE,),
    "city": (Level.CITY,),
    "county": (Level.COUNTY, Level.ZONE),
    "township": (Level.TOWNSHIP,),
}


class Locality:
    """Where a level word (区, 市, 该区, 我市) points: the nearest place of that level written
    before it in the same paragraph, else the article's home area of that level."""

    def __init__(
        self,
        text: str,
        placed: list[tuple[int, int, Division]],
        home: tuple[Division, ...],
        asides: tuple[tuple[int, int], ...] = (),
    ):
        self.text = text
        self.divisions = {start: division for start, _end, division in placed}
        self.ends = {start: end for start, end, _division in placed}
        # places that can be referred back to: those of the body, not of asides
        in_aside = SpanIndex((a, b, None) for a, b in asides)
        self.placed = sorted(
            (start, division) for start, _end, division in placed if not in_aside.holding(start)
        )
        self.home = home
        self.line_ends = [-1, *(m.start() for m in re.finditer("\n", text))]

    def chain(self, start: int, stop: int) -> list[Division]:
        """The District mentions written one after another from ``start`` up to ``stop``."""
        divisions = self.divisions
        out: list[Division] = []
        while start < stop and start in divisions:
            out.append(divisions[start])
            start = self.ends[start]
        return out

    def resolve(self, word: str, offset: int) -> tuple[Division | None, str]:
        lex = lexicon()
        level = lex.level_prefixes.get(word) or lex.pronouns.get(word, "")
        wanted = LEVELS_OF.get(level, ())
        paragraph = self.line_ends[bisect_left(self.line_ends, offset) - 1] + 1
        # a pronoun (该区) points back to the last place of its level, a level word (区) only
        # within its paragraph
        window = max(0, offset - 600) if word in lex.pronouns else paragraph
        for i in range(bisect_left(self.placed, (offset,)) - 1, -1, -1):
            start, division = self.placed[i]
            if start < window:
                break
            if division.level in wanted:
                return division, f"{word}… resolved to {division.name}, named before it"
        for area in self.home:
            if area.level in wanted:
                return area, f"{word}… resolved to the article's home {area.name}"
            # 市 in an article about a county-level city (阳春市) names that city
            if level == "city" and area.level is Level.COUNTY and area.name.endswith("市"):
                return area, f"{word}… resolved to the county-level city {area.name}"
        return None, f"no place of level {level or '?'} for {word}"


def jurisdiction_for(
    span: AgencySpan, district_at: dict[int, Division], locality: Locality
) -> tuple[Division | None, str]:
    """The District an agency serves, and why."""
    if span.prefix_end > span.start and span.start in district_at:
        division = district_at[span.start]
        chain = locality.chain(span.start, span.prefix_end)
        if chain:
            division = chain[-1]
        return division, f"jurisdiction {division.name} written in the name"
    if span.level_prefix:
        return locality.resolve(span.level_prefix, span.start)
    if span.prefix_end > span.start:
        return None, f"national body ({span.text[: span.prefix_end - span.start]})"
    if span.text in lexicon().agency_national or span.text.endswith(NATIONAL_HEADS):
        return None, "a national body"
    if locality.home:
        area = locality.home[0]
        return area, f"no jurisdiction written; the article's home area {area.name}"
    return None, "no jurisdiction written and no home area"


def _expand(function: str) -> str:
    abbreviations = lexicon().agency_abbreviations
    for short in sorted(abbreviations, key=len, reverse=True):
        if function.endswith(short):
            return function[: -len(short)] + abbreviations[short]
    return function


def agency_entities(
    spans: list[AgencySpan], mentions: list[Mention], district_at: dict[int, Division],
    locality: Locality,
) -> list[Entity]:
    groups: dict[str, list[Mention]] = defaultdict(list)
    labels: dict[str, list[str]] = defaultdict(list)
    jurisdictions: dict[str, str] = {}
    why: dict[str, list[str]] = defaultdict(list)
    previous: tuple[AgencySpan, str] | None = None
    text = locality.text
    for span, mention in zip(spans, mentions, strict=True):
        rest = span.text[span.prefix_end - span.start :]
        if (
            previous is not None
            and span.prefix_end == span.start
            and text[previous[0].end : span.start] in ("和", "、", "及", "与", "以及")
            and previous[0].prefix_end > previous[0].start
        ):
            # 国家发改委和体育总局: the second body shares the first one's jurisdiction
            shared = previous[0].text[: previous[0].prefix_end - previous[0].start]
            division = district_at.get(previous[0].start) if not previous[0].level_prefix else None
            if previous[0].level_prefix:
                division, _ = locality.resolve(previous[0].level_prefix, previous[0].start)
            reason = f"shares the jurisdiction of {previous[0].text} before it"
            if division is None and shared in ("国家", "中央", "全国", "中共"):
                label, key = shared + rest, keys.agency(_expand(shared + rest))
                groups[key].append(mention)
                labels[key].append(label)
                why[key].append(f"{span.text}@{span.start}: {reason}")
                previous = (span, key)
                continue
        else:
            division, reason = jurisdiction_for(span, district_at, locality)
        if division is not None:
            chain = locality.chain(span.start, span.prefix_end)
            written = "".join(d.name for d in chain) if chain and chain[-1] == division else ""
            label = (written or division.name) + rest
            key = keys.agency(_expand(rest), division.code)
            jurisdictions[key] = keys.district(division.code)
        else:
            label = span.text
            key = keys.agency(_expand(span.text))
        groups[key].append(mention)
        labels[key].append(label)
        why[key].append(f"{span.text}@{span.start}: {reason}")
        previous = (span, key)
    out = []
    for key, ms in groups.items():
        # the fullest form the article uses names it (平湖市文化和广电旅游体育局 over 文旅体局)
        label = max(dict.fromkeys(labels[key]), key=len)  # the first of the longest
        out.append(Entity(key, EntityType.AGENCY, label, tuple(ms),
                          tuple(sorted({m.text for m in ms} | set(labels[key]) - {label})),
                          jurisdiction_key=jurisdictions.get(key, ""), why=tuple(why[key])))
    return out


def facility_entities(
    spans: Iterable[FacilitySpan], mentions: list[Mention], district_at: dict[int, Division],
    locality: Locality,
) -> list[Entity]:
    """Facilities by name within the article. Each is located in the place written before
    it (义蓬街道|文体中心), or else in the county its paragraph or the article is about; its
    key joins that place's code and its name, so the same facility in two articles about the
    same county is one entity."""
    prefixes = lexicon().level_prefixes
    by_label: dict[str, list[tuple[Mention, Division | None, Division | None, str]]] = {}
    for span, mention in zip(spans, mentions, strict=True):
        own = span.text[span.name_start - span.start :]
        label = own if _specific(own) else span.text
        area = district_at.get(span.start) if span.name_start > span.start else None
        reason = f"{span.text}@{span.start}: " + (f"in {area.name}, written before it" if area else "")
        if area is None and label[:1] in prefixes and len(label) > 3:
            # 区文化馆 in an article about 威海经济技术开发区 → 威海经济技术开发区文化馆
            area, reason = locality.resolve(label[0], span.start)
            if area is not None:
                label = area.name + label[1:]
        context_area = None
        if area is None and not mention.aside:
            # no place in the name: the county the paragraph (or else the article) is about
            context_area, context_reason = locality.resolve("区", span.start)
            if context_area is not None:
                reason = f"{span.text}@{span.start}: located by context: {context_reason}"
        by_label.setdefault(label, []).append((mention, area, context_area, reason))
    anchor_home = locality.home[0].code if locality.home else keys.NO_PLACE
    entities = []
    for label, members in by_label.items():
        written = next((area for _, area, _, _ in members if area is not None), None)
        context = next((ctx for _, _, ctx, _ in members if ctx is not None), None)
        place = written or context
        if written is not None:
            located_by = "name:leading-district"
        elif context is not None:
            located_by = ("context:article-area" if context in locality.home
                          else "context:paragraph-county")
        else:
            located_by = ""
        ms = tuple(m for m, _, _, _ in members)
        entities.append(Entity(
            keys.facility(place.code if place else anchor_home, label),
            EntityType.FACILITY, label, ms, tuple(sorted({m.text for m in ms} - {label})),
            located_key=keys.district(place.code) if place else "",
            located_by=located_by,
            why=tuple(w for _, _, _, w in members if not w.endswith(": ")),
        ))
    return entities


def _specific(own: str) -> bool:
    """Does the facility's own part (without a leading district) name it by itself?"""
    head_free = own
    for head in lexicon().facility_heads:
        if own.endswith(head):
            head_free = own[: -len(head)]
            break
    # an ordinal or a common school/hospital word (第一人民医院, 实验小学, 中心小学) names a
    # facility only together with its place
    return (len(head_free) >= 2 and not is_generic(head_free)
            and not head_free.startswith(NEEDS_PLACE))


def program_group(name: str) -> str:
    for tail in PROGRAM_TAILS:
        if name.endswith(tail) and len(name) - len(tail) >= 2:
            return name[: -len(tail)]
    return name


def program_entities(
    spans: Iterable[ProgramSpan], mentions: list[Mention], home: tuple[Division, ...]
) -> list[Entity]:
    """Programs by name; a name and the same name with the home area in front
    (婴幼儿照护服务设施配建办法, 杭州市婴幼儿照护服务设施配建办法) are one program, named by
    its fullest form."""
    groups: dict[str, list[Mention]] = defaultdict(list)
    names: dict[str, list[str]] = defaultdict(list)
    anchor = home[0].code if home else keys.NO_PLACE
    for span, mention in zip(spans, mentions, strict=True):
        core = span.name
        for area in home:
            for written in (area.name, area.name[:-1] if len(area.name) > 2 else area.name):
                if core.startswith(written) and len(core) - len(written) >= 4:
                    core = core[len(written) :]
                    break
        key = keys.program(anchor, program_group(core))
        groups[key].append(mention)
        names[key].append(span.name)
    out = []
    for key, ms in groups.items():
        label = max(dict.fromkeys(names[key]), key=len)  # the first of the longest
        out.append(Entity(key, EntityType.PROGRAM, label, tuple(ms),
                          tuple(sorted({m.name or m.text for m in ms} | {m.text for m in ms}
                                       - {label}))))
    return out
