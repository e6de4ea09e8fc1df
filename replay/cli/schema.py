"""`defi-ledger schema`: the reference (event types, commands, agents, projections, views)."""

from __future__ import annotations

import click

from replay.cli.common import echo_json, json_option


@click.command()
@click.option("--markdown", is_flag=True, help="Print docs/reference.md (Markdown).")
@json_option
def schema(markdown: bool, as_json: bool) -> None:
    """List event types, commands, agent kinds, projections and views, with fields and units.

    Read from the code's own registries; `--markdown` renders docs/reference.md.

    Example: defi-ledger schema --json | jq '.projections[].tables[].view'
    """
    from replay.schema import render_markdown
    from replay.schema import schema as read_schema

    data = read_schema()
    if as_json:
        echo_json(data)
    elif markdown:
        click.echo(render_markdown(data), nl=False)
    else:
        for section in ("event_types", "commands", "agent_kinds"):
            names = [next(iter(item.values())) for item in data[section]]
            click.echo(f"{section} ({len(names)}): {', '.join(names)}")
        for projection in data["projections"]:
            for table in projection["tables"]:
                columns = ", ".join(
                    f"{c['name']} [{c['unit'] or c['kind']}]" for c in table["columns"]
                )
                click.echo(f"{projection['projection']}.{table['table']}: {columns}")
        click.echo("(--json for everything, --markdown for docs/reference.md)")
