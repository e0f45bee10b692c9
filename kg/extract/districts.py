"""District mentions: gazetteer names and short forms, zone abbreviations, 社区/村 by form.

Steps: :func:`find_candidates` lists every span that could name a division (with all the
divisions it could name), :func:`resolve` picks one division per span using the other
places of the article, and :func:`home_areas` infers the article's own area(s).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from kg.extract.scan import Scan
from kg.gazetteer import Division, Gazetteer
from kg.model import EntityType, Level, Mention
from kg.resources import lexicon

LEVEL_RANK = {
    Level.PROVINCE: 0,
    Level.CITY: 1,
    Level.COUNTY: 2,
    Level.ZONE: 2,
    Level.TOWNSHIP: 3,
    Level.VILLAGE: 4,
}
#: generic abbreviations of development zones, resolved to a zone of the article's city
ZONE_ABBREVIATIONS = {
    "经开区": ("经济技术开发区", "经济开发区"),
    "经济开发区": ("经济技术开发区", "经济开发区"),
    "开发区": ("经济技术开发区", "经济开发区", "开发区"),
    "高新区": ("高新技术产业开发区", "高新区"),
    "综保区": ("综合保税区",),
    "综合保税区": ("综合保税区",),
    "经区": ("经济技术开发区",),
}
VILLAGE_FORM = re.compile(r"([\u4e00-\u9fff]{2,5}?)(社区|村)(?![\u4e00-\u9fff]{0,1}(?:委会|民|庄|镇|级|里|落|干部|医|民委员会))")
GENERIC_VILLAGE_WORDS = {
    "城乡", "乡村", "农村", "新农村", "未来", "和谐", "美丽", "各个", "所在", "辖区", "周边", "全国",
    "城市", "老旧", "示范", "试点", "智慧", "文明", "平安", "幸福", "健康", "友好", "绿色", "数字",
    "小区", "居民", "安置", "搬迁", "全体", "每个", "所有", "多个", "部分", "其他", "有关", "相关",
    "进入", "走进", "深入", "服务", "养老", "嵌入式", "认知障碍友好", "完整", "现代", "国际",
}


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    text: str
    divisions: tuple[Division, ...]
    rule: str


def _is_zone_name(name: str) -> bool:
    return name.endswith(("开发区", "高新区", "新区", "保税区", "园区"))


def find_candidates(scan: Scan, gazetteer: Gazetteer) -> list[Candidate]:
    """Every token that is a division name or short form, and 社区/村 by form."""
    found: list[Candidate] = []
    lex = lexicon()
    for token in scan.tokens:
        word = token.text
        if len(word) < 2 or word in lex.pronouns:
            continue
        full = gazetteer.by_name(word)
        if full:
            found.append(Candidate(token.start, token.end, word, full, "gazetteer:name"))
            continue
        if word in ZONE_ABBREVIATIONS:
            found.append(Candidate(token.start, token.end, word, (), "zone:abbreviation"))
            continue
        short = gazetteer.by_short(word)
        if short:
            found.append(Candidate(token.start, token.end, word, short, "gazetteer:short"))
    found.extend(_village_candidates(scan, gazetteer, found))
    return found


def _village_candidates(
    scan: Scan, gazetteer: Gazetteer, named: list[Candidate]
) -> list[Candidate]:
    """社区/村 names by their form; the left boundary comes from tokens and known places."""
    text = scan.text
    ends = {c.end: c for c in named}
    out: list[Candidate] = []
    boundary = lexicon().boundary
    for match in VILLAGE_FORM.finditer(text):
        end = match.end()
        if not scan.is_boundary(end):
            continue
        suffix_start = match.start(2)
        # left boundary: walk back over tokens from the suffix, at most 5 Han characters
        start = suffix_start
        for token in scan.tokens_before(suffix_start) if suffix_start in scan.token_ending_at else []:
            if token.end in ends and ends[token.end].divisions:
                break  # a known place right before: 硖石街道|西山社区
            if token.text in boundary or not all("\u4e00" <= ch <= "\u9fff" for ch in token.text):
                break
            if suffix_start - token.start > 5:
                break
            start = token.start
        if start == suffix_start and suffix_start not in scan.token_ending_at:
            # the suffix sits inside a token (西山社区 as one token): take that token
            token_index = _token_covering(scan, suffix_start)
            if token_index is not None:
                token = scan.tokens[token_index]
                if token.end == end and token.start < suffix_start:
                    start = token.start
        stem = text[start:suffix_start]
        if len(stem) < 2 or stem in GENERIC_VILLAGE_WORDS or stem in boundary:
            continue
        if any(stem.endswith(w) or stem.startswith(w) for w in GENERIC_VILLAGE_WORDS if len(w) >= 2):
            continue
        name = text[start:end]
        villages = gazetteer.villages_named(name)
        out.append(Candidate(start, end, name, villages, "form:village"))
    return out


def _token_covering(scan: Scan, offset: int) -> int | None:
    for index, token in enumerate(scan.tokens):
        if token.start <= offset < token.end:
            return index
    return None


@dataclass(frozen=True)
class Resolved:
    candidate: Candidate
    division: Division | None  # None: a village by form outside the gazetteer
    parent_code: str = ""


def _support(division: Division, context: Counter[str], gazetteer: Gazetteer) -> int:
    """How strongly the article's other places support this division."""
    score = 0
    for ancestor in gazetteer.ancestors(division.code):
        score += context.get(ancestor.code, 0) * 2
    score += context.get("child:" + division.code, 0)
    return score


