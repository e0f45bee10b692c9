"""Text with an offset map back to the decoded original, and the edit primitive passes use.

A :class:`Mapped` value is what flows between normalization passes: the current text, a
list ``offs`` with ``len(text) + 1`` entries (``offs[i]`` = offset in ``original`` of
character ``i``; the last entry maps the end), and the regions removed so far.

Passes never touch ``offs`` character by character: they describe their change as a sorted
list of :data:`Edit` tuples and :func:`apply_edits` rebuilds text and map with slices.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from kg.model import Region

# (start, end, replacement, reason): replace text[start:end] by replacement; when reason is
# not None the original span of the replaced characters is recorded as a removed Region.
Edit = tuple[int, int, str, str | None]


@dataclass(slots=True)
class Mapped:
    text: str
    offs: list[int]
    original: str
    removed: list[Region] = field(default_factory=list)
    #: regions kept in the text but set aside from the body (original offsets)
    marked: list[Region] = field(default_factory=list)

    @classmethod
    def identity(cls, text: str) -> Mapped:
        return cls(text, list(range(len(text) + 1)), text)

    def region(self, start: int, end: int, reason: str) -> Region:
        """The original span behind text[start:end] (end > start) as a Region."""
        ostart = self.offs[start]
        oend = max(self.offs[end - 1] + 1, ostart)
        return Region(ostart, oend, reason, self.original[ostart:oend])


Pass = Callable[[Mapped], Mapped]


def apply_edits(m: Mapped, edits: Iterable[Edit]) -> Mapped:
    """Apply sorted, non-overlapping edits (overlapping ones are skipped) to ``m``.

    Replacement characters map 1:1 onto the replaced characters when the lengths agree,
    otherwise all of them map to the first replaced character (or, for an insertion, to the
    character that follows), so the map stays monotonic.
    """
    text, offs = m.text, m.offs
    pieces: list[str] = []
    new_offs: list[int] = []
    removed = m.removed
    pos = 0
    changed = False
    for start, end, rep, reason in edits:
        if start < pos or end < start:
            continue
        changed = True
        if start > pos:
            pieces.append(text[pos:start])
            new_offs.extend(offs[pos:start])
        if rep:
            pieces.append(rep)
            if len(rep) == end - start:
                new_offs.extend(offs[start:end])
            else:
                new_offs.extend([offs[start]] * len(rep))
        if reason is not None and end > start:
            removed.append(m.region(start, end, reason))
        pos = end
    if not changed:
        return m
    pieces.append(text[pos:])
    new_offs.extend(offs[pos:])
    return Mapped("".join(pieces), new_offs, m.original, removed, m.marked)


def sub(
    m: Mapped,
    pattern: re.Pattern[str],
    repl: str | Callable[[re.Match[str]], str | None],
    reason: str | None = None,
) -> Mapped:
    """``re.sub`` that keeps the map; a callable returning None leaves the match alone."""
    edits: list[Edit] = []
    for match in pattern.finditer(m.text):
        if callable(repl):
            rep = repl(match)
            if rep is None:
                continue
        else:
            rep = repl
        edits.append((match.start(), match.end(), rep, reason))
    return apply_edits(m, edits) if edits else m


def translate_same_length(m: Mapped, new_text: str) -> Mapped:
    """Replace the text by one of equal length whose characters map 1:1 onto the old ones."""
    if len(new_text) != len(m.text):
        raise ValueError("translate_same_length needs equal lengths")
    if new_text == m.text:
        return m
    return Mapped(new_text, m.offs, m.original, m.removed, m.marked)


def compose(*passes: Pass) -> Pass:
    def run(m: Mapped) -> Mapped:
        for p in passes:
            m = p(m)
        return m

    return run
