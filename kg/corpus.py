"""Building from files: read → normalize → extract → triples, one document at a time.

:func:`build_outputs` is what ``kg build`` does: the per-document step runs in an engine
(:mod:`kg.engine`: this process, a process pool, or Dask), the triples are assembled in an
on-disk store kept as a cache in the output folder (:mod:`kg.cache`, :mod:`kg.assemble`),
and the outputs are written from it and replaced as one set (:mod:`kg.outputs`). Memory
does not grow with the corpus. :func:`build` and :func:`build_graph_from` give an rdflib
Graph instead, for corpora that fit in memory."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph

from kg.assemble import entity_line
from kg.cache import Entry
from kg.errors import ExtractionError, InputError, KgError, NoInputError
from kg.gazetteer import Gazetteer
from kg.graph.triples import add_result, add_schema_facts, merge_labels, new_graph
from kg.model import DocumentResult, Source
from kg.normalize import normalize
from kg.pipeline import process
from kg.resources import Overrides, load_overrides
from kg.sources import Reading, iter_sources

if TYPE_CHECKING:

    from kg.cache import BuildCache
    from kg.patch import Plan


def process_source(source: Source, overrides: Overrides | None = None) -> DocumentResult:
    """One input, from bytes to extracted entities and relations.

    Raises :class:`InputError` for a bad input, and :class:`ExtractionError` (an
    InputError, so one bad document never stops the others) for an unexpected failure.
    """
    document = normalize(source)
    try:
        return process(document, overrides)
    except KgError:
        raise
    except Exception as exc:  # a bug: report it against this input, keep the others going
        raise ExtractionError(
            f"{source.path or source.name}: internal error while extracting "
            f"({type(exc).__name__}: {exc}); please report it"
        ) from exc


def _process_item(item: Source | InputError, overrides: Overrides) -> DocumentResult | InputError:
    """Worker step: an input's result, or the error that explains why it has none."""
    if isinstance(item, InputError):
        return item
    try:
        return process_source(item, overrides)
    except InputError as exc:
        return exc


def warm_up() -> None:
    """Load the gazetteer, the village index and the tokenizer once, before any worker is
    forked, so that workers share them instead of loading them again; then leave what is
    loaded out of the garbage collector's passes (:func:`gc.freeze`) until
    :func:`gc.unfreeze`: its full passes over those tables cost about 0.1 s of a patched
    rebuild, and in workers they would write to the pages they share."""
    import gc

    from kg.text import tokenizer, word_tag

    Gazetteer.load().villages_named("")
    tokenizer()
    word_tag("")
    gc.freeze()


def _results(
    paths: Iterable[str | os.PathLike[str]], overrides: Overrides, jobs: int,
    reading: Reading | None = None,
) -> Iterator[DocumentResult | InputError]:
    items = iter_sources(paths, reading)
    if jobs <= 0:
        for item in items:
            yield _process_item(item, overrides)
        return
    import gc

    from kg.engine import ordered_map

    frozen = gc.get_freeze_count()
    warm_up()
    try:
        # workers yield to the parent, which adds their results to the graph (the slower part)
        yield from ordered_map(partial(_process_item, overrides=overrides), items, jobs)
    finally:
        if not frozen:
            gc.unfreeze()


def default_jobs() -> int:
    """Worker processes for extraction: one per core (the parent, which adds their results
    to the graph, shares the cores; measured best on 2 cores); 0 (in-process) on one core."""
    cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(cores, 8)


def extract(
    paths: Iterable[str | os.PathLike[str]],
    overrides: Overrides | None = None,
    on_error: Callable[[InputError], None] | None = None,
    strict: bool = False,
    jobs: int = 0,
    reading: Reading | None = None,
) -> Iterator[DocumentResult]:
    """Results of every readable input under ``paths``, in input order; bad inputs go to
    ``on_error`` (or raise when ``strict``) and never stop the others. ``jobs`` > 1 extracts
    in that many worker processes (documents are independent of each other); 0 extracts
    in this process."""
    overrides = overrides or load_overrides(None)
    for item in _results(paths, overrides, jobs, reading):
        if isinstance(item, InputError):
            if strict or on_error is None:
                raise item
            on_error(item)
        else:
            yield item


