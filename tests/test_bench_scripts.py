"""Every benchmark script starts as its docstring says: `python bench/X.py`, from the root.

Running a script puts bench/ first on sys.path, where bench/replay.py would shadow the
`replay` package for any script that imports it without putting the repository root in front.
Each script with a command line is started with `--help`, which imports everything it imports
at the top and exits before measuring anything (no timing here; the figures are bench's job).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(path for path in (ROOT / "bench").glob("*.py") if "argparse" in path.read_text())


def run_script(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`python <arguments>` from the repository root, its output as text."""
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=[path.name for path in SCRIPTS])
def test_the_bench_script_starts_as_documented(script: Path) -> None:
    text = script.read_text()
    assert f"python bench/{script.name}" in text, "the docstring says how to run it"
    started = run_script(str(script.relative_to(ROOT)), "--help")
    assert started.returncode == 0, started.stderr
    assert "usage:" in started.stdout


def test_a_bench_whose_package_is_missing_says_what_to_install() -> None:
    missing = "no_such_package_for_defi_ledger"
    started = run_script(
        "-c",
        "import sys; sys.path[:0] = ['.', 'bench']; from workload import require; "
        f"require({missing!r}, 'bench', 'this bench')",
    )
    assert started.returncode == 4, started.stderr  # the environment, by the exit-code contract
    assert started.stderr.strip() == f"this bench needs {missing}: pip install -e '.[bench]'"


def test_the_replay_bench_reports_the_fastest_of_its_runs_and_one_log_head() -> None:
    """A tiny replay, twice: one line a run, the fastest run's rate, and one head hash (the
    same scenario writes the same log; a second head would exit 3)."""
    started = run_script("bench/replay.py", "--positions", "20", "--hours", "120", "--runs", "2")
    assert started.returncode == 0, started.stderr
    lines = started.stdout.splitlines()
    runs = [line for line in lines if line.startswith("run ")]
    rates = [int(line.split("events (")[1].split("/s")[0].replace(",", "")) for line in runs]
    assert len(rates) == 2
    best = next(line for line in lines if line.startswith("events/s: "))
    assert best.startswith(f"events/s: {max(rates):,} ")
    assert len([line for line in lines if line.startswith("log head: ")]) == 1


def test_the_replay_bench_refuses_zero_runs_as_a_usage_error() -> None:
    started = run_script("bench/replay.py", "--runs", "0")
    assert started.returncode == 2
    assert "--runs: at least 1, got 0" in started.stderr


def load_bench_module(name: str) -> ModuleType:
    """bench/<name>.py as a module, without putting bench/ on sys.path (see the docstring)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_bytecode_modes_compile_only_this_projects_modules_in_the_compiled_one() -> None:
    """`bench/bytecode.py`: the cached mode's warm-up fills a cache outside the tree; the
    compiled mode finds everything there but this project's packages, and writes nothing."""
    bytecode = load_bench_module("bytecode")

    def run(env: dict[str, str]) -> None:
        command = [sys.executable, "-c", "import ledger.errors, json.decoder"]
        subprocess.run(command, cwd=ROOT, env=env, check=True)

    def cached(prefix: Path, module: str) -> list[Path]:
        """The module's bytecode in a cache (the prefix mirrors the sources' paths)."""
        package, name = module.split(".")
        return [path for path in prefix.rglob(f"{name}.*.pyc") if path.parent.name == package]

    with bytecode.bytecode_modes(run) as modes:
        warm = Path(modes["cached"]["PYTHONPYCACHEPREFIX"])
        cold = Path(modes["compiled"]["PYTHONPYCACHEPREFIX"])
        assert "PYTHONDONTWRITEBYTECODE" not in modes["cached"]
        assert modes["compiled"]["PYTHONDONTWRITEBYTECODE"] == "1"
        assert ROOT not in warm.parents and ROOT not in cold.parents
        # The warm-up filled the cache; the compiled mode keeps the standard library's...
        assert cached(warm, "ledger.errors") and cached(warm, "json.decoder")
        assert cached(cold, "json.decoder")
        run(modes["compiled"])
        # ...and compiles this project's modules in every process, caching none of them.
        assert cached(cold, "ledger.errors") == []
    assert not warm.exists() and not cold.exists()
