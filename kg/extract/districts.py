"""District mentions: gazetteer names and short forms, zone abbreviations, 社区/村 by form.

Steps: :func:`find_candidates` lists every span that could name a division (with all the
divisions it could name), :func:`resolve` picks one division per span using the other
places of the article, and :func:`home_areas` infers the article's own area(s).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, replace

from kg.extract.scan import Scan
from kg.gazetteer import RANK as LEVEL_RANK
from kg.gazetteer import Division, Gazetteer
from kg.model import EntityType, Level, Mention
from kg.resources import lexicon
from kg.spans import SpanIndex
from kg.text import word_tag

#: a 社区/村 name by its form: group 1 the stem, 2 to 7 Han characters, the shortest that
#: works (the caller checks it looks like a proper name); group 2 the suffix, longest first:
#: 社区居委会, 居委会, 社区, 村委会, or 村 — but not the 村 of 乡村/农村 (lookbehind), nor a 村
#: that starts a longer word: 村社区, 村委会 (handled above), 村民, 村庄, 村镇, 村级, 村里,
#: 村落, 村干部, 村医, 村小组, 村务 (lookahead)
VILLAGE_FORM = re.compile(
    r"([\u4e00-\u9fff]{2,7}?)(社区居委会|居委会|社区|村委会|(?<![乡农])村(?!社区|委会|民|庄|镇|级|里|落|干部|医|小组|务))"
)



@dataclass(frozen=True)
class Reason:
    """Why a place mention was resolved as it was: the mention (its text and start) and a
    sentence for people (``kg explain``); the pipeline routes it by the mention, never by
    parsing the sentence."""

    text: str
    start: int
    message: str

    def __str__(self) -> str:
        return f"{self.text}@{self.start}: {self.message}"

@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    text: str
    divisions: tuple[Division, ...]
    rule: str
    name: str = ""  # the name when it differs from the text (头堡村委会 → 头堡村)


VILLAGE_SUFFIX = re.compile("(?:社区居委会|居委会|社区|村委会|村)$")
#: the generic zone abbreviations of the lexicon ([district.zone_words]), longest first
ZONE_WORD = re.compile("|".join(sorted(map(re.escape, lexicon().zone_words), key=len, reverse=True)))
#: what follows a place name when it names a road, not the place (珠海路, 上海街)
ROAD_AFTER = lexicon().road_after
#: full division names that are ordinary words in news text
NOT_PLACES = lexicon().not_places


def find_candidates(scan: Scan, gazetteer: Gazetteer) -> list[Candidate]:
    """Every token that is a division name or short form, and 社区/村 by form."""
    found: list[Candidate] = []
    lex = lexicon()
    text = scan.text
    written = gazetteer.written_forms()
    for token in scan.tokens:
        word = token.text
        if word not in written:  # most words: no division is written so
            continue
        if len(word) < 2 or word in lex.pronouns or word in NOT_PLACES:
            continue
        if text.startswith(ROAD_AFTER, token.end):
            continue
        full = gazetteer.by_name(word)
        if full:
            found.append(Candidate(token.start, token.end, word, full, "gazetteer:name"))
            continue
        short = gazetteer.by_short(word)
        if short:
            found.append(Candidate(token.start, token.end, word, short, "gazetteer:short"))
    taken = {(c.start, c.end) for c in found}
    zones = [Candidate(m.start(), m.end(), m.group(0), (), "zone:abbreviation")
             for m in ZONE_WORD.finditer(text)
             if scan.is_boundary(m.start()) and scan.is_boundary(m.end()) and m.span() not in taken]
    # a name inside a zone word is part of it (the zone words never overlap each other)
    in_zone = SpanIndex((z.start, z.end, z) for z in zones)
    found = [c for c in found if not in_zone.containing(c.start, c.end)] + zones
    villages = _village_candidates(scan, gazetteer, found)
    # a short form inside a village name is part of that name (红丰西塘社区 is not 西塘镇)
    in_village = SpanIndex((v.start, v.end, (v.start, v.end)) for v in villages)
    found = [
        c for c in found
        if not any(span != (c.start, c.end) for span in in_village.containing(c.start, c.end))
    ]
    return found + villages


PROPER_TAGS = frozenset({"ns", "nr", "nrt", "nrfg", "nz", "j"})


def _village_candidates(
    scan: Scan, gazetteer: Gazetteer, named: list[Candidate]
) -> list[Candidate]:
    """社区/村 names by their form. The stem before the suffix must look like a proper name:
    right after a known place (硖石街道|西山社区), a village of that name in the gazetteer,
    or words jieba does not know or tags as names (蜀南村), never verbs (优化社区)."""
    text = scan.text
    ends = {c.end: c for c in named if c.rule == "gazetteer:name"}
    out: list[Candidate] = []
    lex = lexicon()
    for match in VILLAGE_FORM.finditer(text):
        end = match.end()
        suffix_start = match.start(2)
        if not scan.is_boundary(end):
            continue
        name_suffix = {"村委会": "村", "居委会": "社区", "社区居委会": "社区"}.get(match.group(2))
        # stems from the longest (up to 7 characters, over whole tokens) to the shortest
        pieces: list[tuple[int, str]] = []  # (start, tag of the token)
        start = suffix_start
        token = scan.covering(suffix_start)
        if token is not None and token.start < suffix_start:  # 西山社区 or 塘村 as one token
            start = token.start
            pieces.append((start, word_tag(token.text) or ""))
        while start not in ends:
            index = scan.token_ending_at.get(start)
            if index is None:
                break
            word = scan.tokens[index].text
            if (suffix_start - scan.tokens[index].start > 7 or word in lex.boundary
                    or word in lex.pronouns or word.endswith(("社区", "委会"))
                    or (word.endswith("村") and len(word) > 1)
                    or not all("\u4e00" <= ch <= "\u9fff" for ch in word)):
                break
            start = scan.tokens[index].start
            pieces.append((start, word_tag(word) or ""))
        chosen = _choose_stem(text, pieces, suffix_start, end, ends, gazetteer)
        if chosen is not None and name_suffix:
            chosen = replace(chosen, name=text[chosen.start:suffix_start] + name_suffix)
        if chosen is not None:
            out.append(chosen)
    return out


def _choose_stem(
    text: str, pieces: list[tuple[int, str]], suffix_start: int, end: int,
    ends: dict[int, Candidate], gazetteer: Gazetteer,
) -> Candidate | None:
    """The longest stem the gazetteer knows, else the whole stem right after a known place,
    else the longest stem made only of name-like words."""
    stems = [(s, text[s:suffix_start]) for s, _tag in reversed(pieces)]
    if stems and not _stem_ok(stems[0][1]):
        return None  # 新时代社区: the whole stem is generic, so is every part of it
    stems = [(s, stem) for s, stem in stems if len(stem) >= 2 and _stem_ok(stem)]
    # a stem that starts with a verb, preposition, adverb or count is no name, even right
    # after a place (原州区|以蒋河村, 街道|办张家村, 原州区|充分发挥村委会)
    stems = [(s, stem) for s, stem in stems if _name_like(stem, text, pieces, s)]
    if stems and stems[0][0] in ends:
        s = stems[0][0]
        villages = gazetteer.villages_named(text[s:end])
        return Candidate(s, end, text[s:end], villages, "form:village:after-place")
    for s, stem in stems:
        villages = gazetteer.villages_named(text[s:end])
        if villages:
            # a stem that is also a place (杭州|社区…, 红山|社区) is decided once the article's
            # area is known: see drop_place_stems
            rule = "form:village:place-stem" if _upper_places(stem, gazetteer) else "form:village:gazetteer"
            return Candidate(s, end, text[s:end], villages, rule)
    stems = [(s, stem) for s, stem in stems if not _upper_places(stem, gazetteer)]
    tags = {start: tag for start, tag in pieces}
    for s, _stem in stems:
        if all(not tags[p] or tags[p] in PROPER_TAGS for p in tags if p >= s):
            return Candidate(s, end, text[s:end], (), "form:village")
    return None


#: tags of a first word that starts no village name: prepositions, conjunctions, adverbs,
#: numerals, measure words, pronouns, particles (以|蒋河村, 再|各建两个社区)
NOT_NAME_START = frozenset({"p", "c", "d", "ad", "m", "q", "r", "u", "uj", "y", "e"})


def _name_like(stem: str, text: str, pieces: list[tuple[int, str]], start: int) -> bool:
    """The stem's first word may start a name: not a function word, not a one-character
    verb (街道|办张家村); and the stem is no phrase ending in a verb (充分发挥|村委会)."""
    ends = sorted(p for p, _tag in pieces if p > start)
    first = text[start:ends[0]] if ends else stem
    tag = word_tag(first) or ""
    if tag in NOT_NAME_START or (tag.startswith("v") and len(first) == 1):
        return False
    return not (len(stem) >= 4 and (word_tag(stem[-2:]) or "").startswith("v"))


def _upper_places(stem: str, gazetteer: Gazetteer) -> tuple[Division, ...]:
    """County-level and larger divisions a village stem also names (杭州 → 杭州市)."""
    return tuple(d for d in (*gazetteer.by_name(stem), *gazetteer.by_short(stem))
                 if LEVEL_RANK[d.level] <= LEVEL_RANK[Level.COUNTY])


def drop_place_stems(
    resolved: list[Resolved], home: tuple[Division, ...], gazetteer: Gazetteer
) -> list[Resolved]:
    """A 社区/村 whose stem names a county or larger place of the article's own area is
    that place followed by the word 社区 (杭州|社区嵌入式服务), not a village; elsewhere
    (红山社区 in a 广州 article) it is a village."""
    home_codes = {h.code for h in home}
    out = []
    for item in resolved:
        if item.candidate.rule == "form:village:place-stem":
            places = _upper_places(VILLAGE_SUFFIX.sub("", item.candidate.text), gazetteer)
            if any(p.code in home_codes or any(gazetteer.is_within(h, p.code) for h in home_codes)
                   for p in places):
                continue
        out.append(item)
    return out


def _stem_ok(stem: str) -> bool:
    generic = lexicon().generic_village_words
    if stem in generic:
        return False
    return not any(stem.startswith(w) or stem.endswith(w) for w in generic if len(w) >= 2)


@dataclass(frozen=True)
class Resolved:
    candidate: Candidate
    division: Division | None  # None: a village by form outside the gazetteer
    parent_code: str = ""


def _support(division: Division, context: Counter[str], own: Counter[str], gazetteer: Gazetteer) -> float:
    """How strongly the article's other places support this division: its ancestors named
    (×2), places named inside it, and places named under the same parent (siblings:
    春城街道 and 河西街道 together point to the county that has both). ``own`` holds this
    candidate's own share, taken out so that a name never supports itself."""
    score = 0.0
    ancestors = gazetteer.ancestors(division.code)
    for ancestor in ancestors:
        score += context.get(ancestor.code, 0) * 2
    score += context.get("child:" + division.code, 0)
    if ancestors and division.level not in (Level.PROVINCE, Level.CITY):
        parent = ancestors[0].code
        score += max(0.0, context.get("child:" + parent, 0) - own.get("child:" + parent, 0))
    return score


