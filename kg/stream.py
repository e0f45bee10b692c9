"""Writing the merged graph, streaming: Turtle and ``OUT/store``.

Every triple of the merged graph becomes a *line* ``subject\\tflag+predicate\\tobject`` in
written (Turtle) form. The workers write their documents' lines (:class:`TurtleLines`, from
the N-Triples they also send); a full build merges every content's lines with the label
merge applied (:class:`LabelMerge`), plus the schema facts and the file names
(:class:`MergedLines`, which makes the same lines of triples read from a store, as a patch
does). Sorted without repeats (:func:`sorted_unique`, an external sort in bounded memory),
the lines group into one Turtle block per subject (:func:`turtle_blocks`);
:func:`write_turtle` writes the blocks and bulk-loads them into the output store.

The Turtle written here is byte-identical to :func:`kg.graph.turtle.to_turtle` of the same
merged graph: kg's prefixes, subjects sorted by written form, ``a`` first, then predicates by
written form, objects sorted and joined by `` , ``. Blocks are separated by one blank line
and hold none (string escapes keep every literal on one line), which is what lets
:mod:`kg.patch` replace a few blocks of a previous file without parsing the rest.
"""

from __future__ import annotations

import bisect
import contextlib
import heapq
import os
import tempfile
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, TYPE_CHECKING, Any

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, XSD

from kg.graph.turtle import INTEGER, LOCAL_NAME, IriNamer, escape_string
from kg.graph.vocab import ID, KG

if TYPE_CHECKING:
    import pyoxigraph

    from kg.assemble import LabelChoice

#: what sees each subject's block: the subject and its (predicate, object) pairs, written
BlockHook = Callable[[str, list[tuple[str, str]]], None]

_XSD_INTEGER = str(XSD.integer)
_XSD_STRING = str(XSD.string)
_RDF_TYPE = str(RDF.type)
_RDF_TYPE_NT = f"<{RDF.type}>"
_XSD_INTEGER_NT = f"<{XSD.integer}>"


class TurtleNamer(IriNamer):
    """Written forms of pyoxigraph terms, as :mod:`kg.graph.turtle` writes the rdflib terms
    of the same graph."""

    def iri(self, text: str) -> str:
        return self.iri_text(text)

    def term(self, term: object) -> str:
        import pyoxigraph

        written = self.cache.get(term)
        if written is not None:
            return written
        if isinstance(term, pyoxigraph.NamedNode):
            written = self.iri(term.value)
        elif isinstance(term, pyoxigraph.Literal):
            lexical = term.value
            datatype = term.datatype.value
            if datatype == _XSD_INTEGER and INTEGER.match(lexical):
                written = lexical
            else:
                written = '"' + escape_string(lexical) + '"'
                if term.language:
                    written += "@" + term.language
                elif datatype != _XSD_STRING:
                    written += "^^" + self.iri(datatype)
        else:
            raise TypeError(f"kg graphs hold no {type(term).__name__} terms")
        if len(self.cache) < 200_000:
            self.cache[term] = written
        return written


