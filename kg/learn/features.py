"""Features of a candidate Facility or Program span: what the classifier sees.

Every feature is a string (a binary indicator). They describe the span's edges (the
characters and jieba tokens on either side, their tags), its shape (length, head word,
generic modifiers, a District leading it, digits, quotes and book-title marks, its place on
its line and in a numbered list), how often the document repeats it, and what the rules
decided about it (the rule's own span, or another boundary for the same head).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from kg.extract import programs
from kg.extract.facilities import FacilitySpan, is_generic
from kg.extract.programs import ProgramSpan
from kg.extract.scan import Scan
from kg.resources import lexicon
from kg.text import word_tag

PUNCT_KEPT = set("，。、；：！？“”《》()「」·-\n ")


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


def _edges(ctx: Context, start: int, end: int) -> list[str]:
    """Features of the span's two edges, each computed once per offset and document."""
    left = ctx.left_memo.get(start)
    if left is None:
        left = ctx.left_memo[start] = _left_edge(ctx, start)
    right = ctx.right_memo.get(end)
    if right is None:
        right = ctx.right_memo[end] = _right_edge(ctx, end)
    return left + right


def _left_edge(ctx: Context, start: int) -> list[str]:
    text = ctx.scan.text
    before = text[start - 1] if start > 0 else ""
    prev_token = ctx.token_before(start)
    first = ctx.token_at(start)
    head_of_line = text[text.rfind("\n", 0, start) + 1:start]
    return [
        f"prev={before}", f"prevc={char_class(before)}", f"prev2={text[max(0, start - 2):start]}",
        f"ptok={prev_token}", f"ptag={word_tag(prev_token) if prev_token else '^'}",
        f"ftok={first}", f"ftag={word_tag(first) if first else '-'}",
        f"first={text[start:start + 1]}",
        f"boundary={ctx.scan.is_boundary(start)}",
        f"linestart={not head_of_line.strip()}",
        f"numbered={bool(programs.LIST_NUMBER.fullmatch(head_of_line)) if head_of_line else False}",
        f"after_district={start in ctx.district_ends}",
        f"prev_boundary={prev_token in lexicon().boundary}",
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
        f"lineend={not text[end:line_end].strip()}",
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
        "bias", f"head={head}", f"head_generic={head in lex.facility_generic_heads}",
        f"ownlen={_bucket(len(own), (0, 1, 2, 3, 4, 5, 6, 8, 10))}",
        f"owntok={_bucket(len(tokens), (0, 1, 2, 3, 4))}",
        f"generic={generic}", f"generic_kind={text[span.name_start:span.end] in lex.facility_generic_kinds}",
        f"lead_district={span.name_start > span.start}",
        f"starts_district={span.start in ctx.district_starts}",
        f"rule={rule is not None}",
        f"rule_other={rule is None and span.end in ctx.rule_heads}",
        f"rule&head={rule is not None}&{head}",
        f"rule&generic={rule is not None}&{generic}",
        f"digit={any(ch.isdigit() for ch in own)}",
        f"repeat={_bucket(text.count(span.text), (1, 2, 3))}",
        f"has_boundary_word={any(t.text in lex.boundary for t in tokens)}",
        f"has_verb={any((word_tag(t.text) or '').startswith('v') for t in tokens)}",
        f"last_own={tokens[-1].text if tokens else '-'}",
        f"last_tag={word_tag(tokens[-1].text) if tokens else '-'}",
        f"generic&head={generic}&{head}",
    ]
    feats.extend(_edges(ctx, span.start, span.end))
    return feats


@cache
def _categories() -> tuple[str, ...]:
    """Program category words, longest first (the tail a name ends with)."""
    return tuple(sorted(lexicon().program_categories, key=len, reverse=True))


def _triggered(ctx: Context, start: int) -> bool:
    found = ctx.trigger_memo.get(start)
    if found is None:
        found = ctx.trigger_memo[start] = programs._triggered(ctx.scan.text, start)
    return found


def program_features(ctx: Context, span: ProgramSpan) -> list[str]:
    text = ctx.scan.text
    name = span.name
    quoted = span.text[:1] in "“\"「『"
    book = span.text.startswith("《")
    lex = lexicon()
    tail = next((c for c in _categories() if name.endswith(c)), "")
    rule = ctx.rule_spans.get((span.start, span.end))
    inner = name
    feats = [
        "bias", f"gen={span.rule}", f"rule={rule or '-'}", f"ruled={rule is not None}",
        f"rule_other={rule is None and span.end in ctx.rule_heads}",
        f"quoted={quoted}", f"book={book}",
        f"tail={tail or '-'}",
        f"len={_bucket(len(name), (2, 3, 4, 5, 6, 8, 10, 14, 20))}",
        f"not_a_name={programs._not_a_name(inner)}",
        f"slogan_marks={bool(programs.SLOGAN_MARKS.search(inner))}",
        f"clause_words={bool(programs.CLAUSE_WORDS.search(inner))}",
        f"evaluation={inner.endswith(lex.program_evaluations)}",
        f"tail2={name[-2:]}",
        f"triggered={_triggered(ctx, span.start)}",
        f"digit={any(ch.isdigit() for ch in name)}",
        f"latin={any(ch.isascii() and ch.isalpha() for ch in name)}",
        f"repeat={_bucket(text.count(name), (1, 2, 3))}",
        f"tag={word_tag(name) or '-'}",
        f"starts_place={name[:1] in '区市县镇省'}",
        f"ends_place={name.endswith(lex.program_place_endings)}",
        f"generic_own={programs._generic(name[:-2])}",
        f"gen&len={span.rule}&{_bucket(len(name), (4, 8, 14))}",
        f"gen&tail={span.rule}&{tail or '-'}",
    ]
    inner_start = span.start + (1 if quoted or book else 0)
    tokens = [t.text for t in ctx.scan.tokens_within(inner_start, inner_start + len(name))]
    tags = [word_tag(t) or "?" for t in tokens]
    feats += [
        f"ntok={_bucket(len(tokens), (1, 2, 3, 4, 6))}",
        f"itag0={tags[0] if tags else '-'}", f"itagN={tags[-1] if tags else '-'}",
        f"iverb={any(t.startswith('v') for t in tags)}",
        f"facility_head={name.endswith(lex.facility_heads)}",
        f"numeral_start={name[:1] in '一二三四五六七八九十两百千万' or name[:1].isdigit()}",
        f"only_category={bool(tail) and tail == name}",
        f"agency_head={name.endswith(lex.agency_heads)}",
    ]
    feats.extend(_edges(ctx, span.start, span.end))
    return feats

