"""Shared fixtures: a seeded random source whose repr prints the seed (`--seed N` repeats a run),
and the pid of a zombie."""

from __future__ import annotations

import os
import random
import subprocess
import time
from collections.abc import Iterator

import pytest

from replay.outputs import process_alive


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--seed", type=int, default=None, help="seed for randomised tests")


class Rand(random.Random):
    """A `random.Random` whose repr names its seed, so a failing run can be repeated."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.seed_value = seed

    def __repr__(self) -> str:
        return f"Rand(seed={self.seed_value}) -- repeat with --seed {self.seed_value}"


@pytest.fixture
def rand(request: pytest.FixtureRequest) -> Rand:
    seed = request.config.getoption("--seed")
    if seed is None:
        seed = int.from_bytes(os.urandom(4), "big")
    print(f"random seed: {seed}")
    return Rand(seed)


@pytest.fixture
def zombie_pid() -> Iterator[int]:
    """The pid of a child that has exited and is not waited for yet (a zombie, as a killed
    run stays while its parent does not wait for it); waited for afterwards."""
    child = subprocess.Popen(["true"])
    try:
        deadline = time.monotonic() + 10
        while process_alive(child.pid):  # until it has exited (a zombie runs no more)
            assert time.monotonic() < deadline, "the child did not exit"
            time.sleep(0.01)
        assert child.returncode is None  # not waited for: a zombie
        yield child.pid
    finally:
        child.wait()
