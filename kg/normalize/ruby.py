"""Pinyin ruby removal: ``經(jīng)濟`` → ``經濟``, keeping real parentheses such as ``(百步鎮)``,
``(筹)``, ``(2022年)``, ``(ok)``.

A candidate is a Han character (or ``?``, a character lost in the source) followed by a
parenthesised run of Latin letters; it is removed only if every space-separated part is a
valid Mandarin syllable. Toneless candidates (``(le)``, ``(ai)``) are removed only in texts
that carry toned annotations, so ordinary prose like ``人工智能(ai)`` is left alone.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from kg.normalize.textmap import Edit, Mapped, apply_edits

_LETTERS = "a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿêếềê̄"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SYLLABLES = f"[{_LETTERS}]{{1,7}}(?: [{_LETTERS}]{{1,7}}){{0,3}}"
_RUBY = re.compile(f"(?<=[{_HAN}?？])[(（]({_SYLLABLES})[)）]")
# a character and its "(" were lost: `?dāng)` → `?`
_LOST_OPEN = re.compile(f"(?<=[?？])([{_LETTERS}]{{1,7}})[)）]")
_TONED = re.compile("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ]")

_INITIAL = "(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])"
_FINAL = (
    "(?:iang|iong|uang|ueng|ang|eng|ing|ong|uai|uan|ian|iao|ai|ei|ao|ou|an|en|in|un"
    "|ia|ie|iu|ua|uo|ui|ue|er|a|o|e|i|u)"
)
_U_UMLAUT = "(?:[nljqxy](?:üan|van|üe|ve|ün|vn|ü|v))"
# finals written without an initial (i, u, ü, in, ing… are spelled yi, wu, yu, yin, ying…)
_ZERO = "(?:ang|eng|ai|ei|ao|ou|an|en|er|a|o|e)"
_SYLLABLE = re.compile(f"(?:{_INITIAL}{_FINAL}r?|{_U_UMLAUT}r?|{_ZERO}r?|ng|hm|hng|ê)")


@lru_cache(maxsize=4096)
def is_syllable(word: str) -> bool:
    """True if ``word`` (tone marks allowed) is one Mandarin syllable in Hanyu Pinyin."""
    plain = unicodedata.normalize("NFD", word.lower()).replace("u\u0308", "ü")
    plain = plain.replace("e\u0302", "ê")
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return _SYLLABLE.fullmatch(plain) is not None


def _all_syllables(letters: str) -> bool:
    return all(is_syllable(part) for part in letters.split(" "))


def strip_ruby(m: Mapped) -> Mapped:
    """Remove pinyin annotations after Han characters (reason ``ruby``)."""
    text = m.text
    if "(" not in text and "（" not in text and ")" not in text and "）" not in text:
        return m
    candidates = [mt for mt in _RUBY.finditer(text) if _all_syllables(mt.group(1))]
    toned = sum(1 for mt in candidates if _TONED.search(mt.group(1)))
    edits: list[Edit] = []
    for mt in candidates:
        if toned >= 2 or _TONED.search(mt.group(1)):
            edits.append((mt.start(), mt.end(), "", "ruby"))
    if toned >= 1:
        for mt in _LOST_OPEN.finditer(text):
            if is_syllable(mt.group(1)):
                edits.append((mt.start(), mt.end(), "", "ruby"))
    edits.sort()
    return apply_edits(m, edits)
