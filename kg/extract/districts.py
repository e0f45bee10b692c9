"""District mentions: gazetteer names and short forms, zone abbreviations, 社区/村 by form.

Steps: :func:`find_candidates` lists every span that could name a division (with all the
divisions it could name), :func:`resolve` picks one division per span using the other
places of the article, and :func:`home_areas` infers the article's own area(s).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from kg.extract.scan import Scan, name_token
from kg.gazetteer import Division, Gazetteer
from kg.model import EntityType, Level, Mention
from kg.resources import lexicon
from kg.text import word_tag

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
VILLAGE_FORM = re.compile(
    r"([\u4e00-\u9fff]{2,7}?)(社区|(?<![乡农])村(?!社区|委会|民|庄|镇|级|里|落|干部|医|小组|务))"
)
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


#: what follows a place name when it names a road, not the place (珠海路, 上海街)
ROAD_AFTER = ("路", "街", "巷", "大道", "大街", "胡同", "弄")
#: full division names that are ordinary words in news text
NOT_PLACES = frozenset({"城区", "郊区", "矿区", "新区", "小城镇", "行政村", "市辖区", "林区", "特区"})


def find_candidates(scan: Scan, gazetteer: Gazetteer) -> list[Candidate]:
    """Every token that is a division name or short form, and 社区/村 by form."""
    found: list[Candidate] = []
    lex = lexicon()
    text = scan.text
    for token in scan.tokens:
        word = token.text
        if len(word) < 2 or word in lex.pronouns or word in NOT_PLACES:
            continue
        if text.startswith(ROAD_AFTER, token.end):
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
    villages = _village_candidates(scan, gazetteer, found)
    # a short form inside a village name is part of that name (红丰西塘社区 is not 西塘镇)
    found = [
        c for c in found
        if not any(v.start <= c.start and c.end <= v.end and (v.start, v.end) != (c.start, c.end)
                   for v in villages)
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
        if not scan.is_boundary(end) and not text.startswith(("委会", "民委员会"), end):
            continue
        # stems from the longest (up to 7 characters, over whole tokens) to the shortest
        pieces: list[tuple[int, str]] = []  # (start, tag of the token)
        start = suffix_start
        covering = _token_covering(scan, suffix_start)
        if covering is not None and scan.tokens[covering].start < suffix_start:
            token = scan.tokens[covering]  # 西山社区 or 塘村 as one token
            start = token.start
            pieces.append((start, word_tag(token.text) or ""))
        while start not in ends:
            index = scan.token_ending_at.get(start)
            if index is None:
                break
            word = scan.tokens[index].text
            if (suffix_start - scan.tokens[index].start > 7 or word in lex.boundary
                    or word in lex.pronouns or word in ("社区", "村")
                    or not all("\u4e00" <= ch <= "\u9fff" for ch in word)):
                break
            start = scan.tokens[index].start
            pieces.append((start, word_tag(word) or ""))
        chosen = _choose_stem(text, pieces, suffix_start, end, ends, gazetteer)
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
    stems = [(s, stem) for s, stem in stems if len(stem) >= 2 and _stem_ok(stem)]
    if stems and stems[0][0] in ends:
        s = stems[0][0]
        villages = gazetteer.villages_named(text[s:end])
        return Candidate(s, end, text[s:end], villages, "form:village:after-place")
    for s, _stem in stems:
        villages = gazetteer.villages_named(text[s:end])
        if villages:
            return Candidate(s, end, text[s:end], villages, "form:village:gazetteer")
    tags = {start: tag for start, tag in pieces}
    for s, _stem in stems:
        if all(not tags[p] or tags[p] in PROPER_TAGS for p in tags if p >= s):
            return Candidate(s, end, text[s:end], (), "form:village")
    return None


def _stem_ok(stem: str) -> bool:
    if stem in GENERIC_VILLAGE_WORDS:
        return False
    return not any(stem.startswith(w) or stem.endswith(w) for w in GENERIC_VILLAGE_WORDS if len(w) >= 2)


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
) -> tuple[list[Resolved], list[str]]:
    """Pick one division per candidate; returns the resolved spans and the reasons."""
    why: list[str] = []
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
        for division in cand.divisions:
            votes[division.code] += share
            for ancestor in gazetteer.ancestors(division.code):
                votes["child:" + ancestor.code] += share
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
    # zone abbreviations resolve to a zone of a city the article names
    for cand in candidates:
        if cand.rule != "zone:abbreviation":
            continue
        zone = _zone_for(cand.text, context, gazetteer)
        if zone is not None:
            why.append(f"{cand.text}@{cand.start}: zone abbreviation → {zone.name} ({zone.code})")
            resolved.append(Resolved(cand, zone))
    resolved.sort(key=lambda r: (r.candidate.start, -r.candidate.end))
    return resolved, why


def _choose(
    cand: Candidate, context: Counter[str], own: Counter[str], gazetteer: Gazetteer,
    why: list[str],
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
        # a county or township short form stands for a place only where the article
        # supports it below the province (惠民 alone is a word, not 惠民街道)
        local = sum(
            context.get(a.code, 0) for a in gazetteer.ancestors(best.code)
            if a.level is not Level.PROVINCE
        ) + context.get("child:" + best.code, 0)
        if local == 0 and context.get(best.code, 0) - own.get(best.code, 0) <= 0:
            return None
    if len(options) > 1:
        why.append(
            f"{cand.text}@{cand.start}: {len(options)} divisions named so; chose {best.name} "
            f"({best.code}) with context support {support:.1f}"
        )
    return best


def _zone_for(abbreviation: str, context: Counter[str], gazetteer: Gazetteer) -> Division | None:
    """The zone of the most-named city of the article that the abbreviation can stand for."""
    cities = sorted(
        (
            code for code in context
            if not code.startswith("child:")
            and (d := gazetteer.by_code(code)) is not None and d.level is Level.CITY
        ),
        key=lambda c: (-(context[c] + context.get("child:" + c, 0)), c),
    )
    for ending in ZONE_ABBREVIATIONS[abbreviation]:
        for code in cities:
            zones = [z for z in gazetteer.children(code)
                     if z.level is Level.ZONE and z.name.endswith(ending)]
            if zones:
                return min(zones, key=lambda z: (len(z.name), z.code))
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
