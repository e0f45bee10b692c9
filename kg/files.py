"""Atomic writes: every output is written to a temporary file first and then renamed, so a
failed run never leaves a half-written file behind. An output that cannot be written (a
folder where a file is wanted, no permission, a read-only or full disk) raises
:class:`~kg.errors.OutputError` naming the path.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any

from kg.errors import OutputError

#: errors of writing a file's content that are about the disk, not about the program
DISK_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS})


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; rename it over ``path`` only on success."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; give a file name")
    if target.exists() and not target.is_file():  # /dev/stdout, a FIFO: written in place,
        yield from _write_in_place(target, mode)  # never replaced by a regular file
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _output_error(target, exc) from exc
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; outputs are ordinary files
    try:
        encoding = None if "b" in mode else "utf-8"
        with os.fdopen(fd, mode, encoding=encoding) as stream:
            yield stream
        os.replace(tmp, target)
    except BaseException as exc:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in DISK_ERRORS:
            raise _output_error(target, exc) from exc
        raise


def _write_in_place(target: Path, mode: str) -> Iterator[IO[Any]]:
    try:
        with open(target, mode, encoding=None if "b" in mode else "utf-8") as stream:
            yield stream
    except OSError as exc:
        if exc.errno in DISK_ERRORS or exc.filename is not None:
            raise _output_error(target, exc) from exc
        raise


def _output_error(path: Path, exc: OSError) -> OutputError:
    where = Path(exc.filename) if exc.filename else path
    return OutputError(f"{where}: cannot be written ({exc.strerror or exc})")


def check_output_dir(path: str | os.PathLike[str]) -> Path:
    """Make sure ``path`` is a folder kg can write in (creating it if needed), before any
    work is done; raises :class:`OutputError` naming the path otherwise."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(prefix=".kg-probe.", dir=folder):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"{folder}: cannot be written ({reason})") from exc
    return folder