@dataclass
class BuildReport:
    documents: int = 0
    failed: list[str] = field(default_factory=list)
    #: entities by type, as the ``entities-per-type`` query counts them: named in an
    #: article's text, named only in its lists of other articles, gazetteer ancestors
    entities: Counter[str] = field(default_factory=Counter)
    listed_only: Counter[str] = field(default_factory=Counter)
    ancestors: Counter[str] = field(default_factory=Counter)
    characters: int = 0
    triples: int = 0
    seconds: float = 0.0
    #: filled by build_outputs: distinct contents extracted in this run, taken from the
    #: cache, dropped from it; whether SHACL ran, and its outcome
    extracted: int = 0
    reused: int = 0
    dropped: int = 0
    #: the outputs were written by patching the previous set (:mod:`kg.patch`)
    patched: bool = False
    validated: bool = False
    conforms: bool = True
    violations: int = 0
    outputs: dict[str, Path] = field(default_factory=dict)


def build_graph_from(
    paths: Iterable[str | os.PathLike[str]],
    overrides: Overrides | None = None,
    on_result: Callable[[DocumentResult], None] | None = None,
    on_error: Callable[[InputError], None] | None = None,
    strict: bool = False,
    report: BuildReport | None = None,
    jobs: int = 0,
    reading: Reading | None = None,
) -> Graph:
    """The merged graph of every input; ``on_result`` sees each document's result."""
    started = time.perf_counter()
    report = report if report is not None else BuildReport()
    gazetteer = Gazetteer.load()
    graph = new_graph()

    def failed(exc: InputError) -> None:
        report.failed.append(str(exc))
        if on_error is not None:
            on_error(exc)

    seen_entities: set[str] = set()
    chains: set[str] = set()
    for result in extract(paths, overrides, on_error=failed, strict=strict, jobs=jobs,
                          reading=reading):
        report.documents += 1
        report.characters += len(result.document.text)
        for entity in result.entities:
            if entity.key not in seen_entities:
                seen_entities.add(entity.key)
                report.entities[entity.type.value] += 1
        add_result(graph, result, gazetteer, chains)
        if on_result is not None:
            on_result(result)
    merge_labels(graph)
    add_schema_facts(graph)
    report.triples = len(graph)
    report.seconds = time.perf_counter() - started
    return graph


