"""The outputs of ``kg build`` replaced as one set.

Every build writes its outputs into a new folder ``OUT/.kg-set-<id>/`` and then switches
the symbolic link ``OUT/.kg-current`` to it with one rename; ``OUT/graph.ttl``,
``OUT/graph.html``, ``OUT/entities.jsonl`` and ``OUT/store`` are links through
``.kg-current``. A build killed at any moment therefore leaves either the previous set or
the new one, never a mix; the next build removes unfinished and replaced sets.

An output folder written by an older kg (plain files) is first turned into a set of its own
(hard links to the same files, one atomic replace per name), then switched as usual.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

from kg.errors import OutputError

NAMES = ("graph.ttl", "graph.html", "entities.jsonl", "store")
CURRENT = ".kg-current"
SET_PREFIX = ".kg-set-"


def check(out: Path) -> None:
    """Make ``out`` (a folder), or raise a one-line :class:`OutputError`."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot create the output folder "
                          f"({exc.strerror or exc})") from exc
    if not os.access(out, os.W_OK | os.X_OK):
        raise OutputError(f"{out}: the output folder is not writable")


def current(out: Path) -> Path | None:
    link = out / CURRENT
    if not link.is_symlink():
        return None
    return out / os.readlink(link)


def clean(out: Path) -> None:
    """Remove what killed or replaced builds left: sets not current, temporary files."""
    keep = current(out)
    for path in out.iterdir():
        name = path.name
        if name.startswith(SET_PREFIX) and (keep is None or path.name != keep.name):
            shutil.rmtree(path, ignore_errors=True)
        elif name.startswith(f"{CURRENT}.") or (name.startswith(".") and name.endswith(".tmp")):
            path.unlink(missing_ok=True)
        elif name.startswith(".store.partial"):
            shutil.rmtree(path, ignore_errors=True)


def new_set(out: Path) -> Path:
    folder = out / f"{SET_PREFIX}{secrets.token_hex(6)}"
    folder.mkdir()
    return folder


def commit(out: Path, folder: Path) -> None:
    """Make ``folder`` the current set (one rename), then remove the set it replaces."""
    _adopt_plain_outputs(out)
    before = current(out)
    _point(out / CURRENT, folder.name)
    from kg.corpus import checkpoint

    checkpoint("switched")
    for name in NAMES:
        link = out / name
        if not link.is_symlink():
            _point(link, f"{CURRENT}/{name}")
    if before is not None and before.name != folder.name:
        shutil.rmtree(before, ignore_errors=True)


def _point(link: Path, target: str) -> None:
    tmp = link.with_name(f"{CURRENT}.{secrets.token_hex(4)}")
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _adopt_plain_outputs(out: Path) -> None:
    plain = [out / n for n in NAMES if (out / n).exists() and not (out / n).is_symlink()]
    if not plain:
        return
    legacy = current(out)
    if legacy is None:
        legacy = new_set(out)
        for path in plain:
            if path.is_dir():
                continue
            os.link(path, legacy / path.name)
        _point(out / CURRENT, legacy.name)
    for path in plain:
        if path.is_dir():  # a store written there by --store: moved into the set
            if not (legacy / path.name).exists():
                path.rename(legacy / path.name)
            else:
                shutil.rmtree(path)
        _point(path, f"{CURRENT}/{path.name}")
