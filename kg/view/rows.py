"""The view's rows that grow with the articles — every sentence, every mention, every
reified statement — kept in a SQLite file instead of in memory, and what the page shows of
them read back with SQL: each entity's and relation's first evidence sentences (the page
carries at most :data:`kg.view.page.MAX_EVIDENCE`) and their counts.

:class:`kg.view.lines.BlockReader` adds the rows as it reads the blocks ``kg build`` writes.
Each row is kept under the part it is replaced with (:func:`kg.view.lines.BlockReader.forget`):
a mention's or a statement's under its document, a sentence under itself. The file is one
of the output set's (a patched build copies the previous set's and updates it), so the
client's memory does not grow with the corpus.
"""

from __future__ import annotations

import itertools
import operator
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from kg.errors import OutputError

#: rows gathered before one insert
_BATCH = 20_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sentences (iri TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mentions (part TEXT NOT NULL, entity TEXT NOT NULL,
    sentence TEXT NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS statements (part TEXT NOT NULL, source TEXT NOT NULL,
    name TEXT NOT NULL, target TEXT NOT NULL, rule TEXT NOT NULL, sentence TEXT);
"""
#: what a patched build's :meth:`ViewRows.forget` looks rows up by: made when the rows are
#: saved (at once over a new file's rows, cheaper than kept up row by row), so a copied
#: file has them
_INDEXES = """
CREATE INDEX IF NOT EXISTS mentions_part ON mentions (part);
CREATE INDEX IF NOT EXISTS statements_part ON statements (part);
"""

# Every evidence item, in the order of the view's evidence lists: by entity (relation), then
# sentence IRI (the order of the view's sentence indexes) and text; a mention whose sentence
# has no block of its own counts as a mention, not as evidence.
_ENTITY_EVIDENCE = """
SELECT m.entity, m.sentence, m.text, s.doc FROM mentions m JOIN sentences s ON s.iri = m.sentence
ORDER BY m.entity, m.sentence, m.text
"""
_RELATION_EVIDENCE = """
SELECT t.source, t.name, t.target, t.sentence, t.rule, s.doc
FROM statements t JOIN sentences s ON s.iri = t.sentence
ORDER BY t.source, t.name, t.target, t.sentence, t.rule
"""


class ViewRows:
    """The rows of one output set's view, in the SQLite file ``path`` (in memory if None)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        with self._errors():
            self.db = sqlite3.connect(":memory:" if path is None else path)
            # the file is part of an output set, which is only used once written whole
            self.db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                                  + _SCHEMA)
        self._pending: dict[str, list[tuple[str, ...]]] = {
            "sentences": [], "mentions": [], "statements": []}

    @classmethod
    def copied(cls, source: Path, target: Path) -> ViewRows | None:
        """The rows of ``source`` (a previous set's), copied to ``target`` to be updated; None
        if they cannot be read."""
        try:
            shutil.copyfile(source, target)
            rows = cls(target)
            rows.db.execute("SELECT COUNT(*) FROM sentences").fetchone()
        except (OSError, sqlite3.Error, OutputError):  # missing, or not a database
            target.unlink(missing_ok=True)
            return None
        return rows

    def sentence(self, iri: str, doc: str) -> None:
        self._add("sentences", (iri, doc))

    def mentions(self, part: str, rows: Iterable[tuple[str, str, str]]) -> None:
        """(entity, sentence, text) rows of the mentions kept under ``part``."""
        self.mention_rows([(part, *row) for row in rows])

    def mention_rows(self, rows: list[tuple[str, str, str, str]]) -> None:
        """(part, entity, sentence, text) rows of mentions."""
        pending = self._pending["mentions"]
        pending.extend(rows)
        if len(pending) >= _BATCH:
            self._insert("mentions")

    def statements(self, part: str, rows: Iterable[tuple[str, str, str, str, str | None]],
                   ) -> None:
        """(source, relation, target, rule, cited sentence or None) rows under ``part``."""
        self._add("statements", *((part, *row) for row in rows))

    def forget(self, sentence: str, mentions: str, statements: str) -> None:
        """Drop a sentence, and the mentions and the statements kept under these parts."""
        self.flush()
        with self._errors():
            self.db.execute("DELETE FROM sentences WHERE iri = ?", (sentence,))
            self.db.execute("DELETE FROM mentions WHERE part = ?", (mentions,))
            self.db.execute("DELETE FROM statements WHERE part = ?", (statements,))

    def _add(self, table: str, *rows: tuple[str | None, ...]) -> None:
        pending = self._pending[table]
        pending.extend(rows)  # type: ignore[arg-type]
        if len(pending) >= _BATCH:
            self._insert(table)

    def _insert(self, table: str) -> None:
        rows = self._pending[table]
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            verb = "INSERT OR REPLACE" if table == "sentences" else "INSERT"
            with self._errors():
                self.db.executemany(f"{verb} INTO {table} VALUES ({marks})", rows)
            rows.clear()

    def flush(self) -> None:
        for table in self._pending:
            self._insert(table)

    def save(self) -> None:
        self.flush()
        with self._errors():
            self.db.executescript(_INDEXES)  # (commits)
            self.db.commit()

    def close(self) -> None:
        self.save()
        self.db.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's errors (a full disk …) as an OutputError naming the file."""
        try:
            yield
        except sqlite3.Error as exc:
            raise OutputError(f"{self.path or 'the view rows'}: cannot be written ({exc})"
                              ) from exc

    def mention_counts(self) -> Iterator[tuple[str, int]]:
        self.flush()
        with self._errors():
            yield from self.db.execute("SELECT entity, COUNT(*) FROM mentions GROUP BY entity")

    def entity_evidence(self, first: int) -> Iterator[tuple[str, str, str, str, int]]:
        """(entity, sentence, text, sentence's document, evidence count): each entity's first
        ``first`` evidence items."""
        self.flush()
        with self._errors():
            rows = self.db.execute(_ENTITY_EVIDENCE)
            for entity, items in itertools.groupby(rows, key=operator.itemgetter(0)):
                kept, total = _first(items, first)
                for _, sentence, text, doc in kept:
                    yield entity, sentence, text, doc, total

    def relation_keys(self) -> Iterator[tuple[str, str, str]]:
        self.flush()
        with self._errors():
            yield from self.db.execute("SELECT DISTINCT source, name, target FROM statements")

    def relation_evidence(self, first: int) -> Iterator[tuple[str, str, str, str, str, str]]:
        """(source, relation, target, sentence, rule, sentence's document): each relation's
        first ``first`` evidence items."""
        self.flush()
        with self._errors():
            rows = self.db.execute(_RELATION_EVIDENCE)
            for _, items in itertools.groupby(rows, key=operator.itemgetter(0, 1, 2)):
                yield from cast("list[tuple[str, str, str, str, str, str]]",
                                _first(items, first)[0])


def _first(rows: Iterable[tuple[str, ...]], first: int) -> tuple[list[tuple[str, ...]], int]:
    """The first ``first`` rows, and how many there are (without keeping the rest)."""
    kept: list[tuple[str, ...]] = []
    total = 0
    for row in rows:
        total += 1
        if total <= first:
            kept.append(row)
    return kept, total
