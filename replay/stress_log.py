"""`stress`: fork a log at a block and run a stress path on it, beside the unstressed continuation.

Two new logs share the parent's chain up to the fork block (`fork_log` copies it byte for
byte): the stressed one, and the unstressed continuation (the same actors, changes, agents and
clock, the fork's price held), so `diff` between them shows only what the stress changed. Each
records a checkpoint naming the stress at the fork and one at its end, so `replay --verify`
checks its digests and `verify` its chain.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.clock import FixedClock
from ledger.errors import StoreError
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from ledger.stores import describe_target, is_postgres_url
from projections.balances import Balances
from replay.fork import fork_log
from replay.outputs import building_log, copy_into_empty_postgres, refuse_unless_empty
from replay.runner import Progress
from replay.stress import StressRun, WatchedEngine
from replay.stress_paths import PricePath, base_path, check_before_the_fork, check_path, flat_path
from replay.stress_report import build_report
from replay.stress_spec import StressSpec


@dataclass(frozen=True)
class ForkPoint:
    """Where a stress starts: the fork block, the time of its last record, and its path."""

    block: int
    ts_ms: int
    path: PricePath
    scale: int


def last_ts_ms(store: SqliteStore) -> int:
    head = store.head()
    for record in store.read(ReadFilter(from_seq=head.seq, to_seq=head.seq)):
        return record.ts_ms
    return 0


def run_on_log(
    log: Path,
    spec: StressSpec,
    at_block: int,
    prices_dir: Path,
    flat: bool = False,
    progress: Progress | None = None,
) -> tuple[StressRun, ForkPoint]:
    """Run the stress (or its unstressed continuation) on an already forked log."""
    clock = FixedClock(0)
    store = SqliteStore(log, clock=clock)
    try:
        engine = WatchedEngine(store)
        run = StressRun(spec, engine, clock)
        fork_ts_ms = last_ts_ms(store)
        run.prepare(at_block, fork_ts_ms)
        quote = run.fork_quote()
        base = spec.source_path.parent if spec.source_path else Path.cwd()
        path = base_path(spec.path, quote.price, quote.scale, base, prices_dir)
        if flat:
            path = flat_path(path)  # the stressed run's clock, checked before that run
        else:
            check_path(spec, path, (at_block, fork_ts_ms), None)
        label = "unstressed" if flat else "stressed"
        run.checkpoint(f"stress-fork:{spec.name}:{label}:block-{at_block}")
        run.run(path, at_block, fork_ts_ms, spec.seed, progress)
        run.checkpoint(f"stress-end:{spec.name}:{label}")
        return run, ForkPoint(at_block, fork_ts_ms, path, quote.scale)
    finally:
        store.close()


def unstressed_path_for(out: Path) -> Path:
    return out.with_name(f"{out.stem}-unstressed{out.suffix}")


def stress_log(
    parent_path: Path,
    at_block: int,
    spec: StressSpec,
    out: Path,
    prices_dir: Path,
    unstressed_out: Path | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Fork, stress, continue unstressed; the report (see `stress_report`). `progress` is told
    the steps done of both runs' (the stressed run's, then the unstressed run's)."""
    check_before_the_fork(spec, None)
    unstressed_out = unstressed_out or unstressed_path_for(out)
    for target, option in ((out, "--out"), (unstressed_out, "--unstressed-out")):
        if target.exists():
            raise StoreError(
                f"{target} exists already; a stress writes new logs: give {option} a new path"
            )
    # Both logs are built under hidden names and moved into place once both runs have ended:
    # a stress that fails or is killed leaves neither (`replay.outputs.building_log`).
    with building_log(out) as built, building_log(unstressed_out) as built_unstressed:
        parent = SqliteStore(parent_path)
        try:
            head = fork_log(parent, at_block, built)
            fork_log(parent, at_block, built_unstressed)
        finally:
            parent.close()
        first, second = _halves(progress)
        stressed, point = run_on_log(built, spec, at_block, prices_dir, progress=first)
        unstressed, _ = run_on_log(built_unstressed, spec, at_block, prices_dir, True, second)
    prices = [price for _, price in point.path]
    header = {
        "name": spec.name,
        "log": str(parent_path),
        "out": str(out),
        "unstressed_out": str(unstressed_out),
        "fork_block": at_block,
        "fork_seq": head.seq,
        "fork_hash": head.hash,
        "asset": spec.path.asset,
        "price_scale": point.scale,
        "price_source": stressed.price_source,
        "price_start": prices[0],
        "price_min": min(prices),
        "price_end": prices[-1],
        "steps": len(prices) - 1,
        "decimals": dict(stressed.engine.books.get(Balances).decimals),
    }
    return build_report(stressed, unstressed, header)


def _halves(progress: Progress | None) -> tuple[Progress | None, Progress | None]:
    """Two runs of the same steps as one progress: the first's steps, then the second's."""
    if progress is None:
        return None, None
    report = progress

    def first(done: int, total: int) -> None:
        report(done, 2 * total)

    def second(done: int, total: int) -> None:
        report(total + done, 2 * total)

    return first, second


def stress_log_to(
    parent_path: Path,
    at_block: int,
    spec: StressSpec,
    out: Path | str,
    prices_dir: Path,
    unstressed_out: Path | str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """`stress_log`, where OUT and the unstressed log may be PostgreSQL URLs (each an empty
    log; with a URL the unstressed log must be named). Such a log is built in a temporary
    SQLite file and copied into PostgreSQL in one transaction once both runs have ended
    (`fork --out URL`'s way), so it appears whole or not at all."""
    urls = [str(target) for target in (out, unstressed_out) if is_postgres_url(target)]
    if not urls:
        return stress_log(
            parent_path,
            at_block,
            spec,
            Path(out),
            prices_dir,
            None if unstressed_out is None else Path(unstressed_out),
            progress,
        )
    if unstressed_out is None:
        raise StoreError("a stress into a PostgreSQL URL needs --unstressed-out (a path or URL)")
    if len(set(urls)) < len(urls):
        raise StoreError("the stressed and unstressed logs need two different URLs")
    for url in urls:
        refuse_unless_empty(url)
    targets = (out, unstressed_out)
    with tempfile.TemporaryDirectory(prefix="defi-ledger-stress-") as folder:
        built = [
            Path(folder) / f"{index}.db" if is_postgres_url(target) else Path(target)
            for index, target in enumerate(targets)
        ]
        report = stress_log(parent_path, at_block, spec, built[0], prices_dir, built[1], progress)
        for target, path in zip(targets, built, strict=True):
            if is_postgres_url(target):
                copy_into_empty_postgres(path, str(target))
    report["out"], report["unstressed_out"] = (describe_target(target) for target in targets)
    return report
