"""Every benchmark script starts as its docstring says: `python bench/X.py`, from the root.

Running a script puts bench/ first on sys.path, where bench/replay.py would shadow the
`replay` package for any script that imports it without putting the repository root in front.
Each script with a command line is started with `--help`, which imports everything it imports
at the top and exits before measuring anything (no timing here; the figures are bench's job).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(path for path in (ROOT / "bench").glob("*.py") if "argparse" in path.read_text())


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.name for path in SCRIPTS])
def test_the_bench_script_starts_as_documented(script: Path) -> None:
    text = script.read_text()
    assert f"python bench/{script.name}" in text, "the docstring says how to run it"
    started = subprocess.run(
        [sys.executable, str(script.relative_to(ROOT)), "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode == 0, started.stderr
    assert "usage:" in started.stdout


def test_a_bench_whose_package_is_missing_says_what_to_install() -> None:
    missing = "no_such_package_for_defi_ledger"
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path[:0] = ['.', 'bench']; from workload import require; "
            f"require({missing!r}, 'bench', 'this bench')",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 4, started.stderr  # the environment, by the exit-code contract
    assert started.stderr.strip() == f"this bench needs {missing}: pip install -e '.[bench]'"