class TurtleLines(IriNamer):
    """Lines (see the module's note) from the N-Triples lines of one document, in the
    worker: the same text :class:`MergedLines` writes for the same triples read back from a
    store, made straight from the strings. ``tests/test_triples.py`` checks this on real
    articles."""

    def __init__(self) -> None:
        super().__init__()
        self._flags: dict[str, str] = {}

    def lines(self, ntriples: Iterable[str]) -> list[str]:
        """Sorted lines without repeats, from ``subject predicate object`` N-Triples lines
        without their final `` .`` (IRIs hold no space: N-Triples escapes it)."""
        return self.of_triples(line.split(" ", 2) for line in ntriples)  # type: ignore[misc]

    def of_triples(self, triples: Iterable[tuple[str, str, str]]) -> list[str]:
        """The same from the triples of N-Triples terms, without repeats."""
        term, flags, known = self.term, self._flags, self.cache
        out = []
        for s, p, o in triples:
            flag = flags.get(p)
            if flag is None:
                flag = flags[p] = "0a" if p == _RDF_TYPE_NT else "1" + term(p)
            # the cache first (most terms are in it; a written term is never empty)
            out.append(f"{known.get(s) or term(s)}\t{flag}\t{known.get(o) or term(o)}")
        out.sort()
        return out

    def term(self, written: str) -> str:
        turtle = self.cache.get(written)
        if turtle is None:
            turtle = self._turtle(written)
            if len(self.cache) < 200_000:
                self.cache[written] = turtle
        return turtle

    def _turtle(self, written: str) -> str:
        if written[0] == "<":
            return self._iri(written)
        if written[-1] == ">":  # "lexical"^^<datatype>
            end = written.rindex('"^^<')
            lexical, datatype = written[1:end], written[end + 3:]
            if datatype == _XSD_INTEGER_NT and INTEGER.match(lexical):
                return lexical
            return f'"{lexical}"^^{self._iri(datatype)}'
        return written  # "lexical" and "lexical"@lang are written alike in both

    def _iri(self, written: str) -> str:
        """An N-Triples IRI (escaped, between <>) as :meth:`IriNamer.iri_text` writes it: a
        local name that may be prefixed holds nothing an escape would change."""
        text = written[1:-1]
        for prefix, namespace in self.prefixes:
            if text.startswith(namespace) and LOCAL_NAME.match(text[len(namespace):]):
                return f"{prefix}:{text[len(namespace):]}"
        return written


class LabelMerge:
    """The label merge of :func:`kg.graph.triples.merge_labels` on lines, for the ``choices``
    decided on the store by :func:`kg.assemble.label_choices`: for an entity named in more
    than one way, the other names' prefLabel lines become altLabel lines, and their
    rdfs:label lines and the kept name's altLabel line go. A moved line changes its place,
    so the result is to be sorted again."""

    def __init__(self, choices: dict[str, LabelChoice], namer: TurtleNamer) -> None:
        self.by_subject = {namer.iri(subject): (namer.term(choice.keep),
                                                {namer.term(other) for other in choice.others})
                           for subject, choice in choices.items()}

    def apply(self, lines: Iterable[str]) -> Iterator[str]:
        by_subject = self.by_subject
        if not by_subject:
            yield from lines
            return
        pref, label, alt = "1skos:prefLabel", "1rdfs:label", "1skos:altLabel"
        for line in lines:
            if "abel\t" in line:  # one of the three label predicates (a quick test first)
                s, p, o = line.split("\t", 2)
                choice = by_subject.get(s)
                if choice is not None:
                    keep, others = choice
                    if p == pref and o in others:
                        line = f"{s}\t{alt}\t{o}"
                    elif p == label and o in others or p == alt and o == keep:
                        continue
            yield line


class MergedLines:
    """Lines of the merged graph from pyoxigraph triples or quads of the documents' graphs,
    rdf:type flagged to sort first, with the label merge applied (:class:`LabelMerge`)."""

    def __init__(self, choices: dict[str, LabelChoice], namer: TurtleNamer) -> None:
        self.namer = namer
        self.merge = LabelMerge(choices, namer)
        self._flags: dict[object, str] = {}  # predicate → "0a" or "1" + its written form

    def lines(self, triples: Iterable[Any]) -> Iterator[str]:
        """One line per triple (the fourth member of a quad, its graph, is ignored)."""
        return self.merge.apply(self._written(triples))

    def _written(self, triples: Iterable[Any]) -> Iterator[str]:
        term, cache, flags = self.namer.term, self.namer.cache, self._flags
        last_s, last_written = None, ""
        for s, p, o, *_ in triples:
            if s != last_s:  # a store yields a subject's triples together: write it once
                last_s, last_written = s, term(s)
            flag = flags.get(p)
            if flag is None:
                flag = flags[p] = "0a" if p.value == _RDF_TYPE else "1" + term(p)
            written = cache.get(o)
            yield f"{last_written}\t{flag}\t{term(o) if written is None else written}"


