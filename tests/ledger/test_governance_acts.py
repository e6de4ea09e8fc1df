"""Governance that acts: an executed proposal changes the parameters it names from the block
it states; the Genesis DAO's two steps; the foundation's veto and pause for its safety period."""

from __future__ import annotations

import msgspec

from events import RejectCode
from events.alex_governance import (
    EMISSION_SCHEDULE,
    FEE_REBATE,
    RESERVE_DISTRIBUTION,
    ParameterChange,
    ParameterChanged,
)
from events.amm import Swapped
from ledger.audit import audit
from ledger.batch import Appended, NewEvent, Rejected
from ledger.commands.alex_governance import (
    AddProposal,
    ConcludeProposal,
    ConfigureGovernance,
    SetGovernancePause,
    VetoProposal,
    Vote,
)
from ledger.commands.alex_governance_acts import AddImplementationProposal, EnactProposal
from ledger.commands.alex_staking import ConfigureStaking
from ledger.commands.amm_swaps import SwapExactIn
from ledger.commands.core import Transfer
from ledger.commands.reserve import CreditReserve
from ledger.engine import Command, Engine
from projections.alex_staking import AlexStaking
from projections.balances import Balances
from projections.governance import Governance
from projections.pools import Pools
from tests.ledger.alex_risk_setup import ONE, alex_economy, must

