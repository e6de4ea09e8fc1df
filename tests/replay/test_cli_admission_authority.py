"""`append` holds authority-only facts to what their commands check: once governance has an
authority, only that authority reconfigures it (`GovernanceConfigured.sender`), and a log
written before the field folds as it did; veto and pause hold only in the safety period, and
emergency and implementation proposals and executive signals come from their teams, in time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from events.base import Event, Name
from ledger.batch import Appended, NewEvent
from ledger.clock import FixedClock
from ledger.sqlite_store import SqliteStore
from tests.replay.test_cli_admission import (
    BOOKS,
    GENESIS,
    assert_admitted,
    assert_refused,
    line,
    run,
)


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    """Genesis, governance configured with `foundation` as its authority, an open AGP-1."""
    path = tmp_path / "ledger.db"
    assert run("init", str(path))[0] == 0
    code, output = run("append", str(path), "-", stdin=GENESIS.read_text() + "\n".join(BOOKS))
    assert code == 0, output
    return path


def configured(authority: str, **fields: object) -> dict[str, object]:
    return {"type": "GovernanceConfigured", "authority": authority} | fields


def authority_of(ledger: Path) -> str:
    code, output = run("state", str(ledger), "--projection", "governance", "--json")
    assert code == 0, output
    tables = json.loads(output)["projections"]["governance"]["tables"]
    authority: str = tables["governance_settings"][0]["authority"]
    return authority


@pytest.mark.parametrize("sender", [{}, {"sender": "mallory"}], ids=["no sender", "a stranger"])
def test_a_strangers_reconfiguration_is_refused_and_appends_nothing(
    ledger: Path, sender: dict[str, object]
) -> None:
    output = assert_refused(ledger, line(configured("mallory", **sender)), "NOT_AUTHORISED")
    assert "only the governance authority (foundation) may reconfigure governance" in output
    assert authority_of(ledger) == "foundation"


def test_the_authoritys_own_reconfiguration_is_admitted(ledger: Path) -> None:
    assert_admitted(ledger, [line(configured("council", sender="foundation"))])
    assert authority_of(ledger) == "council"
    # The power went with it: the foundation is a stranger now.
    assert_refused(ledger, line(configured("foundation", sender="foundation")), "NOT_AUTHORISED")


class GovernanceConfigured(Event, frozen=True, kw_only=True):
    """The shape the fact had before it named its sender (not registered: written, not read)."""

    authority: Name


#: `defi-ledger digest --projection governance` of `written_before_sender`'s log, as the code
#: before `GovernanceConfigured.sender` folded it.
GOVERNANCE_DIGEST_BEFORE = "c976329bff6d7edfc1a0898600dd56f5b25a543016088cbda62d2716c2a2540c"


@pytest.fixture
def written_before_sender(tmp_path: Path) -> Path:
    """Genesis, then `foundation` configured and `mallory` reconfiguring without a sender, in
    the bytes the store wrote before the field (and before a reconfiguration was checked)."""
    path = tmp_path / "before.db"
    assert run("init", str(path))[0] == 0
    assert run("append", str(path), str(GENESIS))[0] == 0
    store = SqliteStore(path, clock=FixedClock(1_700_000_000_000))
    try:
        batch = [
            NewEvent(event=GovernanceConfigured(authority=authority), block=block)
            for block, authority in ((10, "foundation"), (11, "mallory"))
        ]
        assert isinstance(store.append(batch), Appended)
    finally:
        store.close()
    return path


def test_a_log_written_before_the_sender_folds_to_the_digest_it_had(
    written_before_sender: Path,
) -> None:
    code, output = run("digest", str(written_before_sender), "--projection", "governance")
    assert code == 0, output
    assert output.split() == ["governance", GOVERNANCE_DIGEST_BEFORE]
    assert authority_of(written_before_sender) == "mallory"
    # What it recorded stands; what comes after it is held to the authority it left.
    stranger = line(configured("eve", sender="eve"), block=12)
    assert_refused(written_before_sender, stranger, "NOT_AUTHORISED")
    assert_admitted(written_before_sender, [line(configured("eve", sender="mallory"), block=12)])


#: What the foundation configures at block 20: every team's power ends at block 30.
TEAMS = configured(
    "foundation",
    sender="foundation",
    safety_period_end=30,
    emergency_team=["em1"],
    emergency_sunset_height=30,
    executive_team=["exec0"],
    executive_sunset_height=30,
    genesis_team=["gen1"],
)


def proposal(proposal_id: str, proposer: str, kind: str, block: int) -> dict[str, object]:
    """Made at `block`; an emergency proposal votes for the emergency window (1440 blocks)."""
    return {"type": "ProposalAdded", "proposal_id": proposal_id, "proposer": proposer} | {
        "start_height": block,
        "end_height": block + (1440 if kind == "emergency" else 36),
        "kind": kind,
        "implements": "AGP-1" if kind == "implementation" else "",
    }


SIGNAL = {"type": "ExecutiveSignalled", "proposal_id": "AGP-1", "member": "exec0", "signals": 1}
PAUSE = {"type": "GovernancePauseSet", "paused": True, "by": "foundation"}

#: Each power's fact from outside its holder, or after its holder's time: (fact, its block,
#: what the refusal says).
OUT_OF_POWER = {
    "an emergency proposal from outside the emergency team": (
        proposal("E-1", "alice", "emergency", 25),
        25,
        "alice is not on the emergency team",
    ),
    "an emergency proposal after the sunset": (
        proposal("E-1", "em1", "emergency", 30),
        30,
        "emergency proposals ended at height 30",
    ),
    "an implementation proposal from outside the Genesis team": (
        proposal("I-1", "alice", "implementation", 25),
        25,
        "alice is not on the Genesis team",
    ),
    "an executive signal after the sunset": (SIGNAL, 30, "executive action ended at height 30"),
    "a veto after the safety period": (
        {"type": "ProposalVetoed", "proposal_id": "AGP-1", "by": "foundation"},
        30,
        "the foundation's safety period ended at height 30",
    ),
    "a pause after the safety period": (PAUSE, 30, "safety period ended at height 30"),
}


@pytest.fixture
def teams(ledger: Path) -> Path:
    assert_admitted(ledger, [line(TEAMS)])
    return ledger


@pytest.mark.parametrize("case", sorted(OUT_OF_POWER))
def test_a_power_used_by_another_or_too_late_is_refused(teams: Path, case: str) -> None:
    event, block, detail = OUT_OF_POWER[case]
    assert detail in assert_refused(teams, line(event, block=block), "NOT_AUTHORISED")


def test_each_power_holds_for_its_holder_until_its_end(teams: Path) -> None:
    facts = [SIGNAL, proposal("E-1", "em1", "emergency", 25), PAUSE]
    resume = PAUSE | {"paused": False}  # resuming never ends, so governance never stays stuck
    assert_admitted(teams, [line(fact, block=25) for fact in facts] + [line(resume, block=30)])
    assert_refused(teams, line(PAUSE, block=30), "NOT_AUTHORISED")
