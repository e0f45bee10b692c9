"""An index of text spans for the overlap and containment tests the recognizers and the
pipeline make for every mention, so that those tests cost about the number of spans that
actually meet the query, not the number of spans in the document (which made extraction
quadratic in the document's size).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class SpanIndex(Generic[T]):
    """Spans ``(start, end, item)``; queries yield the items in their original order."""

    def __init__(self, spans: Iterable[tuple[int, int, T]]):
        ordered = sorted(((s, e, n, item) for n, (s, e, item) in enumerate(spans)),
                         key=lambda row: (row[0], row[2]))
        self._rows = ordered
        self._starts = [row[0] for row in ordered]
        self._longest = max((row[1] - row[0] for row in ordered), default=0)
        reach: list[int] = []  # the furthest end among the spans up to each row
        furthest = -1
        for row in ordered:
            furthest = max(furthest, row[1])
            reach.append(furthest)
        self._reach = reach

    def __len__(self) -> int:
        return len(self._rows)

    def _ending_after(self, offset: int, before: int) -> Iterator[tuple[int, int, int, T]]:
        """Rows among the first ``before`` (by start) whose end is past ``offset``."""
        rows, reach, longest = self._rows, self._reach, self._longest
        j = before - 1
        while j >= 0 and reach[j] > offset and rows[j][0] + longest > offset:
            if rows[j][1] > offset:
                yield rows[j]
            j -= 1

    def overlapping(self, start: int, end: int) -> list[T]:
        """Items of the spans ``(s, e)`` with ``s < end`` and ``start < e``."""
        found = self._ending_after(start, bisect_left(self._starts, end))
        return [row[3] for row in sorted(found, key=lambda row: row[2])]

    def holding(self, offset: int) -> list[T]:
        """Items of the spans ``(s, e)`` with ``s <= offset < e``."""
        found = self._ending_after(offset, bisect_right(self._starts, offset))
        return [row[3] for row in sorted(found, key=lambda row: row[2])]

    def containing(self, start: int, end: int) -> list[T]:
        """Items of the spans ``(s, e)`` with ``s <= start`` and ``end <= e``."""
        found = self._ending_after(end - 1, bisect_right(self._starts, start))
        return [row[3] for row in sorted(found, key=lambda row: row[2])]
