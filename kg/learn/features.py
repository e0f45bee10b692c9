"""Features of a candidate Facility or Program span: what the classifier sees.

Every feature is a string (a binary indicator). They describe the span's edges (the
characters and jieba tokens on either side, their tags), its shape (length, head word,
generic modifiers, a District leading it, digits, quotes and book-title marks, its place on
its line and in a numbered list), how often the document repeats it, and what the rules
decided about it (the rule's own span, or another boundary for the same head).

Speed: the features of every candidate of a document are computed on each run with a model
(the benchmark is benchmarks/bench_recognizer.py), so what several candidates share is
computed once per document (:class:`TextFacts`: line bounds, edge features per offset,
repeat counts, the head features of each Facility head), and every feature string with a
small set of values is made once per process and interned (flags, buckets, characters, the
features a jieba token names in each role, with its tag: :class:`_ByWord`); those of a small
set are interned, as are the model's feature names, so the model's lookups of them match on
identity. jieba's tag table is large enough that a lookup in it misses the processor's
caches, so it is read once per word, not per candidate.
The strings and their order are the same as computing each one per candidate: training on
them gives the same model, and the model the same scores.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from kg.extract import programs
from kg.extract.facilities import FacilitySpan, is_generic
from kg.extract.programs import ProgramSpan
from kg.extract.scan import Scan
from kg.resources import Lexicon, lexicon
from kg.text import Token, word_tag

#: the strings made in advance are interned, as are the model's feature names
#: (kg.learn.model.parse_model): a lookup then matches on identity
intern = sys.intern
PUNCT_KEPT = set("，。、；：！？“”《》()「」·-\n ")


@lru_cache(maxsize=8192)
def char_class(ch: str) -> str:
    """A coarse class of one character: the character itself for punctuation worth telling
    apart, else H (Han), D (digit), L (Latin), P (other), ^ (no character)."""
    if not ch:
        return "^"
    if ch in PUNCT_KEPT:
        return ch
    if "\u3400" <= ch <= "\u9fff":
        return "H"
    if ch.isdigit():
        return "D"
    if ch.isascii() and ch.isalpha():
        return "L"
    return "P"


class _Flags(dict[str, tuple[str, str]]):
    """name → ("name=False", "name=True"), made on first use: a binary feature is one of two
    string objects, so its hash is computed once, not per candidate (the model looks every
    feature up in a dict)."""

    def __missing__(self, name: str) -> tuple[str, str]:
        pair = self[name] = (intern(f"{name}=False"), intern(f"{name}=True"))
        return pair


_FLAG = _Flags()
#: the binary features by name, bound once: ``_F_RULE[ruled]`` is ``rule=<ruled>``
_F_AFTER_DISTRICT = _FLAG["after_district"]
_F_AGENCY_HEAD = _FLAG["agency_head"]
_F_BOOK = _FLAG["book"]
_F_BOUNDARY = _FLAG["boundary"]
_F_CLAUSE_WORDS = _FLAG["clause_words"]
_F_DIGIT = _FLAG["digit"]
_F_ENDS_PLACE = _FLAG["ends_place"]
_F_EVALUATION = _FLAG["evaluation"]
_F_FACILITY_HEAD = _FLAG["facility_head"]
_F_GENERIC = _FLAG["generic"]
_F_GENERIC_KIND = _FLAG["generic_kind"]
_F_GENERIC_OWN = _FLAG["generic_own"]
_F_HAS_BOUNDARY_WORD = _FLAG["has_boundary_word"]
_F_HAS_VERB = _FLAG["has_verb"]
_F_HEAD_GENERIC = _FLAG["head_generic"]
_F_IVERB = _FLAG["iverb"]
_F_LATIN = _FLAG["latin"]
_F_LEAD_DISTRICT = _FLAG["lead_district"]
_F_LINEEND = _FLAG["lineend"]
_F_LINESTART = _FLAG["linestart"]
_F_NOT_A_NAME = _FLAG["not_a_name"]
_F_NUMBERED = _FLAG["numbered"]
_F_NUMERAL_START = _FLAG["numeral_start"]
_F_ONLY_CATEGORY = _FLAG["only_category"]
_F_PREV_BOUNDARY = _FLAG["prev_boundary"]
_F_QUOTED = _FLAG["quoted"]
_F_RULE = _FLAG["rule"]
_F_RULE_OTHER = _FLAG["rule_other"]
_F_RULED = _FLAG["ruled"]
_F_SLOGAN_MARKS = _FLAG["slogan_marks"]
_F_STARTS_DISTRICT = _FLAG["starts_district"]
_F_STARTS_PLACE = _FLAG["starts_place"]
_F_TRIGGERED = _FLAG["triggered"]


class _Formatted(dict[Any, str]):
    """key → ``make(key)``, interned, made on first use: a feature whose value is one of a
    few (a character, a Program's generator rule, the rules' rule, its category tail, a tag)."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> str:
        feature = self[key] = intern(self.make(key))
        return feature


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


