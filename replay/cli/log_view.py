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
from replay.units import amount_text

FORMATS = ("table", "csv", "json")


def names_account(fields: Mapping[str, Any], account: str) -> bool:
    for value in fields.values():
        if value == account:
            return True
        if isinstance(value, list) and account in value:
            return True
    return False


Marked = tuple[Record, bool]
"""A record and whether a reorganisation retracted it."""


def chosen(records: Iterable[Marked], account: str | None) -> Iterable[Marked]:
    """The records whose event names `account` (all of them without one)."""
    for record, retracted in records:
        if account is None or names_account(msgspec.to_builtins(record.event), account):
            yield record, retracted


def payload_text(fields: Mapping[str, Any], decimals: Mapping[str, int]) -> str:
    """The event's fields as `key=value`, amounts in display units with their asset."""
    default = fields.get("asset") or fields.get("token")
    parts = []
    for key, value in fields.items():
        if key == "type":
            continue
        is_amount = key == "amount" or key.endswith("_amount") or key.startswith("amount_")
        asset = fields.get("asset" + key.removeprefix("amount"), default)  # amount_in: asset_in
        if is_amount and isinstance(value, int) and isinstance(asset, str):
            value = amount_text(value, asset, decimals).replace(" ", "\u00a0")
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
