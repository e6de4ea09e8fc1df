"""What the printed summaries are checked with: a naive model of a display amount, and a
search for base-unit integers that reached the text unconverted."""

from __future__ import annotations

import re
from decimal import Decimal, localcontext

BARE = re.compile(r"(?<![\d,.])\d{10,}")
"""Ten or more digits in a row, not inside a grouped or decimal number: no display amount,
block or count in these summaries is written so."""


def shown(amount: int | str, decimals: int, places: int) -> str:
    """`amount / 10**decimals` rounded half-even to `places`, thousands grouped, no trailing
    zeros: the display text, computed with `Decimal` rather than the code's integer path."""
    with localcontext() as context:
        context.prec = 200  # exact for any amount these logs hold (the default is 28 digits)
        return format(round(Decimal(int(amount)) / 10**decimals, places).normalize(), ",f")


def no_base_units(lines: list[str]) -> list[str]:
    """The printed lines holding a bare run of ten or more digits (an amount left in base
    units); the head's line is left out, its hash is hex."""
    return [line for line in lines if not line.startswith("head:") and BARE.search(line)]
