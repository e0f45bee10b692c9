"""Features of a candidate Facility or Program span: what the classifier sees.

Every feature is a string (a binary indicator). They describe the span's edges (the
characters and jieba tokens on either side, their tags), its shape (length, head word,
generic modifiers, a District leading it, digits, quotes and book-title marks, its place on
its line and in a numbered list), how often the document repeats it, and what the rules
decided about it (the rule's own span, or another boundary for the same head).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache

from kg.extract import programs
from kg.extract.facilities import FacilitySpan, is_generic
from kg.extract.programs import ProgramSpan
from kg.extract.scan import Scan
from kg.resources import lexicon
from kg.text import word_tag

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
        pair = self[name] = (f"{name}=False", f"{name}=True")
        return pair


_FLAG = _Flags()


@lru_cache(maxsize=4096)
def _bucketed(name: str, n: int, edges: tuple[int, ...]) -> str:
    """The feature ``name=<bucket of n>``, one string object per value (as :data:`_FLAG`)."""
    return f"{name}={_bucket(n, edges)}"


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    for edge in edges:
        if n <= edge:
            return str(edge)
    return f">{edges[-1]}"


@dataclass(frozen=True)
class Context:
    """What features need about one document besides the candidate."""

    scan: Scan
    district_ends: dict[int, int]  # end → start of each District mention
    district_starts: frozenset[int]
    rule_spans: dict[tuple[int, int], str]  # (start, end) → rule, for the rules' own choices
    rule_heads: frozenset[int]  # ends of the rules' spans
    left_memo: dict[int, list[str]] = field(default_factory=dict, repr=False)
    right_memo: dict[int, list[str]] = field(default_factory=dict, repr=False)
    trigger_memo: dict[int, bool] = field(default_factory=dict, repr=False)

    def token_before(self, offset: int) -> str:
        index = self.scan.token_ending_at.get(offset)
        return self.scan.tokens[index].text if index is not None else ""

    def token_at(self, offset: int) -> str:
        index = self.scan.token_starting_at.get(offset)
        return self.scan.tokens[index].text if index is not None else ""


def _edges(ctx: Context, feats: list[str], start: int, end: int) -> list[str]:
    """``feats`` with the features of the span's two edges added, each edge's computed once
    per offset and document."""
    left = ctx.left_memo.get(start)
    if left is None:
        left = ctx.left_memo[start] = _left_edge(ctx, start)
    right = ctx.right_memo.get(end)
    if right is None:
        right = ctx.right_memo[end] = _right_edge(ctx, end)
    feats += left
    feats += right
    return feats


def _left_edge(ctx: Context, start: int) -> list[str]:
    scan = ctx.scan
    text = scan.text
    before = text[start - 1] if start > 0 else ""
    ending = scan.token_ending_at.get(start)  # ctx.token_before and token_at, inlined
    prev_token = scan.tokens[ending].text if ending is not None else ""
    starting = scan.token_starting_at.get(start)
    first = scan.tokens[starting].text if starting is not None else ""
    # scan.is_boundary(start), from the two lookups above
    boundary = start == 0 or start == len(text) or ending is not None or starting is not None
    head_of_line = text[text.rfind("\n", 0, start) + 1:start]
    return [
        f"prev={before}", f"prevc={char_class(before)}", f"prev2={text[max(0, start - 2):start]}",
        f"ptok={prev_token}", f"ptag={word_tag(prev_token) if prev_token else '^'}",
        f"ftok={first}", f"ftag={word_tag(first) if first else '-'}",
        f"first={text[start:start + 1]}",
        _FLAG["boundary"][boundary],
        _FLAG["linestart"][not head_of_line.strip()],
        _FLAG["numbered"][bool(programs.LIST_NUMBER.fullmatch(head_of_line)) if head_of_line else False],
        _FLAG["after_district"][start in ctx.district_ends],
        _FLAG["prev_boundary"][prev_token in lexicon().boundary],
    ]


def _right_edge(ctx: Context, end: int) -> list[str]:
    text = ctx.scan.text
    after = text[end] if end < len(text) else ""
    next_token = ctx.token_at(end)
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    return [
        f"next={after}", f"nextc={char_class(after)}",
        f"ntok={next_token}", f"ntag={word_tag(next_token) if next_token else '^'}",
        _FLAG["lineend"][not text[end:line_end].strip()],
    ]


def facility_features(ctx: Context, span: FacilitySpan, head_start: int) -> list[str]:
    text = ctx.scan.text
    lex = lexicon()
    own = text[span.name_start:head_start]
    head = text[head_start:span.end]
    rule = ctx.rule_spans.get((span.start, span.end))
    tokens = [t for t in ctx.scan.tokens_within(span.name_start, span.end) if t.start < head_start]
    generic = not own or is_generic(own)
    feats = [
        "bias", f"head={head}", _FLAG["head_generic"][head in lex.facility_generic_heads],
        _bucketed("ownlen", len(own), (0, 1, 2, 3, 4, 5, 6, 8, 10)),
        _bucketed("owntok", len(tokens), (0, 1, 2, 3, 4)),
        _FLAG["generic"][generic], _FLAG["generic_kind"][text[span.name_start:span.end] in lex.facility_generic_kinds],
        _FLAG["lead_district"][span.name_start > span.start],
        _FLAG["starts_district"][span.start in ctx.district_starts],
        _FLAG["rule"][rule is not None],
        _FLAG["rule_other"][rule is None and span.end in ctx.rule_heads],
        f"rule&head={rule is not None}&{head}",
        f"rule&generic={rule is not None}&{generic}",
        _FLAG["digit"][any(map(str.isdigit, own))],
        _bucketed("repeat", text.count(span.text), (1, 2, 3)),
        _FLAG["has_boundary_word"][any(t.text in lex.boundary for t in tokens)],
        _FLAG["has_verb"][any((word_tag(t.text) or '').startswith('v') for t in tokens)],
        f"last_own={tokens[-1].text if tokens else '-'}",
        f"last_tag={word_tag(tokens[-1].text) if tokens else '-'}",
        f"generic&head={generic}&{head}",
    ]
    return _edges(ctx, feats, span.start, span.end)


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


def program_features(ctx: Context, span: ProgramSpan) -> list[str]:
    text = ctx.scan.text
    name = span.name
    quoted = span.text[:1] in "“\"「『"
    book = span.text.startswith("《")
    lex = lexicon()
    tail = _tail(name)
    rule = ctx.rule_spans.get((span.start, span.end))
    inner = name
    feats = [
        "bias", f"gen={span.rule}", f"rule={rule or '-'}", _FLAG["ruled"][rule is not None],
        _FLAG["rule_other"][rule is None and span.end in ctx.rule_heads],
        _FLAG["quoted"][quoted], _FLAG["book"][book],
        f"tail={tail or '-'}",
        _bucketed("len", len(name), (2, 3, 4, 5, 6, 8, 10, 14, 20)),
        _FLAG["not_a_name"][programs._not_a_name(inner)],
        _FLAG["slogan_marks"][bool(programs.SLOGAN_MARKS.search(inner))],
        _FLAG["clause_words"][bool(programs.CLAUSE_WORDS.search(inner))],
        _FLAG["evaluation"][inner.endswith(lex.program_evaluations)],
        f"tail2={name[-2:]}",
        _FLAG["triggered"][_triggered(ctx, span.start)],
        _FLAG["digit"][any(map(str.isdigit, name))],
        _FLAG["latin"][LATIN.search(name) is not None],
        _bucketed("repeat", text.count(name), (1, 2, 3)),
        f"tag={word_tag(name) or '-'}",
        _FLAG["starts_place"][name[:1] in '区市县镇省'],
        _FLAG["ends_place"][name.endswith(lex.program_place_endings)],
        _FLAG["generic_own"][programs._generic(name[:-2])],
        f"gen&len={span.rule}&{_bucket(len(name), (4, 8, 14))}",
        f"gen&tail={span.rule}&{tail or '-'}",
    ]
    inner_start = span.start + (1 if quoted or book else 0)
    tokens = [t.text for t in ctx.scan.tokens_within(inner_start, inner_start + len(name))]
    tags = [word_tag(t) or "?" for t in tokens]
    feats += [
        _bucketed("ntok", len(tokens), (1, 2, 3, 4, 6)),
        f"itag0={tags[0] if tags else '-'}", f"itagN={tags[-1] if tags else '-'}",
        _FLAG["iverb"][any(t.startswith('v') for t in tags)],
        _FLAG["facility_head"][name.endswith(lex.facility_heads)],
        _FLAG["numeral_start"][name[:1] in '一二三四五六七八九十两百千万' or name[:1].isdigit()],
        _FLAG["only_category"][bool(tail) and tail == name],
        _FLAG["agency_head"][name.endswith(lex.agency_heads)],
    ]
    return _edges(ctx, feats, span.start, span.end)