REBATE = ParameterChange(parameter=FEE_REBATE, target="ALEX-USDA", value=ONE // 5)


def refused(engine: Engine, command: Command, block: int) -> RejectCode:
    head = engine.store.head()
    result = engine.execute([command], block=block)
    assert isinstance(result, Rejected), result
    assert engine.store.head() == head
    return result.code


def agp(proposal_id: str, block: int, *changes: ParameterChange, effective: int = 0) -> AddProposal:
    return AddProposal(
        proposal_id=proposal_id,
        proposer="voter",
        start_height=block + 1,
        end_height=block + 10,
        actions=changes,
        effective_height=effective,
    )


def voted_through(engine: Engine, proposal: Command, proposal_id: str, block: int) -> int:
    """Add, vote for and conclude (which executes) a proposal; returns the block it ends."""
    must(engine, [proposal], block)
    vote = Vote(proposal_id=proposal_id, voter="voter", amount=10 * ONE, in_favour=True)
    must(engine, [vote], block + 1)
    must(engine, [ConcludeProposal(proposal_id=proposal_id, sender="anyone")], block + 10)
    return block + 10


def enact(proposal_id: str) -> EnactProposal:
    return EnactProposal(proposal_id=proposal_id, sender="anyone")


def test_an_enacted_proposal_changes_the_rebate_and_the_schedule_from_its_block() -> None:
    engine = alex_economy()
    must(engine, [ConfigureStaking(token="ALEX", owner="foundation", coinbase_amounts=(ONE,))], 2)
    schedule = ParameterChange(parameter=EMISSION_SCHEDULE, target="ALEX", values=(7 * ONE,))
    end = voted_through(engine, agp("AGP-1", 3, REBATE, schedule, effective=50), "AGP-1", 3)
    assert refused(engine, enact("AGP-1"), end) == RejectCode.NOT_APPROVED  # before block 50
    assert engine.projection(Pools).books["ALEX-USDA"].spec.fee_rebate == ONE // 2
    must(engine, [enact("AGP-1")], 50)
    assert engine.projection(Pools).books["ALEX-USDA"].spec.fee_rebate == ONE // 5
    pool = engine.projection(AlexStaking).pool("ALEX")
    assert pool is not None
    assert (pool.coinbase_bands(49), pool.coinbase_bands(50)) == ([ONE], [7 * ONE])
    fund = Transfer(asset="USDA", from_account="treasury", to_account="voter", amount=100 * ONE)
    swap = SwapExactIn(pool="ALEX-USDA", trader="voter", asset_in="USDA", amount_in=100 * ONE)
    (swapped,) = [e for e in must(engine, [fund, swap], 51).events if isinstance(e, Swapped)]
    assert swapped.rebate == swapped.fee // 5  # the new 20% rebate; 80% to the reserve
    assert audit(engine.store) == []  # the audit folds the enacted rebate too
    assert refused(engine, enact("AGP-1"), 52) == RejectCode.ALREADY_CONCLUDED
    rows = engine.projection(Governance).tables_at(52)[3].rows
    assert [(row[2], row[-1]) for row in rows] == [(FEE_REBATE, True), (EMISSION_SCHEDULE, True)]


def test_a_reserve_distribution_pays_from_the_free_balance_once() -> None:
    engine = alex_economy()
    must(engine, [CreditReserve(token="USDA", amount=100 * ONE, from_account="treasury")], 2)
    pay = ParameterChange(
        parameter=RESERVE_DISTRIBUTION, target="USDA", value=60 * ONE, recipient="buyback"
    )
    too_much = ParameterChange(
        parameter=RESERVE_DISTRIBUTION, target="USDA", value=500 * ONE, recipient="buyback"
    )
    end = voted_through(engine, agp("AGP-1", 3, pay), "AGP-1", 3)
    end = voted_through(engine, agp("AGP-2", end, too_much), "AGP-2", end)
    must(engine, [enact("AGP-1")], end)
    assert engine.projection(Balances).balance("buyback", "USDA") == 60 * ONE
    assert refused(engine, enact("AGP-2"), end) == RejectCode.INSUFFICIENT_BALANCE


def test_a_change_recorded_from_outside_is_held_to_the_proposal_and_enacted_once() -> None:
    engine = alex_economy()
    must(engine, [ConfigureStaking(token="ALEX", owner="foundation", coinbase_amounts=(ONE,))], 2)
    schedule = ParameterChange(parameter=EMISSION_SCHEDULE, target="ALEX", values=(7 * ONE,))
    end = voted_through(engine, agp("AGP-1", 3, REBATE, schedule), "AGP-1", 3)

    def recorded(change: ParameterChange, effective: int = end) -> Appended | Rejected:
        fact = ParameterChanged(proposal_id="AGP-1", change=change, effective_height=effective)
        return engine.append_facts([NewEvent(event=fact, block=end)])

    assert_refused(recorded(schedule), RejectCode.NOT_APPROVED)  # the rebate comes first
    assert_refused(recorded(REBATE, effective=3), RejectCode.INVALID_PARAMETER)  # backdated
    assert isinstance(recorded(REBATE), Appended)
    (enacted,) = must(engine, [enact("AGP-1")], end).events  # what is left: the schedule
    assert isinstance(enacted, ParameterChanged) and enacted.change == schedule
    assert_refused(recorded(REBATE), RejectCode.ALREADY_CONCLUDED)


def test_a_distribution_recorded_from_outside_pays_only_from_the_free_balance() -> None:
    engine = alex_economy()
    must(engine, [CreditReserve(token="USDA", amount=100 * ONE, from_account="treasury")], 2)
    too_much = ParameterChange(
        parameter=RESERVE_DISTRIBUTION, target="USDA", value=500 * ONE, recipient="buyback"
    )
    end = voted_through(engine, agp("AGP-1", 3, too_much), "AGP-1", 3)
    fact = ParameterChanged(proposal_id="AGP-1", change=too_much, effective_height=end)
    detail = assert_refused(
        engine.append_facts([NewEvent(event=fact, block=end)]), RejectCode.INSUFFICIENT_BALANCE
    )
    assert detail == f"reserve:USDA has {100 * ONE} free to distribute, not {500 * ONE}"


def assert_refused(result: Appended | Rejected, code: RejectCode) -> str:
    """Refused with `code`; what the refusal says."""
    assert isinstance(result, Rejected), result
    assert result.code == code, result
    return result.detail


def test_the_genesis_dao_enacts_only_the_genesis_teams_implementation_voted_through() -> None:
    engine = alex_economy()
    genesis = ConfigureGovernance(
        sender="foundation",
        authority="foundation",
        genesis_team=("genesis",),
        safety_period_end=10_000,
    )
    must(engine, [genesis], 2)
    end = voted_through(engine, agp("AGP-1", 3, REBATE), "AGP-1", 3)  # step one: approval
    assert refused(engine, enact("AGP-1"), end) == RejectCode.NOT_APPROVED
    implementation = AddImplementationProposal(
        proposal_id="IMP-1", proposer="genesis", implements="AGP-1", start_height=end + 1,
        end_height=end + 10,
    )  # fmt: skip
    outsider = AddImplementationProposal(
        proposal_id="IMP-1", proposer="voter", implements="AGP-1", start_height=end + 1,
        end_height=end + 10,
    )  # fmt: skip
    assert refused(engine, outsider, end) == RejectCode.NOT_AUTHORISED
    end = voted_through(engine, implementation, "IMP-1", end)  # step two: the vote to execute
    must(engine, [enact("IMP-1")], end)
    assert engine.projection(Pools).books["ALEX-USDA"].spec.fee_rebate == ONE // 5
    unapproved = AddImplementationProposal(
        proposal_id="IMP-2", proposer="genesis", implements="AGP-9", start_height=end + 1,
        end_height=end + 10,
    )  # fmt: skip
    assert refused(engine, unapproved, end) == RejectCode.NOT_APPROVED
    must(engine, [SetGovernancePause(sender="foundation", paused=True)], end)
    paused = msgspec.structs.replace(implementation, proposal_id="IMP-2")
    assert refused(engine, paused, end) == RejectCode.GOVERNANCE_PAUSED  # as every proposal


def test_the_foundation_vetoes_and_pauses_only_during_its_safety_period() -> None:
    engine = alex_economy()
    safety = ConfigureGovernance(sender="foundation", authority="foundation", safety_period_end=100)
    must(engine, [safety, agp("AGP-1", 3, REBATE), agp("AGP-2", 3, REBATE)], 3)
    assert refused(engine, VetoProposal(proposal_id="AGP-1", sender="voter"), 5) == (
        RejectCode.NOT_AUTHORISED
    )
    support = Vote(proposal_id="AGP-1", voter="voter", amount=ONE, in_favour=True)
    must(engine, [support, VetoProposal(proposal_id="AGP-1", sender="foundation")], 5)
    must(engine, [SetGovernancePause(sender="foundation", paused=True)], 6)
    vote = Vote(proposal_id="AGP-2", voter="voter", amount=ONE, in_favour=True)
    assert refused(engine, vote, 7) == RejectCode.GOVERNANCE_PAUSED
    must(engine, [SetGovernancePause(sender="foundation", paused=False), vote], 8)
    must(engine, [ConcludeProposal(proposal_id="AGP-1", sender="x")], 13)
    assert engine.projection(Governance).proposal("AGP-1").status_at(13) == "vetoed"  # type: ignore[union-attr]
    assert refused(engine, enact("AGP-1"), 13) == RejectCode.NOT_APPROVED
    late_veto = VetoProposal(proposal_id="AGP-2", sender="foundation")
    assert refused(engine, late_veto, 100) == RejectCode.NOT_AUTHORISED
    late_pause = SetGovernancePause(sender="foundation", paused=True)
    assert refused(engine, late_pause, 100) == RejectCode.NOT_AUTHORISED
