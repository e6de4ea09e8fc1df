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

from events.base import event_type
from events.record import Record
from events.units import Unit, event_units
from replay.cli.common import echo_json
from replay.units import event_field_text

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


def payload_text(fields: Mapping[str, Any], decimals: Mapping[str, int]) -> str:
    """The event's fields as `key=value`, each int in the unit `events.units` gives it
    (`replay.units.event_field_text`; a list of them `[a; b]`); other values as stored, nested
    ones as JSON."""
    units = event_units_of(str(fields.get("type")))
    parts = []
    for key, value in fields.items():
        if key == "type":
            continue
        unit = units.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = event_field_text(unit, value, fields, decimals).replace(" ", "\u00a0")
        elif unit is not None and isinstance(value, list) and all(_is_int(v) for v in value):
            shown = (event_field_text(unit, item, fields, decimals) for item in value)
            value = "[" + "; ".join(shown).replace(" ", "\u00a0") + "]"
        elif isinstance(value, dict | list | tuple):
            value = msgspec.json.encode(value).decode()  # nested: compact JSON, as stored
        parts.append(f"{key}={value}")
    return " ".join(parts)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def event_units_of(tag: str) -> Mapping[str, Unit | None]:
    """The units of an event type's int fields by its tag (none for a tag not registered)."""
    cls = event_type(tag)
    return event_units(cls) if cls is not None else {}


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
