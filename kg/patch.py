"""An incremental rebuild's outputs, written by patching the previous set instead of
streaming every triple again.

A rebuild that changes a few inputs changes the merged graph only in the blocks of a few
subjects: the subjects of the added and removed contents' graphs (their mentions,
sentences and documents, and every entity they name — an entity's label, article links and
label merge are triples of the entity, and each document's graph holds its entities'
triples), and the documents whose file names changed. :func:`plan` finds those subjects
while the removed graphs are still in the cache; :func:`write_patched` then

* recomputes their blocks: an entity's from the cache store (the same
  :class:`kg.stream.MergedLines` as a full build), what one document owns from that
  document's lines in the cache index,
* streams the previous ``graph.ttl`` once, replacing those blocks (a file written by
  :mod:`kg.stream` is one blank-line-separated block per subject, sorted), and
* copies the previous ``OUT/store`` (a RocksDB checkpoint: hard links, no copy of the data)
  and replaces the same subjects' triples in it.

The result is byte-identical to a full build of the same inputs (tested), in time
proportional to the change plus one pass over the Turtle text.
"""

from __future__ import annotations

import bisect
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from kg.assemble import CONTENT_GRAPH, LABEL_USE

if TYPE_CHECKING:
    import pyoxigraph

    from kg.cache import BuildCache
    from kg.view.lines import BlockReader

#: above this share of changed contents a full write is cheaper than a patch
PATCH_SHARE = 0.25


@dataclass(frozen=True)
class Plan:
    """What a patch starts from: the previous set's folder, its triple count, and the
    subjects (IRIs) whose blocks change."""

    previous: Path
    triples: int
    subjects: frozenset[str]


def plan(cache: BuildCache, out: Path) -> Plan | None:
    """The patch for this build, or None when the outputs must be written in full (no
    usable previous set, or too much changed). Call it before the cache drops the removed
    contents: their graphs tell which subjects lose triples."""
    import pyoxigraph

    from kg import outputs
    from kg.stream import document_node

    saved = json.loads(cache.meta("outputs") or "{}")
    previous = out / saved.get("set", "")
    # the set this cache wrote last must still be the current one, whole
    if (not saved.get("set") or outputs.current(out) != previous
            or not all((previous / name).exists() for name in ("graph.ttl", "store"))):
        return None
    before, after = cache.previous_files(), cache.current_files()
    added = set(after) - set(before)
    removed = set(before) - set(after)
    if len(added) + len(removed) > PATCH_SHARE * max(len(before), len(after)):
        return None
    subjects: set[str] = set()
    for key in added | removed:
        graph = pyoxigraph.NamedNode(CONTENT_GRAPH + key)
        subjects.update(quad.subject.value for quad in  # type: ignore[union-attr]
                        cache.store.quads_for_pattern(None, None, None, graph))
        # what the document owns: the subjects of its lines, written <IRI> (ASCII, no escape)
        subjects.update(line[1:line.index(">")] for line in cache.owned_lines(key[:64]))
    subjects.update(document_node(key[:64]).value for key in added | removed)
    names_before, names_after = _names_by_document(before), _names_by_document(after)
    for digest in names_before.keys() | names_after.keys():
        if names_before.get(digest) != names_after.get(digest):
            subjects.add(document_node(digest).value)
    return Plan(previous, int(saved["report"]["triples"]), frozenset(subjects))


def _names_by_document(files: dict[str, list[str]]) -> dict[str, list[str]]:
    """File names by document digest (two suffixes of one content are one document)."""
    names: dict[str, list[str]] = defaultdict(list)
    for key, found in sorted(files.items()):
        names[key[:64]].extend(found)
    return {digest: sorted(found) for digest, found in names.items()}


def write_patched(cache: BuildCache, patch: Plan, folder: Path, viewed: BlockReader,
                  ) -> tuple[int, pyoxigraph.Store]:
    """Write ``graph.ttl`` and ``store`` into ``folder`` from the previous set and the
    changed subjects' blocks; returns the number of triples and the open store.

    ``viewed`` reads the blocks for the view: every block written, or, when it holds the
    previous set's reading (:func:`previous_view`), only the new blocks, after forgetting
    the replaced subjects."""
    import pyoxigraph

    from kg.assemble import label_choices, owning_document
    from kg.sparql.store import writable_store
    from kg.stream import (
        MergedLines,
        TurtleNamer,
        file_name_triple,
        schema_triples,
        turtle_blocks,
    )

    namer = TurtleNamer()
    merged = MergedLines(label_choices(cache.store), namer)
    nodes = sorted(patch.subjects)
    wanted = set(nodes)
    extra: dict[str, list[tuple[object, object, object]]] = defaultdict(list)
    for triple in schema_triples():
        if triple[0].value in wanted:  # type: ignore[attr-defined]
            extra[triple[0].value].append(triple)  # type: ignore[attr-defined]
    for name, entry in cache.files():
        triple = file_name_triple(entry.digest, name)
        if triple[0].value in wanted:  # type: ignore[attr-defined]
            extra[triple[0].value].append(triple)  # type: ignore[attr-defined]
    lines: set[str] = set()
    owned: set[str] = set()  # the digests of the documents whose own subjects change
    for iri in nodes:
        if (digest := owning_document(iri)) is not None:
            owned.add(digest)
        else:
            lines.update(merged.lines(_distinct_triples(cache.store, pyoxigraph.NamedNode(iri))))
        lines.update(merged.lines(extra.get(iri, ())))
    for digest in sorted(owned):  # as the workers wrote them (no label merge: no entity)
        lines.update(line for line in cache.owned_lines(digest)
                     if line[1:line.index(">")] in wanted)
    written = {namer.term(pyoxigraph.NamedNode(iri)) for iri in nodes}
    kept = bool(viewed.entities)  # the previous set's reading: update it
    if kept:
        for subject in written:
            viewed.forget(subject)
    blocks = [(subject, block) for subject, block, _ in
              turtle_blocks(sorted(lines), viewed.block if kept else None)]
    header = namer.header()
    with open(patch.previous / "graph.ttl", encoding="utf-8", newline="\n") as old, \
            open(folder / "graph.ttl", "w", encoding="utf-8", newline="\n") as new:
        _merge(_blocks(old, header), blocks, written, new, header,
               None if kept else viewed.written_block)

    previous = pyoxigraph.Store.read_only(str(patch.previous / "store"))
    previous.backup(str(folder / "store"))
    del previous
    store = writable_store(folder / "store")
    removed = 0
    for iri in nodes:
        for quad in list(store.quads_for_pattern(pyoxigraph.NamedNode(iri), None, None,
                                                 pyoxigraph.DefaultGraph())):
            store.remove(quad)
            removed += 1
    added = len(lines)
    if blocks:
        store.load(input=(header + "".join(block for _, block in blocks)).encode("utf-8"),
                   format=pyoxigraph.RdfFormat.TURTLE)
    return patch.triples - removed + added, store


