"""The protocol events that matter to a person reading a report, each said in one line.

`MOMENTS` maps an event type to the function that says it (in display units, through
`replay/units.py`); event types not in it (swaps, price ticks, transfers) are not moments.
Written out as a table: a new kind of moment is one row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from replay.units import amount_text, decimal_text

Say = Callable[[Any, Mapping[str, int]], str]


def _amount(value: int, asset: str, decimals: Mapping[str, int]) -> str:
    return amount_text(value, asset, decimals, places=4)


def _fx_walked(event: Any, decimals: Mapping[str, int]) -> str:
    kind = "liquidation" if event.kind == "liquidate" else "rebalance"
    text = (
        f"f(x) {kind} in {event.pool_id} at {decimal_text(event.price_1e18, 18, 2, True)}: "
        f"{len(event.movements)} tick(s), "
        f"{decimal_text(event.raw_debts, 18, 2, True)} {event.debt_asset} of debt repaid"
    )
    if event.bad_debt_raw:
        text += f", bad debt {decimal_text(event.bad_debt_raw, 18, 4, True)} {event.debt_asset}"
    if event.bonus_from_reserve_token:
        text += (
            f", bonus {_amount(event.bonus_from_reserve_token, event.collateral_asset, decimals)}"
            " paid by the reserve"
        )
    return text


def _position(event: Any, decimals: Mapping[str, int]) -> str:
    verb = "opened" if event.opened else "changed"
    return f"f(x) position {event.pool_id}#{event.position_id} of {event.owner} {verb}"


def _strike_dead(event: Any, decimals: Mapping[str, int]) -> str:
    return (
        f"AlphaX {event.market_id}: the {event.side} side died at "
        f"{decimal_text(event.asset_price, 6, 2, True)} USD"
    )


def _shortfall(verb: str) -> Say:
    def say(event: Any, decimals: Mapping[str, int]) -> str:
        reason = getattr(event, "reason", "")
        text = f"reserve {verb} {_amount(event.amount, event.token, decimals)} shortfall"
        return f"{text} ({reason})" if reason else text

    return say


def _debited(event: Any, decimals: Mapping[str, int]) -> str:
    return f"reserve paid {_amount(event.amount, event.token, decimals)} ({event.reason})"


def _emergency(event: Any, decimals: Mapping[str, int]) -> str:
    return (
        f"emergency issue: {_amount(event.alex_amount, event.alex_asset, decimals)} sold for "
        f"{_amount(event.proceeds, event.token, decimals)}"
    )


def _proposal(event: Any, decimals: Mapping[str, int]) -> str:
    return (
        f"proposal {event.proposal_id} by {event.proposer}: voting blocks "
        f"{event.start_height}–{event.end_height}"
    )


def _concluded(event: Any, decimals: Mapping[str, int]) -> str:
    outcome = "passed" if event.passed else "failed"
    return (
        f"proposal {event.proposal_id} {outcome}: {_amount(event.votes_for, 'ALEX', decimals)}"
        f" for, {_amount(event.votes_against, 'ALEX', decimals)} against"
    )


def _executed(event: Any, decimals: Mapping[str, int]) -> str:
    return f"proposal {event.proposal_id} executed (via {event.via})"


def _staked(event: Any, decimals: Mapping[str, int]) -> str:
    return (
        f"{event.staker} staked {_amount(event.amount, event.token, decimals)} "
        f"for {event.lock_cycles} cycle(s)"
    )


def _emission(event: Any, decimals: Mapping[str, int]) -> str:
    return f"staking cycle {event.cycle} of {event.token}: emission fixed"


def _claimed(event: Any, decimals: Mapping[str, int]) -> str:
    return f"{event.staker} claimed staking rewards ({event.token})"


def _crp_created(event: Any, decimals: Mapping[str, int]) -> str:
    return (
        f"collateral rebalancing pool {event.pool_id}: {event.collateral} against "
        f"{event.token}, expiry block {event.expiry}"
    )


def _crp_minted(event: Any, decimals: Mapping[str, int]) -> str:
    return f"{event.borrower} borrowed through {event.pool_id}"


def _created(label: str, field: str) -> Say:
    def say(event: Any, decimals: Mapping[str, int]) -> str:
        return f"{label} {getattr(event, field)} created"

    return say


MOMENTS: dict[str, Say] = {
    "FxWalked": _fx_walked,
    "FxPositionOperated": _position,
    "AlphaxStrikeLiquidated": _strike_dead,
    "ShortfallReported": _shortfall("was told of a"),
    "ShortfallCovered": _shortfall("covered a"),
    "ReserveDebited": _debited,
    "EmergencyIssued": _emergency,
    "ProposalAdded": _proposal,
    "ProposalConcluded": _concluded,
    "ProposalExecuted": _executed,
    "Staked": _staked,
    "CycleEmissionFixed": _emission,
    "StakingRewardClaimed": _claimed,
    "CollateralPoolCreated": _crp_created,
    "CollateralMinted": _crp_minted,
    "FxPoolCreated": _created("f(x) pool", "pool_id"),
    "AlphaxMarketCreated": _created("AlphaX strike market", "market_id"),
    "PoolCreated": _created("AMM pool", "pool"),
}
"""Event type -> how to say it; the timeline's vocabulary."""

SEVERE = frozenset(
    {
        "FxWalked",
        "AlphaxStrikeLiquidated",
        "ShortfallReported",
        "ShortfallCovered",
        "EmergencyIssued",
    }
)
"""Moments a timeline never drops when it has to be shortened."""