def resolve(
    candidates: list[Candidate], gazetteer: Gazetteer
) -> tuple[list[Resolved], list[Reason]]:
    """Pick one division per candidate; returns the resolved spans and the reasons."""
    why: list[Reason] = []
    # context: each name votes for what it may name, split between its readings; a vote
    # counts for the division itself ("code") and for every ancestor ("child:code")
    context: Counter[str] = Counter()
    by_text: dict[str, Counter[str]] = {}
    for cand in candidates:
        if not cand.divisions or cand.rule.startswith("form:village"):
            continue
        if cand.rule == "gazetteer:short" and len(cand.divisions) > 1:
            continue
        share = 1.0 / len(cand.divisions)
        votes = by_text.setdefault(cand.text, Counter())
        for option in cand.divisions:
            # fractional votes: the Counter holds floats (typeshed types its counts as int)
            votes[option.code] += share  # type: ignore[assignment]
            for ancestor in gazetteer.ancestors(option.code):
                votes["child:" + ancestor.code] += share  # type: ignore[assignment]
    for votes in by_text.values():
        context.update(votes)
    resolved: list[Resolved] = []
    for cand in candidates:
        if cand.rule == "zone:abbreviation":
            continue
        division = _choose(cand, context, by_text.get(cand.text, Counter()), gazetteer, why)
        if division is None and not cand.rule.startswith("form:village"):
            continue
        resolved.append(Resolved(cand, division))
    # zone words: with a place before them (百步|经济开发区, 净月|高新区) they name that
    # place's zone; alone (经开区) a zone of the city the article names most
    placed_before = {r.candidate.end: r for r in resolved if r.division is not None}
    replaced: set[int] = set()  # ids of the places taken into a zone name
    for cand in candidates:
        if cand.rule != "zone:abbreviation":
            continue
        before = placed_before.get(cand.start)
        if before is not None and before.division is not None:
            zone = _zone_of_place(before, cand, gazetteer)
            whole = Candidate(before.candidate.start, cand.end,
                              before.candidate.text + cand.text, (zone,), "zone:place+zone-word")
            why.append(Reason(whole.text, whole.start, f"{before.candidate.text} + {cand.text} "
                              f"→ {zone.name} ({zone.code})"))
            replaced.add(id(before))
            resolved.append(Resolved(whole, zone))
            continue
    resolved = [r for r in resolved if id(r) not in replaced]
    resolved.sort(key=lambda r: (r.candidate.start, -r.candidate.end))
    return resolved, why