class _Buckets:
    """The features ``name=<bucket of n>`` for n = 0, 1, 2 …, made once (one string object
    per value, as :data:`_FLAG`)."""

    def __init__(self, name: str, edges: tuple[int, ...]) -> None:
        self.within = tuple(intern(f"{name}={_bucket(n, edges)}") for n in range(edges[-1] + 1))
        self.beyond = intern(f"{name}=>{edges[-1]}")

    def of(self, n: int) -> str:
        return self.within[n] if n < len(self.within) else self.beyond


OWN_LENGTH = _Buckets("ownlen", (0, 1, 2, 3, 4, 5, 6, 8, 10))
OWN_TOKENS = _Buckets("owntok", (0, 1, 2, 3, 4))
REPEAT = _Buckets("repeat", (1, 2, 3))
NAME_LENGTH = _Buckets("len", (2, 3, 4, 5, 6, 8, 10, 14, 20))
NAME_TOKENS = _Buckets("ntok", (1, 2, 3, 4, 6))
#: the coarse length of gen&len, by length
COARSE_LENGTH = tuple(_bucket(n, (4, 8, 14)) for n in range(15))
#: rule&generic=<ruled>&<generic>, by the two booleans
RULE_GENERIC = {(r, g): intern(f"rule&generic={r}&{g}") for r in (False, True) for g in (False, True)}


class _CharFeatures(dict[str, tuple[str, str]]):
    """character → its two features under one prefix (``prev=X``, ``prevc=<class of X>``),
    made on first use; the keys are characters, so the table stays small."""

    def __init__(self, prefix: str, class_prefix: str) -> None:
        super().__init__()
        self.prefix, self.class_prefix = prefix, class_prefix

    def __missing__(self, ch: str) -> tuple[str, str]:
        pair = self[ch] = (intern(f"{self.prefix}={ch}"),
                           intern(f"{self.class_prefix}={char_class(ch)}"))
        return pair


_BEFORE = _CharFeatures("prev", "prevc")
_AFTER = _CharFeatures("next", "nextc")


_FIRST = _Formatted(lambda ch: f"first={ch}")
#: the features of the first token, the next one and the last of a Facility's own name
#: where there is none
_NO_FIRST = ("ftok=", "ftag=-")
_NO_NEXT = ("ntok=", "ntag=^")
_NO_LAST = ("last_own=-", "last_tag=-")


