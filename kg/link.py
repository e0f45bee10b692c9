"""Linking within one article: mentions → entities with canonical names, parents,
jurisdictions and stable keys, and the reasons for each decision.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from kg.extract.agencies import AgencySpan
from kg.extract.districts import Resolved
from kg.extract.facilities import FacilitySpan
from kg.extract.programs import ProgramSpan
from kg.gazetteer import Division, Gazetteer
from kg.model import Entity, EntityType, Level, Mention
from kg.resources import lexicon

PROGRAM_TAILS = ("项目", "活动", "机制", "工作", "系列活动", "建设")


def key_part(text: str) -> str:
    """A piece of an IRI path: the text itself, minus characters IRIs do not like."""
    return re.sub(r"[\s/#?%<>\"{}|\\^`\[\]]+", "_", text)


def parent_of(division: Division, gazetteer: Gazetteer) -> Division | None:
    ancestors = gazetteer.ancestors(division.code)
    return ancestors[0] if ancestors else None


def district_entities(
    resolved: list[Resolved], mentions: list[Mention], gazetteer: Gazetteer, home: tuple[Division, ...]
) -> tuple[list[Entity], dict[int, str], dict[int, Division]]:
    """Group District mentions by division; villages by name, attached to a place the text
    puts right before them or, failing that, to a gazetteer village under a place of the
    article. Returns the entities, mention start → entity key, and key → division."""
    groups: dict[str, list[tuple[Resolved, Mention]]] = defaultdict(list)
    info: dict[str, tuple[str, str, str, Level, str, list[str]]] = {}
    by_end = {r.candidate.end: r for r in resolved if r.division is not None}
    home_codes = {d.code for d in home}
    start_to_key: dict[int, str] = {}
    division_of_key: dict[str, Division] = {}
    for item, mention in zip(resolved, mentions, strict=True):
        division = item.division
        why: list[str] = []
        if division is not None and division.level is not Level.VILLAGE:
            key = f"district/{division.code}"
            parent = parent_of(division, gazetteer)
            info.setdefault(
                key,
                (division.name, division.code, parent.name if parent else "", division.level,
                 f"district/{parent.code}" if parent else "", why),
            )
            division_of_key[key] = division
        else:
            name = item.candidate.text
            before = by_end.get(item.candidate.start)
            parent_div: Division | None = None
            if before is not None and before.division is not None:
                parent_div = before.division
                why.append(f"{name}: parent {parent_div.name} written right before it")
            elif item.candidate.divisions:
                options = [
                    v for v in item.candidate.divisions
                    if any(gazetteer.is_within(v.code, h) for h in home_codes)
                    or any(gazetteer.is_within(v.code, r.division.code) for r in resolved
                           if r.division is not None and r.division.level is Level.TOWNSHIP)
                ]
                if len(options) == 1:
                    village = options[0]
                    parent_div = gazetteer.by_code(village.parent_code)
                    why.append(f"{name}: the only gazetteer village of that name in the article's area")
            anchor = parent_div.code if parent_div else (next(iter(home)).code if home else "cn")
            key = f"district/{anchor}/{key_part(name)}"
            info.setdefault(
                key,
                (name, "", parent_div.name if parent_div else "", Level.VILLAGE,
                 f"district/{parent_div.code}" if parent_div else "", why),
            )
        groups[key].append((item, mention))
        start_to_key[mention.start] = key
    entities = []
    for key, members in groups.items():
        label, code, parent, level, parent_key, why = info[key]
        mentions_of = tuple(m for _, m in members)
        aliases = tuple(sorted({m.text for m in mentions_of} - {label}))
        entities.append(
            Entity(key, EntityType.DISTRICT, label, mentions_of, aliases, parent, parent_key,
                   code, level, why=tuple(why))
        )
    return entities, start_to_key, division_of_key


def jurisdiction_for(
    span: AgencySpan, district_at: dict[int, Division], home: tuple[Division, ...]
) -> tuple[Division | None, str]:
    """The District an agency serves, and why."""
    if span.prefix_end > span.start and span.start in district_at:
        division = district_at[span.start]
        return division, f"jurisdiction {division.name} written in the name"
    level = lexicon().level_prefixes.get(span.level_prefix, "")
    if not home:
        return None, "no home area in the article"
    if not span.level_prefix:
        return None, "no jurisdiction in the name"
    wanted: tuple[Level, ...] = {
        "province": (Level.PROVINCE,),
        "city": (Level.CITY,),
        "county": (Level.COUNTY, Level.ZONE),
        "township": (Level.TOWNSHIP,),
    }.get(level, ())
    for area in home:
        if area.level in wanted:
            return area, f"{span.level_prefix}… resolved to the article's home {area.name}"
        # 市 in an article about a county-level city (阳春市) names that city
        if level == "city" and area.level is Level.COUNTY and area.name.endswith("市"):
            return area, f"市… resolved to the county-level city {area.name}"
    return None, f"no home area of level {level}"


def _expand(function: str) -> str:
    abbreviations = lexicon().agency_abbreviations
    for short in sorted(abbreviations, key=len, reverse=True):
        if function.endswith(short):
            return function[: -len(short)] + abbreviations[short]
    return function


def agency_entities(
    spans: Iterable[AgencySpan], mentions: list[Mention], district_at: dict[int, Division],
    home: tuple[Division, ...],
) -> list[Entity]:
    groups: dict[str, list[Mention]] = defaultdict(list)
    labels: dict[str, str] = {}
    jurisdictions: dict[str, str] = {}
    why: dict[str, list[str]] = defaultdict(list)
    for span, mention in zip(spans, mentions, strict=True):
        division, reason = jurisdiction_for(span, district_at, home)
        rest = span.text[span.prefix_end - span.start :]
        if division is not None:
            label = division.name + rest
            key = f"agency/{division.code}/{key_part(_expand(rest))}"
            jurisdictions[key] = f"district/{division.code}"
        else:
            label = span.text
            key = f"agency/{key_part(_expand(span.text))}"
        groups[key].append(mention)
        labels.setdefault(key, label)
        why[key].append(f"{span.text}@{span.start}: {reason}")
    return [
        Entity(key, EntityType.AGENCY, labels[key], tuple(ms),
               tuple(sorted({m.text for m in ms} - {labels[key]})),
               jurisdiction_key=jurisdictions.get(key, ""), why=tuple(why[key]))
        for key, ms in groups.items()
    ]


def facility_entities(
    spans: Iterable[FacilitySpan], mentions: list[Mention], district_at: dict[int, Division],
    home: tuple[Division, ...],
) -> list[Entity]:
    from kg.extract.facilities import GENERIC_MODIFIERS, _only_generic

    groups: dict[str, list[Mention]] = defaultdict(list)
    labels: dict[str, str] = {}
    located: dict[str, str] = {}
    anchor_home = home[0].code if home else "cn"
    for span, mention in zip(spans, mentions, strict=True):
        own = span.text[span.name_start - span.start :]
        head_free = own
        for head in lexicon().facility_heads:
            if own.endswith(head):
                head_free = own[: -len(head)]
                break
        specific = len(head_free) >= 2 and head_free not in GENERIC_MODIFIERS and not _only_generic(head_free)
        label = own if specific else span.text
        prefix_division = district_at.get(span.start) if span.name_start > span.start else None
        anchor = prefix_division.code if prefix_division else anchor_home
        key = f"facility/{_county_of(anchor, prefix_division, home)}/{key_part(label)}"
        groups[key].append(mention)
        labels.setdefault(key, label)
        if prefix_division is not None:
            located.setdefault(key, f"district/{prefix_division.code}")
    return [
        Entity(key, EntityType.FACILITY, labels[key], tuple(ms),
               tuple(sorted({m.text for m in ms} - {labels[key]})), located_key=located.get(key, ""))
        for key, ms in groups.items()
    ]


def _county_of(anchor: str, division: Division | None, home: tuple[Division, ...]) -> str:
    """Facilities are keyed by the county-level area they are in (or the article's home)."""
    return anchor


def program_group(name: str) -> str:
    for tail in PROGRAM_TAILS:
        if name.endswith(tail) and len(name) - len(tail) >= 2:
            return name[: -len(tail)]
    return name


def program_entities(
    spans: Iterable[ProgramSpan], mentions: list[Mention], home: tuple[Division, ...]
) -> list[Entity]:
    groups: dict[str, list[Mention]] = defaultdict(list)
    labels: dict[str, str] = {}
    anchor = home[0].code if home else "cn"
    for span, mention in zip(spans, mentions, strict=True):
        key = f"program/{anchor}/{key_part(program_group(span.name))}"
        groups[key].append(mention)
        labels.setdefault(key, span.name)
    return [
        Entity(key, EntityType.PROGRAM, labels[key], tuple(ms),
               tuple(sorted({m.name or m.text for m in ms} - {labels[key]})))
        for key, ms in groups.items()
    ]
