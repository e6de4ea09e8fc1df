"""Export for analytics: every exported row, read back by pandas and by DuckDB, equals
`Projector.state_at(block)` at its sampled block, exactly (amounts beyond 2**63 included), and
each file names the block range and the log head it reflects."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from events.core import Minted, Transferred
from ledger.batch import Appended, NewEvent, Rejected
from ledger.clock import FixedClock
from ledger.jsonl import parse_lines
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from projections.arrays import amounts_to_float
from projections.balances import Balances
from replay.cli import cli
from replay.cli.projections import export  # noqa: F401  (registers the commands)
from replay.export import (
    ExportFormat,
    ExportRangeError,
    ExportRequest,
    export_projection,
    plan_export,
    sample_blocks,
)
from tests.conftest import Rand

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "events" / "genesis.jsonl"
ACCOUNTS = ["alice", "bob", "carol", "dave"]
DECIMALS = {"USDC": 6, "ETH": 18}
FROM_BLOCK, EVERY_BLOCKS, TO_BLOCK = 3, 7, 40
SAMPLES = [3, 10, 17, 24, 31, 38, 40]
Rows = dict[int, set[tuple[Any, ...]]]


@pytest.fixture
def ledger(tmp_path: Path, rand: Rand) -> Iterator[Path]:
    """The genesis fixture, then random transfers and mints over blocks 6..42."""
    path = tmp_path / "ledger.db"
    store = SqliteStore(path, clock=FixedClock(1_700_000_000_000), create=True)
    with FIXTURE.open() as source:
        parsed = parse_lines(source)
    assert not isinstance(parsed, Rejected)
    assert isinstance(store.append(parsed.events), Appended)
    held = Balances()
    for record in store.read():
        held.apply(record)
    for block in range(6, 43):
        batch = [_random_event(rand, held, block) for _ in range(rand.randint(1, 3))]
        appended = store.append(batch) if batch else None
        if appended is not None:
            assert isinstance(appended, Appended)
            for record in store.read(ReadFilter(from_seq=appended.first_seq)):
                held.apply(record)
    Projector(store, ["balances"], snapshot_every=7).rebuild()  # so state_at starts mid-log
    store.close()
    yield path


def _random_event(rand: Rand, held: Balances, block: int) -> NewEvent:
    asset = rand.choice(sorted(DECIMALS))
    source = rand.choice(ACCOUNTS)
    balance = held.balance(source, asset)
    if balance <= 0 or rand.random() < 0.2:
        amount = rand.randint(1, 10**30) if asset == "ETH" else rand.randint(1, 10**12)
        return NewEvent(event=Minted(asset=asset, to_account=source, amount=amount), block=block)
    target = rand.choice([account for account in ACCOUNTS if account != source])
    event = Transferred(
        asset=asset, from_account=source, to_account=target, amount=rand.randint(1, balance)
    )
    return NewEvent(event=event, block=block)


def expected_rows(path: Path) -> dict[str, Rows]:
    """The oracle: each sampled block's tables from `state_at`, independently of the export."""
    store = SqliteStore(path)
    try:
        expected: dict[str, Rows] = {"balances": {}, "supply": {}}
        for block in SAMPLES:
            (balances,) = Projector(store, ["balances"]).state_at(block)
            for table in balances.tables():
                expected[table.name][block] = set(table.rows)
        return expected
    finally:
        store.close()


def run_export(path: Path, out: Path, format_name: str) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "export", str(path), "--projection", "balances", "--format", format_name,
            "--out", str(out), "--every-blocks", str(EVERY_BLOCKS),
            "--from-block", str(FROM_BLOCK), "--to-block", str(TO_BLOCK),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output  # no progress bar when stdout is not a terminal


def group(rows: list[tuple[Any, ...]]) -> Rows:
    grouped: Rows = {}
    for block, *rest in rows:
        grouped.setdefault(int(block), set()).add(tuple(rest))
    return grouped


def exact(frame: pd.DataFrame, table: str) -> list[tuple[Any, ...]]:
    """Rows with the amount text parsed back to an exact int (and supply's decimals as int)."""
    columns = ["block", "account", "asset", "amount"] if table == "balances" else None
    columns = columns or ["block", "asset", "amount", "decimals"]
    rows = []
    for values in frame[columns].itertuples(index=False):
        row = list(values)
        row[columns.index("amount")] = int(row[columns.index("amount")])
        if "decimals" in columns:
            row[-1] = int(row[-1])
        rows.append(tuple(row))
    return rows


