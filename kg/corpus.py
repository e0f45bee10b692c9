"""Building a graph from files: read → normalize → extract → add to the graph, one
document at a time (memory holds the graph, not the documents), then merge and write."""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial

from rdflib import Graph

from kg.errors import ExtractionError, InputError, KgError
from kg.gazetteer import Gazetteer
from kg.graph.triples import add_result, add_schema_facts, merge_labels, new_graph
from kg.model import DocumentResult, Source
from kg.normalize import normalize
from kg.pipeline import process
from kg.resources import Overrides, load_overrides
from kg.sources import Reading, iter_sources


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
    forked, so that workers share them instead of loading them again."""
    from kg.text import tokenizer, word_tag

    Gazetteer.load().villages_named("")
    tokenizer()
    word_tag("")


def _results(
    paths: Iterable[str | os.PathLike[str]], overrides: Overrides, jobs: int,
    reading: Reading | None = None,
) -> Iterator[DocumentResult | InputError]:
    items = iter_sources(paths, reading)
    if jobs <= 0:
        for item in items:
            yield _process_item(item, overrides)
        return
    import multiprocessing

    warm_up()
    context = multiprocessing.get_context("fork")
    # workers yield to the parent, which adds their results to the graph (the slower part)
    with context.Pool(jobs, initializer=_lower_priority) as pool:
        yield from pool.imap(partial(_process_item, overrides=overrides), items, chunksize=4)


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.nice(5)


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
    entities: Counter[str] = field(default_factory=Counter)
    characters: int = 0
    triples: int = 0
    seconds: float = 0.0


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
