"""The README's Python API example runs as written against a real log, and gives exact ints."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.analyst.conftest import ROOT


def test_the_readme_python_example_runs(whale_log: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert blocks, "the README has no Python example"
    monkeypatch.chdir(whale_log.parent)
    assert os.path.exists("ledger.db")
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    totals = dict(namespace["totals"])  # type: ignore[call-overload]
    assert all(isinstance(value, int) for value in totals.values())
    frame = namespace["frame"]
    assert len(frame) > 0  # type: ignore[arg-type]