class _ByWord(dict[str, Any]):
    """token text → ``make(text)``, across documents, made on first use (a word's tag, the
    features that name it in one role). The tokens at the edges of candidates are the
    genre's common words, and jieba's tag table holds some 380,000 words, so a lookup in it
    misses the processor's caches (about 0.7 µs on a busy machine, ten times a lookup
    here): each word is looked up there once. Emptied when it holds :data:`WORDS_KEPT`
    words."""

    def __init__(self, make: Callable[[str], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, text: str) -> Any:
        if len(self) >= WORDS_KEPT:
            self.clear()
        made = self[text] = self.make(text)
        return made


WORDS_KEPT = 50_000
#: word → word_tag(word)
_TAG_OF: dict[str, str | None] = _ByWord(word_tag)
#: word → the features of the token before a span: ptok=, ptag=, prev_boundary
_AS_BEFORE: dict[str, tuple[str, str, str]] = _ByWord(lambda text: (
    f"ptok={text}", f"ptag={_TAG_OF[text]}", _F_PREV_BOUNDARY[text in lexicon().boundary]))
#: word → the features of a span's first token: ftok=, ftag=
_AS_FIRST: dict[str, tuple[str, str]] = _ByWord(
    lambda text: (f"ftok={text}", f"ftag={_TAG_OF[text]}"))
#: word → the features of the token after a span: ntok=, ntag=
_AS_AFTER: dict[str, tuple[str, str]] = _ByWord(
    lambda text: (f"ntok={text}", f"ntag={_TAG_OF[text]}"))
#: word → as a token of a Facility's own name: a boundary word?, a verb?, the features it
#: gives as the last one (last_own=, last_tag=)
_AS_OWN: dict[str, tuple[bool, bool, tuple[str, str]]] = _ByWord(lambda text: (
    text in lexicon().boundary, (_TAG_OF[text] or "").startswith("v"),
    (f"last_own={text}", f"last_tag={_TAG_OF[text]}")))


@cache
def _no_token_before() -> tuple[str, str, str]:
    """The features of the token before a span where none ends at its start."""
    return "ptok=", "ptag=^", _F_PREV_BOUNDARY["" in lexicon().boundary]


@dataclass(frozen=True)
class TextFacts:
    """What the features of one document's candidates share, computed once per document
    for both types (:meth:`of` keeps it in ``Scan.memo``)."""

    text: str
    tokens: tuple[Token, ...]  # Scan.tokens
    starts: list[int]  # token starts, ascending (Scan.starts)
    ends: list[int]
    ending_at: dict[int, int]  # Scan.token_ending_at
    starting_at: dict[int, int]
    line_starts: list[int]  # where each line starts, ascending
    first_content: list[int]  # per line: where its text starts after leading white space
    last_content: list[int]  # per line: where its trailing white space starts
    district_ends: dict[int, int]  # end → start of each District mention
    left_memo: dict[int, list[str]] = field(default_factory=dict, repr=False)
    right_memo: dict[int, list[str]] = field(default_factory=dict, repr=False)
    counts: dict[str, int] = field(default_factory=dict, repr=False)  # text.count memo
    numbered_memo: dict[int, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, scan: Scan, district_ends: dict[int, int]) -> TextFacts:
        found = scan.memo.get("learn.facts")
        if isinstance(found, TextFacts) and found.district_ends == district_ends:
            return found
        text = scan.text
        line_starts, first_content, last_content = [], [], []
        at = 0
        for line in text.split("\n"):
            line_starts.append(at)
            first_content.append(at + len(line) - len(line.lstrip()))
            last_content.append(at + len(line.rstrip()))
            at += len(line) + 1
        facts = cls(text, scan.tokens, scan.starts, scan.ends,
                    scan.token_ending_at, scan.token_starting_at, line_starts, first_content,
                    last_content, dict(district_ends))
        scan.memo["learn.facts"] = facts
        return facts

    def numbered_line(self, line: int) -> bool:
        """Does line number ``line`` open with a list number (programs.LIST_NUMBER)?"""
        found = self.numbered_memo.get(line)
        if found is None:
            found = self.numbered_memo[line] = programs.LIST_NUMBER.match(
                self.text, self.line_starts[line]) is not None
        return found

    def count(self, part: str) -> int:
        """``text.count(part)``, once per string and document."""
        n = self.counts.get(part)
        if n is None:
            n = self.counts[part] = self.text.count(part)
        return n


@dataclass(frozen=True)
class Context:
    """What features need about one document besides the candidate: the shared
    :class:`TextFacts` and the rules' choices for one type."""

    scan: Scan
    facts: TextFacts
    district_starts: frozenset[int]
    rule_spans: dict[tuple[int, int], str]  # (start, end) → rule, for the rules' own choices
    rule_heads: frozenset[int]  # ends of the rules' spans
    trigger_memo: dict[int, bool] = field(default_factory=dict, repr=False)
    head_memo: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict, repr=False)


def _edges(ctx: Context, feats: list[str], start: int, end: int) -> list[str]:
    """``feats`` with the features of the span's two edges added, each edge's computed once
    per offset and document."""
    facts = ctx.facts
    left = facts.left_memo.get(start)
    if left is None:
        left = facts.left_memo[start] = _left_edge(facts, start)
    right = facts.right_memo.get(end)
    if right is None:
        right = facts.right_memo[end] = _right_edge(facts, end)
    feats += left
    feats += right
    return feats


