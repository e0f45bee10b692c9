"""A normalized text prepared for the recognizers: tokens, boundaries, sentences."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol, TypeVar

from kg.model import Sentence
from kg.resources import lexicon
from kg.text import Token, split_sentences, tokenize, word_tag


class _Span(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...


S = TypeVar("S", bound=_Span)

#: jieba tags of words that never start or stand inside a name
STOP_TAGS = frozenset(
    ["v", "vd", "vg", "d", "p", "c", "u", "uj", "ul", "uz", "ug", "ud", "uv", "r", "rr", "rz", "m", "q", "t", "ad", "y", "e", "o", "zg", "df"]
)
#: a token that is a count, not part of a name: digits or numeral characters (also 几/多/数/余
#: of 几个, 十余家), optionally one measure word (3个, 十家, 五所, 2024年); 第一 is not
#: matched here as 第 is no numeral, and the caller keeps ordinals anyway
NUMBER = re.compile(r"^[0-9０-９一二三四五六七八九十百千万两几多数余]+[个家所座处条只项批类场名户人次年月日号届期]?$")


@dataclass(frozen=True)
class Scan:
    """The text of one document with its jieba tokens and sentences."""

    text: str
    tokens: tuple[Token, ...]
    sentences: tuple[Sentence, ...]
    token_ending_at: dict[int, int] = field(repr=False)  # offset → index of token ending there
    token_starting_at: dict[int, int] = field(repr=False)
    starts: list[int] = field(repr=False, default_factory=list)  # token starts, ascending
    ends: list[int] = field(repr=False, default_factory=list)  # token ends, ascending
    #: what several steps find in the same text, found once (facility heads …)
    memo: dict[str, Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    @classmethod
    def of(cls, text: str) -> Scan:
        tokens = tokenize(text)
        starts = [t.start for t in tokens]
        ends = [t.end for t in tokens]
        return cls(
            text=text,
            tokens=tokens,
            sentences=split_sentences(text),
            token_ending_at=dict(zip(ends, range(len(ends)), strict=True)),
            token_starting_at=dict(zip(starts, range(len(starts)), strict=True)),
            starts=starts,
            ends=ends,
        )

    def covering(self, offset: int) -> Token | None:
        """The token that holds the character at ``offset``."""
        index = bisect_right(self.starts, offset) - 1
        if index >= 0 and offset < self.tokens[index].end:
            return self.tokens[index]
        return None

    def tokens_within(self, start: int, end: int) -> list[Token]:
        """The tokens that start at or after ``start`` and end by ``end``."""
        # the tokens follow each other, so those that end by ``end`` are a prefix of them
        first, last = bisect_left(self.starts, start), bisect_right(self.ends, end)
        return list(self.tokens[first:last]) if last > first else []

    def is_boundary(self, offset: int) -> bool:
        """True when a token starts or ends at ``offset`` (or it is an end of the text)."""
        return (
            offset == 0
            or offset == len(self.text)
            or offset in self.token_ending_at
            or offset in self.token_starting_at
        )

@cache
def _boundary_prefixes() -> tuple[str, ...]:
    return tuple(w for w in lexicon().boundary if len(w) >= 2)


def _starts_with_boundary(word: str) -> bool:
    """全面完成, 合理布局: a longer token that begins with a boundary word."""
    return len(word) > 2 and word.startswith(_boundary_prefixes())


def name_token(word: str) -> bool:
    """May this token stand inside a name (闻潮, 社区, 养老, 第一)?"""
    lex = lexicon()
    if not word or word in lex.pronouns:
        return False
    if word in lex.name_verbs:
        return True
    if word in lex.boundary or _starts_with_boundary(word):
        return False
    if NUMBER.match(word) and not word.startswith("第"):
        return False
    if not all("\u4e00" <= ch <= "\u9fff" or ch.isalnum() or ch == "·" for ch in word):
        return False
    tag = word_tag(word)
    if tag is None and len(word) == 2 and word[0] in lex.adverb_starts:
        return False  # a word jieba does not know that opens with 别/不/也… (别看, 不让)
    return tag is None or tag not in STOP_TAGS or word.startswith("第")


def name_start(
    scan: Scan, start: int, stop: int, max_chars: int, inner: frozenset[str] = frozenset()
) -> int:
    """Walk left from ``start`` over name tokens (at most ``max_chars`` before ``stop``),
    then drop leading verbs (改造健身场地 → 场地); returns the name's first offset."""
    tokens = scan.tokens
    index = scan.token_ending_at.get(start)
    taken: list[Token] = []
    while index is not None and index >= 0:
        token = tokens[index]
        if (not name_token(token.text) and token.text not in inner) or stop - token.start > max_chars:
            break
        taken.append(token)
        index -= 1
        if token.start > 0 and scan.text[token.start - 1] in "“\"「『《":
            break
    lex = lexicon()
    taken.reverse()  # left to right
    # a verb of the genre (建设, 改造) with more of the name after it starts the name after
    # it (计划建设|沟北公园绿地); right before the head it belongs to the name (农田建设工程)
    for k in range(len(taken) - 1, -1, -1):
        word = taken[k].text
        if word in lex.boundary and word not in inner and any(
            t.text not in lex.name_verbs for t in taken[k + 1 :]
        ):
            taken = taken[k + 1 :]
            break
    # a leading verb: one of the genre's name verbs before the rest of the name (改造|健身场地),
    # or any verb or verbal noun before at least two more tokens (盘活|闲置公办幼儿园)
    while taken and (word_tag(taken[0].text) or "").startswith("v") and (
        taken[0].text in lex.name_verbs or len(taken) > 2
    ) and taken[0].text not in inner:
        taken.pop(0)
    return taken[0].start if taken else start


def longest_first(spans: list[S]) -> list[S]:
    """Keep the longest of overlapping spans (the earliest on ties), in text order. Spans
    are any records with ``start`` and ``end``."""
    kept: list[S] = []
    # the kept spans never overlap: a map of the characters they cover answers "does this
    # span meet a kept one" in the span's length (recognizers never make empty spans)
    covered = bytearray(max((s.end for s in spans), default=0))
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if covered.find(1, span.start, span.end) < 0:
            kept.append(span)
            covered[span.start : span.end] = b"\x01" * (span.end - span.start)
    return sorted(kept, key=lambda s: s.start)
