"""f(x) funding on the collateral index and the PoolManager harvest that realises it.

Restated from protocol-math.md section 4.7: `AaveFundingPool._updateCollAndDebtIndex` (funding
raises collIndex so every position's collateral shrinks pro rata) in both versions - HEAD's
annual ratio from `PoolConfiguration` (scalarA/B for the long pool, scalarC for the short pool)
and d8e5e9d's Aave rate times the pool's x1e9 funding ratio while funding is enabled - and
`PoolManager.harvest` (funding and rate-provider rewards split into expense, harvester bounty
and treasury; accumulated open/close/misc fees paid out).
"""

from __future__ import annotations

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_params import (
    FundingConditions,
    FxVersion,
    fee_of,
    funding_ratio_1e18,
)
from projections.contracts.fx_results import FundingPreview, HarvestPreview
from projections.contracts.fx_state import FxPoolState, FxReplayMismatch
from projections.contracts.fx_ticks import (
    FEE_PRECISION,
    PRECISION,
    SECONDS_PER_YEAR,
    raw_coll_from_shares,
    scale_down,
    scale_up,
    scaling_factor,
)


def funding_raw_head(total_raw_coll: int, ratio_1e18: int, duration_seconds: int) -> int:
    """HEAD funding: floor(C * ratio * dt / (1e18 * 365 days))."""
    return total_raw_coll * ratio_1e18 * duration_seconds // (PRECISION * SECONDS_PER_YEAR)


def funding_raw_d8e5e9d(
    total_raw_coll: int, aave_rate_1e18: int, duration_seconds: int, funding_ratio_1e9: int
) -> int:
    """d8e5e9d funding: floor(C * rate * dt / (365 days * 1e18)) * fundingRatio / 1e9."""
    funding = total_raw_coll * aave_rate_1e18 * duration_seconds // (SECONDS_PER_YEAR * PRECISION)
    return funding * funding_ratio_1e9 // FEE_PRECISION


def coll_index_after_funding(coll_index: int, total_raw_coll: int, funding_raw: int) -> int:
    """collIndex' = floor(collIndex * C / (C - funding)): shares now buy less raw collateral."""
    if funding_raw >= total_raw_coll:
        raise MathRejected(RejectCode.OUT_OF_DOMAIN, "funding would take all collateral")
    return coll_index * total_raw_coll // (total_raw_coll - funding_raw)


def preview_funding(
    state: FxPoolState,
    duration_seconds: int,
    aave_rate_1e18: int,
    conditions: FundingConditions,
) -> FundingPreview:
    """Compute one index update for `duration_seconds` since the last one.

    Args:
        state: The pool.
        duration_seconds: Seconds since the last index update (> 0 to accrue anything).
        aave_rate_1e18: The annual Aave rate (`fx_params.aave_rate_1e18`).
        conditions: Peg and stability-pool facts (d8e5e9d reads only `fxusd_depegged`).

    Returns:
        The funding taken and the new collIndex (equal to the old one when none is due).
    """
    parameters = state.parameters
    total_raw_coll = raw_coll_from_shares(state.coll_shares_total, state.coll_index, False)
    if parameters.version is FxVersion.HEAD:
        ratio = funding_ratio_1e18(parameters, aave_rate_1e18, conditions)
        funding = funding_raw_head(total_raw_coll, ratio, duration_seconds)
    else:
        enabled = conditions.fxusd_depegged and duration_seconds > 0
        ratio = parameters.funding_ratio_1e9 if enabled else 0
        funding = funding_raw_d8e5e9d(total_raw_coll, aave_rate_1e18, duration_seconds, ratio)
    coll_index_after = state.coll_index
    if funding > 0:
        coll_index_after = coll_index_after_funding(state.coll_index, total_raw_coll, funding)
    return FundingPreview(
        duration_seconds=duration_seconds,
        funding_ratio=ratio,
        total_raw_coll=total_raw_coll,
        funding_raw=funding,
        coll_index_before=state.coll_index,
        coll_index_after=coll_index_after,
    )


def apply_funding(state: FxPoolState, preview: FundingPreview) -> None:
    """Set the collateral index a recorded funding accrual produced."""
    if preview.coll_index_before != state.coll_index:
        raise FxReplayMismatch("funding recorded against a different collIndex")
    state.coll_index = preview.coll_index_after


def preview_harvest(state: FxPoolState, collateral_rate_1e18: int) -> HarvestPreview:
    """Realise funding (raw recorded above the pool's raw) and rate growth, pay out fees.

    Args:
        state: The pool.
        collateral_rate_1e18: The rate provider's current rate (staking yield shows up as
            recorded tokens being worth more raw collateral).

    Returns:
        The amounts `PoolManager.harvest` moves.
    """
    parameters = state.parameters
    factor = scaling_factor(parameters.collateral_decimals, collateral_rate_1e18)
    balances = state.balances
    token_recorded, raw_recorded = balances.collateral_token, balances.collateral_raw
    raw_pool = raw_coll_from_shares(state.coll_shares_total, state.coll_index, False)
    funding_token, funding_raw, expense, bounty, funding_net = 0, 0, 0, 0, 0
    if raw_recorded > raw_pool:
        funding_raw = raw_recorded - raw_pool
        funding_token = scale_down(funding_raw, factor)
        token_recorded -= funding_token
        raw_recorded = raw_pool
        expense = fee_of(funding_token, parameters.funding_expense_ratio_1e9)
        bounty = fee_of(funding_token, parameters.harvester_ratio_1e9)
        funding_net = funding_token - expense - bounty
    rewards_token, rewards_net = 0, 0
    raw_from_tokens = scale_up(token_recorded, factor)
    if raw_from_tokens > raw_recorded:
        rewards_token = scale_down(raw_from_tokens - raw_recorded, factor)
        rewards_expense = fee_of(rewards_token, parameters.rewards_expense_ratio_1e9)
        rewards_bounty = fee_of(rewards_token, parameters.harvester_ratio_1e9)
        rewards_net = rewards_token - rewards_expense - rewards_bounty
        expense += rewards_expense
        bounty += rewards_bounty
    return HarvestPreview(
        funding_token=funding_token,
        funding_raw=funding_raw,
        rewards_token=rewards_token,
        expense_token=expense,
        bounty_token=bounty,
        funding_to_treasury_token=funding_net,
        rewards_to_treasury_token=rewards_net,
        fees_open_paid_token=balances.fees_open_token,
        fees_close_paid_token=balances.fees_close_token,
        fees_misc_paid_token=balances.fees_misc_token,
    )


def apply_harvest(state: FxPoolState, preview: HarvestPreview) -> None:
    """Take the harvested collateral off the manager's record and zero the fee accumulators."""
    state.balances = state.balances.moved(
        collateral_token=-preview.funding_token - preview.rewards_token,
        collateral_raw=-preview.funding_raw,
        fees_open_token=-preview.fees_open_paid_token,
        fees_close_token=-preview.fees_close_paid_token,
        fees_misc_token=-preview.fees_misc_paid_token,
    )


__all__ = [
    "apply_funding",
    "apply_harvest",
    "coll_index_after_funding",
    "funding_raw_d8e5e9d",
    "funding_raw_head",
    "preview_funding",
    "preview_harvest",
]
