"""Running many independent jobs over a few worker processes, with as little overhead as possible.

`in_workers(run, state, count, seed, workers)` returns `[run(state, k, seed) for k in
range(count)]`, computed by `workers` processes. What it spends beyond the jobs themselves:

- processes are forked where the platform can (`fork`): a worker inherits the modules and
  `state` already in memory, so nothing is re-imported or pickled on the way in; the parent's
  objects are frozen out of the garbage collector before the fork (`frozen_gc`), so a worker's
  collections never walk (and copy-on-write) the pages it inherited;
- a worker takes the next few job indices from one shared counter (no task queue, no pickled
  task), so the work balances when one process gets less CPU than the other;
- a worker sends its results once, at its end, down its own pipe (no result thread per task);
- a job's exception is sent back and raised in the parent; a worker that dies is reported;
- a second shared counter holds the jobs finished, which the parent reports to `progress`
  while it waits.

The results come back in job order whatever the number of workers or who ran what.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from typing import Any, TypeVar

StateT = TypeVar("StateT")
Run = Callable[[StateT, int, int], dict[str, Any]]
Progress = Callable[[int, int], None]
"""Told (jobs finished, jobs in all)."""
PROGRESS_POLL_S = 0.5
"""How often the parent reads the jobs finished while it waits for a worker's results."""


def start_context() -> Any:
    """`fork` where the platform has it (no re-import, nothing pickled in), else the default.

    (Any: the stubs give `BaseContext` no `Process`; each concrete context has its own.)"""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


@contextmanager
def frozen_gc() -> Iterator[None]:
    """The objects alive now out of the garbage collector's way while the block runs.

    Collections then walk only what the jobs allocate, not the modules and the fork state
    (in a forked worker, walking them would also copy the pages it shares with the parent)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def chunk_size(count: int, workers: int) -> int:
    """Jobs a worker takes at a time: a few turns each, so a slow worker leaves little behind."""
    return max(1, count // (workers * 16))


def _work(
    run: Run[StateT],
    state: StateT,
    count: int,
    seed: int,
    counters: tuple[Synchronized[int], Synchronized[int]],
    chunk: int,
    out: Connection,
) -> None:
    """A worker: take the next chunk of job indices until none are left; send the results.

    `counters`: the next job index to take, and the jobs finished."""
    counter, finished = counters
    results: list[dict[str, Any]] = []
    try:
        while True:
            with counter.get_lock():
                start = counter.value
                counter.value = start + chunk
            if start >= count:
                break
            for index in range(start, min(count, start + chunk)):
                results.append(run(state, index, seed))
                with finished.get_lock():
                    finished.value += 1
        out.send((True, results))
    except Exception as error:  # sent to the parent, raised there
        try:
            out.send((False, error))
        except Exception:  # an exception that does not pickle: its text
            out.send((False, RuntimeError(f"{type(error).__name__}: {error}")))
    finally:
        out.close()


def _results_of(
    process: Any, receiver: Connection, report: Callable[[], None] | None
) -> list[dict[str, Any]]:
    if report is not None:
        while not receiver.poll(PROGRESS_POLL_S):
            report()
    try:
        ok, payload = receiver.recv()
    except EOFError:
        process.join()
        raise RuntimeError(
            f"a worker process ended without its results (exit code {process.exitcode})"
        ) from None
    if not ok:
        raise payload
    result: list[dict[str, Any]] = payload
    return result


def in_workers(
    run: Run[StateT],
    state: StateT,
    count: int,
    seed: int,
    workers: int,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Every job's result, in job order (see the module docstring); each has a `path` key."""
    context = start_context()
    counter: Synchronized[int] = context.Value("q", 0)
    finished: Synchronized[int] = context.Value("q", 0)
    report = None if progress is None else lambda: progress(finished.value, count)
    started: list[tuple[Any, Connection]] = []
    with frozen_gc():
        for _ in range(workers):
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(
                target=_work,
                args=(
                    run,
                    state,
                    count,
                    seed,
                    (counter, finished),
                    chunk_size(count, workers),
                    sender,
                ),
                daemon=True,
            )
            process.start()
            sender.close()
            started.append((process, receiver))
    results: list[dict[str, Any]] = []
    done = False
    try:
        for process, receiver in started:
            results.extend(_results_of(process, receiver, report))
        done = True
        if report is not None:
            report()
    finally:
        for process, receiver in started:
            receiver.close()
            if not done:  # a job failed or the parent was interrupted: stop the others
                process.terminate()
            process.join()
    results.sort(key=lambda row: row["path"])
    return results
