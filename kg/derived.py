"""Tables kg derives from its data files, kept ready in the user's cache folder.

Reading and validating the gazetteer and making the tokenizer's user dictionary from it and
the lexicon took about half a second at every start (each process, every ``kg build``). What they produce depends only on the bytes of the files
they read and on kg's version, so it is pickled to ``cache_dir()`` under a name keyed by
the digest of exactly those (as the village index and jieba's tag table are copied to
SQLite there: :mod:`kg.gazetteer`, :mod:`kg.text`), and the next process loads it in a
fraction of the time. The files are still the one source: a changed
file gives a new key, so it is read and validated again. A cache folder that cannot be
written, or a damaged entry, only costs the slower start.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

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
