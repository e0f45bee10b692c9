"""Where the per-document step runs: in this process, in a local process pool, or as Dask
tasks on a ``dask.distributed`` cluster. Every engine runs the same function,
:func:`kg.assemble.document_outcome`, and hands back its :class:`~kg.assemble.Outcome`
(serialized triples, never graph objects); the build does not depend on which ran it.

At most a few tasks per worker are in flight at a time, so the inputs are read as the
workers need them and memory does not grow with the corpus.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from kg.assemble import Outcome, document_outcome
from kg.errors import KgError
from kg.model import Source

if TYPE_CHECKING:
    from kg.resources import Overrides

ENGINES = ("local", "dask")
#: tasks in flight per worker
WINDOW = 4
#: documents per Dask task: a task costs the scheduler a round trip and some bookkeeping
#: (≈ 1 ms), as much as extracting a short article; batches keep a million articles at
#: tens of thousands of tasks
DASK_BATCH = 16
#: at most this many tasks (a rebuild after a few changes) run in this process: starting
#: the pool and its workers costs more than extracting them here (~0.5 s against ~30 ms each)
IN_PROCESS = 8

Task = tuple[Source, str]
A = TypeVar("A")
R = TypeVar("R")


def run(tasks: Iterable[Task], overrides: Overrides, *, engine: str = "local", jobs: int = 0,
        scheduler: str | None = None) -> Iterator[Outcome]:
    """The outcome of every task (in any order)."""
    if engine == "dask":
        return _dask(tasks, overrides, jobs, scheduler)
    if engine != "local":
        raise KgError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    if scheduler is not None:
        raise KgError("--scheduler needs --engine dask")
    if jobs <= 0:
        return (document_outcome(source, key, overrides) for source, key in tasks)
    return _pool(tasks, overrides, jobs)


def _pool(tasks: Iterable[Task], overrides: Overrides, jobs: int) -> Iterator[Outcome]:
    from kg.corpus import warm_up

    tasks = iter(tasks)
    first = list(itertools.islice(tasks, IN_PROCESS + 1))
    if first:
        warm_up()  # before the fork: workers share the gazetteer, village index and tokenizer
    if len(first) <= IN_PROCESS:  # a few (or none: everything came from the cache)
        for source, key in first:
            yield document_outcome(source, key, overrides)
        return
    yield from ordered_map(partial(_step, overrides=overrides), itertools.chain(first, tasks),
                           jobs)


def ordered_map(function: Callable[[A], R], items: Iterable[A], jobs: int) -> Iterator[R]:
    """``function`` of every item, in the items' order, in ``jobs`` forked worker processes
    (at lower priority), with at most :data:`WINDOW` items a worker in flight: the items are
    read as the workers need them. The caller warms up what the workers should share.

    On concurrent.futures rather than multiprocessing.Pool: the Pool's worker-handler thread
    also wakes on the results pipe, and spins while a large result is being read (2.4 s of
    the parent's CPU in a 15 MB build, beside the workers)."""
    import multiprocessing

    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                               initializer=_lower_priority)
    try:
        pending: deque[Future[R]] = deque()
        for item in items:
            pending.append(pool.submit(function, item))
            while len(pending) >= jobs * WINDOW:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:  # stopped early (an error, --strict, the caller): what has not started is dropped
        pool.shutdown(cancel_futures=True)


def _step(task: Task, overrides: Overrides) -> Outcome:
    return document_outcome(task[0], task[1], overrides)


def _batch(tasks: list[Task], overrides: Overrides) -> list[Outcome]:
    """The outcomes of a Dask task's documents."""
    return [document_outcome(source, key, overrides) for source, key in tasks]


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.nice(5)


def _dask(tasks: Iterable[Task], overrides: Overrides, jobs: int,
          scheduler: str | None) -> Iterator[Outcome]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError as exc:
        raise KgError("--engine dask needs dask.distributed: pip install 'kg[dask]'") from exc
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(LocalCluster(
                n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None, silence_logs=40))
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout=10))
            except (OSError, TimeoutError) as exc:
                raise KgError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from exc
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        done = as_completed()
        in_flight = 0
        tasks = iter(tasks)
        while batch := list(itertools.islice(tasks, DASK_BATCH)):
            # pure=False: two builds of the same input are separate tasks (no stale result)
            done.add(client.submit(_batch, batch, overrides, pure=False))
            in_flight += 1
            while in_flight >= workers * 2:  # two batches a worker: one runs, one waits
                yield from next(done).result()
                in_flight -= 1
        for future in done:
            yield from future.result()