def check_display(frame: pd.DataFrame, table: str) -> None:
    for row in frame.itertuples(index=False):
        decimals = row.decimals if table == "supply" else DECIMALS[row.asset]
        assert row.amount_display == int(row.amount) / 10 ** int(decimals)


def sql_rows(query: str) -> list[tuple[Any, ...]]:
    relation = duckdb.sql(query)
    assert relation is not None
    return [tuple(row) for row in relation.fetchall()]


def duckdb_rows(source: str, table: str) -> list[tuple[Any, ...]]:
    keys = "account, asset" if table == "balances" else "asset"
    tail = ", cast(decimals as integer)" if table == "supply" else ""
    query = f"select block, {keys}, cast(amount as hugeint){tail} from {source} order by all"
    return sql_rows(query)


def read_frame(path: Path, format_name: str) -> pd.DataFrame:
    text_columns = {"amount": str, "account": str, "asset": str}
    if format_name == "parquet":
        return pd.read_parquet(path)
    if format_name == "csv":
        return pd.read_csv(path, dtype=text_columns, keep_default_na=False)
    # pandas' own float parser is off by an ulp on some decimals (0.97619 -> 0.9761900000000001)
    return pd.read_json(path, lines=True, dtype=text_columns, precise_float=True)


def duckdb_source(path: Path, format_name: str) -> str:
    if format_name == "parquet":
        return f"read_parquet('{path}')"
    if format_name == "csv":
        return f"read_csv('{path}', all_varchar = true)"
    return f"read_json('{path}', format = 'newline_delimited')"


def file_meta(path: Path, format_name: str) -> dict[str, Any]:
    if format_name == "parquet":
        raw = pq.read_schema(path).metadata
        prefix = b"defi_ledger."
        return {
            key[len(prefix) :].decode(): value.decode()
            for key, value in raw.items()
            if key.startswith(prefix)
        }
    meta: dict[str, Any] = json.loads(Path(f"{path}.meta.json").read_text())
    return {key: str(value) for key, value in meta.items()}


@pytest.mark.parametrize("format_name", [member.value for member in ExportFormat])
def test_every_exported_row_is_the_state_at_its_block(
    ledger: Path, tmp_path: Path, format_name: str
) -> None:
    expected = expected_rows(ledger)
    out = tmp_path / "out"
    run_export(ledger, out, format_name)
    store = SqliteStore(ledger)
    head = store.head()
    store.close()
    for table in ("balances", "supply"):
        path = out / f"{table}.{format_name}"
        frame = read_frame(path, format_name)
        assert frame.columns[0] == "block"
        assert set(frame["block"]) == set(SAMPLES)
        assert group(exact(frame, table)) == expected[table]
        assert group(duckdb_rows(duckdb_source(path, format_name), table)) == expected[table]
        check_display(frame, table)
        meta = file_meta(path, format_name)
        assert (meta["from_block"], meta["to_block"]) == (str(FROM_BLOCK), str(TO_BLOCK))
        assert (meta["head_hash"], meta["head_seq"]) == (head.hash, str(head.seq))
        assert (meta["projection"], meta["projection_version"]) == (
            "balances",
            str(Balances.version),
        )
        assert meta["table"] == table and meta["sample_count"] == str(len(SAMPLES))


def test_amounts_beyond_int64_survive_every_format(ledger: Path, tmp_path: Path) -> None:
    run_export(ledger, tmp_path / "out", "parquet")
    query = (
        f"select max(cast(amount as hugeint)) from read_parquet('{tmp_path}/out/supply.parquet')"
    )
    ((largest,),) = sql_rows(query)
    assert largest > 2**63
    schema = pq.read_schema(tmp_path / "out" / "balances.parquet")
    assert str(schema.field("amount").type) == "string"
    assert str(schema.field("amount_display").type) == "double"
    ((as_of_seq,),) = sql_rows(
        f"select value from parquet_kv_metadata('{tmp_path}/out/balances.parquet') "
        "where key = 'defi_ledger.as_of_seq'"
    )
    assert int(as_of_seq) > 0


