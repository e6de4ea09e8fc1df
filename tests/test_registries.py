"""What the books compute does not depend on what the caller imported.

Every registry (posting rules, command handlers, agent kinds, CLI commands, projections) is a
table written out in one module. Two checks, each in a fresh interpreter:

* the balances book folded from a real log by a process that imports only the codec and
  `projections.balances` gives the full engine's digest;
* importing every module of the four packages changes no table.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from replay.runner import replay_scenario
from replay.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "fixtures" / "scenarios"

# Reads the log with sqlite3 itself: the only project modules are the codec and the book.
FOLD_WITH_BALANCES_ONLY = """
import json, sqlite3, sys
from events.codec import decode
from events.record import Record
from projections.balances import Balances

balances = Balances()
connection = sqlite3.connect(sys.argv[1])
rows = connection.execute("SELECT seq, block, type, version, payload FROM named_events ORDER BY seq")
for seq, block, tag, version, payload in rows:
    event = decode(tag, version, payload)
    balances.apply(Record(seq, block, 0, "", 0, tag, version, "", None, "", "", event))
loaded = sorted(
    name for name in sys.modules
    if name.split(".")[0] in ("projections", "ledger", "replay") and name != "projections"
)
print(json.dumps({"digest": balances.digest(), "modules": loaded}))
"""


@pytest.fixture(scope="module", params=["flash-crash", "alex-cycles"])
def replayed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A log written by the full engine: every protocol's postings are in one of the two."""
    db = tmp_path_factory.mktemp(request.param) / "log.db"
    replay_scenario(load_scenario(SCENARIOS / f"{request.param}.toml"), db)
    return db


def test_a_fresh_interpreter_with_only_the_balances_book_gives_the_engines_digest(
    replayed: Path,
) -> None:
    store = SqliteStore(replayed)
    try:
        expected = Projector(store, ["balances"]).digests()["balances"]
    finally:
        store.close()
    found = subprocess.run(
        [sys.executable, "-c", FOLD_WITH_BALANCES_ONLY, str(replayed)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(found.stdout)
    assert result["digest"] == expected
    # The book found its rules without any protocol projection or the engine being loaded.
    assert not [name for name in result["modules"] if name.startswith(("ledger", "replay"))]
    assert "projections.fx_pools" not in result["modules"]


TABLES = {
    "projections.postings": "POSTING_RULES",
    "ledger.commands": "HANDLERS",
    "replay.agents.catalog": "AGENT_KINDS",
    "replay.cli": "COMMANDS",
    "projections.runtime": "PROJECTIONS",
}

IMPORT_ONE_THEN_ALL = """
import importlib, json, pkgutil, sys
module, attribute = sys.argv[1], sys.argv[2]
table = getattr(importlib.import_module(module), attribute)
before = sorted(map(str, table))
for package in ("events", "projections", "ledger", "replay"):
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if not info.name.endswith(".__main__"):
            importlib.import_module(info.name)
print(json.dumps({"before": before, "after": sorted(map(str, table))}))
"""


@pytest.mark.parametrize("module", sorted(TABLES))
def test_importing_every_module_changes_no_registry(module: str) -> None:
    found = subprocess.run(
        [sys.executable, "-c", IMPORT_ONE_THEN_ALL, module, TABLES[module]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(found.stdout)
    assert result["before"] and result["before"] == result["after"]