def resolve_zone_words(
    candidates: list[Candidate], resolved: list[Resolved], home: tuple[Division, ...],
    gazetteer: Gazetteer,
) -> tuple[list[Resolved], list[Reason]]:
    """A zone word alone (经开区, 开发区) names the development zone of the article's home city."""
    covered = SpanIndex((r.candidate.start, r.candidate.end, None) for r in resolved)
    out: list[Resolved] = []
    why: list[Reason] = []
    city = next((h for h in home if h.level is Level.CITY), None)
    named = [r.division for r in resolved
             if r.division is not None and r.division.level is Level.ZONE
             and city is not None and r.division.parent_code == city.code]
    for cand in candidates:
        if cand.rule != "zone:abbreviation" or city is None:
            continue
        if covered.containing(cand.start, cand.end):
            continue
        # the zone the article already names by its full name (广州开发区 … 开发区)
        zone = named[0] if named else _zone_for(cand.text, city, gazetteer)
        if zone is not None:
            why.append(Reason(cand.text, cand.start, f"zone word → {zone.name} of the home city"))
            out.append(Resolved(cand, zone))
    return sorted([*resolved, *out], key=lambda r: (r.candidate.start, -r.candidate.end)), why




def _zone_of_place(before: Resolved, zone_word: Candidate, gazetteer: Gazetteer) -> Division:
    """The gazetteer zone that ``before`` + ``zone_word`` names, or a zone made from them
    (百步经济开发区, parent 海盐县; 绍兴综保区 → 绍兴综合保税区, parent 绍兴市)."""
    place = before.division
    assert place is not None
    written = before.candidate.text
    area = place if place.level in (Level.CITY, Level.COUNTY, Level.PROVINCE) else None
    if area is None:
        ancestors = gazetteer.ancestors(place.code)
        area = ancestors[0] if ancestors else place
    pool = list(gazetteer.children(area.code))
    endings = lexicon().zone_words[zone_word.text].endings
    city = area if area.level is Level.CITY else next(
        (a for a in gazetteer.ancestors(area.code) if a.level is Level.CITY), area)
    for zone in [*pool, *gazetteer.children(city.code)]:
        if zone.level is Level.ZONE and (written in zone.name or written in zone.short) and \
                zone.name.endswith(endings):
            return zone
    name = written + lexicon().zone_words[zone_word.text].full
    return Division(f"{area.code}-{name}", name, Level.ZONE, area.code, False, ())


