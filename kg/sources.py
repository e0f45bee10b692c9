"""Finding and reading inputs: paths → :class:`~kg.model.Source` records.

A missing or unreadable path never stops the other inputs: :func:`iter_sources`
yields either a ``Source`` or the :class:`~kg.errors.InputError` that explains
why that input cannot be used, and the caller decides what to do with it.

Only regular files are read (a FIFO or ``/dev/zero`` named as input is refused before it is
opened, so it can neither block nor be read forever), and at most ``max_bytes`` of each.
A document's name (its ``doc`` id and the name in messages) is its path inside the folder
given as input, or the file name for a file given by itself; two inputs that would get the
same name (``a/x.txt`` and ``b/x.txt`` from ``kg build a b``) are named by their paths.
Control characters in a name (a newline, a bidi override) are escaped (``\\n``, ``\\u202e``).
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import (
    InputError,
    MissingInputError,
    TooLargeInputError,
    UnreadableInputError,
    one_line,
)
from kg.model import Source

#: file name endings read when a folder is given (a file named explicitly is always read)
ARTICLE_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm")
#: the largest input read by default (``--max-bytes``): about 200 s of extraction
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
#: inputs are read in pieces of this size, never more than the limit allows
CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Reading:
    """How inputs are read: the size limit, and files (or folders) never read while walking
    an input folder (a build's own ``graph.html`` when ``--out`` is in an input folder)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    skip: tuple[str, ...] = ()


def _inside(path: Path, folder: Path) -> tuple[str, ...] | None:
    """The parts of ``folder`` (a file or folder) relative to ``path`` when it lies inside."""
    try:
        return Path(os.path.realpath(folder)).relative_to(os.path.realpath(path)).parts
    except ValueError:
        return None


def _named(paths: Iterable[str | os.PathLike[str]], skip: Iterable[str] = ()
           ) -> list[tuple[Path, str] | InputError]:
    """Every article file under ``paths`` with its name, in input order (folders sorted)."""
    out: list[tuple[Path, str] | InputError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            skipped = [parts for folder in skip if (parts := _inside(path, Path(folder))) is not None]
            found = sorted(
                (p, p.relative_to(path).parts)
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in ARTICLE_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            out.extend((p, one_line("/".join(parts))) for p, parts in found
                       if not any(parts[: len(s)] == s for s in skipped))
        elif path.exists():
            out.append((path, one_line(path.name)))
        else:
            out.append(MissingInputError(f"{path}: no such file or folder"))
    counts = Counter(item[1] for item in out if not isinstance(item, InputError))
    return [item if isinstance(item, InputError) or counts[item[1]] == 1
            else (item[0], one_line(str(item[0]))) for item in out]


def expand_paths(paths: Iterable[str | os.PathLike[str]], skip: Iterable[str] = ()
                 ) -> Iterator[Path | InputError]:
    """Turn files and folders into a sorted stream of article files (or errors)."""
    for item in _named(paths, skip):
        yield item if isinstance(item, InputError) else item[0]


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    kinds = {stat.S_ISFIFO: "a FIFO", stat.S_ISCHR: "a device", stat.S_ISBLK: "a device",
             stat.S_ISSOCK: "a socket"}
    kind = next((name for test, name in kinds.items() if test(mode)), "not a file")
    return f"is {kind}, not a regular file"


def read_source(path: Path, max_bytes: int = DEFAULT_MAX_BYTES, name: str | None = None) -> Source:
    """Read one regular file's bytes, at most ``max_bytes`` of them."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # decided before opening: a FIFO blocks
            raise UnreadableInputError(f"{path}: {_kind(os.stat(path).st_mode)}")
        # O_NONBLOCK: should the path have become a FIFO since, opening it does not wait
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb", buffering=0) as stream:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise UnreadableInputError(f"{path}: {_kind(info.st_mode)}")
            if info.st_size > max_bytes:
                raise TooLargeInputError(f"{path}: {info.st_size:,} bytes, more than the limit of "
                                         f"{max_bytes:,} (--max-bytes)")
            chunks: list[bytes] = []
            left = max_bytes + 1  # one byte more tells a file that grew past the limit
            while left > 0:
                chunk = stream.read(min(CHUNK_BYTES, left))
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
    except InputError:
        raise
    except OSError as exc:
        raise UnreadableInputError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise TooLargeInputError(f"{path}: more than the limit of {max_bytes:,} bytes (--max-bytes)")
    return Source(name=path.name if name is None else name, data=data, path=str(path))


def iter_sources(paths: Iterable[str | os.PathLike[str]], reading: Reading | None = None
                 ) -> Iterator[Source | InputError]:
    """Read every article under ``paths``; errors are yielded, not raised."""
    reading = reading or Reading()
    for item in _named(paths, reading.skip):
        if isinstance(item, InputError):
            yield item
            continue
        try:
            yield read_source(item[0], reading.max_bytes, item[1])
        except InputError as exc:
            yield exc
