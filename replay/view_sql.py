"""SQL functions that read the views' exact numbers: sums, sort keys and display units.

Registered on a connection by `register_sql_functions` (the library's readers and
`defi-ledger serve` do it); a plain sqlite3 client has the README's recipes instead.

- `dec_sum(x)`: the exact sum of decimal texts (or integers), as decimal text.
- `dec_key(x)`: the sortable key of a decimal text or integer (`projections.views.sort_key`),
  to compare a `<column>_key` with a literal: `WHERE amount_key > dec_key('1000000000000000000')`.
- `dec_units(x, decimals)`: the exact decimal in display units, e.g. ('1500000', 6) -> '1.5'.
"""

from __future__ import annotations

import sqlite3

from projections.views import sort_key
from replay.units import decimal_text


def _integer(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return int(str(value))


class _DecSum:
    def __init__(self) -> None:
        self.total = 0
        self.seen = False

    def step(self, value: object) -> None:
        number = _integer(value)
        if number is not None:
            self.total += number
            self.seen = True

    def finalize(self) -> str | None:
        return str(self.total) if self.seen else None


def dec_key(value: object) -> str | None:
    number = _integer(value)
    return None if number is None else sort_key(number)


def dec_units(value: object, decimals: object) -> str | None:
    """Base units to display units, exactly (a Decimal with as many digits as it needs)."""
    number = _integer(value)
    places = _integer(decimals)
    if number is None or places is None:
        return None
    return decimal_text(number, places)


def register_sql_functions(connection: sqlite3.Connection) -> None:
    """Make `dec_sum`, `dec_key` and `dec_units` callable in SQL on this connection."""
    connection.create_aggregate("dec_sum", 1, _DecSum)  # type: ignore[arg-type]  # text in, text out
    connection.create_function("dec_key", 1, dec_key, deterministic=True)
    connection.create_function("dec_units", 2, dec_units, deterministic=True)