def build(paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str]) -> Graph:
    """The knowledge graph of the articles under ``paths`` (files or folders).

    >>> graph = build(["seeds"])
    >>> len(graph) > 1000
    True
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    return build_graph_from(paths, on_error=lambda exc: None)


#: above this many triples build_outputs leaves SHACL validation to `kg validate` (pySHACL
#: runs at about 40 µs per triple: 13 s for the graph of 3 MB of articles)
AUTO_VALIDATE_TRIPLES = 200_000
#: what is held of new contents (their N-Quads and lines) before it goes to the cache: one
#: bulk load of the N-Quads into the cache's store, then the lines into its index
LOAD_BATCH_BYTES = 32 << 20


def build_outputs(
    paths: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    overrides: Overrides | None = None,
    jobs: int = 0,
    engine: str = "local",
    scheduler: str | None = None,
    strict: bool = False,
    validate: str = "auto",
    on_error: Callable[[InputError], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    reading: Reading | None = None,
) -> BuildReport:
    """Build ``OUT/graph.ttl``, ``graph.html``, ``entities.jsonl`` and ``store`` from the
    inputs, extracting only the contents the cache in ``out`` lacks; returns the report.

    ``validate``: ``auto`` runs SHACL on graphs of up to :data:`AUTO_VALIDATE_TRIPLES`
    triples, ``always`` or ``never``. Bad inputs go to ``on_error`` (or raise when
    ``strict``); when no input at all could be read, raises :class:`NoInputError` and
    writes nothing, so a mistyped path never replaces a good build.
    """
    import gc

    from kg import engine as engines
    from kg import outputs
    from kg.assemble import content_key
    from kg.cache import BuildCache, code_version, index_errors, overrides_version
    from kg.patch import plan

    started = time.perf_counter()
    frozen = gc.get_freeze_count()
    out = Path(out)
    overrides = overrides or load_overrides(None)
    report = BuildReport()
    outputs.check(out)
    outputs.clean(out)
    exclude = _own_outputs(out)

    held: list[InputError] = []  # errors told only once some input worked (else one line)

    def failed(exc: InputError) -> None:
        if strict:
            raise exc
        report.failed.append(str(exc))
        if on_progress is not None:
            on_progress(1)
        if report.documents == 0:
            held.append(exc)
        elif on_error is not None:
            on_error(exc)

    def worked(files: int) -> None:
        if report.documents == 0 and on_error is not None:
            for exc in held:
                on_error(exc)
        held.clear()
        report.documents += files  # recounted from the cache when the outputs are written
        if on_progress is not None:
            on_progress(files)

    version = hashlib.sha256(f"{code_version()} {overrides_version(overrides)}".encode())
    with index_errors(out):  # the cache index's disk errors, as one line
        cache = BuildCache.open(out, version.hexdigest())
        try:
            pending: dict[str, list[str]] = {}  # content key → the files waiting for it
            unloaded: set[str] = set()  # contents extracted, waiting in the batch to be loaded

            def tasks() -> Iterator[tuple[Source, str]]:
                for position, item in enumerate(iter_sources(paths, reading)):
                    if isinstance(item, InputError):
                        failed(item)
                        continue
                    if item.path and os.path.realpath(item.path) in exclude:
                        continue
                    key = content_key(item, hashlib.sha256(item.data).hexdigest())
                    cache.add_file(position, item.name, key)
                    if key in pending:
                        pending[key].append(item.path or item.name)
                    elif key in unloaded or cache.has(key):
                        report.reused += 1
                        worked(1)
                    else:
                        pending[key] = [item.path or item.name]
                        yield item, key

            batch: list[Entry] = []
            quads: list[bytes] = []
            size = 0
            for outcome in engines.run(tasks(), overrides, engine=engine, jobs=jobs,
                                       scheduler=scheduler):
                files = pending.pop(outcome.key)
                if outcome.error:
                    failed(InputError(outcome.error + (
                        f" (and {len(files) - 1} other file(s) with the same bytes)"
                        if len(files) > 1 else "")))
                    continue
                report.extracted += 1
                batch.append(Entry(outcome.key, outcome.key[:64], outcome.record,
                                   outcome.characters, outcome.lines, outcome.owned))
                quads.append(outcome.nquads)
                unloaded.add(outcome.key)
                size += len(outcome.nquads) + len(outcome.lines) + len(outcome.owned)
                worked(len(files))
                if size >= LOAD_BATCH_BYTES:
                    cache.add(batch, quads)
                    batch, quads, size = [], [], 0
                    unloaded.clear()
            cache.add(batch, quads)
            cache.wait()
            checkpoint("loaded")
            if report.documents == 0:
                reason = (str(held[0]) if len(held) == 1 else
                          f"no input could be read ({len(held)} failed; first: {held[0]})"
                          if held else "no input files found")
                raise NoInputError(f"{reason}; nothing written"
                                   + (f" (the outputs in {out} are unchanged)"
                                      if outputs.current(out) else ""))
            report.documents = 0
            patch = plan(cache, out)
            report.dropped = cache.drop_unused()
            signature = f"{cache.files_digest()} {validate}"
            if not _reuse_outputs(cache, out, signature, report):
                folder = outputs.new_set(out)
                _write_set(cache, folder, report, validate, patch)
                checkpoint("written")
                outputs.commit(out, folder)
                cache.written(json.dumps({
                    "signature": signature, "set": folder.name,
                    "report": {k: getattr(report, k) for k in _SAVED}}))
        finally:
            cache.close()
            if not frozen:  # what warm_up froze, if the engine called it (not the caller's)
                gc.unfreeze()
    report.outputs = {name: out / name for name in outputs.NAMES}
    report.seconds = time.perf_counter() - started
    return report


_COUNTED = ("entities", "listed_only", "ancestors")
_SAVED = ("documents", "characters", "triples", "validated", "conforms", "violations",
          *_COUNTED)


def _reuse_outputs(cache: BuildCache, out: Path, signature: str, report: BuildReport) -> bool:
    """Whether the current outputs were written from exactly these inputs (same files,
    names, contents, code and options): then they are kept as they are (same bytes)."""
    from kg import outputs

    saved = json.loads(cache.meta("outputs") or "{}")
    current = outputs.current(out)
    if (saved.get("signature") != signature or current is None
            or current.name != saved.get("set")
            or not all((out / name).exists() for name in outputs.NAMES)):
        return False
    for key, value in saved["report"].items():
        setattr(report, key, Counter(value) if key in _COUNTED else value)
    return True


def checkpoint(name: str) -> None:
    """A point where the tests kill the build for real: ``KG_TEST_KILL_AT=name`` sends this
    process SIGKILL there (no cleanup runs, as with a power cut or the OOM killer)."""
    if os.environ.get("KG_TEST_KILL_AT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


def _own_outputs(out: Path) -> set[str]:
    """Real paths of a previous build's outputs (an input folder may hold ``--out``)."""
    from kg import outputs

    return {os.path.realpath(out / name) for name in outputs.NAMES}


