"""Sentences and tokens of a normalized text.

Tokens come from jieba with a user dictionary generated from the gazetteer and the
lexicon (:func:`user_dictionary`), so official place names and agency/facility heads
come out whole. ``(筹)`` and other parentheses are handled by the recognizers, since
jieba always splits at them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sqlite3
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import NamedTuple

import rjieba

from kg.gazetteer import Gazetteer, bulk_loading
from kg.model import Level, Sentence
from kg.resources import lexicon

_SENTENCE_END = re.compile(r"[^。！？!?;；\n]*(?:[。！？!?;；]+[”’」』\"]?|\n|$)")


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Split at sentence-final punctuation and line ends; spans cover the stripped sentence."""
    sentences = []
    for match in _SENTENCE_END.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            sentences.append(Sentence(start, end, text[start:end]))
    return tuple(sentences)


def sentence_index(sentences: tuple[Sentence, ...], offset: int) -> int:
    """Index of the sentence holding ``offset`` (binary search), or -1."""
    lo, hi = 0, len(sentences)
    while lo < hi:
        mid = (lo + hi) // 2
        if sentences[mid].end <= offset:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(sentences) and sentences[lo].start <= offset < sentences[lo].end:
        return lo
    return -1


class Token(NamedTuple):
    """A token and its offsets in the text. (A named tuple rather than a frozen dataclass:
    a text of 2,000 characters has about 1,000 tokens, and a dataclass's ``__init__``
    took 6% of extraction.)"""

    start: int
    end: int
    text: str


def user_dictionary() -> Iterator[tuple[str, int, str]]:
    """(word, frequency, tag) entries added to jieba: gazetteer names and lexicon heads."""
    return iter(_user_entries())


@cache
def _user_entries() -> tuple[tuple[str, int, str], ...]:
    """The entries of :func:`user_dictionary`, made once: the tokenizer and the tag table
    both read them (kept in the user's cache folder by :mod:`kg.derived`)."""
    from kg.derived import cached

    return cached("user-dictionary", _sources_key(), lambda: tuple(_user_dictionary()))


@cache
def _sources_key() -> str:
    """The key of what is derived from kg's gazetteer and lexicon and jieba's dictionary."""
    from kg.derived import digest
    from kg.gazetteer import DATA_DIR, DIVISIONS, HISTORY, ZONES
    from kg.resources import packaged

    files = [DATA_DIR / name for name in (DIVISIONS, HISTORY, ZONES)]
    return digest([*files, packaged("data/lexicon.toml"), Path(_jieba_dictionary())])


def _jieba_dictionary() -> str:
    """jieba's dictionary file, found without importing jieba (its import, through
    pkg_resources, costs 0.15 s at every start; kg segments with rjieba)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("kg needs jieba's dictionary: pip install jieba")
    return os.path.join(os.path.dirname(spec.origin), "dict.txt")


def _user_dictionary() -> Iterator[tuple[str, int, str]]:
    gazetteer = Gazetteer.load()
    levels = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.ZONE)
    for name in sorted(set(gazetteer.names(levels=levels))):
        if len(name) >= 2:
            yield name, 100, "ns"
    upper = (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.ZONE)
    full = set(gazetteer.names(levels=upper))
    for short in sorted(set(gazetteer.names(levels=upper, short=True)) - full):
        if len(short) >= 2:
            yield short, 50, "ns"
    lex = lexicon()
    for word in sorted(set(lex.agency_heads) | set(lex.agency_national)):
        if len(word) >= 2:
            yield word, 2000, "nt"
    # function + one-character head (民政局, 卫健委): jieba then keeps the body's name whole
    for function in sorted(lex.agency_functions):
        for head in ("局", "委", "办", "厅"):
            if len(function) >= 2:
                yield function + head, 500, "nt"
    for word in sorted(set(lex.facility_heads)):
        if len(word) >= 2:
            yield word, 2000, "nz"
    for word in lex.pronouns:
        yield word, 2000, "r"


@cache
def tokenizer() -> rjieba.Jieba:
    """jieba's algorithm and dictionary in Rust (rjieba, which wraps jieba-rs: the same
    segmentation as jieba's ``cut``, 10x faster), with the user dictionary added."""
    with bulk_loading():
        # rjieba builds a default tokenizer when imported (≈ 90 ms: jieba's dictionary);
        # kg is its only user in the process, so it takes that one instead of a second
        tok = getattr(rjieba, "_DEFAULT_JIEBA", None) or rjieba.Jieba()
        for word, freq, tag in user_dictionary():
            tok.add_word(word, freq, tag)
    return tok


def tokenize(text: str) -> tuple[Token, ...]:
    """Tokens with their offsets (HMM on, so unknown names stay together)."""
    # tuple.__new__ makes each named tuple in C, where Token(...) runs a Python __new__ per
    # token (a text of 2,000 characters has about 1,000): a third less time
    new = tuple.__new__
    return tuple([new(Token, (start, end, word))
                  for word, start, end in tokenizer().tokenize(text)])


@cache
def _tags() -> _TagTable | dict[str, str]:
    """word → part-of-speech tag from jieba's dictionary, with the user dictionary's tags:
    a SQLite copy in the user's cache folder, made at first use (opening it costs a
    millisecond; reading the 380,000 entries took 0.3 s at every start, in every process),
    or the table read here when that folder cannot be written."""
    from kg.gazetteer import cache_dir

    path = cache_dir() / f"tags-{_sources_key()}.sqlite"
    with contextlib.suppress(sqlite3.Error):
        if path.exists():
            return _TagTable(path)
    tags = _read_tags()
    with contextlib.suppress(OSError, sqlite3.Error):
        _save_tags(tags, path)
        return _TagTable(path)
    return tags


class _TagTable:
    """The tag table as a read-only SQLite file; every word asked for is kept."""

    def __init__(self, path: Path) -> None:
        from kg.derived import ReadOnlySQLite

        self.path = path
        self._rows = ReadOnlySQLite(path).rows
        self._known: dict[str, str | None] = {}
        self.get("的")  # fails now if the file cannot be read

    def get(self, word: str) -> str | None:
        if word in self._known:
            return self._known[word]
        rows = self._rows("SELECT tag FROM tags WHERE word = ?", word)
        tag = self._known[word] = rows[0][0] if rows else None
        return tag


def _save_tags(tags: dict[str, str], target: Path) -> None:
    from kg.derived import write_sqlite

    def fill(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE tags (word TEXT PRIMARY KEY, tag TEXT) WITHOUT ROWID")
        db.executemany("INSERT INTO tags VALUES (?, ?)", tags.items())

    write_sqlite(target, fill)


def _read_tags() -> dict[str, str]:
    path = _jieba_dictionary()
    tags: dict[str, str] = {}
    with bulk_loading(), open(path, encoding="utf-8") as stream:
        for line in stream:
            parts = line.split()
            if len(parts) == 3:
                tags[parts[0]] = parts[2]
        for word, _freq, tag in user_dictionary():
            tags[word] = tag
    return tags


def word_tag(word: str) -> str | None:
    """jieba's dictionary tag of a word, or None for words it does not know (HMM words)."""
    return _tags().get(word)
