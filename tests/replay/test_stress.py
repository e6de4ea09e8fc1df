"""`stress`: a price path against the books as they stand at a block, worked out by hand."""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.sqlite_store import SqliteStore
from replay.cli import cli
from replay.fork import diff_logs
from replay.scenario import ScenarioError
from replay.stress_log import stress_log
from replay.stress_many import stress_many
from replay.stress_spec import load_stress
from replay.verify import verify_replay
from tests.replay.stress_book import (
    E18,
    STEP_STRESS,
    assert_lines_and_baseline,
    build_book,
    write_stress,
)

NO_PRICES = Path("/nonexistent")


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.db"
    build_book(path)
    return path


def test_a_step_crash_rebalances_liquidates_and_socialises_bad_debt(
    book: Path, tmp_path: Path
) -> None:
    """ETH $2,000 -> $1,500 in one step; the keeper liquidates, then rebalances.

    Collateral 9.97 ETH each is worth 14,955 at $1,500. Debt ratios: alice 10,500/14,955 =
    0.702 (healthy), bob 13,300/14,955 = 0.889 (past the 0.88 rebalance line), carol
    15,500/14,955 = 1.036 (past the 0.92 liquidation line, and under water).

    Carol: with no reserve, the liquidation takes all her collateral for 9.97 x 1,500 =
    14,955 of debt; the bad debt is 15,500 - 14,955 = 545 fxUSD, exactly, socialised over the
    debt left (10,500 + 13,300 = 23,800): alice owes 10,500 + 545 x 10,500/23,800 =
    10,740.441176470588235294 and bob 13,300 + 545 x 13,300/23,800 = 13,604.5588...
    (ratio 0.9097: still short of the liquidation line, so he is only rebalanced).

    Bob: a rebalance repays x with a 2.5% bonus in collateral so the ratio lands on 0.88:
    x = (D - 0.88 C P) / (1 - 0.88 x 1.025) = (13,604.5588 - 13,160.4) / 0.098 = 4,532.2330,
    leaving debt 9,072.3259 and collateral 9.97 - 4,532.2330 x 1.025 / 1,500 = 6.87297 ETH;
    his bonus, 2.5% of x = 113.3058, is the walks' cost to the holders.
    """
    spec = load_stress(write_stress(tmp_path / "step.toml"))
    report = stress_log(book, 3, spec, tmp_path / "s.db", NO_PRICES)
    rows = {row["owner"]: row for row in report["positions"]}
    assert [rows[name]["outcome"] for name in ("alice", "bob", "carol")] == [
        "untouched",
        "rebalanced",
        "liquidated",
    ]
    stressed = report["stressed"]
    assert stressed["bad_debt_raw_total"] == 545 * E18
    assert stressed["liquidated"] == 1 and stressed["rebalanced"] == 1
    assert rows["alice"]["debt_after"] == 10_500 * E18 + 545 * E18 * 10_500 // 23_800
    bob_debt = Fraction(13_300) + Fraction(545 * 13_300, 23_800)
    repaid = (bob_debt - Fraction(88, 100) * Fraction(14_955)) / (1 - Fraction(88 * 1025, 100_000))
    assert abs(rows["bob"]["debt_after"] - (bob_debt - repaid) * E18) < 10**6
    collateral = Fraction(997, 100) - repaid * Fraction(1025, 1000) / 1500
    assert abs(rows["bob"]["collateral_after"] - collateral * E18) < 10**6
    assert abs(stressed["walk_cost"] - repaid * Fraction(25, 1000) * E18) < 10**6
    assert rows["carol"]["debt_after"] == 0 and rows["carol"]["status_after"] == "closed"
    # The first step is 60 s after the fork: 5 blocks of 12 s, block 8.
    assert_lines_and_baseline(report, rows, 8)


