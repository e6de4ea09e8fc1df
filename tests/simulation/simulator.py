"""A seeded fault simulator: one seed drives a random mix of appends, replays, forks,
rebuilds, exports and queries while faults are injected, and the invariants are checked after
every step (`tests/simulation/invariants.py`).

The faults: a SIGKILL at a seeded SQL statement of an append, a rebuild, a replay, a fork or
an export; a torn output file; a full disk (a file-size limit); a read-only file; a lock held
by another connection; malformed input. Time is frozen with freezegun and advanced by the
seed, never read from the wall clock, and every fault is placed by a seeded count (see
`faults.py`), so a failing seed repeats exactly: the message names the seed and the step.
"""

from __future__ import annotations

import importlib
import json
import random
import shutil
import sqlite3
import subprocess
from datetime import timedelta
from pathlib import Path

import pyarrow  # noqa: F401  (see _PRELOADED)
import sqlite_utils  # noqa: F401
from click.testing import CliRunner
from freezegun import freeze_time

from events.assets import AssetRegistered
from events.core import Minted
from ledger.batch import Appended, NewEvent
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from projections.runtime import fold, make_projections
from replay.cli import cli
from tests.simulation import invariants
from tests.simulation.faults import KILLED, Fault, run_with_fault
from tests.simulation.mutations import MUTATIONS

# Loaded before time is frozen: an extension module that reads the datetime C API while
# freezegun's fake datetime is in place breaks (pyarrow crashes the process).
_PRELOADED = [
    importlib.import_module(module)
    for module in (
        "replay.export",
        "replay.cli.log",
        "replay.cli.projections",
        "replay.cli.replay",
        "replay.cli.state",
        "replay.runner",
    )
]

ROOT = Path(__file__).resolve().parents[2]
GENESIS = ROOT / "fixtures" / "events" / "genesis.jsonl"
SMALL_SCENARIO = (
    (ROOT / "fixtures" / "scenarios" / "calm-payments.toml")
    .read_text()
    .replace("steps = 720", "steps = 10")
    .replace("checkpoint_every_steps = 48", "checkpoint_every_steps = 4")
)
#: Each operation and its weight in the mix.
OPERATIONS: dict[str, int] = {
    "append": 30,
    "append_killed": 10,
    "append_disk_full": 5,
    "append_locked": 3,
    "append_read_only": 3,
    "append_malformed": 6,
    "rebuild": 3,
    "rebuild_killed": 4,
    "query": 10,
    "export": 4,
    "export_killed": 5,
    "replay": 2,
    "replay_killed": 4,
    "fork": 3,
    "fork_killed": 4,
}
CHECK_EVERYTHING_EVERY = 25
MALFORMED_KINDS = ("non_utf8", "deep_nesting", "duplicate_key", "unknown_field", "not_an_object")


def _chattr_works(folder: Path) -> bool:
    probe = folder / "probe"
    probe.write_text("")
    try:
        if subprocess.run(["chattr", "+i", str(probe)], capture_output=True).returncode != 0:
            return False
        subprocess.run(["chattr", "-i", str(probe)], check=True, capture_output=True)
        return True
    except OSError:
        return False
    finally:
        probe.unlink(missing_ok=True)