def _left_edge(facts: TextFacts, start: int) -> list[str]:
    text = facts.text
    prev, prevc = _BEFORE[text[start - 1] if start > 0 else ""]
    ending = facts.ending_at.get(start)
    starting = facts.starting_at.get(start)
    tokens = facts.tokens
    ptok, ptag, prev_boundary = (_AS_BEFORE[tokens[ending].text] if ending is not None
                                 else _no_token_before())
    ftok, ftag = _AS_FIRST[tokens[starting].text] if starting is not None else _NO_FIRST
    # Scan.is_boundary(start), from the two lookups above
    boundary = start == 0 or start == len(text) or ending is not None or starting is not None
    line = bisect_right(facts.line_starts, start) - 1
    line_start = facts.line_starts[line]
    # LIST_NUMBER is (?m)^…: it anchors at line_start, a line's start; a line that does not
    # open with one cannot have one end at start (the pattern looks at nothing beyond its match)
    numbered = (line_start < start and facts.numbered_line(line)
                and programs.LIST_NUMBER.fullmatch(text, line_start, start))
    return [
        prev, prevc, f"prev2={text[max(0, start - 2):start]}",
        ptok, ptag, ftok, ftag,
        _FIRST[text[start:start + 1]],
        _F_BOUNDARY[boundary],
        _F_LINESTART[start <= facts.first_content[line]],  # nothing but space before
        _F_NUMBERED[bool(numbered)],
        _F_AFTER_DISTRICT[start in facts.district_ends],
        prev_boundary,
    ]


def _right_edge(facts: TextFacts, end: int) -> list[str]:
    text = facts.text
    nxt, nextc = _AFTER[text[end] if end < len(text) else ""]
    starting = facts.starting_at.get(end)
    ntok, ntag = _AS_AFTER[facts.tokens[starting].text] if starting is not None else _NO_NEXT
    line = bisect_right(facts.line_starts, end) - 1
    return [
        nxt, nextc, ntok, ntag,
        _F_LINEEND[end >= facts.last_content[line]],  # nothing but space after
    ]


def _head_features(text: str, head_start: int, end: int, lex: Lexicon) -> tuple[str, ...]:
    """What a Facility candidate's features take from its head alone: head=, head_generic,
    rule&head= (not ruled, ruled), generic&head= (not generic, generic)."""
    head = text[head_start:end]
    return (f"head={head}", _F_HEAD_GENERIC[head in lex.facility_generic_heads],
            f"rule&head=False&{head}", f"rule&head=True&{head}",
            f"generic&head=False&{head}", f"generic&head=True&{head}")


def facility_features(ctx: Context, span: FacilitySpan, head_start: int) -> list[str]:
    facts = ctx.facts
    text = facts.text
    lex = lexicon()
    start, end, name_start = span.start, span.end, span.name_start
    own = text[name_start:head_start]
    heads = ctx.head_memo.get((head_start, end))
    if heads is None:
        heads = ctx.head_memo[(head_start, end)] = _head_features(text, head_start, end, lex)
    rule = ctx.rule_spans.get((start, end))
    ruled = rule is not None
    # the tokens of the own name: those that start at or after name_start, end by the span's
    # end (Scan.tokens_within) and start before the head
    first = bisect_left(facts.starts, name_start)
    stop = min(bisect_right(facts.ends, end), bisect_left(facts.starts, head_start))
    n_tokens = max(0, stop - first)
    boundary_word = verb = False
    last = _NO_LAST
    for token in facts.tokens[first:stop]:
        is_boundary, is_verb, last = _AS_OWN[token.text]
        boundary_word = boundary_word or is_boundary
        verb = verb or is_verb
    generic = not own or is_generic(own)
    feats = [
        "bias", heads[0], heads[1],
        OWN_LENGTH.of(len(own)),
        OWN_TOKENS.of(n_tokens),
        _F_GENERIC[generic], _F_GENERIC_KIND[text[name_start:end] in lex.facility_generic_kinds],
        _F_LEAD_DISTRICT[name_start > start],
        _F_STARTS_DISTRICT[start in ctx.district_starts],
        _F_RULE[ruled],
        _F_RULE_OTHER[not ruled and end in ctx.rule_heads],
        heads[3] if ruled else heads[2],
        RULE_GENERIC[ruled, generic],
        _F_DIGIT[any(map(str.isdigit, own))],
        REPEAT.of(facts.count(span.text)),
        _F_HAS_BOUNDARY_WORD[boundary_word],
        _F_HAS_VERB[verb],
        last[0], last[1],
        heads[5] if generic else heads[4],
    ]
    return _edges(ctx, feats, start, end)


@cache
def _categories() -> tuple[frozenset[str], tuple[int, ...]]:
    """Program category words, and their lengths longest first (the tail a name ends with)."""
    words = frozenset(lexicon().program_categories)
    return words, tuple(sorted({len(w) for w in words}, reverse=True))