def resolve(
    candidates: list[Candidate], gazetteer: Gazetteer
) -> tuple[list[Resolved], list[str]]:
    """Pick one division per candidate; returns the resolved spans and the reasons."""
    why: list[str] = []
    # context: unambiguous full names count for themselves, their ancestors and children
    context: Counter[str] = Counter()
    for cand in candidates:
        if cand.rule == "gazetteer:name" and len(cand.divisions) == 1:
            division = cand.divisions[0]
            context[division.code] += 1
            for ancestor in gazetteer.ancestors(division.code):
                context["child:" + ancestor.code] += 1
    for cand in candidates:
        if cand.rule == "gazetteer:short" and len(cand.divisions) == 1:
            division = cand.divisions[0]
            if LEVEL_RANK[division.level] <= 1:
                context[division.code] += 1
    resolved: list[Resolved] = []
    for cand in candidates:
        if cand.rule == "zone:abbreviation":
            continue
        division = _choose(cand, context, gazetteer, why)
        if division is None and cand.rule != "form:village":
            continue
        resolved.append(Resolved(cand, division))
    # zone abbreviations resolve to a zone of a city the article names
    cities = [c for c, n in context.most_common() if not c.startswith("child:")]
    for cand in candidates:
        if cand.rule != "zone:abbreviation":
            continue
        zone = _zone_for(cand.text, cities, gazetteer)
        if zone is not None:
            why.append(f"{cand.text}@{cand.start}: zone abbreviation → {zone.name} ({zone.code})")
            resolved.append(Resolved(cand, zone))
    resolved.sort(key=lambda r: (r.candidate.start, -r.candidate.end))
    return resolved, why


def _choose(
    cand: Candidate, context: Counter[str], gazetteer: Gazetteer, why: list[str]
) -> Division | None:
    options = cand.divisions
    if not options:
        return None
    scored = sorted(
        options, key=lambda d: (-_support(d, context, gazetteer), LEVEL_RANK[d.level], d.code)
    )
    best = scored[0]
    support = _support(best, context, gazetteer)
    if cand.rule == "gazetteer:short":
        # a short form stands for a place only where the article supports it, or for the
        # higher levels (province, city, county) where the form is distinctive
        own = context.get(best.code, 0) + context.get("child:" + best.code, 0)
        if support == 0 and own == 0 and LEVEL_RANK[best.level] >= 2:
            return None
    if len(options) > 1:
        why.append(
            f"{cand.text}@{cand.start}: {len(options)} divisions named so; chose {best.name} "
            f"({best.code}) with context support {support}"
        )
    return best


def _zone_for(abbreviation: str, cities: list[str], gazetteer: Gazetteer) -> Division | None:
    endings = ZONE_ABBREVIATIONS[abbreviation]
    for code in cities:
        division = gazetteer.by_code(code)
        if division is None:
            continue
        chain = [division, *gazetteer.ancestors(code)]
        for area in chain:
            for child in gazetteer.children(area.code):
                if child.level is Level.ZONE and child.name.endswith(endings):
                    return child
    return None


def home_areas(
    resolved: list[Resolved], gazetteer: Gazetteer, asides: tuple[tuple[int, int], ...] = ()
) -> tuple[Division, ...]:
    """The article's own areas, most specific first (e.g. 钱塘区, 杭州市, 浙江省).

    Each mention votes for its division's county-level (or zone) ancestor and its city;
    the first lines (title, lead) count double.
    """
    votes: Counter[str] = Counter()
    for item in resolved:
        division = item.division
        if division is None or any(a <= item.candidate.start < b for a, b in asides):
            continue
        weight = 2 if item.candidate.start < 300 else 1
        chain = [division, *gazetteer.ancestors(division.code)]
        for area in chain:
            if area.level in (Level.COUNTY, Level.ZONE, Level.CITY, Level.PROVINCE):
                votes[area.code] += weight
    if not votes:
        return ()
    # the most specific area that holds most of the votes
    best_city = max(
        (c for c in votes if gazetteer.by_code(c).level is Level.CITY),  # type: ignore[union-attr]
        key=lambda c: (votes[c], c),
        default=None,
    )
    best_county = max(
        (
            c
            for c in votes
            if gazetteer.by_code(c).level in (Level.COUNTY, Level.ZONE)  # type: ignore[union-attr]
            and (best_city is None or gazetteer.is_within(c, best_city))
        ),
        key=lambda c: (votes[c], c),
        default=None,
    )
    home: list[Division] = []
    if best_county is not None and (best_city is None or votes[best_county] * 2 >= votes[best_city]):
        home.append(gazetteer.by_code(best_county))  # type: ignore[arg-type]
    top = best_city or max(votes, key=lambda c: (votes[c], c))
    division = gazetteer.by_code(top)
    if division is not None:
        home.append(division)
        home.extend(a for a in gazetteer.ancestors(division.code) if a.level is Level.PROVINCE)
    return tuple(dict.fromkeys(home))


def to_mentions(resolved: list[Resolved]) -> list[Mention]:
    mentions = []
    for item in resolved:
        cand = item.candidate
        name = item.division.name if item.division else cand.text
        code = item.division.code if item.division else ""
        mentions.append(
            Mention(cand.start, cand.end, cand.text, EntityType.DISTRICT, cand.rule, name, code)
        )
    return mentions
