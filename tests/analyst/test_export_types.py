"""A prices export keeps the sampled block, and a column keeps its type from run to run."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner

from replay.cli import cli
from replay.export_columns import to_arrow


def export(db: Path, out: Path, *args: str) -> Path:
    result = CliRunner().invoke(
        cli,
        ["export", str(db), "--format", "parquet", "--out", str(out), *args],
    )
    assert result.exit_code == 0, result.output
    return out


def test_prices_keep_the_sampled_block_beside_the_update_block(
    whale_log: Path, tmp_path: Path
) -> None:
    out = export(
        whale_log,
        tmp_path / "p",
        "--projection",
        "prices",
        "--every-blocks",
        "2400",
        "--from-block",
        "2400",
        "--to-block",
        "7200",
    )
    table = pq.read_table(out / "prices.parquet").to_pylist()
    assert sorted({row["block"] for row in table}) == [2400, 4800, 7200]
    assert all(row["prices_block"] <= row["block"] for row in table)
    assert any(row["prices_block"] != row["block"] for row in table)  # the two differ


def test_a_column_has_one_type_whatever_its_values(whale_log: Path, tmp_path: Path) -> None:
    """Early in the log the balances are small; later one is 1e30: the types stay the same."""
    early = export(whale_log, tmp_path / "a", "--projection", "positions", "--to-block", "10")
    late = export(whale_log, tmp_path / "b", "--projection", "positions")
    for name in ("fx_positions", "strike_markets"):
        first = pq.read_schema(early / f"{name}.parquet")
        second = pq.read_schema(late / f"{name}.parquet")
        assert first.names == second.names
        assert [str(t) for t in first.types] == [str(t) for t in second.types]
    schema = pq.read_schema(late / "fx_positions.parquet")
    assert str(schema.field("ltv_1e18").type) == "string"
    assert str(schema.field("position").type) == "int64"


def test_an_uncatalogued_mixed_column_beyond_float_range_is_infinite() -> None:
    table, int_texts = to_arrow([1, 1, 1], ("odd",), [(0.5,), (10**400,), (None,)], [], None, "t")
    assert table.column("odd").to_pylist() == [0.5, math.inf, None]
    assert int_texts == []
