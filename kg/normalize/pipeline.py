"""The normalization pipeline: named passes composed over a :class:`Mapped` text."""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections.abc import Sequence

from kg.errors import EmptyInputError
from kg.model import Aside, Document, Source
from kg.normalize.blocks import rejoin_lines, remove_boilerplate, remove_repeats, tidy_whitespace
from kg.normalize.chars import clean_controls, fold_width, mojibake, nfc, to_simplified
from kg.normalize.decoding import decode
from kg.normalize.html import extract_html, looks_like_html
from kg.normalize.ruby import strip_ruby
from kg.normalize.textmap import Mapped, Pass

# (name, pass) in the order they run; "html" runs only for HTML input
PASSES: tuple[tuple[str, Pass], ...] = (
    ("html", extract_html),
    ("controls", clean_controls),
    ("nfc", nfc),
    ("mojibake", mojibake),
    ("ruby", strip_ruby),
    ("t2s", to_simplified),
    ("width", fold_width),
    ("boilerplate", remove_boilerplate),
    ("repeats", remove_repeats),
    ("rejoin", rejoin_lines),
    ("whitespace", tidy_whitespace),
)


def run_passes(
    text: str, name: str = "<text>", *, html: bool | None = None, skip: Sequence[str] = ()
) -> Mapped:
    """Run every pass over ``text``; ``html=None`` detects HTML from name and content."""
    if html is None:
        html = looks_like_html(text, name)
    m = Mapped.identity(text)
    for pass_name, fn in PASSES:
        if pass_name in skip or (pass_name == "html" and not html):
            continue
        if pass_name == "rejoin" and html:
            continue  # in HTML a line break is a block boundary, never a page break
        m = fn(m)
    return m


def _document(m: Mapped, name: str, encoding: str, digest: str, allow_empty: bool) -> Document:
    if not allow_empty and not m.text.strip():
        raise EmptyInputError(f"{name}: no text left after normalization")
    return Document(
        name=name,
        text=m.text,
        original=m.original,
        offsets=tuple(m.offs),
        encoding=encoding,
        removed=tuple(sorted(m.removed, key=lambda r: (r.start, r.end))),
        digest=digest,
        asides=_asides(m),
    )


def _asides(m: Mapped) -> tuple[Aside, ...]:
    """Marked regions (original offsets) as spans of the final text."""
    out: list[Aside] = []
    for region in sorted(m.marked, key=lambda r: (r.start, r.end)):
        start = bisect_left(m.offs, region.start, 0, len(m.text))
        end = bisect_left(m.offs, region.end, 0, len(m.text))
        while end > start and m.text[end - 1] == "\n":
            end -= 1
        if end <= start:
            continue
        if out and out[-1].reason == region.reason and start <= out[-1].end + 1:
            out[-1] = Aside(out[-1].start, end, region.reason)
        else:
            out.append(Aside(start, end, region.reason))
    return tuple(out)


def normalize(source: Source, *, allow_empty: bool = False) -> Document:
    """Decode and normalize one input. Raises EmptyInputError, BinaryInputError,
    DecodingError (from :func:`decode`), and EmptyInputError when nothing is left."""
    text, encoding = decode(source.data, source.name)
    m = run_passes(text, source.name)
    digest = hashlib.sha256(source.data).hexdigest()
    return _document(m, source.name, encoding, digest, allow_empty)


def normalize_text(text: str, name: str = "<text>", *, allow_empty: bool = False) -> Document:
    """Normalize an in-memory string (encoding "utf-8", digest of its UTF-8 bytes)."""
    m = run_passes(text, name)
    digest = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
    return _document(m, name, "utf-8", digest, allow_empty)
