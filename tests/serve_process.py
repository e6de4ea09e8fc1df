"""`defi-ledger serve` in a child process on 127.0.0.1 and a free port, for the tests.

Every wait is bounded; leaving the `with` stops the server (terminate, then kill).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

import pytest

START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=20) as response:
        return str(response.read().decode())


@dataclass
class Served:
    """A running `serve`: its base URL, and what it has printed (stdout and stderr)."""

    base: str
    log: IO[bytes]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@contextmanager
def serving(target: str, env: dict[str, str] | None = None) -> Iterator[Served]:
    """`serve TARGET` answering, with `env` added to its environment."""
    port = free_port()
    code = "from replay.cli import main; main()"
    with tempfile.TemporaryFile() as log:
        child = subprocess.Popen(
            [sys.executable, "-c", code, "serve", target, "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        served = Served(f"http://127.0.0.1:{port}", log)
        try:
            deadline = time.monotonic() + START_SECONDS
            while True:
                try:
                    fetch(f"{served.base}/-/versions.json")
                    break
                except OSError:
                    if child.poll() is not None or time.monotonic() > deadline:
                        child.kill()
                        child.wait(timeout=10)
                        pytest.fail(
                            f"serve did not answer within {START_SECONDS}s: "
                            f"{served.output()[-2000:]}"
                        )
                    time.sleep(0.3)
            yield served
        finally:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=10)