def sorted_unique(lines: Iterable[str], folder: str | os.PathLike[str],
                  chunk: int = 200_000) -> Iterator[str]:
    """``lines`` sorted (code-point order) without repeats, in bounded memory: runs of
    ``chunk`` lines are sorted and spilled to temporary files in ``folder``, then merged."""
    runs: list[IO[str]] = []
    buffer: list[str] = []
    try:
        for line in lines:
            buffer.append(line)
            if len(buffer) >= chunk:
                runs.append(_spill(buffer, folder))
                buffer = []
        buffer = _unique(sorted(buffer))
        streams: list[Iterable[str]] = [(line.rstrip("\n") for line in run) for run in runs]
        merged = heapq.merge(*streams, buffer) if runs else iter(buffer)
        last = None
        for line in merged:
            if line != last:
                yield line
                last = line
    finally:
        for run in runs:
            run.close()


#: every subject a document owns (itself, its mentions, sentences, statements) is written
#: ``<…/id/doc/<16 hex digits>…>``: its lines sort together, in the order of the digests
OWNED_START = f"<{ID}doc/"
OWNED_END = f"<{ID}doc0"  # "0" is the character after "/"
_DOCUMENT_END = len(OWNED_START) + 16


def split_owned(lines: list[str]) -> tuple[list[str], list[str]]:
    """A content's sorted lines as (the entities' lines, the lines of what its document
    owns): the second are one run in the middle, the subjects written ``<…/id/doc/…>``."""
    start = bisect.bisect_left(lines, OWNED_START)
    end = bisect.bisect_left(lines, OWNED_END, start)
    return lines[:start] + lines[end:], lines[start:end]


def merged_lines(shared: Iterable[list[str]], owned: Iterable[list[str]], extra: Iterable[str],
                 merge: LabelMerge, folder: str | os.PathLike[str]) -> Iterator[str]:
    """The merged graph's lines, sorted without repeats, in bounded memory.

    ``shared`` and ``owned`` give each content's two parts (:func:`split_owned`), contents in
    the order of their keys (which start with the content's digest, as its document's IRI
    does); ``extra`` the lines added here (schema facts, file names). Only the entities'
    lines (and the schema's), which several documents add to, go through the label merge and
    the external sort (:func:`sorted_unique`); what documents own, most of the lines, is
    already in order: one document's lines at a time, from its content(s) and its file
    names, between the entities whose written forms sort before ``…/doc/`` and those
    after."""
    owned_extra: dict[str, list[str]] = defaultdict(list)
    shared_extra: list[str] = []
    for line in extra:
        if line.startswith(OWNED_START):
            owned_extra[line[:_DOCUMENT_END]].append(line)
        else:
            shared_extra.append(line)

    def shared_lines() -> Iterator[str]:
        for lines in shared:
            yield from lines
        yield from shared_extra

    def by_document() -> Iterator[tuple[str, list[str]]]:
        for part in owned:
            if part:
                yield part[0][:_DOCUMENT_END], part

    ordered = sorted_unique(merge.apply(shared_lines()), folder)
    after = None
    for line in ordered:
        if line >= OWNED_START:
            after = line
            break
        yield line
    document: str | None = None
    contents: list[list[str]] = []
    added: list[str] = []
    for key, part, is_added in heapq.merge(
            ((key, part, False) for key, part in by_document()),
            ((key, lines, True) for key, lines in sorted(owned_extra.items())),
            key=lambda item: item[0]):
        if key != document:
            yield from _document_lines(contents, added)
            document, contents, added = key, [], []
        if is_added:
            added.extend(part)
        else:
            contents.append(part)
    yield from _document_lines(contents, added)
    if after is not None:
        yield after
        yield from ordered


