"""Shared set-up for the reserve and risk-chain tests: ALEX from its genesis, governance with
an emergency team, USDA, an ALEX/USDA weighted pool to sell emergency ALEX through, and the
steps of an emergency-issuance proposal (propose, vote, conclude, enact)."""

from __future__ import annotations

from collections.abc import Sequence

from events.alex_governance import ISSUANCE, ParameterChange
from ledger.commands.alex_governance import (
    AddEmergencyProposal,
    ConcludeProposal,
    ConfigureGovernance,
    Vote,
)
from ledger.commands.alex_governance_acts import EnactProposal
from ledger.commands.alex_staking import AlexGenesis
from ledger.commands.amm import AddLiquidity, CreatePool
from ledger.commands.core import Mint, RegisterAsset, Transfer, UpdatePrice
from ledger.engine import Command, Engine, Executed
from ledger.memory import MemoryStore

ONE = 10**8
WINDOW = 100
"""The emergency proposals' voting window, in blocks."""


def must(engine: Engine, commands: Sequence[Command], block: int) -> Executed:
    result = engine.execute(commands, block=block)
    assert isinstance(result, Executed), result
    return result


def alex_economy() -> Engine:
    """Genesis, governance (authority `foundation`, emergency team `em`), USDA, and a 50/50
    ALEX/USDA pool holding 4,000,000 ALEX and 1,000,000 USDA ($0.25 an ALEX)."""
    engine = Engine(MemoryStore())
    must(
        engine,
        [
            AlexGenesis(),
            RegisterAsset(asset="USDA", symbol="USDA", decimals=8),
            Mint(asset="USDA", to_account="treasury", amount=2_000_000 * ONE),
            UpdatePrice(asset="USDA", quote="USD", price=ONE, scale=ONE),
            UpdatePrice(asset="ALEX", quote="USD", price=ONE // 4, scale=ONE),
            ConfigureGovernance(
                sender="foundation",
                authority="foundation",
                emergency_team=("em",),
                emergency_window_blocks=WINDOW,
                emergency_sunset_height=10**6,
            ),
            Transfer(asset="ALEX", from_account="team", to_account="voter", amount=1000 * ONE),
            Transfer(
                asset="USDA", from_account="treasury", to_account="foundation", amount=10**6 * ONE
            ),
            CreatePool(
                pool="ALEX-USDA",
                kind="weighted",
                token_x="ALEX",
                token_y="USDA",
                owner="foundation",
                weight_x=ONE // 2,
                weight_y=ONE // 2,
                fee_rate_x=300_000,
                fee_rate_y=300_000,
                fee_rebate=ONE // 2,
            ),
            AddLiquidity(
                pool="ALEX-USDA",
                provider="foundation",
                amount_x_desired=4_000_000 * ONE,
                amount_y_desired=1_000_000 * ONE,
            ),
        ],
        block=1,
    )
    return engine


def approve_issuance(
    engine: Engine, proposal_id: str, token: str, alex_max: int, block: int, passes: bool = True
) -> int:
    """An emergency proposal allowing `alex_max` ALEX for the reserve of `token`, voted on
    from `block`; returns the block after its window, when it is concluded (and enacted)."""
    change = ParameterChange(parameter=ISSUANCE, target=token, value=alex_max)
    proposal = AddEmergencyProposal(
        proposal_id=proposal_id, proposer="em", title="refill the reserve", actions=(change,)
    )
    vote = Vote(proposal_id=proposal_id, voter="voter", amount=100 * ONE, in_favour=passes)
    must(engine, [proposal, vote], block)
    end = block + WINDOW
    must(engine, [ConcludeProposal(proposal_id=proposal_id, sender="em")], end)
    if passes:
        must(engine, [EnactProposal(proposal_id=proposal_id, sender="em")], end)
    return end
