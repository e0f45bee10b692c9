"""pyoxigraph stores of a kg graph: writing an on-disk store (so a large graph is parsed
once, not on every ``kg serve`` start), opening one, counting its triples.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, cast

from kg.errors import GraphError, OutputError
from kg.graph.formats import OXIGRAPH_FORMATS, format_of

if TYPE_CHECKING:
    import pyoxigraph
    from rdflib import Graph

# a file of this name marks a folder as written by write_store (it is never a Turtle file)
MARKER = "KG_STORE"

def is_store(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder holding a pyoxigraph (RocksDB) store."""
    folder = Path(path)
    return folder.is_dir() and ((folder / MARKER).exists() or (folder / "CURRENT").exists())


def rdf_format(path: str | os.PathLike[str]) -> pyoxigraph.RdfFormat:
    import pyoxigraph

    return getattr(pyoxigraph.RdfFormat, OXIGRAPH_FORMATS[format_of(path)])


def write_store(graph_or_path: Graph | str | os.PathLike[str],
                store_dir: str | os.PathLike[str]) -> int:
    """Write a graph (an rdflib ``Graph`` or a graph file) into a new on-disk pyoxigraph
    store at ``store_dir``, replacing a store already there; returns the triple count.

    The triples go to the store's default graph with ``bulk_load`` (compact, not
    transactional); the folder is written next to its final place and renamed, so a
    failed write leaves any previous store untouched.
    """
    import pyoxigraph

    target = Path(store_dir)
    if target.exists() and not is_store(target) and any(target.iterdir()):
        raise GraphError(f"{target}: exists and is not a kg store; not overwriting it")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    store = pyoxigraph.Store(str(partial))
    try:
        if isinstance(graph_or_path, str | os.PathLike):
            source = Path(graph_or_path)
            if not source.is_file():
                raise GraphError(f"{source}: no such file")
            try:
                store.bulk_load(path=str(source), format=rdf_format(source))
            except (SyntaxError, ValueError) as exc:
                raise GraphError(f"{source}: not a readable graph ({exc})") from exc
        else:
            data = graph_or_path.serialize(format="nt", encoding="utf-8")
            store.bulk_load(input=data, format=pyoxigraph.RdfFormat.N_TRIPLES)
        store.flush()
        count = triple_count(store)
        del store
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    (partial / MARKER).write_text("pyoxigraph store written by kg.store.write_store\n",
                                  encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return count


def writable_store(path: str | os.PathLike[str]) -> pyoxigraph.Store:
    """Open (or create) an on-disk store to write into; RocksDB's long error for a full disk
    or a missing permission becomes an :class:`OutputError` naming the folder and the cause."""
    import pyoxigraph

    try:
        return pyoxigraph.Store(str(path))
    except OSError as exc:
        cause = str(exc).rstrip().rsplit(": ", 1)[-1] or type(exc).__name__
        raise OutputError(f"{path}: cannot be written ({cause})") from exc


def open_source(path: str | os.PathLike[str], read_only: bool = True) -> pyoxigraph.Store:
    """A pyoxigraph Store for a graph: a store folder is opened (read-only by default:
    several processes may then share it); a graph file is parsed into memory."""
    import pyoxigraph

    source = Path(path)
    if is_store(source):
        try:
            return pyoxigraph.Store.read_only(str(source)) if read_only else \
                pyoxigraph.Store(str(source))
        except OSError as exc:
            raise GraphError(f"{source}: cannot open store ({exc})") from exc
    if not source.is_file():
        raise GraphError(f"{source}: no such graph file or store folder")
    store = pyoxigraph.Store()
    try:
        store.bulk_load(path=str(source), format=rdf_format(source))
    except (SyntaxError, ValueError, OSError) as exc:
        raise GraphError(f"{source}: not a readable graph ({exc})") from exc
    return store


def triple_count(store: pyoxigraph.Store) -> int:
    result = cast("pyoxigraph.QuerySolutions",
                  store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    return int(next(iter(result))["n"].value)