def _document_lines(contents: list[list[str]], added: list[str]) -> list[str]:
    """One document's lines, sorted without repeats: its content's sorted unique lines
    (rarely two contents: one content under two suffixes) and the lines ``added`` here
    (its file names). In the common case, one content, the new lines are placed by
    bisection and one sort of the concatenation merges them in linear time (it finds the
    sorted run), where a set and a sort of it cost n log n comparisons of long lines that
    share their subject."""
    if len(contents) != 1:
        return sorted(set(added).union(*contents))
    lines = contents[0]
    new = sorted({line for line in added
                  if (at := bisect.bisect_left(lines, line)) == len(lines) or lines[at] != line})
    if not new:
        return lines
    merged = lines + new
    merged.sort()
    return merged


def _unique(ordered: list[str]) -> list[str]:
    """Sorted lines without their repeats. (Sorting before removing them lets the sort find
    the runs already in order: every document's lines come sorted.)"""
    return [line for line, after in zip(ordered, [*ordered[1:], None], strict=True)
            if line != after]


def _spill(buffer: list[str], folder: str | os.PathLike[str]) -> IO[str]:
    # lines hold no "\n" (written forms escape it); the run file is deleted on close
    run = tempfile.TemporaryFile("w+", encoding="utf-8", dir=folder, newline="\n")  # noqa: SIM115 (closed by sorted_unique)
    run.writelines(line + "\n" for line in _unique(sorted(buffer)))
    run.seek(0)
    return run


def turtle_blocks(lines: Iterable[str], on_block: BlockHook | None = None,
                  ) -> Iterator[tuple[str, str, int]]:
    """(subject, its Turtle block, number of triples in it) from sorted unique lines. A
    block is ``subject\\n    predicate object , object ;\\n    predicate object .\\n``.
    ``on_block`` also gets each subject with its (predicate, object) pairs, written (``a``
    for rdf:type), before the block is yielded."""
    subject = predicate = None
    objects: list[str] = []
    predicates: list[str] = []
    pairs: list[tuple[str, str]] = []
    count = 0
    for line in lines:
        s, p, o = line.split("\t", 2)
        p = p[1:]
        if s != subject:
            if subject is not None:
                predicates.append(f"    {predicate} {' , '.join(objects)}")
                if on_block is not None:
                    on_block(subject, pairs)
                    pairs = []
                yield subject, f"{subject}\n" + " ;\n".join(predicates) + " .\n", count
            subject, predicate, objects, predicates, count = s, p, [o], [], 1
            if on_block is not None:
                pairs.append((p, o))
            continue
        count += 1
        if on_block is not None:
            pairs.append((p, o))
        if p != predicate:
            predicates.append(f"    {predicate} {' , '.join(objects)}")
            predicate, objects = p, [o]
        else:
            objects.append(o)
    if subject is not None:
        predicates.append(f"    {predicate} {' , '.join(objects)}")
        if on_block is not None:
            on_block(subject, pairs)
        yield subject, f"{subject}\n" + " ;\n".join(predicates) + " .\n", count


class BlockLoader:
    """Bulk-loads Turtle blocks into a store, about ``batch`` triples per call, in threads
    (as :meth:`kg.cache.BuildCache.add` does): pyoxigraph's bulk loader releases the GIL, so
    the store fills while the caller goes on writing Turtle. Its parser runs on one core, so
    up to ``loaders`` batches load at once, into the same store (each load writes its own
    SST files and RocksDB ingests them; measured on 2 cores: 333,282 triples in 1.65 s
    instead of 3.1 s one batch at a time). Memory stays bounded: at most ``loaders``
    batches load while the next is gathered. Use it as a context manager: leaving waits
    for every load and raises the first error, if any."""

    def __init__(self, store: pyoxigraph.Store, header: str, batch: int = 100_000,
                 loaders: int = 2) -> None:
        self.store, self.header, self.batch = store, header, batch
        self.blocks: list[str] = []
        self.triples = 0
        self.loaders = max(1, loaders)
        self._loader = ThreadPoolExecutor(max_workers=self.loaders,
                                          thread_name_prefix="kg-store-load")
        self._loading: deque[Future[None]] = deque()

    def add(self, block: str, triples: int) -> None:
        self.blocks.append(block)
        self.triples += triples
        if self.triples >= self.batch:
            self.flush()

    def wait(self, keep: int = 0) -> None:
        """Wait until at most ``keep`` loads are running."""
        while len(self._loading) > keep:
            self._loading.popleft().result()

    def flush(self) -> None:
        import pyoxigraph

        self.wait(self.loaders - 1)
        if self.blocks:
            data = (self.header + "".join(self.blocks)).encode("utf-8")
            self._loading.append(self._loader.submit(
                self.store.bulk_load, input=data, format=pyoxigraph.RdfFormat.TURTLE,
                lenient=True))  # written by kg: valid
            self.blocks, self.triples = [], 0

    def __enter__(self) -> BlockLoader:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        try:
            if kind is None:
                self.flush()
                self.wait()
        finally:
            self._loader.shutdown(wait=True)


