"""The build cache kept in ``--out``: what each distinct input content gave, so a rebuild
extracts only new or changed files.

``OUT/.kg-cache/`` holds a pyoxigraph store with one named graph per content (the triples
the cross-document steps read: its entities' and, per entity and name, the mentions the
label merge counts, see
:meth:`kg.assemble.LineSink.shared_nquads`) and ``index.sqlite`` with that content's
entity-table record and all its triples as sorted Turtle lines (what a full build merges,
and where a patch takes the blocks of what one document owns). Both are valid only for one
*version*: the digest of kg's code, its data folder (model, lexicon, gazetteer), the
versions of kg and jieba, and the overrides in force. A different version empties the
cache. An entry is written to the index only after its
triples are in the store, so a killed build leaves at worst triples without an entry, which
the next build removes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from kg.assemble import CONTENT_GRAPH

if TYPE_CHECKING:
    import pyoxigraph

    from kg.resources import Overrides

FOLDER = ".kg-cache"
_PACKAGE = Path(__file__).resolve().parent


@cache
def code_version() -> str:
    """Digest of kg's Python code and its data folder, and of the kg and jieba versions."""
    from kg import __version__

    digest = hashlib.sha256(f"kg {__version__}\n".encode())
    for name in ("jieba", "pyoxigraph", "rdflib"):
        with suppress(metadata.PackageNotFoundError):
            digest.update(f"{name} {metadata.version(name)}\n".encode())
    files = sorted(p for p in _PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                   and (p.suffix == ".py" or "data" in p.relative_to(_PACKAGE).parts[:1]))
    for path in files:
        digest.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def overrides_version(overrides: Overrides) -> str:
    canonical = {
        "aliases": sorted(overrides.aliases.items()),
        "types": sorted(overrides.types.items()),
        "no_merge": sorted(sorted(pair) for pair in overrides.no_merge),
        "names": sorted((name, kind.value) for name, kind in overrides.names.items()),
    }
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    key: str
    digest: str
    record: str
    characters: int
    #: the content's sorted Turtle lines (:class:`kg.stream.TurtleLines`), when adding it: the
    #: entities' and those of what its document owns (:func:`kg.stream.split_owned`)
    lines: bytes = b""
    owned: bytes = b""