def test_the_stressed_log_verifies_and_diff_shows_only_the_stress(
    book: Path, tmp_path: Path
) -> None:
    spec = load_stress(write_stress(tmp_path / "step.toml"))
    report = stress_log(book, 3, spec, tmp_path / "s.db", NO_PRICES)
    stressed, unstressed = SqliteStore(tmp_path / "s.db"), SqliteStore(tmp_path / "s-unstressed.db")
    parent = SqliteStore(book)
    try:
        assert stressed.verify().ok and unstressed.verify().ok
        result = verify_replay(stressed)
        assert result.ok and result.checkpoints == 2
        # Up to the fork both share the parent's chain and books.
        assert [row[11] for row in stressed.rows()][: report["fork_seq"]] == [
            row[11] for row in parent.rows()
        ]
        assert diff_logs(stressed, unstressed, 3) == []
        end = report["stressed"]["end_block"]
        changed = {(item.projection, item.table) for item in diff_logs(stressed, unstressed, end)}
        assert ("prices", "prices") in changed and ("fx_pools", "fx_pools") in changed
        assert not any(name in ("governance", "alex_staking") for name, _ in changed)
        balances = next(
            item for item in diff_logs(stressed, unstressed, end) if item.table == "balances"
        )
        accounts = {row["account"] for row in balances.only_in_a + balances.only_in_b}
        assert "alice" not in accounts and "bob" not in accounts  # their collateral is pooled
        assert "keeper" in accounts and "vault:fx:ETH-long" in accounts
    finally:
        for store in (stressed, unstressed, parent):
            store.close()


