"""Finding and reading inputs: paths → :class:`~kg.model.Source` records.

A missing or unreadable path never stops the other inputs: :func:`iter_sources`
yields either a ``Source`` or the :class:`~kg.errors.InputError` that explains
why that input cannot be used, and the caller decides what to do with it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from kg.errors import InputError, MissingInputError, UnreadableInputError
from kg.model import Source

#: file name endings read when a folder is given (a file named explicitly is always read)
ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm")


def expand_paths(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | InputError]:
    """Turn files and folders into a sorted stream of article files (or errors)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in ARTICLE_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            yield from found
        elif path.exists():
            yield path
        else:
            yield MissingInputError(f"{path}: no such file or folder")


def read_source(path: Path) -> Source:
    """Read one file's bytes."""
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise UnreadableInputError(f"{path}: is a folder, not a file") from exc
    except OSError as exc:
        raise UnreadableInputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return Source(name=path.name, data=data, path=str(path))


def iter_sources(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Source | InputError]:
    """Read every article under ``paths``; errors are yielded, not raised."""
    for item in expand_paths(paths):
        if isinstance(item, InputError):
            yield item
            continue
        try:
            yield read_source(item)
        except InputError as exc:
            yield exc
