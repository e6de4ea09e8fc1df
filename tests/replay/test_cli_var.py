"""`defi-ledger var`: the table is seeded (same args, same table) and a chart is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from replay.cli import cli
from replay.cli.var import var  # noqa: F401  (registers the command)

SERIES = (
    Path(__file__).resolve().parents[2].parent / "shared" / "data" / "prices" / "eth-usdt-1h.csv"
)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.mark.skipif(not SERIES.exists(), reason=f"price series not found at {SERIES}")
def test_var_is_seeded_and_writes_its_chart(tmp_path: Path) -> None:
    args = [
        "var",
        "--series",
        str(SERIES),
        "--paths",
        "2000",
        "--horizon-hours",
        "720",
        "--crash-multiplier",
        "200",
        "--seed",
        "5",
        "--json",
    ]
    code, first = run(*args, "--chart", str(tmp_path / "a.png"))
    assert code == 0, first
    code, second = run(*args, "--chart", str(tmp_path / "b.png"))
    table = json.loads(first)["exceedance"]
    assert json.loads(second)["exceedance"] == table
    assert table[0]["probability"] > 0  # 200x the crash frequency does default some paths
    assert [row["probability"] for row in table] == sorted(
        (row["probability"] for row in table), reverse=True
    )
    assert (tmp_path / "a.png").read_bytes().startswith(b"\x89PNG")


def test_var_rejects_an_impossible_ltv(tmp_path: Path) -> None:
    series = tmp_path / "s.csv"
    series.write_text("timestamp,open,high,low,close,volume\n2020-01-01T00:00:00Z,1,1,1,1,0\n")
    code, output = run("var", "--series", str(series), "--ltv", "1.5")
    assert code == 2 and "ltv" in output.lower()
