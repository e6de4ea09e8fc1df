"""`defi-ledger report`: PNG charts of a replayed log and one HTML page that shows them.

The log is folded once; at most `samples_max` evenly spaced price steps are sampled (each
sample reads the projections as they stand after the whole block). Charts (matplotlib, Agg,
headless): the price against the LTV distribution of f(x) positions, rebalances and
liquidations per hour, reserve-pool coverage, supply per asset, and dead strikes.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from events.core import PriceUpdated
from events.record import Record
from ledger.sqlite_store import SqliteStore
from projections.positions import Positions
from projections.runtime import make_books
from replay.summary import render_summary, summarise

HOUR_MS = 3_600_000
OUTCOME_KINDS = ("rebalance", "liquidate")


@dataclass
class Series:
    """What the charts plot, sampled while the log is folded."""

    blocks: list[int] = field(default_factory=list)
    prices: list[float] = field(default_factory=list)
    ltv_percentiles: list[tuple[float, float, float]] = field(default_factory=list)
    coverage_bps: dict[str, list[float]] = field(default_factory=dict)
    supply: dict[str, list[float]] = field(default_factory=dict)
    dead_strikes: list[int] = field(default_factory=list)
    outcomes_per_hour: dict[str, Counter[int]] = field(default_factory=dict)


def _outcome(record: Record) -> str | None:
    kind = getattr(record.event, "kind", None)
    if record.type == "FxWalked" and isinstance(kind, str):
        return "rebalance" if kind.startswith("rebalance") else kind
    if "Liquidated" in record.type:
        return "liquidate"
    return None


def _sample(series: Series, block: int, price: float, by_name: dict[str, Any]) -> None:
    series.blocks.append(block)
    series.prices.append(price)
    positions = by_name.get("positions")
    ratios = (
        sorted(row[6] / 1e16 for row in getattr(positions, "fx_rows", list)() if row[6] is not None)
        if positions is not None
        else []
    )
    if ratios:
        pick = [ratios[min(len(ratios) - 1, len(ratios) * q // 100)] for q in (10, 50, 90)]
        series.ltv_percentiles.append((pick[0], pick[1], pick[2]))
    else:
        series.ltv_percentiles.append((float("nan"),) * 3)
    reserve = by_name.get("reserve_solvency")
    for token, book in sorted(getattr(reserve, "books", {}).items()):
        coverage = book.coverage_bps()
        series.coverage_bps.setdefault(token, []).append(
            float("nan") if coverage is None else coverage / 100
        )
    balances = by_name.get("balances")
    for asset, amount in getattr(balances, "supplies", dict)().items():
        decimals = getattr(balances, "decimals", {}).get(asset, 0)
        series.supply.setdefault(asset, []).append(amount / 10**decimals)
    markets = getattr(getattr(positions, "alphax", None), "markets", {})
    series.dead_strikes.append(
        sum(1 for market in markets.values() if getattr(market, "dead_side", ""))
    )


def collect(store: SqliteStore, samples_max: int = 300) -> Series:
    """Fold the log once, sampling at most `samples_max` price steps."""
    price_steps = store.counts_by_type().get("PriceUpdated", 0)
    stride = max(1, price_steps // samples_max)
    books = make_books()
    by_name: dict[str, Any] = {**books.by_name, "positions": Positions(books)}
    series = Series()
    seen_prices = 0
    pending: tuple[int, float] | None = None
    first_asset: str | None = None
    for record in store.read():  # the full records: outcomes are counted by `ts_ms`
        if pending is not None and record.block != pending[0]:
            _sample(series, pending[0], pending[1], by_name)
            pending = None
        books.apply(record)
        outcome = _outcome(record)
        if outcome is not None:
            series.outcomes_per_hour.setdefault(outcome, Counter())[record.ts_ms // HOUR_MS] += 1
        event = record.event
        if isinstance(event, PriceUpdated):
            first_asset = first_asset or event.asset
            if event.asset == first_asset:
                seen_prices += 1
                if seen_prices % stride == 0:
                    pending = (record.block, event.price / event.scale)
    if pending is not None:
        _sample(series, pending[0], pending[1], by_name)
    return series


def write_charts(series: Series, out: Path) -> list[tuple[str, str]]:
    """Write the PNGs; return (file name, caption) pairs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts: list[tuple[str, str]] = []

    def save(figure: Any, name: str, caption: str) -> None:
        figure.tight_layout()
        figure.savefig(out / name, dpi=96)
        plt.close(figure)
        charts.append((name, caption))

    figure, price_axis = plt.subplots(figsize=(9, 4))
    price_axis.plot(series.blocks, series.prices, color="black", label="price")
    price_axis.set_xlabel("block")
    price_axis.set_ylabel("price")
    ltv_axis = price_axis.twinx()
    for index, label in enumerate(("LTV p10", "LTV p50", "LTV p90")):
        ltv_axis.plot(
            series.blocks, [row[index] for row in series.ltv_percentiles], label=label, alpha=0.7
        )
    ltv_axis.set_ylabel("debt ratio (%)")
    ltv_axis.legend(loc="upper right")
    save(figure, "price_ltv.png", "Price against the LTV distribution of f(x) positions")

    figure, axis = plt.subplots(figsize=(9, 3.5))
    for kind in OUTCOME_KINDS:
        counts = series.outcomes_per_hour.get(kind, Counter())
        hours = sorted(counts)
        axis.bar(hours, [counts[hour] for hour in hours], label=kind, alpha=0.7)
    axis.set_xlabel("hour (unix hours)")
    axis.set_ylabel("events")
    axis.legend()
    save(figure, "outcomes_per_hour.png", "Rebalances and liquidations per hour")

    for name, data, caption, ylabel in (
        ("reserve_coverage.png", series.coverage_bps, "Reserve-pool coverage", "coverage (%)"),
        ("supply.png", series.supply, "Supply per asset", "display units"),
    ):
        figure, axis = plt.subplots(figsize=(9, 3.5))
        for label, values in sorted(data.items()):
            axis.plot(series.blocks[-len(values) :], values, label=label)
        axis.set_xlabel("block")
        axis.set_ylabel(ylabel)
        if data:
            axis.legend()
        save(figure, name, caption)

    figure, axis = plt.subplots(figsize=(9, 3))
    axis.step(series.blocks, series.dead_strikes, where="post")
    axis.set_xlabel("block")
    axis.set_ylabel("dead strikes")
    save(figure, "dead_strikes.png", "AlphaX strikes in the graveyard")
    return charts