def test_the_log_is_folded_forward_once(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    original = Projector.books_at

    def counting(self: Projector, block: int) -> Any:
        calls.append(block)
        return original(self, block)

    monkeypatch.setattr(Projector, "books_at", counting)
    folded: list[int] = []
    store = SqliteStore(ledger)
    try:
        request = ExportRequest(
            projection="balances",
            format=ExportFormat.JSONL,
            out_dir=tmp_path / "out",
            every_blocks=EVERY_BLOCKS,
            from_block=FROM_BLOCK,
            to_block=TO_BLOCK,
        )
        plan = plan_export(store, request)
        result = export_projection(store, request, plan, folded.append)
    finally:
        store.close()
    assert calls == [FROM_BLOCK]
    assert result.samples == SAMPLES
    assert sum(folded) == plan.records_to_fold > 0


def test_the_default_is_the_head_block_only(ledger: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["export", str(ledger), "--projection", "balances", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_parquet(tmp_path / "o" / "balances.parquet")
    store = SqliteStore(ledger)
    head_block = store.head().block
    store.close()
    assert set(frame["block"]) == {head_block}


def test_bad_ranges_and_names_are_usage_errors(ledger: Path, tmp_path: Path) -> None:
    out = str(tmp_path / "o")
    base = ["export", str(ledger), "--out", out]
    cases = {
        "after --to-block": [*base, "--projection", "balances", "--from-block", "9", "--to-block", "4"],
        "known: balances": [*base, "--projection", "nonesuch"],
    }  # fmt: skip
    for message, args in cases.items():
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert not Path(out).exists()


def test_a_block_past_the_head_is_refused_input_naming_the_head(
    ledger: Path, tmp_path: Path
) -> None:
    out = tmp_path / "o"
    args = [
        "export",
        str(ledger),
        "--projection",
        "balances",
        "--to-block",
        "99",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "past the head" in result.output and "block 42" in result.output
    assert not out.exists()


def test_sample_blocks() -> None:
    assert sample_blocks(3, 40, 7) == SAMPLES
    assert sample_blocks(5, 5, 3) == [5]
    assert sample_blocks(2, 9, None) == [2, 9]
    with pytest.raises(ExportRangeError):
        sample_blocks(9, 2, 1)


def test_amounts_to_float_is_the_rounded_quotient() -> None:
    amounts = [250_000_000_000_000_000_000_000_000_000, 1, None, 5]
    values = amounts_to_float(amounts, [18, 6, 6, None])
    assert values[0] == 250_000_000_000 and values[1] == 1e-6
    assert math.isnan(values[2]) and math.isnan(values[3])
    assert amounts_to_float([10**40 + 1], 20).tolist() == [(10**40 + 1) / 10**20]
    with pytest.raises(ValueError, match="2 amounts but 1 decimals"):
        amounts_to_float([1, 2], [6])


@pytest.mark.parametrize("format_name", [member.value for member in ExportFormat])
def test_an_amount_beyond_float_range_exports_exactly(
    ledger: Path, tmp_path: Path, format_name: str
) -> None:
    huge = 10**400 + 7
    store = SqliteStore(ledger)
    minted = Minted(asset="USDC", to_account="zed", amount=huge)
    assert isinstance(store.append([NewEvent(event=minted, block=43)]), Appended)
    store.close()
    result = CliRunner().invoke(
        cli,
        [
            "export", str(ledger), "--projection", "balances", "--format", format_name,
            "--out", str(tmp_path / "out"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    path = tmp_path / "out" / f"balances.{format_name}"
    if format_name == "parquet":
        rows = pq.read_table(path).to_pylist()
    elif format_name == "csv":
        rows = list(csv.DictReader(path.read_text().splitlines()))
    else:
        rows = [json.loads(line) for line in path.read_text().splitlines()]
    (zed,) = [row for row in rows if row["account"] == "zed"]
    assert int(zed["amount"]) == huge
    display = {"parquet": math.inf, "csv": "inf", "jsonl": None}[format_name]
    assert zed["amount_display"] == display
    others = [row for row in rows if row["account"] != "zed"]
    assert all(float(row["amount_display"]) < 1e300 for row in others)


def test_amounts_to_float_is_infinite_only_beyond_float_range() -> None:
    amounts = [10**400, -(10**400), 10**315, 10**314, 10**400]
    values = amounts_to_float(amounts, [0, 0, 6, 6, 100])
    assert values.tolist() == [math.inf, -math.inf, math.inf, 1e308, 1e300]
