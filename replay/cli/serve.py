"""`defi-ledger serve`: browse the log in Datasette (views first, units, canned queries)."""

from __future__ import annotations

from pathlib import Path

import click

from replay.cli.common import CliExit, path_argument


@click.command()
@path_argument
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
def serve(path: Path, host: str, port: int) -> None:
    """Open the log at PATH in Datasette: the views with titles, descriptions and units,
    internals hidden, canned queries (balances at a block, a position's history, a
    transaction's events, reserve coverage over time). Ctrl-C stops it.

    Example: defi-ledger serve ledger.db --port 8001
    """
    if str(path).startswith(("postgresql:", "postgres:")):
        raise click.UsageError(
            "serve opens an SQLite file (Datasette reads SQLite only), not a PostgreSQL URL: "
            "copy the log to a file first (`defi-ledger copy URL ledger.db`), or query the "
            "server's views and `event_amounts` with any PostgreSQL client"
        )
    if not path.exists():
        raise CliExit(f"{path} does not exist; create it with `defi-ledger init` or `replay`", 1)
    try:
        from replay.serve import serve as run
    except ImportError as error:  # datasette is an optional extra
        raise CliExit(
            f"serve needs Datasette ({error}); install it: pip install -e '.[serve]'", 1
        ) from error
    run(path, host, port)
