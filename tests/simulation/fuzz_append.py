"""Run mutated inputs through `defi-ledger append` and check each outcome.

An input is either appended whole (exit 0, the chain verifies) or refused by name (exit 1,
`rejected (<RejectCode>)`) with the log byte-identical; anything else (another exit code, a
traceback, an internal error) is a failure, kept with its kind and input for repeating.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from events.rejections import RejectCode
from ledger.sqlite_store import SqliteStore
from replay.cli import cli
from tests.simulation.mutations import mutated_inputs

_NAMED = re.compile(r"rejected \(([A-Z_0-9]+)\)")


@dataclass
class FuzzOutcome:
    cases: int = 0
    appended: int = 0
    refusals: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, bytes, str]] = field(default_factory=list)


def _restore(log: Path, pristine: bytes) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{log}{suffix}").unlink(missing_ok=True)
    log.write_bytes(pristine)


def check_case(runner: CliRunner, log: Path, pristine: bytes, data: bytes) -> tuple[str, str]:
    """("ok", "appended" or the refusal's code), or ("failure", what went wrong)."""
    result = runner.invoke(cli, ["append", str(log), "-"], input=data)
    output = result.output
    if "Traceback" in output or result.exit_code not in (0, 1):
        return "failure", f"exit {result.exit_code}: {output[-500:]}"
    if result.exit_code == 0:
        store = SqliteStore(log)
        try:
            report = store.verify()
        finally:
            store.close()
        if not report.ok:
            return "failure", f"appended but does not verify: {report.detail}"
        return "ok", "appended"
    named = _NAMED.search(output)
    if named is None or named.group(1) not in RejectCode.__members__:
        return "failure", f"refused without a name: {output[-300:]}"
    if log.read_bytes() != pristine:
        return "failure", f"refused ({named.group(1)}) but the log changed"
    return "ok", named.group(1)


def fuzz(lines: list[bytes], log: Path, seed: int, count: int) -> FuzzOutcome:
    """Append `count` mutated inputs to fresh copies of the log at `log`."""
    pristine = log.read_bytes()
    runner = CliRunner()
    outcome = FuzzOutcome()
    for kind, data in mutated_inputs(lines, seed, count):
        outcome.cases += 1
        verdict, detail = check_case(runner, log, pristine, data)
        if verdict == "failure":
            outcome.failures.append((kind, data, detail))
        elif detail == "appended":
            outcome.appended += 1
        else:
            outcome.refusals[detail] += 1
        _restore(log, pristine)
    return outcome
