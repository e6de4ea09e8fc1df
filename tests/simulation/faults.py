"""Faults injected into one CLI command, run in a forked child so a fault never reaches the
simulator itself.

The child is a fork of the simulator: everything is imported already (a step costs a few
milliseconds, not an interpreter start) and freezegun's frozen time carries over, so what the
child writes is as deterministic as what the parent writes. Each fault is placed by a number
the seed chose, never by a timer, so a failing seed repeats exactly:

- kill: SIGKILL just before the Nth SQL statement the child runs (any connection, any thread);
- disk full: `RLIMIT_FSIZE` at a byte count, so writes past it fail with EFBIG (Python
  ignores SIGXFSZ) as on a full disk;
- torn write: the Nth output file of an export is written half, then the child is killed.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
from dataclasses import dataclass
from typing import Any

KILLED = -9
"""The exit a killed child reports."""


@dataclass(frozen=True)
class Fault:
    """What to inject into one command (all None: run it plainly)."""

    kill_at_statement: int | None = None
    file_size_max: int | None = None
    torn_write_at_file: int | None = None
    env: tuple[tuple[str, str], ...] = ()


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _count_statements(kill_at: int) -> None:
    """Kill this process just before its `kill_at`-th SQL statement."""
    seen = [0]
    real_connect = sqlite3.connect

    def trace(_statement: str) -> None:
        seen[0] += 1
        if seen[0] >= kill_at:
            _kill_self()

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = real_connect(*args, **kwargs)
        connection.set_trace_callback(trace)
        return connection

    sqlite3.connect = connect  # type: ignore[assignment]


def _tear_writes(at_file: int) -> None:
    """Write the `at_file`-th export file half, then die (a torn write of an output file)."""
    import replay.export as export

    real_write = export._write_table
    calls = [0]

    def write(table: Any, meta: Any, path: Any) -> str | None:
        calls[0] += 1
        result = real_write(table, meta, path)
        if calls[0] >= at_file:
            size = os.path.getsize(path)
            with open(path, "r+b") as handle:
                handle.truncate(size // 2)
            _kill_self()
        return result

    export._write_table = write  # type: ignore[assignment]


def _child(args: list[str], fault: Fault) -> int:
    from replay.cli import cli

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.environ.update(dict(fault.env))
    if fault.file_size_max is not None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (fault.file_size_max, fault.file_size_max))
    if fault.kill_at_statement is not None:
        _count_statements(fault.kill_at_statement)
    if fault.torn_write_at_file is not None:
        _tear_writes(fault.torn_write_at_file)
    try:
        cli.main(args=args, prog_name="defi-ledger", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 1
    return 0


def run_with_fault(args: list[str], fault: Fault) -> int:
    """Run `defi-ledger ARGS` in a forked child with `fault`; its exit code, or `KILLED`."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 70
        try:
            code = _child(args, fault)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return KILLED
    return os.WEXITSTATUS(status)