def _tail(name: str) -> str:
    """The longest category word ``name`` ends with, or ""."""
    words, lengths = _categories()
    for n in lengths:
        if n <= len(name) and name[-n:] in words:
            return name[-n:]
    return ""


#: an ASCII letter (str.isascii() and str.isalpha())
LATIN = re.compile(r"[A-Za-z]")


def _triggered(ctx: Context, start: int) -> bool:
    found = ctx.trigger_memo.get(start)
    if found is None:
        found = ctx.trigger_memo[start] = programs.triggered_at(ctx.scan, start)
    return found


_GEN = _Formatted(lambda rule: f"gen={rule}")
_RULE = _Formatted(lambda rule: f"rule={rule or '-'}")
_TAIL = _Formatted(lambda tail: f"tail={tail or '-'}")
_TAG = _Formatted(lambda tag: f"tag={tag or '-'}")
_GEN_LENGTH = _Formatted(lambda key: f"gen&len={key[0]}&{key[1]}")
_GEN_TAIL = _Formatted(lambda key: f"gen&tail={key[0]}&{key[1] or '-'}")
_FIRST_TAG = _Formatted(lambda tag: f"itag0={tag or '?'}")
_LAST_TAG = _Formatted(lambda tag: f"itagN={tag or '?'}")


def program_features(ctx: Context, span: ProgramSpan) -> list[str]:
    facts = ctx.facts
    name = span.name
    quoted = span.text[:1] in "“\"「『"
    book = span.text.startswith("《")
    lex = lexicon()
    tail = _tail(name)
    rule = ctx.rule_spans.get((span.start, span.end))
    length = len(name)
    # programs._not_a_name(name), from the tests it shares with the features after it
    slogan = programs.SLOGAN_MARKS.search(name) is not None
    clause = programs.CLAUSE_WORDS.search(name) is not None
    evaluation = name.endswith(lex.program_evaluations)
    tag = word_tag(name)
    not_a_name = (slogan or name.isdigit() or clause or evaluation
                  or programs.COUNT_WORDS.fullmatch(name) is not None
                  or (tag is not None and tag not in programs.NAME_TAGS))
    feats = [
        "bias", _GEN[span.rule], _RULE[rule], _F_RULED[rule is not None],
        _F_RULE_OTHER[rule is None and span.end in ctx.rule_heads],
        _F_QUOTED[quoted], _F_BOOK[book],
        _TAIL[tail],
        NAME_LENGTH.of(length),
        _F_NOT_A_NAME[not_a_name],
        _F_SLOGAN_MARKS[slogan],
        _F_CLAUSE_WORDS[clause],
        _F_EVALUATION[evaluation],
        f"tail2={name[-2:]}",
        _F_TRIGGERED[_triggered(ctx, span.start)],
        _F_DIGIT[any(map(str.isdigit, name))],
        _F_LATIN[LATIN.search(name) is not None],
        REPEAT.of(facts.count(name)),
        _TAG[tag],
        _F_STARTS_PLACE[name[:1] in '区市县镇省'],
        _F_ENDS_PLACE[name.endswith(lex.program_place_endings)],
        _F_GENERIC_OWN[programs._generic(name[:-2])],
        _GEN_LENGTH[span.rule, COARSE_LENGTH[length] if length < 15 else ">14"],
        _GEN_TAIL[span.rule, tail],
    ]
    inner_start = span.start + (1 if quoted or book else 0)
    # the tokens inside the name (Scan.tokens_within), as a range of token indices
    first = bisect_left(facts.starts, inner_start)
    stop = bisect_right(facts.ends, inner_start + length)
    n_tokens = max(0, stop - first)
    verb = False
    tags = []
    for token in facts.tokens[first:stop]:
        tag = _TAG_OF[token.text]
        verb = verb or (tag or "").startswith("v")
        tags.append(tag)
    feats += [
        NAME_TOKENS.of(n_tokens),
        _FIRST_TAG[tags[0]] if tags else "itag0=-",
        _LAST_TAG[tags[-1]] if tags else "itagN=-",
        _F_IVERB[verb],
        _F_FACILITY_HEAD[name.endswith(lex.facility_heads)],
        _F_NUMERAL_START[name[:1] in '一二三四五六七八九十两百千万' or name[:1].isdigit()],
        _F_ONLY_CATEGORY[bool(tail) and tail == name],
        _F_AGENCY_HEAD[name.endswith(lex.agency_heads)],
    ]
    return _edges(ctx, feats, span.start, span.end)