#: an entity's triples from every document's graph, each once (an entity named in many
#: documents has the same type and labels in each: the store drops the repeats), without
#: the cache store's own counts for the label merge (:data:`kg.assemble.LABEL_USE`)
_DISTINCT = ("SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } "
             f"FILTER(?p != <{LABEL_USE}>) }}")


def _distinct_triples(store: pyoxigraph.Store, node: pyoxigraph.NamedNode,
                      ) -> Iterator[tuple[object, object, object]]:
    import pyoxigraph

    found = store.query(_DISTINCT, substitutions={pyoxigraph.Variable("s"): node})
    for row in found:  # type: ignore[union-attr]
        yield node, row[1], row[2]


#: the view's reading of a set's blocks (:class:`kg.view.lines.BlockReader`), and the texts
#: of the sentences its page shows, kept in the set
VIEW_STATE = ".view-state.pickle"
VIEW_TEXTS = ".view-texts.pickle"
#: the view's rows of a set (:class:`kg.view.rows.ViewRows`)
VIEW_ROWS = ".view-rows.sqlite"


def previous_view(patch: Plan, folder: Path) -> BlockReader:
    """The previous set's reading for the view, its rows copied into the new set's
    ``folder``; or an empty reader, its rows there, if it has none that can be read."""
    from kg.view.lines import BlockReader
    from kg.view.rows import ViewRows

    rows = ViewRows.copied(patch.previous / VIEW_ROWS, folder / VIEW_ROWS)
    reader = BlockReader.load(patch.previous / VIEW_STATE, rows) if rows is not None else None
    if reader is None:
        if rows is not None:
            rows.close()
        (folder / VIEW_ROWS).unlink(missing_ok=True)
        reader = BlockReader(ViewRows(folder / VIEW_ROWS))
    return reader


def _blocks(stream: IO[str], header: str, chunk: int = 1 << 20) -> Iterator[str]:
    """The blocks of a Turtle file written by :mod:`kg.stream`, a chunk's whole blocks at a
    time as one text (blocks joined by their blank line, without the final newline), read
    in bounded memory; checks that its prefixes are ``header``'s."""
    rest = ""
    first = True
    while data := stream.read(chunk):
        text = rest + data
        if first:
            if len(text) < len(header):
                rest = text
                continue
            if not text.startswith(header):
                raise ValueError("the previous graph.ttl has other prefixes")
            text, first = text[len(header):], False
        cut = text.rfind("\n\n")
        if cut < 0:
            rest = text
            continue
        rest = text[cut + 2:]
        if cut:
            yield text[:cut]
    if first and rest != header:
        raise ValueError("the previous graph.ttl has other prefixes")
    if not first and rest.strip():
        yield rest.rstrip("\n")


def _merge(old: Iterable[str], new: list[tuple[str, str]], replaced: set[str],
           stream: IO[str], header: str, on_block: Callable[[str], None] | None = None,
           ) -> None:
    """Write the old blocks, without those of ``replaced`` subjects, and the new blocks,
    in subject order. A chunk of old blocks that no change falls in is written as it is."""
    stream.write(header)
    separator = ""
    index = 0
    ordered = sorted(replaced)

    def emit(block: str) -> None:
        nonlocal separator
        stream.write(separator + block)
        separator = "\n"
        if on_block is not None:
            on_block(block)

    for text in old:
        start = text.rfind("\n\n") + 2 if "\n\n" in text else 0  # the last block's
        last = text[start:text.index("\n", start)]
        if on_block is None and (index == len(new) or new[index][0] > last) and \
                bisect.bisect_left(ordered, text[:text.index("\n")]) == \
                bisect.bisect_right(ordered, last):
            stream.write(separator + text + "\n")
            separator = "\n"
            continue
        for block in text.split("\n\n"):
            subject = block[:block.index("\n")]
            while index < len(new) and new[index][0] < subject:
                emit(new[index][1])
                index += 1
            if subject not in replaced:
                emit(block + "\n")
    for _, block in new[index:]:
        emit(block)
