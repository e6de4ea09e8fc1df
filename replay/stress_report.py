"""The stress report: per f(x) position and in aggregate, the stressed run beside the unstressed.

Built from two `StressRun`s over the same fork (the stress path, and the same clock with the
fork's price held). Amounts stay ints in base units; in Parquet they are decimal strings (an
amount of wei does not fit int64), like the views.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from replay.outputs import refuse_others, rewriting_folder
from replay.stress import StressRun
from replay.units import UnitsMode, amount_text, scaled_text

POSITION_COLUMNS = (
    "pool",
    "position",
    "owner",
    "collateral_before",
    "debt_before",
    "ltv_before_1e18",
    "collateral_after",
    "debt_after",
    "ltv_after_1e18",
    "status_after",
    "rebalances",
    "liquidations",
    "outcome",
    "first_rebalance_line_block",
    "first_liquidation_line_block",
    "unstressed_outcome",
    "unstressed_debt_after",
)


FIGURE_ASSETS = {
    "holder_loss": "fxUSD",
    "walk_cost": "fxUSD",
    "bad_debt_raw_total": "fxUSD",
    "bad_debt_raw": "fxUSD",
    "stability_fxusd_before": "fxUSD",
    "stability_fxusd_after": "fxUSD",
    "stability_usdc_before": "USDC",
    "stability_usdc_after": "USDC",
    "alphax_holders_claimed_usdc": "USDC",
    "debt_before": "fxUSD",
    "debt_after": "fxUSD",
}
"""The asset each money figure is counted in (the rest are counts, blocks or dicts by token)."""
BY_TOKEN = ("reserve_before", "reserve_after", "reserve_shortfalls_covered")


def figure_text(key: str, value: Any, decimals: dict[str, int], units: UnitsMode) -> str:
    """A report figure as people read it (`display`) or as the books keep it (`base`)."""
    if units == "base" or not isinstance(value, int | dict) or isinstance(value, bool):
        return _show(value)
    asset = FIGURE_ASSETS.get(key)
    if isinstance(value, dict):
        if key not in BY_TOKEN and asset is None:
            return _show(value)
        # A reserve is keyed by its token, or `<reserve>:<token>` for another protocol's.
        return (
            "; ".join(
                f"{name}={amount_text(amount, asset or name.rsplit(':', 1)[-1], decimals, 2)}"
                for name, amount in value.items()
            )
            or "-"
        )
    return _show(value) if asset is None else amount_text(value, asset, decimals, places=2)


def price_text(price: int, scale: int, units: UnitsMode) -> str:
    """A path's price: exact over its scale in display units, the integer in base units."""
    return str(price) if units == "base" else scaled_text(price, scale, 2)


def position_outcome(run: StressRun, key: tuple[str, int]) -> dict[str, Any]:
    tracked = run.watch.positions.get(key)
    walks = tracked.walks if tracked else {}
    after = run.after["positions"].get(key)
    outcome = (
        "liquidated"
        if walks.get("liquidated")
        else "rebalanced"
        if walks.get("rebalanced")
        else "untouched"
    )
    return {
        "collateral_after": after[3] if after else 0,
        "debt_after": after[4] if after else 0,
        "ltv_after_1e18": after[6] if after else 0,
        "status_after": after[12] if after else "closed",
        "rebalances": walks.get("rebalanced", 0),
        "liquidations": walks.get("liquidated", 0),
        "outcome": outcome,
        "first_rebalance_line_block": tracked.first_rebalance_line_block if tracked else None,
        "first_liquidation_line_block": tracked.first_liquidation_line_block if tracked else None,
    }


def position_rows(stressed: StressRun, unstressed: StressRun) -> list[dict[str, Any]]:
    """Every f(x) position with debt at the fork, what the stress did to it, and the baseline."""
    rows = []
    for key, before in sorted(stressed.before["positions"].items()):
        base = position_outcome(unstressed, key)
        rows.append(
            {
                "pool": key[0],
                "position": key[1],
                "owner": before[2],
                "collateral_before": before[3],
                "debt_before": before[4],
                "ltv_before_1e18": before[6],
                **position_outcome(stressed, key),
                "unstressed_outcome": base["outcome"],
                "unstressed_debt_after": base["debt_after"],
            }
        )
    return rows


def holder_loss(run: StressRun) -> int:
    """The f(x) holders' mark-to-market loss, in debt units: equity at the fork less at the end.

    Equity is collateral at the pool's price less debt, at the fork's price before and at the
    path's last price after (a position closed out by the walks has none left). It includes
    the price move; what the walks alone took is `walk_cost`.
    """
    loss = 0
    for key, before in run.before["positions"].items():
        after = run.after["positions"].get(key)
        price = run.after_price_1e18.get(key[0], before[5])
        equity_before = before[3] * before[5] // 10**18 - before[4]
        equity_after = after[3] * price // 10**18 - after[4] if after else 0
        loss += equity_before - equity_after
    return loss


