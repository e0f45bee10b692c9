"""Facility mentions by form: a name of its own + a facility head (闻潮 + 社区卫生服务中心).

The left boundary is found on jieba tokens: walk left from the head over name-like tokens
and stop at punctuation, numbers with measure words, verbs of the genre (建成, 新建 …) and
other boundary words. A leading District mention is kept in the span and recorded so the
linker can strip it from the canonical name (市南区辛家庄北山体育公园 → 辛家庄北山体育公园)
or keep it when nothing else names the place (义蓬街道文体中心).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache, lru_cache

from kg.extract.scan import Scan, longest_first, name_start, name_token
from kg.model import EntityType, Mention
from kg.resources import Lexicon, lexicon

MAX_NAME = 14  # characters before the head
#: how far left of a head the model's candidates start (a longer rule span is added anyway):
#: a reach chosen on the annotated articles, where longer names are nearly all the rules' own
CANDIDATE_REACH = 10


@dataclass(frozen=True)
class FacilitySpan:
    start: int
    end: int
    text: str
    name_start: int  # where the facility's own name starts (after a leading District)
    rule: str


@cache
def _head_pattern() -> re.Pattern[str]:
    lex = lexicon()
    return re.compile("|".join(map(re.escape, lex.facility_heads)))


def _heads(scan: Scan) -> tuple[tuple[int, int], ...]:
    """Where a facility head stands as a word: (head start, end), found once per scan (the
    rules and the model's candidates both need them)."""
    found = scan.memo.get("facility_heads")
    if found is None:
        found = scan.memo["facility_heads"] = _find_heads(scan)
    return found


def _find_heads(scan: Scan) -> tuple[tuple[int, int], ...]:
    text = scan.text
    out = []
    for match in _head_pattern().finditer(text):
        head_start, end = match.span()
        if end < len(text) and not scan.is_boundary(end):
            # the head runs on into a longer word (公园路, 学校长): not a facility head here
            nxt = text[end]
            if "\u4e00" <= nxt <= "\u9fff" and nxt not in "的和与及、":
                continue
        if text.startswith("地", end) and match.group(0).endswith("场"):
            continue  # 体育场|地面积: the place is 体育场地, a kind, not a named 体育场
        out.append((head_start, end))
    return tuple(out)


def _own_start(
    start: int, head_start: int, full_names: dict[int, str], starts_to_ends: dict[int, list[int]]
) -> tuple[int, str]:
    """Skip the District names written in full that lead the span: (own name's start, the
    level of the last one or "")."""
    name_start, level = start, ""
    while name_start in full_names and name_start < head_start:
        ends = starts_to_ends.get(name_start, [])
        if not ends or max(ends) > head_start:
            break
        level = full_names[name_start]
        name_start = max(ends)
    return name_start, level


def _starts_to_ends(district_ends: dict[int, int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for e, s in district_ends.items():
        out.setdefault(s, []).append(e)
    return out


def find_facilities(
    scan: Scan, district_ends: dict[int, int], full_names: dict[int, str]
) -> list[FacilitySpan]:
    """``district_ends`` maps the end offset of each District mention to its start;
    ``full_names`` maps the start of each District mention written in full (钱塘区, not
    钱塘) to its level. Only a full name is a prefix apart from the facility's own name:
    上海美源养老院 keeps 上海."""
    lex = lexicon()
    text = scan.text
    found: list[FacilitySpan] = []
    starts_to_ends = _starts_to_ends(district_ends)
    for head_start, end in _heads(scan):
        start = _left_boundary(scan, head_start, district_ends, lex)
        name_start, level = _own_start(start, head_start, full_names, starts_to_ends)
        own = text[name_start:head_start]
        generic = not own or is_generic(own) or text[name_start:end] in lex.facility_generic_kinds
        if generic and name_start == start:
            continue  # a bare kind: 幼儿园, 社区卫生服务中心, 社区多功能运动场
        if generic and own and level not in ("township", "village"):
            continue  # 兰州市城乡社区老年人日间照料中心 is a kind in a city, not a name
        head = text[head_start:end]
        if head in lex.facility_generic_heads and name_start == start and len(own) < 2:
            continue
        found.append(FacilitySpan(start, end, text[start:end], name_start, "form:name+head"))
    return longest_first(found)


#: characters a facility name may hold besides Han characters (津南区第1中学, 长者食堂·东区)
NAME_CHARS = re.compile(r"[\u3400-\u9fffA-Za-z0-9·()]+")
#: the run of such characters that ends a string (it may be empty: it always matches)
NAME_TAIL = re.compile(r"[\u3400-\u9fffA-Za-z0-9·()]*\Z")


def candidates(
    scan: Scan, district_ends: dict[int, int], full_names: dict[int, str]
) -> list[tuple[FacilitySpan, int]]:
    """Every reading the model may choose from, with its head's start: for each head, each
    token start up to :data:`MAX_NAME` characters to its left inside one run of name
    characters (the rule's boundary among them)."""
    text = scan.text
    starts_to_ends = _starts_to_ends(district_ends)
    district_starts = sorted(starts_to_ends)  # the District starts, ascending
    out: list[tuple[FacilitySpan, int]] = []
    for head_start, end in _heads(scan):
        # the run of name characters right before the head, at most CANDIDATE_REACH of them
        reach = max(0, head_start - CANDIDATE_REACH)
        left = NAME_TAIL.search(text, reach, head_start).start()  # type: ignore[union-attr]
        # token starts that may start a name (not 在, 建成, 3个 …), and District starts
        starts = {t.start for t in scan.tokens_within(left, head_start)}
        token = scan.covering(head_start)
        if token is not None and token.start < head_start and token.start >= left:
            starts.add(token.start)
        starts.update(district_starts[bisect_left(district_starts, left):
                                      bisect_left(district_starts, head_start)])
        for start in sorted(starts):
            name_start, _level = _own_start(start, head_start, full_names, starts_to_ends)
            out.append((FacilitySpan(start, end, text[start:end], name_start, "model:name+head"),
                        head_start))
    return out


@cache
def _generic_words() -> tuple[str, ...]:
    lex = lexicon()
    return tuple(sorted(lex.facility_generic_modifiers | lex.name_verbs | lex.facility_generic_kinds,
                        key=len, reverse=True))


@lru_cache(maxsize=65536)
def is_generic(own: str) -> bool:
    """True when ``own`` is made only of generic modifiers (社区多功能, 婴幼儿照护服务社区)."""
    if own in lexicon().facility_generic_modifiers:
        return True
    words = _generic_words()
    rest = own
    changed = True
    while rest and changed:
        changed = False
        for word in words:
            if rest.startswith(word):
                rest = rest[len(word) :]
                changed = True
                break
    return not rest


def _left_boundary(
    scan: Scan, head_start: int, district_ends: dict[int, int], lex: Lexicon
) -> int:
    start = head_start
    if head_start not in scan.token_ending_at:
        # the head starts inside a token (闻潮社区 | 卫生服务中心): include that token's start
        token = scan.covering(head_start)
        if token is not None and token.start < head_start:
            prefix = token.text[: head_start - token.start]
            if name_token(prefix) or prefix.isalpha():
                start = token.start
    if start in district_ends:
        return district_ends[start]
    start = name_start(scan, start, head_start, MAX_NAME)
    return district_ends.get(start, start)


def to_mentions(spans: list[FacilitySpan]) -> list[Mention]:
    return [Mention(s.start, s.end, s.text, EntityType.FACILITY, s.rule) for s in spans]
