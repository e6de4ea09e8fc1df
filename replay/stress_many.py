"""Many stress paths from one fork point, in parallel processes: the loss distribution of the book.

The fork point is built once: the books at the block (`Projector.books_at`: the nearest
snapshot plus the tail), the stress's actors and changes applied on an engine over an
in-memory store that holds the fork's head record. Each path then restores those books from
their snapshot (never refolding the log) and runs the base path times a seeded multiplicative
walk (`varied`, seed S + k) with its own agents' seed. Paths write to memory only: what a path
returns is its aggregate figures. The same (log, block, stress, K, S) gives the same figures
whatever the number of workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.chain import Row
from ledger.clock import FixedClock
from ledger.memory import MemoryStore
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from projections.balances import Balances
from replay.scenario import ScenarioError
from replay.stress import StressRun, WatchedEngine
from replay.stress_paths import PricePath, base_path, check_before_the_fork, check_path, varied
from replay.stress_report import aggregate, figure_text
from replay.stress_spec import StressSpec
from replay.stress_workers import Progress, frozen_gc, in_workers
from replay.units import UnitsMode

FIGURES = (
    "holder_loss",
    "walk_cost",
    "bad_debt_raw_total",
    "liquidated",
    "rebalanced",
    "strikes_liquidated",
    "alphax_holders_claimed_usdc",
)
QUANTILES = (50, 90, 95, 99)


@dataclass(frozen=True)
class ForkState:
    """Everything a worker needs to run paths from the fork point (picklable)."""

    spec: StressSpec
    block: int
    ts_ms: int
    rows: list[Row]
    seq: int
    head_block: int
    states: dict[str, bytes]
    path: PricePath
    price_source: str
    """Where the path's starting price came from (`StressRun.price_source`)."""
    decimals: dict[str, int]
    """Each asset's decimals at the fork (for display)."""


def fork_state(
    parent_path: Path, at_block: int, spec: StressSpec, prices_dir: Path, paths_running: int = 1
) -> ForkState:
    """The books at `at_block` with the stress's actors and changes applied, as a snapshot
    (its path refused if `paths_running` paths of it at once would not fit in memory)."""
    parent = SqliteStore(parent_path)
    try:
        books = Projector(parent).books_at(at_block)
        seq, block = books.position.seq, books.position.block
        head_rows = list(parent.rows(ReadFilter(from_seq=seq, to_seq=seq))) if seq else []
        states = books.snapshot()
    finally:
        parent.close()
    if not head_rows:
        raise ScenarioError(f"the log has no record at or below block {at_block}")
    ts_ms = int(head_rows[0][2])
    clock = FixedClock(ts_ms)
    store = MemoryStore(clock=clock)
    store.rows.extend(head_rows)
    engine = WatchedEngine(store, start=(seq, block, states))
    run = StressRun(spec, engine, clock)
    run.prepare(at_block, ts_ms)
    quote = run.fork_quote()
    base = spec.source_path.parent if spec.source_path else Path.cwd()
    path = base_path(spec.path, quote.price, quote.scale, base, prices_dir)
    check_path(spec, path, (at_block, ts_ms), paths_running)
    head = engine.head
    return ForkState(
        spec,
        at_block,
        ts_ms,
        list(store.rows),
        head.seq,
        head.block,
        engine.books.snapshot(),
        path,
        run.price_source,
        dict(engine.books.get(Balances).decimals),
    )


def run_path(state: ForkState, index: int, seed: int) -> dict[str, Any]:
    """One seeded variation of the path from the restored fork books; its aggregate figures."""
    clock = FixedClock(state.ts_ms)
    store = MemoryStore(clock=clock)
    store.rows.extend(state.rows)
    engine = WatchedEngine(store, start=(state.seq, state.head_block, state.states))
    run = StressRun(state.spec, engine, clock)
    path = varied(state.path, state.spec.path.volatility_bps, seed + index)
    run.run(path, state.block, state.ts_ms, state.spec.seed + seed + index)
    figures = aggregate(run)
    figures["strikes_liquidated"] = len(figures["alphax_strikes_liquidated"])
    return {"path": index, "price_end": path[-1][1], **{key: figures[key] for key in FIGURES}}


def paths_running(paths: int, workers: int) -> int:
    """Paths run at once: one a worker process, never more than there are paths."""
    return max(1, min(workers, paths))


def run_paths(
    state: ForkState, paths: int, seed: int, workers: int, progress: Progress | None = None
) -> list[dict[str, Any]]:
    """Every path's figures, in path order; `workers` 1 runs them in turn in this process.
    `progress` is told the paths finished, of `paths`.

    Either way the objects alive before the paths are frozen out of the garbage collector's
    walks (`frozen_gc`), so one process in turn and the workers do the same work per path."""
    running = paths_running(paths, workers)
    if running > 1:
        return in_workers(run_path, state, paths, seed, running, progress)
    results = []
    with frozen_gc():
        for index in range(paths):
            results.append(run_path(state, index, seed))
            if progress is not None:
                progress(index + 1, paths)
    return results


def quantile(values: list[int], percent: int) -> int:
    """The nearest-rank quantile (an element of `values`, so an exact int)."""
    ordered = sorted(values)
    rank = max(1, -(-percent * len(ordered) // 100))
    return ordered[rank - 1]


def distribution(results: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    found = {}
    for figure in FIGURES:
        values = [row[figure] for row in results]
        found[figure] = {
            "min": min(values),
            **{f"p{percent}": quantile(values, percent) for percent in QUANTILES},
            "max": max(values),
            "mean_floor": sum(values) // len(values),
        }
    return found


def stress_many(
    parent_path: Path,
    at_block: int,
    spec: StressSpec,
    prices_dir: Path,
    paths: int,
    seed: int,
    workers: int = 2,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """K seeded paths from one fork point; the distribution of losses, liquidations, bad debt
    (`progress` is told the paths finished)."""
    running = paths_running(paths, workers)
    check_before_the_fork(spec, running)
    state = fork_state(parent_path, at_block, spec, prices_dir, running)
    started = time.perf_counter()
    results = run_paths(state, paths, seed, workers, progress)
    return {
        "name": spec.name,
        "log": str(parent_path),
        "fork_block": at_block,
        "price_source": state.price_source,
        "decimals": state.decimals,
        "paths": paths,
        "seed": seed,
        "workers": workers,
        "seconds": round(time.perf_counter() - started, 3),
        "distribution": distribution(results),
        "per_path": results,
    }


def render_many(result: dict[str, Any], units: UnitsMode = "display") -> list[str]:
    """The text the CLI prints: each figure's distribution over the paths."""
    decimals = result.get("decimals", {})
    lines = [
        f"stress {result['name']} on {result['log']} at block {result['fork_block']}: "
        f"{result['paths']} paths, seed {result['seed']}, {result['workers']} workers, "
        f"{result['seconds']} s",
        f"  price at the fork: {result['price_source']}",
        f"{'figure':28}" + "".join(f"{key:>26}" for key in ("min", "p50", "p95", "p99", "max")),
    ]
    for figure, stats in result["distribution"].items():
        cells = "".join(
            f"{figure_text(figure, stats[key], decimals, units):>26}"
            for key in ("min", "p50", "p95", "p99", "max")
        )
        lines.append(f"{figure:28}{cells}")
    return lines
