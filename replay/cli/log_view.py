"""How `defi-ledger log` filters by account or transaction and prints records.

An account matches a record when any field of its event names it (`to_account`, `owner`,
`staker`, `voter`, `payer`, ...): the vocabulary has many roles, and the analyst asks "what
touched alice?". A transaction matches by the `tx_hash` an importer records in a payload
(top level or under `provenance`); logs without one have no transactions to filter by.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Mapping
from typing import Any

import click
import msgspec

from events.record import Record
from replay.cli.common import echo_json
from replay.units import amount_text, scaled_text

FORMATS = ("table", "csv", "json")


def names_account(fields: Mapping[str, Any], account: str) -> bool:
    for value in fields.values():
        if value == account:
            return True
        if isinstance(value, list) and account in value:
            return True
    return False


def check_event_type(tag: str | None) -> None:
    """A `--type` the registry does not know is a usage error: it would match no record."""
    from events import event_types  # the package registers every event type

    known = sorted(event_types())
    if tag is None or tag in known:
        return
    from replay.scenario import did_you_mean  # a refusal's path only: it loads pydantic

    hint = did_you_mean(tag, known) or f"; known: {', '.join(known)}"
    raise click.BadParameter(f"unknown event type {tag!r}{hint}", param_hint="--type")


Marked = tuple[Record, bool]
"""A record and whether a reorganisation retracted it."""


def chosen(records: Iterable[Marked], account: str | None) -> Iterable[Marked]:
    """The records whose event names `account` (all of them without one)."""
    for record, retracted in records:
        if account is None or names_account(msgspec.to_builtins(record.event), account):
            yield record, retracted


NAMED_ASSETS = {"usdc": "USDC", "fxusd": "fxUSD"}
"""Field-name endings that name their asset (`collateral_usdc`, `bonus_fxusd`)."""
ASSET_FIELDS = {
    ("Swapped", "fee"): "asset_in",
    ("Swapped", "rebate"): "asset_in",
    ("Swapped", "reserve_share"): "asset_in",
    ("EmergencyIssued", "proceeds"): "token",
}
"""Amounts whose asset their event's documentation names in another field."""


def field_asset(key: str, fields: Mapping[str, Any]) -> str | None:
    """The asset an integer field counts, when the event says so; None when it does not.

    Said by the field's name and the event's own fields, and only so: `amount` counts the
    event's `asset` (or `token`); `amount_in` and `amount_in_net` count `asset_in` (or
    `token_in`), `amount_x` and `amount_x_in` `token_x`, `amount_fxusd` fxUSD (`amount_usd`,
    a value, counts no asset); `alex_amount` counts `alex_asset`, `lp_amount` `lp_token`,
    `lp_minted` `lp_asset`; a name ending in `_usdc` or `_fxusd` counts USDC or fxUSD; a
    swap's fee, rebate and reserve share count its `asset_in` (`ASSET_FIELDS`). Shares, raw
    units, ratios and the rest name no asset and stay as stored.
    """
    named: Any = None
    documented = ASSET_FIELDS.get((str(fields.get("type")), key))
    if documented is not None:
        named = fields.get(documented)
    elif key.startswith("amount_"):
        side = key.removeprefix("amount_")  # in, x, x_in (token_x), in_net (asset_in), fxusd
        for part in dict.fromkeys((side, side.split("_")[0])):
            named = fields.get(f"asset_{part}") or fields.get(f"token_{part}")
            named = named or NAMED_ASSETS.get(part)
            if named:
                break
    elif key == "amount":
        named = fields.get("asset") or fields.get("token")
    elif key.endswith("_amount"):
        stem = key.removesuffix("amount")
        named = fields.get(stem + "asset") or fields.get(stem + "token")
    elif key.startswith("lp_") and key != "lp_asset":
        named = fields.get("lp_asset")
    else:
        named = NAMED_ASSETS.get(key.rpartition("_")[2])
    return named if isinstance(named, str) else None


def payload_text(fields: Mapping[str, Any], decimals: Mapping[str, int]) -> str:
    """The event's fields as `key=value`: an amount whose asset the event names in display
    units with its asset (`field_asset`), a price over its scale in its quote; every other
    value as stored (`defi-ledger schema` gives each field's unit), nested ones as JSON."""
    parts = []
    for key, value in fields.items():
        if key == "type":
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            if key == "price" and isinstance(fields.get("scale"), int) and fields["scale"] > 0:
                value = f"{scaled_text(value, fields['scale'])} {fields.get('quote', '')}".strip()
            else:
                asset = field_asset(key, fields)
                if asset is not None:
                    value = amount_text(value, asset, decimals)
            value = str(value).replace(" ", "\u00a0")
        elif isinstance(value, dict | list | tuple):
            value = msgspec.json.encode(value).decode()  # nested: compact JSON, as stored
        parts.append(f"{key}={value}")
    return " ".join(parts)


def emit(records: Iterable[Marked], fmt: str, decimals: Mapping[str, int]) -> None:
    """Print records as a table (retracted ones marked `R`), CSV or JSON lines."""
    if fmt == "json":
        for record, retracted in records:
            echo_json({**msgspec.to_builtins(record), "retracted": retracted})
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["seq", "block", "ts_ms", "stream", "type", "retracted", "payload"])
        for record, retracted in records:
            payload = msgspec.json.encode(record.event).decode()
            writer.writerow(
                [
                    record.seq,
                    record.block,
                    record.ts_ms,
                    record.stream,
                    record.type,
                    retracted,
                    payload,
                ]
            )
        return
    for record, retracted in records:
        fields = msgspec.to_builtins(record.event)
        mark = "R" if retracted else " "
        click.echo(
            f"{mark}{record.seq:>8} {record.block:>10} {record.stream:<28} "
            f"{record.type:<20} {payload_text(fields, decimals)}"
        )
