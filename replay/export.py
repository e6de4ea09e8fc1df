"""Projection time series for analytics: a projection's tables at sampled blocks, as files.

For each sampled block (every N blocks from A to B, and B itself) the projection's state at
that block is written as rows with a leading `block` column, one file per table
(`balances.parquet`, `supply.parquet`, ...). The log is folded forward once: `state_at(A)`
gives the start (from the nearest snapshot), then only the records between one sample and the
next are folded, so the cost is one pass over A..B however many samples are taken.

Exactness: amounts are ints that can exceed 2**63, so they are written as decimal strings
(Parquet `string`, CSV text, JSON strings) and read back exactly with `int()` or DuckDB's
`CAST(amount AS HUGEINT)`. Every column has one type fixed by the column catalog, whatever
the values of a run (`replay/export_columns.py`); the leading `block` is the sampled block, and
a table's own `block` column is written as `<table>_block`. Amount columns of tables with an
`asset` column also get `<column>_display`, a float64 in whole units through
`projections.arrays.amounts_to_float`: lossy, for charts only. A display value beyond float64's
range (about 1.8e308 whole units) is written as inf or -inf in Parquet and CSV, and as null in
JSON lines (JSON has no infinity); its exact column holds the amount as always.

Provenance: each file carries the projection (name, version), the block range, the log head
(seq, hash) when the export ran, and the last record at or below the range's end (`as_of_seq`,
`as_of_hash`) that ties the numbers to exactly that log prefix: in Parquet as schema key-value
metadata (`defi_ledger.<field>`), for CSV and JSON lines in a `<file>.meta.json` sidecar.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import msgspec
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from events.record import Record
from ledger.batch import Head
from ledger.chain import GENESIS_HASH
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from projections.balances import Balances
from projections.base import tables_at
from projections.runtime import Shown, shown
from replay.export_columns import to_arrow
from replay.outputs import building_folder

if TYPE_CHECKING:
    from ledger.postgres_store import PostgresStore

#: A log export reads: an SQLite file, or a PostgreSQL log.
LogStore: TypeAlias = "SqliteStore | PostgresStore"
Progress = Callable[[int], None]
PROGRESS_EVERY_RECORDS = 1000
METADATA_PREFIX = "defi_ledger."


class ExportFormat(StrEnum):
    """The file formats an export writes."""

    PARQUET = "parquet"
    CSV = "csv"
    JSONL = "jsonl"


class ExportRangeError(ValueError):
    """The block range or sampling asked for cannot be honoured (a usage error at the CLI)."""


class ExportRequest(msgspec.Struct, frozen=True, kw_only=True):
    """What to export, where, and at which blocks."""

    projection: str
    """A registered projection's name (`projections.runtime.projection_names()`)."""
    format: ExportFormat
    out_dir: Path
    every_blocks: int | None = None
    """Sample every N blocks from `from_block`; None samples `from_block` and `to_block` only."""
    from_block: int | None = None
    """First sampled block; default: the log's first block with `every_blocks`, else `to_block`."""
    to_block: int | None = None
    """Last sampled block; default: the log head's block."""
    force: bool = False
    """Replace a non-empty `out_dir` (the set is replaced whole, never mixed with the old)."""


class ExportMeta(msgspec.Struct, frozen=True, kw_only=True):
    """The provenance every exported file carries."""

    projection: str
    projection_version: int
    table: str
    format: str
    from_block: int
    to_block: int
    every_blocks: int | None
    sample_count: int
    rows: int
    head_seq: int
    """The log head when the export ran."""
    head_hash: str
    as_of_seq: int
    """The last record at or below `to_block`: the log prefix the numbers come from."""
    as_of_hash: str
    int_string_columns: list[str]
    """Columns whose text is an exact integer (amounts, and ints beyond int64)."""


class ExportedFile(msgspec.Struct, frozen=True, kw_only=True):
    path: str
    meta_path: str | None
    """The sidecar, for formats that cannot hold metadata (CSV, JSON lines)."""
    meta: ExportMeta


class ExportResult(msgspec.Struct, frozen=True, kw_only=True):
    samples: list[int]
    files: list[ExportedFile]