def _choose(
    cand: Candidate, context: Counter[str], own: Counter[str], gazetteer: Gazetteer,
    why: list[Reason],
) -> Division | None:
    options = cand.divisions
    if not options:
        return None
    scored = sorted(
        options,
        key=lambda d: (-_support(d, context, own, gazetteer), LEVEL_RANK[d.level], d.code),
    )
    best = scored[0]
    support = _support(best, context, own, gazetteer)
    if cand.rule == "gazetteer:short" and LEVEL_RANK[best.level] >= 2:
        # a county short form stands for a place only where the article supports it below
        # the province; a township short form only where its county, a sibling or a place
        # inside it is named (惠民 alone is a word, not 惠民街道)
        ancestors = gazetteer.ancestors(best.code)
        if best.level is Level.TOWNSHIP:
            parent = ancestors[0].code if ancestors else ""
            local = (context.get(parent, 0)
                     + max(0.0, context.get("child:" + parent, 0) - own.get("child:" + parent, 0))
                     + context.get("child:" + best.code, 0))
        else:
            local = sum(context.get(a.code, 0) for a in ancestors
                        if a.level is not Level.PROVINCE) + context.get("child:" + best.code, 0)
        if local <= 0 and context.get(best.code, 0) - own.get(best.code, 0) <= 0:
            return None
    if len(options) > 1:
        why.append(Reason(
            cand.text, cand.start, f"{len(options)} divisions named so; chose {best.name} "
            f"({best.code}) with context support {support:.1f}"))
    return best