def write_html(summary: dict[str, Any], charts: list[tuple[str, str]], out: Path) -> Path:
    figures = "\n".join(
        f'<figure><img src="{html.escape(name)}" alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for name, caption in charts
    )
    text = html.escape("\n".join(render_summary(summary)))
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>defi-ledger report</title>
<style>body{{font-family:sans-serif;margin:2em}} img{{max-width:100%}}
figure{{margin:1em 0}} pre{{background:#f4f4f4;padding:1em;overflow:auto}}</style></head>
<body><h1>defi-ledger report</h1>
<p>Log head: seq {summary["head"]["seq"]}, block {summary["head"]["block"]},
hash <code>{summary["head"]["hash"]}</code></p>
{figures}
<h2>Summary</h2><pre>{text}</pre>
<script>
window.addEventListener("load", function () {{
  var images = Array.prototype.slice.call(document.images);
  document.body.setAttribute("data-charts-rendered",
    String(images.filter(function (image) {{ return image.naturalWidth > 0; }}).length));
}});
</script>
</body></html>
"""
    index = out / "index.html"
    index.write_text(page)
    return index


def write_report(store: SqliteStore, out: Path) -> Path:
    """Charts and the HTML page for the log; returns the page's path."""
    out.mkdir(parents=True, exist_ok=True)
    charts = write_charts(collect(store), out)
    return write_html(summarise(store), charts, out)