def _write_set(cache: BuildCache, folder: Path, report: BuildReport, validate: str,
               patch: Plan | None) -> None:
    """Write the four outputs into ``folder``: in full from the cache store, or by patching
    the previous set when ``patch`` says what changed."""
    from kg.assemble import label_choices
    from kg.patch import VIEW_ROWS, VIEW_STATE, VIEW_TEXTS, previous_view, write_patched
    from kg.sparql.store import MARKER, writable_store
    from kg.stream import (
        LabelMerge,
        MergedLines,
        TurtleNamer,
        file_name_triple,
        merged_lines,
        schema_triples,
        write_turtle,
    )
    from kg.view.lines import BlockReader, load_texts, save_texts, sentence_texts
    from kg.view.rows import ViewRows
    from kg.view.stored import write_html_from_store

    with open(folder / "entities.jsonl", "w", encoding="utf-8", newline="\n") as stream:
        for name, entry in cache.files():
            report.documents += 1
            report.characters += entry.characters
            stream.write(entity_line(name, entry.record) + "\n")
    # what the view shows, read from the blocks as they are written
    viewed = BlockReader(ViewRows(folder / VIEW_ROWS)) if patch is None \
        else previous_view(patch, folder)
    if patch is None:
        # the documents' lines, written by the workers, merged; the file names and the
        # schema facts added here
        namer = TurtleNamer()
        choices = label_choices(cache.store)
        cache.close_store()  # what follows reads the index only: its memory is given back
        names = (file_name_triple(entry.digest, name) for name, entry in cache.files())
        extra = MergedLines({}, namer).lines(itertools.chain(schema_triples(), names))
        lines = merged_lines(cache.lines(), cache.lines(owned=True), extra,
                             LabelMerge(choices, namer), folder)
        store = writable_store(folder / "store")
        with open(folder / "graph.ttl", "w", encoding="utf-8", newline="\n") as stream:
            report.triples = write_turtle(lines, namer, stream, store,
                                          batch=100_000, on_block=viewed.block)
    else:
        report.triples, store = write_patched(cache, patch, folder, viewed)
        report.patched = True
    checkpoint("half-written")
    store.flush()
    (folder / "store" / MARKER).write_text(
        "pyoxigraph store written by kg build\n", encoding="utf-8")
    viewed.save(folder / VIEW_STATE)  # for the next patched build
    texts = {} if patch is None else load_texts(patch.previous / VIEW_TEXTS)
    data = viewed.data(store, texts=texts)
    viewed.rows.close()
    del viewed, texts
    for kind, (named, listed_only, ancestors) in data.type_counts().items():
        report.entities[kind] += named
        report.listed_only[kind] += listed_only
        report.ancestors[kind] += ancestors
    write_html_from_store(store, folder / "graph.html", data)
    save_texts(sentence_texts(data), folder / VIEW_TEXTS)
    report.validated = validate == "always" or (
        validate == "auto" and report.triples <= AUTO_VALIDATE_TRIPLES)
    if report.validated:  # a batch of subjects at a time: memory stays bounded
        from kg.sparql.large import batch_results

        results, _ = batch_results(store)
        report.conforms, report.violations = not results, len(results)
    del store