def _zone_for(abbreviation: str, city: Division, gazetteer: Gazetteer) -> Division | None:
    """The city's zone that the word can stand for; for 经开区/开发区 one the gazetteer does
    not list is named after the city (青岛经济技术开发区)."""
    for ending in lexicon().zone_words[abbreviation].endings[:2]:
        zones = [z for z in gazetteer.children(city.code)
                 if z.level is Level.ZONE and z.name.endswith(ending)]
        if zones:
            return min(zones, key=lambda z: (len(z.name), z.code))
    if abbreviation not in ("经开区", "开发区", "经区"):
        return None
    name = city.name.removesuffix("市") + "经济技术开发区"
    return Division(f"{city.code}-{name}", name, Level.ZONE, city.code, False, ())


def chain_of(division: Division, gazetteer: Gazetteer) -> list[Division]:
    """The division and its ancestors up to the province (also for zones the text made)."""
    ancestors = gazetteer.ancestors(division.code)
    if not ancestors and division.parent_code:
        parent = gazetteer.by_code(division.parent_code)
        if parent is not None:
            ancestors = (parent, *gazetteer.ancestors(parent.code))
    return [division, *ancestors]


def home_areas(
    resolved: list[Resolved], gazetteer: Gazetteer, asides: tuple[tuple[int, int], ...] = (),
    text: str = "",
) -> tuple[Division, ...]:
    """The article's own areas, most specific first (e.g. 钱塘区, 杭州市, 浙江省).

    Each mention votes for its county-level (or zone) area, its city and its province; a
    paragraph votes at most once for an area (a spam line repeating 聊城 twenty times is one
    vote), the first paragraphs count double, and asides do not vote.
    """
    votes: Counter[str] = Counter()
    levels: dict[str, Division] = {}
    first: dict[str, int] = {}  # ties go to the area named first
    seen: set[tuple[int, str]] = set()
    named_zones = {r.division.code for r in resolved
                   if r.division is not None and r.division.level is Level.ZONE}
    in_aside = SpanIndex((a, b, None) for a, b in asides)
    line_ends = [m.start() for m in re.finditer("\n", text)]
    for item in resolved:
        division = item.division
        start = item.candidate.start
        if division is None or in_aside.holding(start):
            continue
        paragraph = bisect_left(line_ends, start) if text else start
        weight = 2 if start < 300 else 1
        chain = chain_of(division, gazetteer)
        zone = next((z for z in gazetteer.zones_of(division.code) if z.code in named_zones), None)
        if zone is not None:
            # a town of a zone the article names votes for the zone, not its official county
            chain = [a for a in chain if a.level is not Level.COUNTY] + [zone]
        for area in chain:
            if area.level not in (Level.COUNTY, Level.ZONE, Level.CITY, Level.PROVINCE):
                continue
            if (paragraph, area.code) in seen:
                continue
            seen.add((paragraph, area.code))
            votes[area.code] += weight
            levels[area.code] = area
            first.setdefault(area.code, start)
    if not votes:
        return ()
    rank = lambda c: (votes[c], -first[c])  # noqa: E731
    best_city = max((c for c in votes if levels[c].level is Level.CITY), key=rank, default=None)
    best_county = max(
        (c for c in votes if levels[c].level in (Level.COUNTY, Level.ZONE)
         and (best_city is None or best_city in {a.code for a in chain_of(levels[c], gazetteer)})),
        key=rank, default=None,
    )
    home: list[Division] = []
    if best_county is not None and (best_city is None or votes[best_county] * 2 >= votes[best_city]):
        home.append(levels[best_county])
    top = best_city or max(votes, key=rank)
    home.extend(a for a in chain_of(levels[top], gazetteer)
                if a.level in (Level.CITY, Level.PROVINCE))
    # a township the body names more than any other, inside the home county, comes last
    # (镇人民政府 in an article about 百步镇); the county stays the article's main area
    towns: Counter[str] = Counter()
    for item in resolved:
        division = item.division
        if (division is not None and division.level is Level.TOWNSHIP
                and not in_aside.holding(item.candidate.start)
                and best_county in {a.code for a in chain_of(division, gazetteer)}):
            towns[division.code] += 1
            levels[division.code] = division
    ranked = towns.most_common(2)
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        home.append(levels[ranked[0][0]])
    return tuple(dict.fromkeys(home))


def to_mentions(resolved: list[Resolved]) -> list[Mention]:
    mentions = []
    for item in resolved:
        cand = item.candidate
        name = item.division.name if item.division else (cand.name or cand.text)
        code = item.division.code if item.division else ""
        mentions.append(
            Mention(cand.start, cand.end, cand.text, EntityType.DISTRICT, cand.rule, name, code)
        )
    return mentions
