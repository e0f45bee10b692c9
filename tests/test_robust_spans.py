"""The indexed searches that keep extraction linear in the document's size give exactly the
answers of the plain scans they replaced (compared on random spans), and a document of
distinct lines far larger than an article is extracted like the articles it is made of."""

from __future__ import annotations

import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from kg.extract.programs import CLAUSE_BREAK, _clause_start
from kg.extract.scan import longest_first
from kg.spans import SpanIndex
from tests.conftest import ROOT

SPANS = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 25)).map(lambda p: (p[0], p[0] + p[1])),
                 max_size=40)


@settings(max_examples=300, deadline=None)
@given(SPANS, st.integers(0, 90), st.integers(0, 30))
def test_span_index_answers_like_a_scan(spans: list[tuple[int, int]], start: int, width: int) -> None:
    end = start + width
    index = SpanIndex((s, e, n) for n, (s, e) in enumerate(spans))
    numbered = list(enumerate(spans))
    assert index.overlapping(start, end) == [n for n, (s, e) in numbered if s < end and start < e]
    assert index.holding(start) == [n for n, (s, e) in numbered if s <= start < e]
    assert index.containing(start, end) == [n for n, (s, e) in numbered if s <= start and end <= e]


class _Span:
    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 25)), max_size=40))
def test_longest_first_keeps_what_the_pairwise_scan_kept(pairs: list[tuple[int, int]]) -> None:
    spans = [_Span(s, s + n) for s, n in pairs]
    kept: list[_Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    expected = sorted(kept, key=lambda s: s.start)
    assert [id(s) for s in longest_first(spans)] == [id(s) for s in expected]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="开展实施，。；\n项目", max_size=400), st.data())
def test_clause_start_is_after_the_last_break(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(text)))
    assert _clause_start(text, offset) == max(text.rfind(ch, 0, offset) for ch in CLAUSE_BREAK) + 1


def test_a_large_document_of_distinct_lines_is_extracted_like_its_articles() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_scaling import base_lines, document

    from kg.corpus import process_source
    from kg.model import Source

    text = document(200_000, base_lines())
    assert len(text.encode("utf-8")) >= 200_000
    assert len(set(text.split("\n\n"))) == len(text.split("\n\n"))  # no line repeats
    result = process_source(Source("big.txt", text.encode("utf-8")))
    labels = {e.label for e in result.entities}
    assert {"钱塘区", "杭州市"} <= labels
    assert len(result.mentions) > 1000
