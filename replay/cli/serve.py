"""`defi-ledger serve`: browse the log in Datasette (views first, units, canned queries)."""

from __future__ import annotations

import errno
import signal
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from ledger.stores import describe_target
from replay.cli.common import CliExit, ExitCode, LogTarget, library_errors


@click.command()
@click.argument("path", type=LogTarget())
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8001, show_default=True)
def serve(path: Path | str, host: str, port: int) -> None:
    """Open the log at PATH in Datasette: the views with titles, descriptions and units,
    internals hidden, canned queries (balances at a block, a position's history, a
    transaction's events, reserve coverage over time). Ctrl-C stops it.

    PATH may be a postgresql:// URL: Datasette reads SQLite only, so serve copies the log
    into a temporary SQLite file at start (views built, served read-only, removed on exit)
    and says at which seq; records appended later show after a restart.

    Example: defi-ledger serve ledger.db --port 8001

    Example: defi-ledger serve postgresql://ledger@db.internal/ledger
    """
    if isinstance(path, str):
        _serve_copy(path, host, port)
        return
    run = _runner()
    with _listener(host, port) as listener, library_errors(path):
        run(path, listener)


def _runner() -> Callable[..., None]:
    try:
        from replay.serve import serve as run
    except ImportError as error:  # datasette is an optional extra
        raise CliExit(
            f"serve needs Datasette ({error}); install it: pip install -e '.[serve]'", 1
        ) from error
    return run


def _listener(host: str, port: int) -> socket.socket:
    """The socket to serve on, taken before any work: an address that cannot be had is an
    environment fault named with what to do, not the server's own error."""
    from replay.serve import listen

    try:
        return listen(host, port)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            advice = "stop what listens there, or pick another --port (0: any free one)"
        elif error.errno == errno.EACCES:
            advice = "ports below 1024 need privileges: pick another --port"
        else:  # no such host, or not an address of this machine
            advice = "give --host an address of this machine (127.0.0.1; 0.0.0.0 for all)"
        raise CliExit(
            f"I/O or environment fault: cannot listen on {host} port {port} "
            f"({error.strerror or error}); {advice}",
            ExitCode.ENVIRONMENT,
        ) from error


def _stop(signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _serve_copy(url: str, host: str, port: int) -> None:
    """Serve a read-only copy of the PostgreSQL log at `url`, taken now, in a temporary
    directory removed on exit."""
    run = _runner()
    from replay.serve import copy_to_serve

    shown = describe_target(url)
    # A stop by SIGTERM (as by Ctrl-C) unwinds, so the copy's directory is removed.
    signal.signal(signal.SIGTERM, _stop)
    with (
        _listener(host, port) as listener,
        tempfile.TemporaryDirectory(prefix="defi-ledger-serve-") as folder,
    ):
        with library_errors(url):
            path, seq = copy_to_serve(url, Path(folder))
        click.echo(
            f"serving a copy of {shown} taken at seq {seq}; restart to see later records",
            err=True,
        )
        run(path, listener, shown)