class BuildCache:
    """The cache of one ``--out`` folder (open it with :meth:`open`; close it after)."""

    def __init__(self, folder: Path, store: pyoxigraph.Store, db: sqlite3.Connection) -> None:
        self.folder = folder
        self._store: pyoxigraph.Store | None = store
        self.db = db
        # the batch whose triples are loading in a thread, and its entries (indexed after)
        self._loading: tuple[list[Entry], Future[None]] | None = None
        self._loader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-cache-load")

    @classmethod
    def open(cls, out: Path, version: str) -> BuildCache:
        from kg.sparql.store import writable_store

        folder = out / FOLDER
        db_path = folder / "index.sqlite"
        if folder.exists() and _stored_version(db_path) != version:
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(db_path)
        db.executescript(
            "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE IF NOT EXISTS contents (key TEXT PRIMARY KEY, digest TEXT,"
            " record TEXT, characters INTEGER);"
            "CREATE TABLE IF NOT EXISTS lines (key TEXT PRIMARY KEY, shared BLOB, owned BLOB);"
            "DROP TABLE IF EXISTS files;"
            "CREATE TABLE files (position INTEGER PRIMARY KEY, name TEXT, key TEXT);"
            "CREATE TABLE IF NOT EXISTS set_files (position INTEGER PRIMARY KEY, name TEXT,"
            " key TEXT);")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (version,))
        db.commit()
        store = writable_store(folder / "store")
        cache = cls(folder, store, db)
        cache._drop_orphans()
        return cache

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._loader.shutdown()
        self.close_store()
        self.db.commit()
        self.db.close()

    def close_store(self) -> None:
        """Flush and close the store (RocksDB gives back its caches); the index stays open."""
        self.wait()
        if self._store is not None:
            self._store.flush()
            self._store = None

    @property
    def store(self) -> pyoxigraph.Store:
        if self._store is None:
            raise RuntimeError("the cache's store is closed")
        return self._store

    def _drop_orphans(self) -> None:
        """Graphs without an index entry: a build killed after loading, before indexing."""
        import pyoxigraph

        orphans = [g for g in self.store.named_graphs() if isinstance(g, pyoxigraph.NamedNode)
                   and not self.has(g.value.removeprefix(CONTENT_GRAPH))]
        for graph in orphans:
            self.store.remove_graph(graph)

    def has(self, key: str) -> bool:
        if self._loading is not None and any(e.key == key for e in self._loading[0]):
            return True
        return self.db.execute("SELECT 1 FROM contents WHERE key = ?", (key,)).fetchone() \
            is not None

    def add(self, entries: list[Entry], nquads: list[bytes]) -> None:
        """Load the triples of new contents, then index them (see the module's note). The
        load runs in a thread (pyoxigraph's bulk loader releases the GIL), so the build
        goes on handing work to its workers meanwhile; the entries are indexed once it is
        done, by the next :meth:`add` or by :meth:`wait`."""
        import pyoxigraph

        self.wait()
        if nquads:
            # lenient: kg wrote these lines (escaped, valid); checking them again costs 10%
            future = self._loader.submit(self.store.bulk_load, input=b"".join(nquads),
                                         format=pyoxigraph.RdfFormat.N_QUADS, lenient=True)
            self._loading = (entries, future)
        else:
            self._index(entries)

    def wait(self) -> None:
        """Wait for the batch loading, if any, and index its entries."""
        if self._loading is not None:
            entries, future = self._loading
            self._loading = None
            future.result()
            self._index(entries)

    def _index(self, entries: list[Entry]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO contents VALUES (?, ?, ?, ?)",
                            [(e.key, e.digest, e.record, e.characters) for e in entries])
        self.db.executemany("INSERT OR REPLACE INTO lines VALUES (?, ?, ?)",
                            [(e.key, e.lines, e.owned) for e in entries])
        self.db.commit()

    def add_file(self, position: int, name: str, key: str) -> None:
        self.db.execute("INSERT INTO files VALUES (?, ?, ?)", (position, name, key))

    def drop_unused(self) -> int:
        """Remove the contents no input of this build has any more; returns how many."""
        import pyoxigraph

        unused = [key for (key,) in self.db.execute(
            "SELECT key FROM contents WHERE key NOT IN (SELECT key FROM files)")]
        for key in unused:
            self.store.remove_graph(pyoxigraph.NamedNode(CONTENT_GRAPH + key))
        self.db.executemany("DELETE FROM contents WHERE key = ?", [(k,) for k in unused])
        self.db.executemany("DELETE FROM lines WHERE key = ?", [(k,) for k in unused])
        self.db.commit()
        return len(unused)

    def meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def set_meta(self, name: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))
        self.db.commit()

    def files_digest(self) -> str:
        """Digest of this build's inputs: every file's position, name and content key."""
        digest = hashlib.sha256()
        for row in self.db.execute("SELECT f.position, f.name, f.key FROM files f"
                                   " JOIN contents c ON c.key = f.key ORDER BY f.position"):
            digest.update("\t".join(map(str, row)).encode("utf-8", "surrogatepass") + b"\n")
        return digest.hexdigest()

    def current_files(self) -> dict[str, list[str]]:
        """File names by content key, of this build's inputs that have a content."""
        return self._names("SELECT f.name, f.key FROM files f"
                           " JOIN contents c ON c.key = f.key ORDER BY f.position")

    def previous_files(self) -> dict[str, list[str]]:
        """File names by content key, of the inputs the current output set was written from."""
        return self._names("SELECT name, key FROM set_files ORDER BY position")

    def _names(self, sql: str) -> dict[str, list[str]]:
        names: dict[str, list[str]] = {}
        for name, key in self.db.execute(sql):
            names.setdefault(key, []).append(name)
        return names

    def written(self, outputs: str) -> None:
        """Record the output set just committed (``outputs``: its meta) and its inputs."""
        self.db.execute("DELETE FROM set_files")
        self.db.execute("INSERT INTO set_files SELECT f.position, f.name, f.key FROM files f"
                        " JOIN contents c ON c.key = f.key")
        self.set_meta("outputs", outputs)

    def lines(self, owned: bool = False) -> Iterator[list[str]]:
        """One part of the sorted Turtle lines of each content in the cache, the entities'
        (or, ``owned``, those of what its document owns), in the order of the keys."""
        sql = f"SELECT {'owned' if owned else 'shared'} FROM lines ORDER BY key"
        for (data,) in self.db.execute(sql):
            if data:
                yield data.decode("utf-8").split("\n")

    def owned_lines(self, digest: str) -> list[str]:
        """The lines of the subjects the document of ``digest`` owns (itself, its mentions,
        sentences and statements: :func:`kg.assemble.owning_document`), from every
        content in the cache with that document (two suffixes of one content)."""
        from kg import keys

        prefix = keys.document(digest)[4:]  # keys start with the digest (hex: all below "g")
        found: list[str] = []
        for (data,) in self.db.execute(
                "SELECT owned FROM lines WHERE key >= ? AND key < ? ORDER BY key",
                (prefix, prefix + "g")):
            if data:
                found.extend(data.decode("utf-8").split("\n"))
        return found

    def files(self) -> Iterator[tuple[str, Entry]]:
        """(file name, its content's entry) of every input of this build, in input order."""
        rows = self.db.execute(
            "SELECT f.name, c.key, c.digest, c.record, c.characters FROM files f"
            " JOIN contents c ON c.key = f.key ORDER BY f.position")
        for name, key, digest, record, characters in rows:
            yield name, Entry(key, digest, record, characters)


@contextmanager
def index_errors(out: Path) -> Iterator[None]:
    """SQLite's errors writing the cache index (a full disk, a file too large, a folder that
    turned read-only) as an :class:`~kg.errors.OutputError` naming the index."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        from kg.errors import OutputError

        raise OutputError(f"{out / FOLDER / 'index.sqlite'}: cannot be written ({exc})") from exc


def _stored_version(db_path: Path) -> str | None:
    if not db_path.exists():
        return None
    try:
        with closing(sqlite3.connect(db_path)) as db:
            row = db.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def remove(out: str | os.PathLike[str]) -> None:
    shutil.rmtree(Path(out) / FOLDER, ignore_errors=True)
