"""What-ifs: fork a log at a block (sharing its records and hash chain), and diff two logs."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.batch import Head
from ledger.chain import ChainWalker
from ledger.clock import FixedClock
from ledger.errors import IntegrityError
from ledger.projector import Projector
from ledger.sqlite_schema import insert_rows
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from ledger.stores import LogStore, is_postgres_url, open_postgres
from projections.base import tables_at
from projections.runtime import digest_of_shown

if TYPE_CHECKING:
    from ledger.postgres_store import PostgresStore
from replay.outputs import OutputExists, building_in_postgres, building_log
from replay.runner import Replayer
from replay.scenario import Scenario


def fork_log(parent: SqliteStore | PostgresStore, at_block: int, out: Path) -> Head:
    """Copy the parent's records up to `at_block`, byte for byte, into a new log at `out`.

    The copy keeps every hash, so the fork shares the parent's chain up to the fork block and
    `verify` passes on it; what is appended after continues that chain.
    """
    if out.exists():
        raise OutputExists(out)
    child = SqliteStore(out, create=True)
    walker = ChainWalker()
    stream_ids: dict[str, int] = {}
    connection = child.connection
    connection.execute("BEGIN IMMEDIATE")
    try:
        last = None
        for row in parent.rows(ReadFilter(to_block=at_block)):
            broken = walker.feed(row)
            if broken is not None:
                raise IntegrityError(broken.seq, f"parent log: {broken.detail}")
            insert_rows(connection, [row], stream_ids)
            last = row
        if last is not None:
            connection.execute(
                "UPDATE log_head SET seq = ?, block = ?, hash = ? WHERE id = 1",
                (last[0], last[1], last[11]),
            )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        child.close()
        out.unlink(missing_ok=True)
        raise
    head = child.head()
    child.close()
    return head


def fork_with_whatif(
    parent: SqliteStore | PostgresStore,
    at_block: int,
    out: Path,
    scenario: Scenario | None = None,
    *,
    force: bool = False,
) -> tuple[Head, Head]:
    """Fork at `at_block`, run the what-if after it, and move the new log to `out` at the end.

    Until the what-if has run to its end `out` does not change: a killed or failed fork
    leaves no short log that looks finished (`replay.outputs.building_log`).

    Returns:
        The head at the fork point and the head after the what-if.
    """
    with building_log(out, force=force) as temp:
        fork_head = fork_log(parent, at_block, temp)
        clock = FixedClock(0)
        child = SqliteStore(temp, clock=clock)
        try:
            if scenario is not None:
                Replayer(scenario, child, clock).run(after_block=at_block)
            final = child.head()
        finally:
            child.close()
    return fork_head, final


def fork_into_postgres(
    parent: LogStore, at_block: int, url: str, scenario: Scenario | None = None
) -> tuple[Head, Head]:
    """`fork_with_whatif` into the empty PostgreSQL log at `url`, which gains the records
    only once the what-if has run to its end (`building_in_postgres`), so an interrupted fork
    leaves it empty."""
    with building_in_postgres(url, "fork") as built:
        heads = fork_with_whatif(parent, at_block, built, scenario)
    return heads


@contextmanager
def sqlite_prefix(target: Path | str, at_block: int) -> Iterator[Path]:
    """The log at `target` as an SQLite file holding (at least) its records up to `at_block`:
    a path is the file itself; a PostgreSQL URL's records up to the block are copied byte for
    byte (`fork_log`, every hash kept) into a temporary file, removed afterwards."""
    if not is_postgres_url(target):
        yield Path(target)
        return
    with tempfile.TemporaryDirectory(prefix="defi-ledger-prefix-") as folder:
        copy = Path(folder) / "log.db"
        parent = open_postgres(str(target))
        try:
            fork_log(parent, at_block, copy)
        finally:
            parent.close()
        yield copy


@dataclass
class TableDiff:
    projection: str
    table: str
    only_in_a: list[dict[str, Any]] = field(default_factory=list)
    only_in_b: list[dict[str, Any]] = field(default_factory=list)


def diff_logs(
    a: SqliteStore | PostgresStore,
    b: SqliteStore | PostgresStore,
    at_block: int,
    names: list[str] | None = None,
) -> list[TableDiff]:
    """Rows that differ between two logs' projections at `at_block` (empty: identical)."""
    states_a = Projector(a, names).state_at(at_block)
    states_b = Projector(b, names).state_at(at_block)
    diffs = []
    for projection_a, projection_b in zip(states_a, states_b, strict=True):
        digest_a, digest_b = digest_of_shown(projection_a), digest_of_shown(projection_b)
        if digest_a is not None and digest_a == digest_b:
            continue
        tables_b = {table.name: table for table in tables_at(projection_b, at_block)}
        for table in tables_at(projection_a, at_block):
            other = tables_b.get(table.name)
            rows_a = set(table.rows)
            rows_b = set(other.rows) if other else set()
            if rows_a == rows_b:
                continue
            diffs.append(
                TableDiff(
                    projection_a.name,
                    table.name,
                    [dict(zip(table.columns, row, strict=True)) for row in sorted(rows_a - rows_b)],
                    [dict(zip(table.columns, row, strict=True)) for row in sorted(rows_b - rows_a)],
                )
            )
    return diffs
