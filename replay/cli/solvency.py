"""`defi-ledger solvency`: each reserve pool's assets, the exposure it backs, its coverage, and
the first block it would fail under a price path (the read model `projections.solvency`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from projections.alex_lending import AlexLending
from projections.balances import Balances
from projections.prices import Prices
from projections.reserve import ReserveSolvency
from projections.solvency import first_failing_blocks, price_book, solvency_rows
from replay.cli.common import (
    STORED_INT,
    CliExit,
    echo_json,
    json_option,
    log_argument,
    units_option,
)
from replay.cli.state import load_state
from replay.units import UnitsMode, amount_text, percent_text

AMOUNTS = ("assets", "owed", "crp_at_risk", "exposure")
"""The columns counted in the reserve's token (shown in its display units)."""


def parse_path(text: str, scale: int) -> tuple[str, list[tuple[int, int, int]]]:
    """`ASSET=BLOCK:PRICE,...` with decimal prices, read exactly at `scale`."""
    asset, _, points = text.partition("=")
    if not asset or not points:
        raise click.BadParameter("write ASSET=BLOCK:PRICE,BLOCK:PRICE", param_hint="--price-path")
    parsed = []
    for point in points.split(","):
        block, _, price = point.partition(":")
        whole, _, fraction = price.strip().partition(".")
        if not block.strip().isdigit() or not whole.isdigit() or not (fraction or "0").isdigit():
            raise click.BadParameter(f"bad point {point!r}", param_hint="--price-path")
        digits = len(str(scale)) - 1
        if len(fraction) > digits:
            raise click.BadParameter(f"{price} has more than {digits} decimals")
        value = int(whole) * scale + int((fraction or "0").ljust(digits, "0"))
        parsed.append((int(block), value, scale))
    return asset, parsed


def power_of_ten(_ctx: click.Context, _param: click.Parameter, value: int) -> int:
    """`--scale`: the path's decimal prices are read at it, so it is 1, 10, 100, ..."""
    if value < 1 or 10 ** (len(str(value)) - 1) != value:
        raise click.BadParameter(
            f"{value} is not a fixed-point scale: give a power of ten (1, 10, 100, ...; "
            f"{10**8} by default)"
        )
    return value


@click.command()
@log_argument
@click.option("--at-block", type=STORED_INT, help="Books after this block (head).")
@click.option(
    "--price-path",
    help="ASSET=BLOCK:PRICE,... (others held at their oracle price): report the first block "
    "each reserve would fail.",
)
@click.option(
    "--scale",
    default=10**8,
    show_default=True,
    callback=power_of_ten,
    help="Fixed-point scale of the path's prices: a power of ten.",
)
@units_option
@json_option
def solvency(
    path: Path | str,
    at_block: int | None,
    price_path: str | None,
    scale: int,
    units: UnitsMode,
    as_json: bool,
) -> None:
    """Reserve solvency: assets (free balance), exposure (owed + CRP debt at risk at the
    current price), coverage in bps, and the first block of a price path it would fail at.

    Example: defi-ledger solvency ledger.db --price-path WBTC=100:50000,200:30000,300:20000
    """
    names = ["balances", "prices", "alex_lending", "reserve_solvency"]
    books = {type(p): p for p in load_state(path, names, at_block)}
    reserve, lending = books[ReserveSolvency], books[AlexLending]
    balances, prices = books[Balances], books[Prices]
    assert isinstance(reserve, ReserveSolvency) and isinstance(lending, AlexLending)
    assert isinstance(balances, Balances) and isinstance(prices, Prices)
    quotes = price_book(prices)
    rows = solvency_rows(reserve, lending, balances, quotes)
    failing: dict[str, int | None] = {}
    if price_path:
        parsed = parse_path(price_path, scale)
        if parsed[0] not in quotes:
            priced = ", ".join(sorted(quotes)) or "none"
            where = "the head" if at_block is None else f"block {at_block}"
            raise CliExit(
                f"no price for {parsed[0]} in {path} at {where}: the path can move only an "
                f"asset the log prices ({priced})",
                1,
            )
        failing = first_failing_blocks(reserve, lending, balances, quotes, parsed)
    shown: list[dict[str, Any]] = [
        {
            "reserve": row.reserve,
            "token": row.token,
            "assets": row.assets,
            "owed": row.owed,
            "crp_at_risk": row.crp_at_risk,
            "exposure": row.exposure,
            "coverage_bps": row.coverage_bps,
            "first_failing_block": failing.get(f"{row.reserve}:{row.token}"),
        }
        for row in rows
    ]
    if as_json:
        echo_json({"at_block": at_block, "reserves": shown})
        return
    for item in shown:
        if units == "display":
            item = display_row(item, balances.decimals)
        click.echo("  ".join(f"{key}={value}" for key, value in item.items()))


def display_row(item: dict[str, Any], decimals: dict[str, int]) -> dict[str, Any]:
    """A row with its amounts in the token's display units and coverage in %, in words where
    there is no number: nothing exposed, or no block of the path (or no path) it fails at."""
    coverage, failing = item["coverage_bps"], item["first_failing_block"]
    return {
        "reserve": item["reserve"],
        "token": item["token"],
        **{key: amount_text(item[key], item["token"], decimals) for key in AMOUNTS},
        "coverage": "nothing exposed" if coverage is None else percent_text(coverage, 10_000),
        "first_failing_block": "none" if failing is None else failing,
    }