def write_turtle(lines: Iterable[str], namer: TurtleNamer, stream: IO[str],
                 store: pyoxigraph.Store | None = None, batch: int = 100_000,
                 on_block: BlockHook | None = None) -> int:
    """Write sorted unique lines as Turtle; returns the number of triples. ``store`` also
    gets the triples, bulk-loaded about ``batch`` at a time beside the writing;
    ``on_block`` sees every block (see :func:`turtle_blocks`)."""
    header = namer.header()
    stream.write(header)
    count = 0
    with contextlib.ExitStack() as stack:
        loader = stack.enter_context(BlockLoader(store, header, batch)) if store is not None \
            else None
        # the blocks go out in chunks of about _CHUNK_TRIPLES triples, each joined once
        # for both the file and the store (a write and a copy per block cost more)
        chunk: list[str] = []
        in_chunk = 0
        for _, block, triples in turtle_blocks(lines, on_block):
            chunk.append(block)
            in_chunk += triples
            if in_chunk >= _CHUNK_TRIPLES:
                _write_chunk(chunk, in_chunk, count, stream, loader)
                count += in_chunk
                chunk, in_chunk = [], 0
        if chunk:
            _write_chunk(chunk, in_chunk, count, stream, loader)
            count += in_chunk
    return count


#: triples per chunk :func:`write_turtle` writes at a time
_CHUNK_TRIPLES = 10_000


def _write_chunk(blocks: list[str], triples: int, before: int, stream: IO[str],
                 loader: BlockLoader | None) -> None:
    """Blocks separated by one blank line (also from those ``before`` them, if any)."""
    text = "\n".join(blocks)
    stream.write("\n" + text if before else text)
    if loader is not None:
        loader.add(text, triples)


def schema_triples() -> list[tuple[object, object, object]]:
    """The triples of :func:`kg.graph.triples.add_schema_facts`, as pyoxigraph terms."""
    from kg.graph.triples import add_schema_facts

    sink = _TripleList()
    add_schema_facts(sink)  # type: ignore[arg-type]
    return sink.triples


def document_node(digest: str) -> pyoxigraph.NamedNode:
    """The document IRI of a content digest (see :func:`kg.keys.document`)."""
    import pyoxigraph

    from kg import keys

    return pyoxigraph.NamedNode(str(ID[keys.document(digest)]))


def file_name_triple(digest: str, name: str) -> tuple[object, object, object]:
    import pyoxigraph

    return (document_node(digest), pyoxigraph.NamedNode(str(KG.fileName)),
            pyoxigraph.Literal(name))


class _TripleList:
    def __init__(self) -> None:
        self.triples: list[tuple[object, object, object]] = []

    def add(self, triple: tuple[object, object, object]) -> None:

        self.triples.append(tuple(_ox(t) for t in triple))  # type: ignore[arg-type]


def _ox(term: object) -> object:
    import pyoxigraph

    if isinstance(term, URIRef):
        return pyoxigraph.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return pyoxigraph.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return pyoxigraph.Literal(str(term), datatype=pyoxigraph.NamedNode(str(term.datatype)))
        return pyoxigraph.Literal(str(term))
    raise TypeError(f"kg graphs hold no {type(term).__name__} terms")