def test_a_stress_with_setup_is_refused_by_name(book: Path, tmp_path: Path) -> None:
    text = STEP_STRESS + '\n[[setup]]\ncommand = "CreateFxPool"\nargs = { pool_id = "x" }\n'
    with pytest.raises(ScenarioError, match="`setup`"):
        load_stress(write_stress(tmp_path / "bad.toml", text))
    out = tmp_path / "s.db"
    result = CliRunner().invoke(
        cli,
        [
            "stress",
            str(book),
            "--at-block",
            "3",
            "--scenario",
            str(tmp_path / "bad.toml"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1 and "setup" in result.output
    assert not out.exists()


def test_changes_are_facts_at_the_fork(book: Path, tmp_path: Path) -> None:
    """A reserve credited at the fork pays part of carol's liquidation bonus, on the record."""
    text = STEP_STRESS.replace(
        "holdings = { USDC = 1_000_000_000_000 }",
        "holdings = { USDC = 1_000_000_000_000, ETH = 2_000_000_000_000_000_000 }",
    ) + (
        '[[changes]]\ncommand = "CreditReserve"\n'
        'args = { token = "ETH", amount = 2_000_000_000_000_000_000, from_account = "keeper", '
        'reserve = "fx" }\n'
    )
    spec = load_stress(write_stress(tmp_path / "reserve.toml", text))
    report = stress_log(book, 3, spec, tmp_path / "s.db", NO_PRICES)
    # f(x) bonuses are paid from the f(x) reserve's book of ETH (`reserve:fx:ETH`).
    assert report["stressed"]["reserve_before"] == {"fx:ETH": 2 * E18}
    assert report["stressed"]["reserve_after"]["fx:ETH"] < 2 * E18
    # The reserve made carol's collateral whole for the liquidator: less bad debt than 545.
    assert 0 <= report["stressed"]["bad_debt_raw_total"] < 545 * E18
    store = SqliteStore(tmp_path / "s.db")
    credits = [r for r in store.read() if r.type == "ReserveCredited"]
    store.close()
    assert [r.block for r in credits] == [3]


def test_many_paths_from_the_snapshot_match_the_forked_log(book: Path, tmp_path: Path) -> None:
    """With no noise every path is the base path: the snapshot run equals the file run."""
    text = STEP_STRESS.replace("shock =", "volatility_bps = 0\nshock =")
    spec = load_stress(write_stress(tmp_path / "flat.toml", text))
    many = stress_many(book, 3, spec, NO_PRICES, paths=3, seed=5, workers=1)
    single = stress_log(book, 3, spec, tmp_path / "s.db", NO_PRICES)["stressed"]
    for row in many["per_path"]:
        for figure in (
            "holder_loss",
            "walk_cost",
            "bad_debt_raw_total",
            "liquidated",
            "rebalanced",
        ):
            assert row[figure] == single[figure]


def test_many_paths_give_the_same_figures_in_one_process_or_two(book: Path, tmp_path: Path) -> None:
    text = STEP_STRESS.replace("steps = 2", "steps = 6").replace(
        "shock =", "volatility_bps = 400\nshock ="
    )
    spec = load_stress(write_stress(tmp_path / "noisy.toml", text))
    serial = stress_many(book, 3, spec, NO_PRICES, paths=6, seed=9, workers=1)
    parallel = stress_many(book, 3, spec, NO_PRICES, paths=6, seed=9, workers=2)
    assert serial["per_path"] == parallel["per_path"]
    assert len({row["price_end"] for row in serial["per_path"]}) > 1
    losses = sorted(row["holder_loss"] for row in serial["per_path"])
    assert serial["distribution"]["holder_loss"]["max"] == losses[-1]
    assert serial["distribution"]["holder_loss"]["p50"] == losses[2]


def test_a_parameter_change_at_the_fork_moves_the_rebalance_line(
    book: Path, tmp_path: Path
) -> None:
    """The rebalance line raised from 0.88 to 0.915: bob's 0.9097 (after carol's bad debt) is
    below it, so he is left alone; carol is liquidated as before, with the same 545 bad debt."""
    text = STEP_STRESS + (
        '[[changes]]\ncommand = "ChangeFxParameters"\n'
        'args = { pool_id = "ETH-long", changes = { rebalance_debt_ratio_1e18 = 915_000_000_000_000_000 } }\n'
    )
    spec = load_stress(write_stress(tmp_path / "line.toml", text))
    report = stress_log(book, 3, spec, tmp_path / "s.db", NO_PRICES)
    rows = {row["owner"]: row for row in report["positions"]}
    assert (
        rows["bob"]["outcome"] == "untouched" and rows["bob"]["first_rebalance_line_block"] is None
    )
    assert rows["carol"]["outcome"] == "liquidated"
    assert report["stressed"]["bad_debt_raw_total"] == 545 * E18
    store = SqliteStore(tmp_path / "s.db")
    changed = [
        (r.block, r.event.changes) for r in store.read() if r.type == "FxPoolParametersChanged"
    ]
    store.close()
    assert changed == [(3, {"rebalance_debt_ratio_1e18": 915 * 10**15})]


@pytest.mark.parametrize(
    "changes",
    [
        {"rebalance_debt_ratio_1e18": 930 * 10**15},  # past the liquidation line
        {"side": "short"},  # what the pool is, not a parameter
        {"close_fee_ratio_1e9": -1},
        {},
    ],
)
def test_a_bad_parameter_change_is_refused(
    book: Path, tmp_path: Path, changes: dict[str, object]
) -> None:
    from ledger.batch import Rejected
    from ledger.commands.fx_parameters import ChangeFxParameters
    from ledger.engine import Engine

    store = SqliteStore(book)
    head = store.head()
    result = Engine(store).execute(
        [ChangeFxParameters(pool_id="ETH-long", changes=changes)], block=3
    )
    assert isinstance(result, Rejected) and result.code == "INVALID_PARAMETER"
    assert store.head() == head
    store.close()


def test_the_cli_writes_the_report_as_json_and_parquet(book: Path, tmp_path: Path) -> None:
    import json

    import pyarrow.parquet as pq

    scenario = write_stress(tmp_path / "step.toml")
    out, report_dir = tmp_path / "s.db", tmp_path / "report"
    args = ["stress", str(book), "--at-block", "3", "--scenario", str(scenario)]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--report", str(report_dir)])
    assert result.exit_code == 0, result.output
    assert "carol: liquidated" in result.output
    written = json.loads((report_dir / "stress.json").read_text())
    table = pq.read_table(report_dir / "positions.parquet").to_pylist()
    assert [row["outcome"] for row in table] == [row["outcome"] for row in written["positions"]]
    assert [int(row["debt_after"]) for row in table] == [
        row["debt_after"] for row in written["positions"]
    ]
    summary = pq.read_table(report_dir / "summary.parquet").to_pylist()
    assert [(row["run"], int(row["bad_debt_raw_total"])) for row in summary] == [
        ("stressed", 545 * E18),
        ("unstressed", 0),
    ]
    paths_dir = tmp_path / "paths"
    many = CliRunner().invoke(
        cli,
        [
            *args,
            "--paths",
            "4",
            "--seed",
            "2",
            "--workers",
            "1",
            "--json",
            "--report",
            str(paths_dir),
        ],
    )
    assert many.exit_code == 0, many.output
    per_path = json.loads(many.output)["per_path"]
    assert len(per_path) == 4
    rows = pq.read_table(paths_dir / "paths.parquet").to_pylist()
    # --json writes integers beyond 2**53 as strings (JavaScript and jq would round them).
    assert [int(row["bad_debt_raw_total"]) for row in rows] == [
        int(row["bad_debt_raw_total"]) for row in per_path
    ]


def test_a_stress_that_cannot_start_leaves_no_logs(book: Path, tmp_path: Path) -> None:
    """No price for the path's asset at the fork block: refused (exit 1), nothing written."""
    scenario = write_stress(
        tmp_path / "btc.toml", STEP_STRESS.replace('asset = "ETH"', 'asset = "BTC"')
    )
    out = tmp_path / "s.db"
    result = CliRunner().invoke(
        cli,
        ["stress", str(book), "--at-block", "3", "--scenario", str(scenario), "--out", str(out)],
    )
    assert result.exit_code == 1 and "no price for 'BTC'" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book.db", "btc.toml"]


def test_the_same_stress_writes_the_same_bytes(book: Path, tmp_path: Path) -> None:
    spec = load_stress(write_stress(tmp_path / "step.toml"))
    heads = []
    for name in ("one", "two"):
        stress_log(book, 3, spec, tmp_path / f"{name}.db", NO_PRICES)
        store = SqliteStore(tmp_path / f"{name}.db")
        heads.append(store.head())
        store.close()
    assert heads[0] == heads[1]


def test_the_text_shows_money_in_display_units_and_base_units_on_request(
    book: Path, tmp_path: Path
) -> None:
    """Carol's bad debt (545 fxUSD, worked out above) as a person reads it, or as kept."""
    scenario = write_stress(tmp_path / "step.toml")
    args = ["stress", str(book), "--at-block", "3", "--scenario", str(scenario)]
    shown = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "a.db")])
    assert shown.exit_code == 0, shown.output
    line = next(row for row in shown.output.splitlines() if row.startswith("bad_debt_raw_total"))
    assert line.split() == ["bad_debt_raw_total", "545", "fxUSD", "0", "fxUSD"]
    assert "debt 15,500 fxUSD -> 0 fxUSD" in shown.output  # carol, liquidated
    assert "$2,000" not in shown.output and "2,000 -> min 1,500 -> 1,500" in shown.output
    base = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "b.db"), "--units", "base"])
    assert base.exit_code == 0, base.output
    line = next(row for row in base.output.splitlines() if row.startswith("bad_debt_raw_total"))
    assert line.split() == ["bad_debt_raw_total", str(545 * E18), "0"]
    many = CliRunner().invoke(cli, [*args, "--paths", "2", "--seed", "2", "--workers", "1"])
    assert many.exit_code == 0, many.output
    row = next(row for row in many.output.splitlines() if row.startswith("walk_cost"))
    assert row.count("fxUSD") == 5 and all(len(cell) < 16 for cell in row.split()[1:])


