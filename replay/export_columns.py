"""How an export's columns are typed: one fixed Arrow type per column, whatever the values.

The column catalog (`projections.columns`) fixes the type: names and statuses string,
counts and blocks int64, flags bool, amounts and fixed-point numbers exact decimal strings
(they can pass int64). So a column has the same type in every export, whether this run's values
are small or not. A column the catalog does not describe falls back to its values' type.

The sampled block leads every file as `block`; a table's own `block` column (the block a price
was last updated in) is written as `<table>_block`, so it never overwrites the sample.
"""

from __future__ import annotations

import math
from typing import Any

import pyarrow as pa

from projections.arrays import amounts_to_float
from projections.columns import COLUMNS, EXACT_KINDS, column
from projections.ratios import ratio_to_float

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def is_amount_column(name: str) -> bool:
    """Amount columns by the naming rule of STYLE.md: `amount`, `amount_*`, `*_amount`,
    `*_base_units` (and units such as `*_wei`)."""
    return (
        name == "amount"
        or name.startswith("amount_")
        or name.endswith(("_amount", "_base_units", "_wei"))
    )


def _texts(values: list[Any]) -> pa.Array:
    return pa.array([None if value is None else str(value) for value in values], type=pa.string())


def _plain_column(values: list[Any]) -> tuple[pa.Array, bool]:
    """A column that is not an amount, and whether it holds ints as text (beyond int64)."""
    present = [value for value in values if value is not None]
    if present and all(isinstance(value, bool) for value in present):
        return pa.array(values, type=pa.bool_()), False
    if present and all(isinstance(value, int) for value in present):
        if all(INT64_MIN <= value <= INT64_MAX for value in present):
            return pa.array(values, type=pa.int64()), False
        return _texts(values), True
    if present and all(isinstance(value, int | float) for value in present):
        floats = [
            value if value is None or isinstance(value, float) else ratio_to_float(value, 1)
            for value in values
        ]
        return pa.array(floats, type=pa.float64()), False
    return _texts(values), False


SAMPLE_COLUMN = "block"
"""The leading column: the sampled block. A table's own column of that name is renamed."""


def _own_name(table: str, name: str) -> str:
    """A table column's name in the file: `block` becomes `<table>_block` (e.g. the block of
    the last price update) so it never overwrites the sampled block."""
    return f"{table}_{name}" if name == SAMPLE_COLUMN else name


def _typed_column(table: str, name: str, values: list[Any]) -> tuple[pa.Array, bool] | None:
    """The column in the Arrow type its catalogued kind fixes, whatever the values (so every
    run writes the same types); None for a column the catalog does not describe."""
    kind = column(table, name).kind
    if (table, name) not in _described():
        return None
    if kind in EXACT_KINDS:
        return _texts(values), True
    if kind == "int":
        if all(value is None or INT64_MIN <= value <= INT64_MAX for value in values):
            return pa.array(values, type=pa.int64()), False
        return _texts(values), True  # a recorded value beyond int64: exact text, not a crash
    if kind == "bool":
        return pa.array(values, type=pa.bool_()), False
    return _texts(values), False


def _described() -> set[tuple[str, str]]:
    return {(table, name) for table, columns in COLUMNS.items() for name in columns}


def to_arrow(
    blocks: list[int],
    columns: tuple[str, ...],
    rows: list[tuple[Any, ...]],
    decimals: list[int | None],
    asset_index: int | None,
    table_name: str,
) -> tuple[pa.Table, list[str]]:
    """The table as Arrow columns, and the names of its exact-integer text columns.

    `blocks` holds each row's sampled block; `decimals` each row's asset decimals (for the
    lossy `<amount>_display` column of tables with an `asset` column).
    """
    arrays: dict[str, pa.Array] = {SAMPLE_COLUMN: pa.array(blocks, type=pa.int64())}
    int_texts: list[str] = []
    for index, name in enumerate(columns):
        values = [row[index] for row in rows]
        out_name = _own_name(table_name, name)
        typed = _typed_column(table_name, name, values)
        if typed is None and is_amount_column(name):
            typed = _texts(values), all(v is None or isinstance(v, int) for v in values)
        arrays[out_name], is_int_text = typed or _plain_column(values)
        if is_int_text:
            int_texts.append(out_name)
        described = column(table_name, name)
        in_row_asset = described.kind == "amount" and described.unit == "asset:asset"
        if asset_index is not None and (in_row_asset or (typed is None and is_amount_column(name))):
            display = amounts_to_float(values, decimals).tolist()
            arrays[f"{out_name}_display"] = pa.array(
                [None if math.isnan(v) else v for v in display], type=pa.float64()
            )
    return pa.table(arrays), int_texts
