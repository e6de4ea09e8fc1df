"""The report's headline and position paths, in words and display units."""

from __future__ import annotations

from datetime import UTC, datetime

from events.reserve import reserve_token
from replay.timeline import Sample, Story
from replay.units import amount_text, decimal_text, percent_text

EVENT_STATUSES = ("rebalanced", "liquidated")


def path_text(statuses: list[str]) -> str:
    """Statuses in the order first reached, with how often each event status happened, and
    where the path ended when that is not the last one reached:
    'healthy → rebalanceable → rebalanced ×3 → liquidatable → liquidated'."""
    order: list[str] = []
    counts: dict[str, int] = {}
    for status in statuses:
        if status not in counts:
            order.append(status)
        counts[status] = counts.get(status, 0) + 1
    words = [
        f"{status} ×{counts[status]}" if status in EVENT_STATUSES and counts[status] > 1 else status
        for status in order
    ]
    text = " → ".join(words)
    if statuses and statuses[-1] != order[-1]:
        text += f" (ends {statuses[-1]})"
    return text


def _date(sample: Sample) -> str:
    if sample.ts_ms <= 0:
        return f"block {sample.block:,}"
    stamp = datetime.fromtimestamp(sample.ts_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")
    return f"{stamp} UTC (block {sample.block:,})"


def _price(price: tuple[int, int]) -> str:
    value, scale = price
    return decimal_text(value * 10**6 // scale, 6, 2, grouped=True)


def price_lines(story: Story) -> list[str]:
    lines = []
    prices = story.final.get("prices")
    assets = sorted({asset for sample in story.samples for asset in sample.prices})
    for asset in assets:
        seen = [s for s in story.samples if asset in s.prices]
        first, last = seen[0].prices[asset], seen[-1].prices[asset]
        low = min(seen, key=lambda s: s.prices[asset][0] * 10**6 // s.prices[asset][1])
        quote = getattr(getattr(prices, "latest", {}).get(asset), "quote", "")
        move = (last[0] * first[1] - first[0] * last[1]) * 10**18 // (first[0] * last[1] or 1)
        sign = "+" if move >= 0 else ""
        lines.append(
            f"{asset}: {_price(first)} → {_price(last)} {quote} ({sign}"
            f"{percent_text(move, 10**18, 1)}); low {_price(low.prices[asset])} {quote} "
            f"at {_date(low)}"
        )
    return lines


def position_line(story: Story) -> str:
    paths = list(story.paths.values())
    fx = [p for p in paths if p.kind == "f(x)"]
    rebalanced = sum(1 for p in fx if "rebalanced" in p.statuses)
    liquidated = sum(1 for p in fx if "liquidated" in p.statuses)
    strikes = [p for p in paths if p.kind == "strike"]
    dead = sum(1 for p in strikes if "dead" in p.statuses[-1])
    crp = [p for p in paths if p.kind == "CRP"]
    converted = sum(1 for p in crp if "converting" in p.statuses)
    return (
        f"positions: {len(fx)} f(x) — {rebalanced} rebalanced, {liquidated} liquidated; "
        f"{len(strikes)} AlphaX strike market(s) — {dead} with a dead side; "
        f"{len(crp)} CRP loan(s) — {converted} reached conversion"
    )


def reserve_lines(story: Story) -> list[str]:
    tokens = sorted({t for s in story.samples for t in s.reserve})
    if not tokens:
        return ["reserve pool: never funded in this log"]
    lines = []
    for token in tokens:
        asset = reserve_token(token)  # `fx:ETH` is the f(x) reserve's book of ETH
        values = [(s, s.reserve.get(token, 0)) for s in story.samples]
        peak = max(v for _, v in values)
        after_peak = values[[v for _, v in values].index(peak) :]
        low_sample, low = min(after_peak, key=lambda pair: pair[1])
        if low == peak:
            held = amount_text(peak, asset, story.decimals, 4)
            lines.append(f"reserve {token}: {held} at its peak, never drawn below it")
            continue
        share = percent_text(low, peak, 1) if peak else "—"
        lines.append(
            f"reserve {token} low point: {amount_text(low, asset, story.decimals, 4)} "
            f"({share} of its peak {amount_text(peak, asset, story.decimals, 4)}) "
            f"at {_date(low_sample)}"
        )
    return lines


def headline(story: Story) -> list[str]:
    """The first lines of the report: what a person asks first."""
    if not story.samples:
        return ["the log is empty"]
    first, last = story.samples[0], story.samples[-1]
    lines = [f"period: {_date(first)} → {_date(last)}"]
    lines += price_lines(story) or ["no price was recorded"]
    lines.append(position_line(story))
    bad = [amount_text(v, a, story.decimals, 4) for a, v in sorted(story.bad_debt.items())]
    lines.append(f"bad debt: {', '.join(bad) if bad else 'none'}")
    lines += reserve_lines(story)
    return lines