class Simulator:
    """One seeded run over a log in `folder` (see the module docstring)."""

    def __init__(self, seed: int, folder: Path) -> None:
        self.seed = seed
        self.rand = random.Random(seed)
        self.folder = folder
        self.log = folder / "main.db"
        self.acked: dict[str, int] = {}
        self.unsure: dict[str, int] = {}
        self.batches = 0
        self.block = 1
        self.trace: list[str] = []
        self.scenario = folder / "small.toml"
        self.scenario.write_text(SMALL_SCENARIO)
        self.replayed: list[tuple[object, ...]] | None = None
        self.fork_block: int | None = None
        self.export_tables: set[str] = set()
        self.read_only_possible = _chattr_works(folder)
        self.runner = CliRunner()
        self.genesis = GENESIS.read_bytes().splitlines()
        self.watch = invariants.LogWatch()
        self.refolded = make_projections()
        self.refolded_to = 0

    # -- the loop -----------------------------------------------------------------------

    def run(self, steps: int) -> list[str]:
        """Run `steps` steps; raise `InvariantBroken` (naming seed and step) on a failure."""
        with freeze_time("2026-01-01T00:00:00Z") as frozen:
            # One connection for the simulator's own reads and writes (children open theirs).
            self.store = SqliteStore(self.log, create=True)
            usdc = AssetRegistered(asset="USDC", symbol="USDC", decimals=6)
            self.store.append([NewEvent(event=usdc, block=1)])
            try:
                for step in range(steps):
                    frozen.tick(timedelta(seconds=self.rand.randint(1, 60)))
                    self._step(step)
            finally:
                self.store.close()
        return self.trace

    def _step(self, step: int) -> None:
        operation = self.rand.choices(list(OPERATIONS), list(OPERATIONS.values()))[0]
        outcome, problems = getattr(self, f"_{operation}")()
        self.trace.append(f"{step} {operation}: {outcome}")
        problems += self.check(step % CHECK_EVERYTHING_EVERY == 0, operation)
        if problems:
            raise invariants.InvariantBroken(
                f"seed {self.seed}, step {step} ({operation}: {outcome}): " + "; ".join(problems)
            )

    def check(self, everything: bool, operation: str) -> list[str]:
        """The log after every step; what the step's operation touched; all of it every
        `CHECK_EVERYTHING_EVERY` steps (the refold of every view is the costly part)."""
        store = self.store
        problems = self.watch.check(store, self.acked, self.unsure, full=everything)
        if problems:
            return problems
        if everything or operation.startswith("rebuild"):
            problems += invariants.check_views(store)
        if everything or operation.startswith("replay"):
            problems += invariants.check_replayed(self.folder / "replay.db", self.replayed)
        if everything or operation.startswith("fork"):
            problems += invariants.check_fork(self.folder / "fork.db", store, self.fork_block)
        if self.export_tables and (everything or operation.startswith("export")):
            problems += invariants.check_export(self.folder / "export", self.export_tables)
        return problems

    # -- batches ------------------------------------------------------------------------

    def _batch(self, size: int) -> tuple[str, list[NewEvent]]:
        self.batches += 1
        batch = f"b{self.batches}"
        self.block += self.rand.randint(0, 2)
        events = [
            NewEvent(
                event=Minted(
                    asset="USDC",
                    to_account=f"a{self.rand.randrange(10)}",
                    amount=self.rand.randint(1, 10**12),
                    memo=f"{batch}:{index}/{size}",
                ),
                block=self.block,
            )
            for index in range(size)
        ]
        return batch, events

    def _batch_file(self, size: int) -> tuple[str, int, Path]:
        batch, events = self._batch(size)
        path = self.folder / "batch.jsonl"
        path.write_text(
            "".join(
                json.dumps(
                    {"block": item.block, "event": {"type": "Minted", **_fields(item.event)}}
                )
                + "\n"
                for item in events
            )
        )
        return batch, size, path

    def _settle(
        self, batch: str, size: int, code: int, allowed: tuple[int, ...]
    ) -> tuple[str, list[str]]:
        """Book a batch written by a child: acknowledged (0), unknown (killed), or absent."""
        if code == 0:
            self.acked[batch] = size
        elif code == KILLED:
            self.unsure[batch] = size
        if code not in (0, KILLED, *allowed):
            return f"exit {code}", [f"append ended with exit {code}, not one of {allowed}"]
        return f"exit {code}", []

    def _cli(self, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
        result = self.runner.invoke(cli, list(args), env=env)
        return result.exit_code, result.output

    # -- operations ---------------------------------------------------------------------

    def _append(self) -> tuple[str, list[str]]:
        batch, events = self._batch(self.rand.randint(1, 8))
        result = self.store.append(events)
        if isinstance(result, Appended):
            self.acked[batch] = len(events)
            return f"appended {len(events)}", []
        return f"refused {result.code}", [f"a valid batch was refused: {result.detail}"]

    def _append_killed(self) -> tuple[str, list[str]]:
        batch, size, path = self._batch_file(self.rand.randint(1, 8))
        fault = Fault(kill_at_statement=self.rand.randint(1, 30))
        return self._settle(
            batch, size, run_with_fault(["append", str(self.log), str(path)], fault), ()
        )

    def _append_disk_full(self) -> tuple[str, list[str]]:
        batch, size, path = self._batch_file(self.rand.randint(10, 60))
        # New frames go to the end of the WAL: a limit a little past its size is a disk that
        # fills during the batch (or, when SQLite restarts the WAL from its start, does not).
        wal = Path(f"{self.log}-wal")
        wal_size = wal.stat().st_size if wal.exists() else 0
        fault = Fault(file_size_max=wal_size + self.rand.randint(0, 80_000))
        code = run_with_fault(["append", str(self.log), str(path)], fault)
        return self._settle(batch, size, code, (4,))

    def _append_locked(self) -> tuple[str, list[str]]:
        _, _, path = self._batch_file(self.rand.randint(1, 8))
        holder = sqlite3.connect(self.log, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            code, output = self._cli(
                "append", str(self.log), str(path), env={"DEFI_LEDGER_LOCK_TIMEOUT_S": "0.01"}
            )
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        problems = (
            []
            if code == 4 and "locked" in output
            else [f"a locked log gave {code}: {output[-200:]}"]
        )
        return f"exit {code}", problems

    def _append_read_only(self) -> tuple[str, list[str]]:
        if not self.read_only_possible:
            return self._append()
        _, _, path = self._batch_file(self.rand.randint(1, 8))
        # SQLite reuses a file descriptor this process holds on the file (which was opened
        # writable): the simulator's own connection is closed while the file is read-only.
        self.store.close()
        subprocess.run(["chattr", "+i", str(self.log)], check=True)
        try:
            code, output = self._cli("append", str(self.log), str(path))
        finally:
            subprocess.run(["chattr", "-i", str(self.log)], check=True)
            self.store = SqliteStore(self.log)
        problems = [] if code == 4 else [f"a read-only log gave {code}: {output[-200:]}"]
        return f"exit {code}", problems

    def _append_malformed(self) -> tuple[str, list[str]]:
        kind = self.rand.choice(MALFORMED_KINDS)
        data = MUTATIONS[kind](self.genesis, self.rand)
        before = self.log.read_bytes()
        result = self.runner.invoke(cli, ["append", str(self.log), "-"], input=data)
        if result.exit_code == 1 and self.log.read_bytes() != before:
            return f"{kind} refused", ["a refused input changed the log"]
        if result.exit_code not in (0, 1):
            return f"{kind} exit {result.exit_code}", [f"malformed input gave {result.exit_code}"]
        return f"{kind} exit {result.exit_code}", []

    def _rebuild(self) -> tuple[str, list[str]]:
        Projector(self.store, snapshot_every=self.rand.choice((5, 50, 500))).rebuild()
        return "rebuilt", []

    def _rebuild_killed(self) -> tuple[str, list[str]]:
        code = run_with_fault(
            ["rebuild", str(self.log)], Fault(kill_at_statement=self.rand.randint(1, 150))
        )
        return f"exit {code}", [] if code in (0, KILLED) else [f"rebuild gave {code}"]

    def _query(self) -> tuple[str, list[str]]:
        """What `digest` serves (views caught up) against a refold kept up to date here."""
        store = self.store
        served = Projector(store).digests()
        fold(store.fold_records(self.refolded_to + 1), self.refolded)
        self.refolded_to = store.head().seq
        expected = {projection.name: projection.digest() for projection in self.refolded}
        return "digests", [] if served == expected else ["served digests differ from a refold"]

    def _export_args(self) -> list[str]:
        out = self.folder / "export"
        return [
            "export",
            str(self.log),
            "--projection",
            "balances",
            "--format",
            "csv",
            "--out",
            str(out),
            "--force",
        ]

    def _export(self) -> tuple[str, list[str]]:
        code, output = self._cli(*self._export_args())
        if code == 0 and not self.export_tables:
            self.export_tables = {
                p.name.split(".")[0] for p in (self.folder / "export").glob("*.csv")
            }
        return f"exit {code}", [] if code == 0 else [f"export gave {code}: {output[-200:]}"]

    def _export_killed(self) -> tuple[str, list[str]]:
        if self.rand.random() < 0.5:
            fault = Fault(torn_write_at_file=self.rand.randint(1, 3))
        else:
            fault = Fault(kill_at_statement=self.rand.randint(1, 60))
        code = run_with_fault(self._export_args(), fault)
        return f"exit {code}", [] if code in (0, KILLED) else [f"export gave {code}"]

    def _replay_args(self) -> list[str]:
        return ["replay", str(self.scenario), "--db", str(self.folder / "replay.db"), "--force"]

    def _replay(self) -> tuple[str, list[str]]:
        code, output = self._cli(*self._replay_args())
        if code == 0 and self.replayed is None:
            self.replayed = invariants.replayed_rows(self.folder / "replay.db")
        return f"exit {code}", [] if code == 0 else [f"replay gave {code}: {output[-200:]}"]

    def _replay_killed(self) -> tuple[str, list[str]]:
        code = run_with_fault(
            self._replay_args(), Fault(kill_at_statement=self.rand.randint(1, 1500))
        )
        return f"exit {code}", [] if code in (0, KILLED) else [f"replay gave {code}"]

    def _fork_args(self, at_block: int) -> list[str]:
        out = str(self.folder / "fork.db")
        return ["fork", str(self.log), "--at-block", str(at_block), "--out", out, "--force"]

    def _fork(self) -> tuple[str, list[str]]:
        return self._fork_with(None)

    def _fork_killed(self) -> tuple[str, list[str]]:
        return self._fork_with(Fault(kill_at_statement=self.rand.randint(1, 40)))

    def _fork_with(self, fault: Fault | None) -> tuple[str, list[str]]:
        """Fork at a block below the current one (later records never land at or below it)."""
        if self.block <= 1:
            return self._append()
        at_block = self.rand.randint(1, self.block - 1)
        if fault is None:
            code, output = self._cli(*self._fork_args(at_block))
        else:
            code, output = run_with_fault(self._fork_args(at_block), fault), ""
        if code == 0:
            self.fork_block = at_block
        allowed = (0,) if fault is None else (0, KILLED)
        return f"exit {code}", [] if code in allowed else [f"fork gave {code}: {output[-200:]}"]


def _fields(event: Minted) -> dict[str, object]:
    return {
        "asset": event.asset,
        "to_account": event.to_account,
        "amount": event.amount,
        "memo": event.memo,
    }


def simulate(seed: int, steps: int, folder: Path) -> list[str]:
    """Run one seed for `steps` steps in `folder` (emptied first); the trace of what it did."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Simulator(seed, folder).run(steps)
