"""The one place where base units become numbers people read, and ints become safe JSON.

Books keep ints in base units (wei, micro-USDC) and fixed point (1e18, 1e8, bps). Everything a
person reads (CLI text, the report, the summary, Datasette) goes through here: the value is
divided by 10**decimals (or the column's scale) EXACTLY, with integer arithmetic, and only then
rounded for display if asked to, and it carries its unit (ETH, USDC, %, ×). What each column
holds comes from `projections.columns`; an asset's decimals from the balances book.

JSON: integers above 2**53 lose digits in JavaScript and jq 1.6, so `json_safe` writes them as
strings unless bare numbers are asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from events.units import Unit, scale_words
from projections.columns import SCALE, Column, column, column_in

UnitsMode = Literal["display", "base"]
JSON_SAFE_MAX = 2**53
UNIT_SUFFIX = {"ratio": "%", "multiple": "×", "price": "", "tokens": "tokens"}


def decimal_text(
    value: int, decimals: int, places: int | None = None, grouped: bool = False
) -> str:
    """`value / 10**decimals` exactly, as plain decimal text (no exponent, no trailing zeros).

    With `places`, rounded half-even to that many places first (a display choice: the
    division itself is exact); `grouped` puts thousands separators in the whole part.
    E.g. (1500000, 6) -> '1.5'; (-1, 18) -> '-0.000000000000000001'.
    """
    if decimals < 0:
        return decimal_text(value * 10**-decimals, 0, places, grouped)
    if places is not None and places < decimals:
        value = _round_half_even(value, 10 ** (decimals - places))
        decimals = places
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value), 10**decimals)
    text = f"{whole:,}" if grouped else str(whole)
    if decimals and fraction:
        text += "." + f"{fraction:0{decimals}d}".rstrip("0")
    return sign + text


def _round_half_even(value: int, step: int) -> int:
    quotient, remainder = divmod(value, step)
    if remainder * 2 > step or (remainder * 2 == step and quotient % 2):
        quotient += 1
    return quotient


def scaled_text(value: int, scale: int, places: int | None = None) -> str:
    """`value / scale` for a scale that may not be a power of ten (2**96), exactly then rounded."""
    exponent = len(str(scale)) - 1
    if 10**exponent == scale:
        return decimal_text(value, exponent, places, grouped=True)
    digits = 18 if places is None else places
    return decimal_text(_round_half_even(value * 10**digits, scale), digits, places, True)


def percent_text(value: int, scale: int, places: int = 2) -> str:
    """A ratio scaled by `scale`, as a percentage: (7e17, 1e18) -> '70%'."""
    return scaled_text(value * 100, scale, places) + "%"


def amount_text(
    value: int, asset: str, decimals: Mapping[str, int], places: int | None = None
) -> str:
    """An amount in an asset's display units with its symbol; base units if its decimals are
    unknown (said so)."""
    known = decimals.get(asset)
    if known is None:
        return f"{value:,} base units of {asset}" if value else f"0 {asset}"
    return f"{decimal_text(value, known, places, grouped=True)} {asset}"


def event_field_text(
    unit: Unit | None, value: int, fields: Mapping[str, Any], decimals: Mapping[str, int]
) -> str:
    """An event's int field in its unit (`events.units`): an amount in its asset's display
    units with its symbol, a fixed-point number over its scale (a ratio as %, a multiple as ×,
    a price in the event's `quote`), a scale as 1e18; as stored where the unit cannot be known
    (no unit, a plain number, an asset the event leaves empty, a scale that is not positive)."""
    if unit is None or unit.kind == "plain":
        return (
            scale_words(value) if unit is not None and unit.of.startswith("scale") else str(value)
        )
    if unit.kind == "amount":
        if unit.of.startswith("asset="):
            asset: Any = unit.of.removeprefix("asset=")
        else:
            asset = fields.get(unit.of.removeprefix("asset:"))
        return (
            amount_text(value, asset, decimals) if isinstance(asset, str) and asset else str(value)
        )
    scale = unit.scale or fields.get("scale")
    if not isinstance(scale, int) or isinstance(scale, bool) or scale <= 0:
        return str(value)
    if unit.of == "ratio":
        return scaled_text(value * 100, scale) + "%"
    if unit.of == "multiple":
        return scaled_text(value, scale) + "×"
    if unit.of == "price":
        return f"{scaled_text(value, scale)} {fields.get('quote') or ''}".rstrip()
    return f"{scaled_text(value, scale)} {unit.of}"


class Units:
    """Renders cells of projection tables for people, from the catalog of columns."""

    def __init__(
        self, decimals: Mapping[str, int], mode: UnitsMode = "display", places: int | None = None
    ) -> None:
        self.decimals = decimals
        self.mode = mode
        self.places = places

    def cell(self, table: str, name: str, row: Mapping[str, Any]) -> str:
        """The cell `name` of `row` (a column -> value mapping) as text with its unit."""
        value = row.get(name)
        if value is None:
            return ""
        if isinstance(value, bool) or self.mode == "base":
            return str(value)
        described = column_in(table, name, row)
        if isinstance(value, str) and described.kind == "amount" and value:
            return self.amounts(described, value, row)  # a list-valued column, comma-joined
        if not isinstance(value, int):
            return str(value)
        if described.kind == "amount":
            return amount_text(value, self.asset_of(described, row), self.decimals, self.places)
        if described.kind == "fixed":
            return self.fixed(described, value, row)
        if described.unit == SCALE:
            return scale_words(value)
        return str(value)

    def amounts(self, described: Column, value: str, row: Mapping[str, Any]) -> str:
        """Comma-joined base units as amounts, `; ` between them (a grouped number has commas)."""
        asset = self.asset_of(described, row)
        try:
            return "; ".join(
                amount_text(int(item), asset, self.decimals, self.places)
                for item in value.split(",")
            )
        except ValueError:
            return value

    @staticmethod
    def asset_of(described: Column, row: Mapping[str, Any]) -> str:
        if described.unit.startswith("asset="):
            return described.unit.removeprefix("asset=")
        return str(row.get(described.unit.removeprefix("asset:"), "?"))

    def fixed(self, described: Column, value: int, row: Mapping[str, Any]) -> str:
        scale = described.scale or int(row.get("scale") or 1)
        if described.unit == "ratio":
            return percent_text(value, scale, 2 if self.places is None else self.places)
        text = scaled_text(value, scale, self.places if self.places is not None else 6)
        suffix = UNIT_SUFFIX.get(described.unit, "")
        if described.unit == "price" and row.get("quote"):
            suffix = str(row["quote"])
        return f"{text}{suffix}" if suffix in ("×", "%") else f"{text} {suffix}".rstrip()

    def row_text(self, table: str, row: Mapping[str, Any]) -> str:
        """A row as `name value, ...` with every number in its unit (empty cells left out)."""
        return ", ".join(
            f"{self.header(table, name)} {self.cell(table, name, row)}"
            for name in row
            if row[name] not in (None, "")
        )

    def header(self, table: str, name: str) -> str:
        """A column's header: the name, without its fixed-point suffix in display mode."""
        if self.mode == "base":
            return name
        for suffix in ("_1e18", "_1e8", "_e8", "_x1e8", "_bps"):
            if name.endswith(suffix) and column(table, name).kind == "fixed":
                return name.removesuffix(suffix)
        return name


def json_safe(value: Any, bare_ints: bool = False) -> Any:
    """A JSON-ready copy with every int beyond ±2**53 as a decimal string (unless `bare_ints`)."""
    if bare_ints:
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value) if abs(value) > JSON_SAFE_MAX else value
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    return value


def asset_decimals(store: Any) -> dict[str, int]:
    """Each registered asset's decimals, read from the log's `AssetRegistered` records."""
    from events.assets import AssetRegistered
    from ledger.store import ReadFilter

    found: dict[str, int] = {}
    for record in store.read(ReadFilter(type="AssetRegistered")):
        if isinstance(record.event, AssetRegistered):
            found[record.event.asset] = record.event.decimals
    return found