class _Series:
    """One table's rows across samples, with each row's block and asset decimals."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self.blocks: list[int] = []
        self.rows: list[tuple[Any, ...]] = []
        self.decimals: list[int | None] = []
        self.asset_index = columns.index("asset") if "asset" in columns else None


def sample_blocks(from_block: int, to_block: int, every_blocks: int | None) -> list[int]:
    """The blocks to sample: A, A+N, A+2N, ... and B itself; without N, A and B.

    Args:
        from_block: The first block sampled (A).
        to_block: The last block sampled (B), always included.
        every_blocks: The step N; None samples A and B only.

    Returns:
        Ascending, distinct block heights.
    """
    if from_block > to_block:
        raise ExportRangeError(
            f"--from-block {from_block} is after --to-block {to_block}; swap them"
        )
    if every_blocks is None:
        return sorted({from_block, to_block})
    if every_blocks < 1:
        raise ExportRangeError(f"--every-blocks must be at least 1, got {every_blocks}")
    blocks = list(range(from_block, to_block + 1, every_blocks))
    if blocks[-1] != to_block:
        blocks.append(to_block)
    return blocks


def _last_at_or_below(store: LogStore, block: int, seq_max: int) -> Head:
    """The last record at or below `block` (and `seq_max`), as a head: where a prefix ends.

    Blocks never decrease along seq, so when the last record at or below `block` is past
    `seq_max`, the record at `seq_max` is at or below `block` too.
    """
    seq = min(store.last_seq_at_block(block), seq_max)
    record = next(iter(store.read(ReadFilter(from_seq=seq, to_seq=seq))), None) if seq else None
    return Head(0, 0, GENESIS_HASH) if record is None else Head(seq, record.block, record.hash)


class ExportPlan(msgspec.Struct, frozen=True, kw_only=True):
    """The request resolved against the log: what will be sampled and folded."""

    samples: list[int]
    head: Head
    """The log head when planned; nothing after it is read."""
    start: Head
    """The last record at or below the first sample (where `state_at` leaves off)."""
    as_of: Head
    """The last record at or below the last sample."""

    @property
    def records_to_fold(self) -> int:
        """How many records the fold forward will apply (the progress bar's total)."""
        return self.as_of.seq - self.start.seq


def plan_export(store: LogStore, request: ExportRequest) -> ExportPlan:
    """Resolve the request's defaults against the log, and check its range.

    Args:
        store: The log to export from.
        request: The export asked for.

    Returns:
        The sampled blocks and the log positions the export will cover.

    Raises:
        ExportRangeError: The range is inverted, or ends past the log head.
    """
    head = store.head()
    to_block = head.block if request.to_block is None else request.to_block
    if to_block > head.block:
        raise ExportRangeError(
            f"--to-block {to_block} is past the log's head block {head.block}; "
            f"pick a block up to {head.block}"
        )
    from_block = request.from_block
    if from_block is None:
        first = next(iter(store.read(ReadFilter(to_seq=1))), None)
        from_block = to_block
        if request.every_blocks is not None and first is not None:
            from_block = min(first.block, to_block)
    samples = sample_blocks(from_block, to_block, request.every_blocks)
    return ExportPlan(
        samples=samples,
        head=head,
        start=_last_at_or_below(store, samples[0], head.seq),
        as_of=_last_at_or_below(store, samples[-1], head.seq),
    )


def _capture(projection: Shown, balances: Balances, block: int, into: dict[str, _Series]) -> None:
    for table in tables_at(projection, block):
        series = into.setdefault(table.name, _Series(table.columns))
        if series.columns != table.columns:
            raise ValueError(f"table {table.name} changed its columns at block {block}")
        asset_index = series.asset_index
        for row in table.rows:
            series.blocks.append(block)
            series.rows.append(row)
            asset = row[asset_index] if asset_index is not None else None
            series.decimals.append(balances.decimals.get(asset) if asset is not None else None)


def _collect(
    store: LogStore,
    projection_name: str,
    samples: list[int],
    head: Head,
    progress: Progress | None,
) -> tuple[Shown, dict[str, _Series]]:
    """Fold forward once through the samples, capturing the tables at each."""
    names = [projection_name] if projection_name == "balances" else [projection_name, "balances"]
    books = Projector(store, names).books_at(samples[0])
    target = shown(books, [projection_name])[0]
    balances = books.get(Balances)
    series: dict[str, _Series] = {}
    _capture(target, balances, samples[0], series)
    folded = [0]

    def count(_record: Record) -> None:
        folded[0] += 1
        if progress is not None and folded[0] % PROGRESS_EVERY_RECORDS == 0:
            progress(PROGRESS_EVERY_RECORDS)

    for previous, block in pairwise(samples):
        where = ReadFilter(from_block=previous + 1, to_block=block, to_seq=head.seq)
        books.fold(store.read(where), count)
        _capture(target, balances, block, series)
    if progress is not None and folded[0] % PROGRESS_EVERY_RECORDS:
        progress(folded[0] % PROGRESS_EVERY_RECORDS)
    return target, series


def _metadata_items(meta: ExportMeta) -> dict[str, str]:
    """Parquet key-value metadata: strings as they are, everything else as JSON."""
    return {
        f"{METADATA_PREFIX}{key}": value if isinstance(value, str) else json.dumps(value)
        for key, value in msgspec.to_builtins(meta).items()
    }


def _replace(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file of the set (the set's folder is renamed into place when all are done)."""
    write(path)


def _write_jsonl(table: pa.Table, path: Path) -> None:
    encoder = msgspec.json.Encoder()
    with path.open("wb") as out:
        for batch in table.to_batches():
            for row in batch.to_pylist():
                out.write(encoder.encode(row) + b"\n")


def _write_table(table: pa.Table, meta: ExportMeta, path: Path) -> str | None:
    """Write one table in the request's format; return the sidecar's path, if any."""
    if meta.format == ExportFormat.PARQUET:
        with_meta = table.replace_schema_metadata(_metadata_items(meta))
        _replace(path, lambda target: pq.write_table(with_meta, target))
        return None
    if meta.format == ExportFormat.CSV:
        options = pa_csv.WriteOptions(quoting_style="needed")
        _replace(path, lambda target: pa_csv.write_csv(table, target, options))
    else:
        _replace(path, lambda target: _write_jsonl(table, target))
    sidecar = path.with_name(f"{path.name}.meta.json")
    text = json.dumps(msgspec.to_builtins(meta), indent=2, sort_keys=True) + "\n"
    _replace(sidecar, lambda target: target.write_text(text))
    return str(sidecar)


def export_projection(
    store: LogStore,
    request: ExportRequest,
    plan: ExportPlan | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the projection's tables at the sampled blocks, one file per table.

    Args:
        store: The log to read; its snapshots speed up the start (`state_at`).
        request: The projection, format, output directory and block sampling.
        plan: The request planned by `plan_export` (planned here when None).
        progress: Called with counts of records folded (for a progress bar).

    Returns:
        The sampled blocks and, per file written, its path, sidecar and provenance.

    Raises:
        ExportRangeError: The range is inverted, or ends past the log head.
        KeyError: The projection is not registered.
    """
    plan = plan or plan_export(store, request)
    projection, series_by_table = _collect(
        store, request.projection, plan.samples, plan.head, progress
    )
    # The set is written into a hidden folder beside `out_dir` and renamed at the end: a
    # killed export leaves the old set or none, never files of two runs side by side.
    with building_folder(request.out_dir, force=request.force) as folder:
        files = _write_set(request, plan, projection, series_by_table, folder)
    return ExportResult(samples=plan.samples, files=files)


def _write_set(
    request: ExportRequest,
    plan: ExportPlan,
    projection: Shown,
    series_by_table: dict[str, _Series],
    folder: Path,
) -> list[ExportedFile]:
    """Write one file per table into `folder`, each carrying the same head (`plan.head`)."""
    files = []
    for table_name, series in series_by_table.items():
        table, int_strings = to_arrow(
            series.blocks,
            series.columns,
            series.rows,
            series.decimals,
            series.asset_index,
            table_name,
        )
        meta = ExportMeta(
            projection=projection.name,
            projection_version=getattr(projection, "version", 0),  # 0: a read model
            table=table_name,
            format=str(request.format),
            from_block=plan.samples[0],
            to_block=plan.samples[-1],
            every_blocks=request.every_blocks,
            sample_count=len(plan.samples),
            rows=table.num_rows,
            head_seq=plan.head.seq,
            head_hash=plan.head.hash,
            as_of_seq=plan.as_of.seq,
            as_of_hash=plan.as_of.hash,
            int_string_columns=int_strings,
        )
        sidecar = _write_table(table, meta, folder / f"{table_name}.{request.format}")
        final = request.out_dir / f"{table_name}.{request.format}"
        final_sidecar = None if sidecar is None else str(request.out_dir / Path(sidecar).name)
        files.append(ExportedFile(path=str(final), meta_path=final_sidecar, meta=meta))
    return files
