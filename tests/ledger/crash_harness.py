"""Kill a writer with SIGKILL at random moments and check what survived.

A forked child appends batches of random size to a log (an SQLite file or PostgreSQL URL) and reports, after each commit
returns, the batch it committed. The parent kills it after a random delay. What must hold after
every kill: the chain verifies, every reported batch is present, no batch is present in part,
and a new writer can append. Used by the test suite (100+ kills) and `bench/soak_kill.py`.
"""

from __future__ import annotations

import os
import random
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from events import Minted
from ledger.batch import Appended, NewEvent
from ledger.stores import open_store

BATCH_ID = re.compile(r"^b(\d+)of(\d+)-(\d+)$")


@dataclass
class SoakOutcome:
    kills: int = 0
    committed_batches: set[int] = field(default_factory=set)
    lost_batches: int = 0
    partial_batches: int = 0
    verify_failures: int = 0


def _child(path: Path | str, first_batch: int, write_fd: int, seed: int) -> None:
    rand = random.Random(seed)
    store = open_store(path)
    batch_number = first_batch
    while True:
        size = rand.randint(1, 40)
        block = store.head().block
        batch = [
            NewEvent(
                event=Minted(
                    asset="ETH",
                    to_account=f"acct{rand.randrange(50)}",
                    amount=rand.randrange(1, 10**30),
                ),
                block=block + rand.randint(0, 1),
                event_id=f"b{batch_number}of{size}-{i}",
            )
            for i in range(size)
        ]
        if isinstance(store.append(batch), Appended):
            os.write(write_fd, f"{batch_number}\n".encode())
        batch_number += 1


def kill_once(
    path: Path | str, first_batch: int, rand: random.Random, delay_max_s: float
) -> set[int]:
    """Fork a writer, SIGKILL it after a random delay; return the batches it reported."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_fd)
        try:
            _child(path, first_batch, write_fd, rand.randrange(2**32))
        finally:
            os._exit(0)
    os.close(write_fd)
    time.sleep(rand.uniform(0.0, delay_max_s))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    reported = b""
    while chunk := os.read(read_fd, 65536):
        reported += chunk
    os.close(read_fd)
    return {int(text) for text in reported.decode().split()}


def check_survivors(path: Path | str, outcome: SoakOutcome) -> None:
    """Verify the log and count reported batches lost and batches present in part."""
    store = open_store(path)
    if not store.verify().ok:
        outcome.verify_failures += 1
    seen: Counter[int] = Counter()
    sizes: dict[int, int] = {}
    for record in store.read():
        match = BATCH_ID.match(record.event_id)
        if match:
            number, size = int(match[1]), int(match[2])
            seen[number] += 1
            sizes[number] = size
    store.close()
    outcome.lost_batches = len(outcome.committed_batches - set(seen))
    outcome.partial_batches = sum(1 for number, count in seen.items() if count != sizes[number])


def soak(
    path: Path | str, kills: int, rand: random.Random, delay_max_s: float = 0.05
) -> SoakOutcome:
    """Run `kills` kill cycles on the log at `path`, checking survivors after each."""
    open_store(path, create=True).close()
    outcome = SoakOutcome()
    for cycle in range(kills):
        outcome.committed_batches |= kill_once(path, cycle * 100_000, rand, delay_max_s)
        outcome.kills += 1
        check_survivors(path, outcome)
        if outcome.lost_batches or outcome.partial_batches or outcome.verify_failures:
            break
    return outcome
