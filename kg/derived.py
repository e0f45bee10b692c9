"""Tables kg derives from its data files, kept ready in the user's cache folder.

Reading and validating the gazetteer and making the tokenizer's user dictionary from it and
the lexicon took about half a second at every start (each process, every ``kg build``).
What they produce depends only on the bytes of the files they read and on kg's version, so
it is pickled to ``cache_dir()`` under a name keyed by the digest of exactly those, and the
next process loads it in a fraction of the time. Tables looked up a row at a time (the
village index, jieba's tag table: :mod:`kg.gazetteer`, :mod:`kg.text`) are copied there as
SQLite files instead (:func:`write_sqlite`, :class:`ReadOnlySQLite`). The files are still
the one source: a changed file gives a new key, so it is read and validated again. A cache
folder that cannot be written, or a damaged entry, only costs the slower start.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: pickle protocol of the entries (part of the key, with Python's version)
_PROTOCOL = 5


def digest(paths: Iterable[Path], *extra: str) -> str:
    """The key of what is derived from these files (and ``extra`` strings): their names and
    bytes, kg's version and Python's."""
    from kg import __version__

    hasher = hashlib.sha256(f"kg {__version__} python {sys.version_info[:2]} "
                            f"pickle {_PROTOCOL}\n".encode())
    for text in extra:
        hasher.update(text.encode("utf-8") + b"\0")
    for path in paths:
        hasher.update(path.name.encode("utf-8") + b"\0")
        try:
            hasher.update(hashlib.sha256(path.read_bytes()).digest())
        except FileNotFoundError:
            hasher.update(b"(absent)")
    return hasher.hexdigest()[:24]


def cached(name: str, key: str, make: Callable[[], T]) -> T:
    """``make()``, or what it returned for the same ``key`` before, from the cache folder."""
    from kg.gazetteer import bulk_loading, cache_dir

    folder = cache_dir()
    path = folder / f"{name}-{key}.pickle"
    damaged = (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError,
               IndexError, TypeError, ValueError)
    with contextlib.suppress(*damaged), open(path, "rb") as stream, bulk_loading():
        return pickle.load(stream)  # noqa: S301 (the user's own cache folder)
    value = make()
    with contextlib.suppress(OSError, pickle.PicklingError):
        _save(folder, path, value)
    return value


def _save(folder: Path, path: Path, value: object) -> None:
    """Write the entry whole or not at all (another process may be reading the folder), and
    remove the entries of the same name under older keys."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            pickle.dump(value, stream, protocol=_PROTOCOL)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    stem = path.stem.rsplit("-", 1)[0]
    for old in folder.glob(f"{stem}-*.pickle"):
        if old != path:
            with contextlib.suppress(OSError):
                old.unlink()


def write_sqlite(target: Path, fill: Callable[[sqlite3.Connection], None]) -> None:
    """Make the SQLite file ``target`` with ``fill`` (which creates and fills its tables),
    written aside and renamed: a reader never sees half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(tmp)) as db:
            fill(db)
            db.commit()
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


class ReadOnlySQLite:
    """A SQLite file of :func:`write_sqlite`, read only: opening it costs milliseconds, and
    every process reads the same pages from the OS cache instead of holding its own copy.
    Each process opens its own connection (one is never reused across fork); threads share
    it under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._pid = -1
        self._db: sqlite3.Connection | None = None

    def rows(self, sql: str, *args: str) -> list[Any]:
        with self._lock:
            if self._db is None or self._pid != os.getpid():
                self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True,
                                           check_same_thread=False)
                self._pid = os.getpid()
            return self._db.execute(sql, args).fetchall()
