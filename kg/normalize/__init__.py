"""Text normalization: raw bytes → one clean Simplified-Chinese text with an offset map.

Public API::

    decode(data, name) -> (text, encoding)
    normalize(source) -> Document
    normalize_text(text, name="<text>") -> Document
    explain_removed(doc) -> list[str]          # one line per removed region
    removed_summary(doc) -> dict[str, int]     # reason -> count

The passes (see :data:`PASSES`) run in order: html, controls, nfc, mojibake, ruby, t2s,
width, boilerplate, repeats, rejoin, whitespace.
"""

from __future__ import annotations

from collections import Counter

from kg.model import Document
from kg.normalize.decoding import decode
from kg.normalize.pipeline import PASSES, normalize, normalize_text, run_passes

__all__ = [
    "PASSES",
    "decode",
    "explain_removed",
    "normalize",
    "normalize_text",
    "removed_summary",
    "run_passes",
]


def _preview(text: str, width: int) -> str:
    flat = text.replace("\n", "⏎")
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def explain_removed(doc: Document, *, width: int = 60, reasons: tuple[str, ...] = ()) -> list[str]:
    """Human-readable lines for ``kg normalize FILE --show-removed``.

    One line per removed region, in original order: ``reason  start-end  text`` where
    start/end are offsets into ``doc.original`` and text is the removed original text
    (newlines shown as ⏎, cut to ``width`` characters). ``reasons`` keeps only regions whose
    reason starts with one of the given prefixes (e.g. ``("ruby", "boilerplate")``).
    """
    lines = []
    for region in doc.removed:
        if reasons and not region.reason.startswith(reasons):
            continue
        lines.append(
            f"{region.reason:<22} {region.start:>7}-{region.end:<7} {_preview(region.text, width)}"
        )
    # regions kept in the text but set apart from the body (offsets into the normalized text)
    for aside in doc.asides:
        if reasons and not f"aside:{aside.reason}".startswith(reasons):
            continue
        text = doc.text[aside.start : aside.end]
        lines.append(
            f"{'aside:' + aside.reason:<22} {aside.start:>7}-{aside.end:<7} {_preview(text, width)}"
            "  (kept, not body; offsets in the normalized text)"
        )
    return lines


def removed_summary(doc: Document) -> dict[str, int]:
    """Count of removed regions per reason, most frequent first."""
    return dict(Counter(r.reason for r in doc.removed).most_common())