def aggregate(run: StressRun, rows: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One run's totals: walks, bad debt, reserve and stability pool before and after."""
    keys = sorted(run.before["positions"])
    outcomes = [position_outcome(run, key)["outcome"] for key in keys]
    return {
        "positions": len(keys),
        "rebalanced": outcomes.count("rebalanced"),
        "liquidated": outcomes.count("liquidated"),
        "rebalance_walks": run.watch.walk_events["rebalance"]
        + run.watch.walk_events["rebalance_tick"],
        "liquidation_walks": run.watch.walk_events["liquidate"],
        "bad_debt_raw": dict(sorted(run.watch.bad_debt_raw.items())),
        "bad_debt_raw_total": sum(run.watch.bad_debt_raw.values()),
        "holder_loss": holder_loss(run),
        "walk_cost": run.watch.walk_cost,
        "reserve_before": run.before["reserve"],
        "reserve_after": run.after["reserve"],
        "stability_fxusd_before": run.before["stability_fxusd"],
        "stability_fxusd_after": run.after["stability_fxusd"],
        "stability_usdc_before": run.before["stability_usdc"],
        "stability_usdc_after": run.after["stability_usdc"],
        "alphax_strikes_liquidated": run.watch.strikes_liquidated,
        "alphax_holders_claimed_usdc": run.watch.alphax_claimed_usdc,
        "refusals": dict(sorted(run.watch.refusals.items())),
        "end_block": run.end_block,
    }


def build_report(
    stressed: StressRun, unstressed: StressRun, header: dict[str, Any]
) -> dict[str, Any]:
    rows = position_rows(stressed, unstressed)
    return {
        **header,
        "stressed": aggregate(stressed),
        "unstressed": aggregate(unstressed),
        "positions": rows,
    }


def _column(values: list[Any]) -> pa.Array:
    """Every value as text: amounts exceed int64, and one type per column keeps it simple."""
    return pa.array([None if value is None else str(value) for value in values], pa.string())


REPORT_FILES = frozenset(
    ("stress.json", "positions.parquet", "summary.parquet", "stress-paths.json", "paths.parquet")
)
"""What a stress report folder holds: the files of either kind of run."""


REPORT_ADVICE = "pick a new or empty folder for --report"


def check_report_folder(out_dir: Path) -> None:
    """Refuse, before a stress runs, a `--report` folder that is someone else's: `out_dir` may be
    missing, empty or an earlier stress report (which the new one replaces)."""
    refuse_others(out_dir, REPORT_FILES.__contains__, "a stress report", REPORT_ADVICE)


@contextmanager
def _report_folder(out_dir: Path) -> Iterator[Path]:
    """Where a report is built: beside `out_dir`, moved into place whole (`replay.outputs`)."""
    with rewriting_folder(
        out_dir, REPORT_FILES.__contains__, "a stress report", force=False, advice=REPORT_ADVICE
    ) as folder:
        yield folder


def write_report(report: dict[str, Any], out_dir: Path) -> None:
    """`stress.json` (everything), `positions.parquet` and `summary.parquet` (one row a run)."""
    with _report_folder(out_dir) as folder:
        _write_report(report, folder)


def _write_report(report: dict[str, Any], out_dir: Path) -> None:
    (out_dir / "stress.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    rows = report["positions"]
    table = pa.table({name: _column([row[name] for row in rows]) for name in POSITION_COLUMNS})
    pq.write_table(table, out_dir / "positions.parquet")
    runs = ("stressed", "unstressed")
    summary_keys = [
        key for key, value in report["stressed"].items() if not isinstance(value, (dict, list))
    ]
    summary = {"run": pa.array(list(runs), pa.string())}
    for key in summary_keys:
        summary[key] = _column([report[run][key] for run in runs])
    pq.write_table(pa.table(summary), out_dir / "summary.parquet")


def write_paths_report(result: dict[str, Any], out_dir: Path) -> None:
    """`stress-paths.json` (the distribution and every path) and `paths.parquet` (a row a path)."""
    with _report_folder(out_dir) as folder:
        text = json.dumps(result, indent=2, sort_keys=True) + "\n"
        (folder / "stress-paths.json").write_text(text)
        rows = result["per_path"]
        names = list(rows[0]) if rows else []
        table = pa.table({name: _column([row[name] for row in rows]) for name in names})
        pq.write_table(table, folder / "paths.parquet")


def render(report: dict[str, Any], units: UnitsMode = "display") -> list[str]:
    """The text the CLI prints: the aggregates side by side, then each position."""
    decimals, scale = report.get("decimals", {}), report["price_scale"]
    prices = [price_text(report[key], scale, units) for key in ("price_start", "price_min")]
    scale_note = f" (scale {scale})" if units == "base" else ""
    lines = [
        f"stress {report['name']} on {report['log']} at block {report['fork_block']}: "
        f"{report['steps']} steps, {report['asset']} {prices[0]} -> min {prices[1]} -> "
        f"{price_text(report['price_end'], scale, units)}{scale_note}",
        f"  price at the fork: {report['price_source']}",
        f"{'':28}{'stressed':>28} {'unstressed':>28}",
    ]
    for key, value in report["stressed"].items():
        if key in ("refusals",):
            continue
        shown = [
            figure_text(key, item, decimals, units) for item in (value, report["unstressed"][key])
        ]
        lines.append(f"{key:28}{shown[0]:>28} {shown[1]:>28}")
    for row in report["positions"]:
        debts = [
            figure_text(key, row[key], decimals, units) for key in ("debt_before", "debt_after")
        ]
        lines.append(
            f"  {row['pool']}#{row['position']} {row['owner']}: {row['outcome']}"
            f" (rebalances {row['rebalances']}, liquidations {row['liquidations']};"
            f" lines crossed at {row['first_rebalance_line_block']}"
            f"/{row['first_liquidation_line_block']}); debt {debts[0]}"
            f" -> {debts[1]}; unstressed: {row['unstressed_outcome']}"
        )
    return lines


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return ",".join(f"{key}={item}" for key, item in value.items()) or "-"
    if isinstance(value, list):
        return ",".join(str(item) for item in value) or "-"
    return str(value)
