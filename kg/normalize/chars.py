"""Character-level passes: control characters, NFC, mojibake, Traditional → Simplified,
width folding. Each is a :data:`~kg.normalize.textmap.Pass` (Mapped → Mapped)."""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

import opencc

from kg.normalize.textmap import Edit, Mapped, apply_edits, sub, translate_same_length

# ---------------------------------------------------------------- control characters
_LINE_BREAK = re.compile(r"\r\n?|[\u2028\u2029\x85\v\f]")
# C0 controls except tab/LF, DEL, zero-width and invisible formatting characters, BOMs,
# bidi controls (marks U+200E/F, U+061C, embeddings and overrides U+202A–E, isolates U+2066–9)
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f\u200b-\u200f\u2060-\u2064\ufeff\u00ad\u061c\u202a-\u202e\u2066-\u2069]+"
)


def clean_controls(m: Mapped) -> Mapped:
    """CR/LF variants → ``\\n``; drop invisible and control characters."""
    m = sub(m, _LINE_BREAK, "\n")
    return sub(m, _INVISIBLE, "")


# ---------------------------------------------------------------- NFC
_JAMO_V_T = re.compile(r"[\u1160-\u11ff\ud7b0-\ud7ff]")


def _nfc_line(line: str) -> tuple[str, list[int]]:
    """NFC of one line, with the index in ``line`` of each output character."""
    out: list[str] = []
    idx: list[int] = []
    start = 0
    n = len(line)
    for i in range(1, n + 1):
        # a cluster ends before a starter (combining class 0) that does not join the cluster
        if i < n and (unicodedata.combining(line[i]) or _JAMO_V_T.match(line[i])):
            continue
        cluster = line[start:i]
        norm = unicodedata.normalize("NFC", cluster)
        out.append(norm)
        if len(norm) == len(cluster):
            idx.extend(range(start, i))
        else:
            # first character → cluster start; the rest → the cluster's trailing characters
            shift = len(cluster) - len(norm)
            idx.extend(start + (max(0, shift + j) if j else 0) for j in range(len(norm)))
        start = i
    return "".join(out), idx


def nfc(m: Mapped) -> Mapped:
    """Unicode NFC (composed tone marks, canonical CJK compatibility forms)."""
    if unicodedata.is_normalized("NFC", m.text):
        return m
    pieces: list[str] = []
    offs: list[int] = []
    pos = 0
    for line in m.text.split("\n"):
        end = pos + len(line)
        if unicodedata.is_normalized("NFC", line):
            pieces.append(line)
            offs.extend(m.offs[pos:end])
        else:
            norm, idx = _nfc_line(line)
            pieces.append(norm)
            offs.extend(m.offs[pos + i] for i in idx)
        pieces.append("\n")
        offs.append(m.offs[end])
        pos = end + 1
    # the last line had no newline after it: drop the extra one, keep the end entry
    pieces.pop()
    return Mapped("".join(pieces), offs, m.original, m.removed, m.marked)


# ---------------------------------------------------------------- mojibake
# UTF-8 or GBK bytes that were read as Latin-1 / cp1252: runs of Latin-1 supplement letters
# mixed with the C1 / cp1252 punctuation their continuation bytes turn into.
_LATIN1ISH = (
    "\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
)
_LATIN1_RUN = re.compile(f"[{_LATIN1ISH}]{{3,}}")
_HIGH_LATIN = re.compile(r"[\u00c0-\u00ff]")
_C1_OR_REPLACEMENT = re.compile(r"[\u0080-\u009f\ufffd]+")
# Forum anti-copy watermarks: runs of 1–2 character ASCII tokens like `5 M/ v6 S4 |' z$ x) ]`
_WATERMARK = re.compile(r"(?<![!-~])(?:[!-~]{1,2} {1,2}){4,}[!-~]{1,2}(?![!-~])")
_ALNUM_MIX = re.compile(r"[A-Za-z][0-9]|[0-9][A-Za-z]")


def _latin1_garbage(match: re.Match[str]) -> str | None:
    run = match.group()
    # Chinese quotes next to the garbage belong to the text
    core = run.rstrip("\u201c\u201d")
    core_start = len(run) - len(run.lstrip("\u201c\u201d"))
    core = core[core_start:]
    if len(core) < 3 or len(_HIGH_LATIN.findall(core)) < 2:
        return None
    return run[:core_start] + run[core_start + len(core) :]


def _is_watermark(run: str) -> bool:
    tokens = run.split()
    punct_tokens = [t for t in tokens if not t.isalnum()]
    if len(punct_tokens) < 2:
        return False
    distinct = {c for t in punct_tokens for c in t if not c.isalnum()}
    return len(distinct) >= 2 or (len(tokens) >= 6 and any(_ALNUM_MIX.match(t) for t in tokens))


def mojibake(m: Mapped) -> Mapped:
    """Remove decoding garbage: Latin-1 runs, U+FFFD, C1 controls, forum watermarks."""
    m = sub(m, _LATIN1_RUN, _latin1_garbage, reason="mojibake")
    m = sub(m, _C1_OR_REPLACEMENT, "", reason="mojibake")
    return sub(
        m,
        _WATERMARK,
        lambda mt: "" if _is_watermark(mt.group()) else None,
        reason="mojibake:watermark",
    )


# ---------------------------------------------------------------- Traditional → Simplified
@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s.json")  # phrase-aware: TSPhrases before TSCharacters


def _aligned(m: Mapped, start: int, old: str, new: str) -> list[Edit]:
    """Edits that turn old (at start) into new, for the rare length-changing conversions."""
    edits: list[Edit] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            edits.append((start + i1, start + i2, new[j1:j2], None))
    return edits


def to_simplified(m: Mapped) -> Mapped:
    """OpenCC ``t2s`` (phrase-aware). Length-preserving conversions keep the map 1:1."""
    conv = _t2s().convert
    out = conv(m.text)
    if len(out) == len(m.text):
        return translate_same_length(m, out)
    edits: list[Edit] = []
    pos = 0
    for line in m.text.split("\n"):
        new = conv(line)
        if new != line:
            if len(new) == len(line):
                edits.append((pos, pos + len(line), new, None))
            else:
                edits.extend(_aligned(m, pos, line, new))
        pos += len(line) + 1
    return apply_edits(m, edits)


# ---------------------------------------------------------------- width folding
_FOLD: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update(
    {
        0x3000: 0x20,  # ideographic space
        0x00A0: 0x20,
        0x202F: 0x20,
        0x205F: 0x20,
        0x09: 0x20,
        0xFE59: ord("("),
        0xFE5A: ord(")"),
        0xFF5F: ord("("),
        0xFF60: ord(")"),
        0x30FB: 0xB7,  # katakana middle dot → ·
        0xFF65: 0xB7,
    }
)
_FOLD.update({cp: 0x20 for cp in range(0x2000, 0x200B)})
_FOLDABLE = re.compile("[" + "".join(re.escape(chr(cp)) for cp in sorted(_FOLD)) + "]")


def fold_width(m: Mapped) -> Mapped:
    """Full-width ASCII (（）：，！？ digits, letters) → ASCII; exotic spaces → space.
    Chinese punctuation (。、“”《》【】) stays."""
    if not _FOLDABLE.search(m.text):
        return m
    return translate_same_length(m, m.text.translate(_FOLD))
