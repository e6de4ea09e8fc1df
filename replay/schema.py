"""The reference, read from the code: event types, commands, agent kinds, projections, views.

`schema()` walks the registries themselves (the event vocabulary, `ledger.commands.HANDLERS`,
`replay.agents.catalog.AGENT_KINDS`, `projections.runtime.PROJECTIONS` and the column catalog
`projections.columns`), so `defi-ledger schema` and `docs/reference.md` (rendered from the same
dict by `render_markdown`) cannot drift from the code; a test fails when the file is stale.

Units of event and command fields come from `events.units`, the one catalog `log` converts by
too: declared per event type where a field's name does not say, read from the name where it
does (STYLE.md's naming rule).
"""

from __future__ import annotations

import sys
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import msgspec

import events  # noqa: F401  (the package registers every event type)
from events.base import event_types
from events.units import Unit, event_units
from ledger.commands import HANDLERS
from projections.base import Table
from projections.columns import column, unit_words
from projections.runtime import PROJECTIONS, READ_MODELS, make_books
from projections.views import view_columns
from replay.agents.catalog import AGENT_KINDS


def type_name(annotation: Any) -> str:
    """A field's type in plain words: int, str, bool, list[FxTickMove], int | None."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return type_name(args[0])
    if origin in (Union, UnionType):
        return " | ".join(type_name(arg) for arg in args)
    if origin is not None:
        return f"{getattr(origin, '__name__', origin)}[{', '.join(map(type_name, args))}]"
    if annotation is type(None):
        return "None"
    return str(getattr(annotation, "__name__", annotation))


def _first_line(obj: Any) -> str:
    doc = (obj.__doc__ or "").strip()
    return doc.split("\n\n")[0].replace("\n", " ").strip() if doc else ""


def _module_line(obj: Any) -> str:
    """The first paragraph of the module that defines `obj` (projections document there)."""
    return _first_line(sys.modules[obj.__module__])


COMMAND_AMOUNT = "base units (of the asset the command names)"
"""A command's int field its name does not place (every event's field has a unit of its own)."""


def _unit_words(units: dict[str, Unit | None], name: str) -> str:
    if name not in units:
        return ""  # holds no int
    unit = units[name]
    return unit.words() if unit is not None else COMMAND_AMOUNT


def struct_fields(cls: Any) -> list[dict[str, str]]:
    units = event_units(cls)
    return [
        {
            "name": field.name,
            "type": type_name(field.type),
            "unit": _unit_words(units, field.name),
            "required": "yes" if field.required else "no",
        }
        for field in msgspec.structs.fields(cls)
    ]


def _tables(shown: list[Table]) -> list[dict[str, Any]]:
    tables = []
    for table in shown:
        columns = []
        for column_name in table.columns:
            described = column(table.name, column_name)
            columns.append(
                {
                    "name": column_name,
                    "kind": described.kind,
                    "unit": unit_words(table.name, column_name),
                    "doc": described.doc,
                }
            )
        tables.append(
            {
                "table": table.name,
                "key": list(table.key_columns),
                "columns": columns,
                "view": f"view_{table.name}",
                "view_columns": [f"{c} {t}" for c, t in view_columns(table)],
            }
        )
    return tables


def schema() -> dict[str, Any]:
    """Everything the reference lists, as plain data (sorted, so the output is stable)."""
    return {
        "event_types": [
            {"type": tag, "doc": _first_line(cls), "fields": struct_fields(cls)}
            for tag, cls in sorted(event_types().items())
        ],
        "commands": [
            {"command": cls.__name__, "doc": _first_line(cls), "fields": struct_fields(cls)}
            for cls in sorted(HANDLERS, key=lambda c: c.__name__)
        ],
        "agent_kinds": [
            {
                "kind": kind,
                "class": getattr(factory, "__name__", str(factory)),
                "doc": _first_line(factory),
            }
            for kind, factory in sorted(AGENT_KINDS.items())
        ],
        "projections": [
            {
                "projection": name,
                "doc": _module_line(PROJECTIONS[name]),
                "tables": _tables(PROJECTIONS[name]().tables()),
            }
            for name in PROJECTIONS
        ],
        "read_models": [
            {
                "projection": name,
                "doc": "A read model over the books (no state of its own). "
                + _module_line(spec.make),
                "tables": _tables(spec.make(make_books([name])).tables()),
            }
            for name, spec in READ_MODELS.items()
        ],
    }


def _cells(values: list[str]) -> str:
    return "| " + " | ".join(v.replace("|", "\\|") for v in values) + " |"


def _fields_table(fields: list[dict[str, str]]) -> list[str]:
    if not fields:
        return ["(no fields)", ""]
    lines = [_cells(["field", "type", "unit", "required"]), _cells(["---"] * 4)]
    lines += [_cells([f["name"], f["type"], f["unit"], f["required"]]) for f in fields]
    return [*lines, ""]


def render_markdown(data: dict[str, Any]) -> str:
    """docs/reference.md: the same data as `defi-ledger schema --json`, as Markdown."""
    out = [
        "# Reference",
        "",
        "Generated from the code by `defi-ledger schema --markdown > docs/reference.md`; "
        "`tests/analyst/test_schema.py` fails when this file is out of date.",
        "",
        f"{len(data['event_types'])} event types, {len(data['commands'])} commands, "
        f"{len(data['agent_kinds'])} agent kinds, {len(data['projections'])} projections, "
        f"{len(data['read_models'])} read model(s).",
        "",
        "## Projections and their views",
        "",
    ]
    for projection in [*data["projections"], *data["read_models"]]:
        out += [f"### {projection['projection']}", "", projection["doc"], ""]
        for table in projection["tables"]:
            key = ", ".join(table["key"]) or "none"
            out += [f"#### `{table['table']}` (view `{table['view']}`, key: {key})", ""]
            out += [_cells(["column", "kind", "unit", "meaning"]), _cells(["---"] * 4)]
            out += [_cells([c["name"], c["kind"], c["unit"], c["doc"]]) for c in table["columns"]]
            out += ["", "View columns: " + ", ".join(f"`{c}`" for c in table["view_columns"]), ""]
    out += ["## Agent kinds", "", _cells(["kind", "class", "what it does"]), _cells(["---"] * 3)]
    out += [_cells([a["kind"], a["class"], a["doc"]]) for a in data["agent_kinds"]]
    out += ["", "## Event types", ""]
    for event in data["event_types"]:
        out += [f"### {event['type']}", "", event["doc"], "", *_fields_table(event["fields"])]
    out += ["## Commands", ""]
    for command in data["commands"]:
        out += [f"### {command['command']}", "", command["doc"], ""]
        out += _fields_table(command["fields"])
    return "\n".join(out).rstrip() + "\n"