def test_a_bug_in_a_stress_is_an_internal_error_with_its_traceback_saved(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As for every command (exit 5, the traceback in a file), not a message of its own."""

    def broken(path: Path) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("replay.stress_spec.load_stress", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the saved traceback goes here
    scenario = write_stress(tmp_path / "s.toml", STEP_STRESS)
    out = tmp_path / "s.db"
    args = ["stress", str(book), "--at-block", "3", "--scenario", str(scenario), "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 5, result.output
    assert "internal error (a bug in defi-ledger): RuntimeError: a bug" in result.output
    assert "traceback is saved in" in result.output and not out.exists()
    saved = list(tmp_path.glob("defi-ledger-crash-*.txt"))
    assert len(saved) == 1 and 'raise RuntimeError("a bug")' in saved[0].read_text()


@pytest.mark.parametrize("block", ["4", "99999999", str(2**63 - 1)])
@pytest.mark.parametrize("many", [False, True])
def test_a_block_past_the_head_is_refused_before_anything_is_written(
    book: Path, tmp_path: Path, block: str, many: bool
) -> None:
    """The book's head is block 3: a stress from beyond it has no books to start from."""
    scenario = write_stress(tmp_path / "step.toml")
    args = ["stress", str(book), "--at-block", block, "--scenario", str(scenario)]
    report_dir = tmp_path / "report"
    more = ["--paths", "2", "--workers", "1"] if many else ["--out", str(tmp_path / "s.db")]
    result = CliRunner().invoke(cli, [*args, *more, "--report", str(report_dir)])
    assert result.exit_code == 1, result.output
    assert f"block {block} is past the head of {book}: block 3" in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book.db", "step.toml"]


def test_a_seed_without_paths_is_a_usage_error(book: Path, tmp_path: Path) -> None:
    """Only the variations of --paths take --seed: a single stress would ignore it."""
    scenario = write_stress(tmp_path / "step.toml")
    out = tmp_path / "s.db"
    args = ["stress", str(book), "--at-block", "3", "--scenario", str(scenario)]
    result = CliRunner().invoke(cli, [*args, "--out", str(out), "--seed", "5"])
    assert result.exit_code == 2 and "--paths" in result.output
    assert not out.exists()
