"""f(x) protocol v2 pool parameters, contract versions and the rate-driven fee/funding ratios.

Restated from protocol-math.md sections 4.3 (open/supply fee ratio stepped by the Aave rate:
`AaveFundingPool.getOpenFeeRatio` at d8e5e9d, `PoolConfiguration.getPoolFeeRatio` at HEAD),
4.5/4.6 (rebalance and liquidation ratios) and 4.7 (funding ratios:
`AaveFundingPool._getAverageInterestRate`, `PoolConfiguration.getLongPoolFundingRatio` /
`getShortPoolFundingRatio`).

Two contract versions differ in fee plumbing and the redeem stop rule; `FxVersion` names them and
every vector records the one it uses. Defaults are the test-suite values (section 4.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from projections.contracts.fx_ticks import FEE_PRECISION, PRECISION, SECONDS_PER_YEAR

AAVE_SNAPSHOT_DELAY_MIN_SECONDS = 30 * 60
"""Aave borrow-index snapshots closer than this keep the last rate (`MIN_SNAPSHOT_DELAY`)."""


class FxVersion(StrEnum):
    """Which f(x) contracts a pool follows."""

    D8E5E9D = "d8e5e9d"
    """Mar 2025 (tested): pool-level open/close fees in raw collateral, pool funding ratio x1e9,
    redeem walks every tick."""
    HEAD = "head"
    """5e198e93 (Feb 2026): PoolManager supply/withdraw/borrow/repay fees in token units,
    PoolConfiguration funding scalars, redeem stops when a tick would not move."""


class RebalanceFormula(StrEnum):
    """How much debt a rebalance repays (section 4.5)."""

    CONTRACT = "contract"
    """x = (D - r*P*C) / (1 - r*(1 + bonus)): reaches the target after paying the bonus."""
    NARRATIVE = "narrative"
    """x = (D - r*P*C) / (1 - r): the research article's zero-bonus formula."""


class PoolSide(StrEnum):
    LONG = "long"
    """xPOSITIONs: collateral token against fxUSD debt."""
    SHORT = "short"
    """sPOSITIONs: fxUSD collateral against the borrowed token; the caller inverts prices."""


@dataclass(frozen=True, slots=True)
class FxPoolParameters:
    """Everything a pool's math reads that governance can change; ratios at their contract scale."""

    version: FxVersion = FxVersion.HEAD
    side: PoolSide = PoolSide.LONG
    collateral_decimals: int = 18
    debt_ratio_min_1e18: int = 500000000000000000
    debt_ratio_max_1e18: int = 857142857142857142
    rebalance_debt_ratio_1e18: int = 880000000000000000
    rebalance_bonus_ratio_1e9: int = 25000000
    liquidate_debt_ratio_1e18: int = 920000000000000000
    liquidate_bonus_ratio_1e9: int = 50000000
    redeem_ratio_per_tick_max_1e9: int = 200000000
    rebalance_formula: RebalanceFormula = RebalanceFormula.CONTRACT
    # d8e5e9d pool-level fees and funding.
    open_ratio_1e9: int = 1000000
    open_ratio_step_1e18: int = 50000000000000000
    close_fee_ratio_1e9: int = 1000000
    funding_ratio_1e9: int = 0
    # HEAD PoolConfiguration / PoolManager fees (deployed defaults, section 4.3).
    supply_ratio_1e9: int = 3000000
    supply_ratio_step_1e18: int = 300000000000000000
    withdraw_fee_ratio_1e9: int = 1000000
    borrow_fee_ratio_1e9: int = 0
    repay_fee_ratio_1e9: int = 0
    # Both versions: PoolManager revenue ratios.
    redeem_fee_ratio_1e9: int = 5000000
    liquidation_expense_ratio_1e9: int = 100000000
    funding_expense_ratio_1e9: int = 0
    rewards_expense_ratio_1e9: int = 0
    harvester_ratio_1e9: int = 10000000
    # HEAD funding scalars (section 4.7).
    funding_scalar_a_1e18: int = 10**18
    funding_scalar_b_1e18: int = 10 * 10**18
    funding_scalar_c_1e18: int = 10 * 10**18
    fxusd_ratio_max_1e18: int = 950000000000000000
    short_borrow_ratio_max_1e18: int = 450000000000000000
    # PoolManager minimums (HEAD constants; applied in both versions).
    redeem_debt_min: int = 100 * 10**18
    rebalance_debt_min: int = 10**18
    liquidate_debt_min: int = 10**18

    @property
    def redeem_stops_when_tick_not_moved(self) -> bool:
        """HEAD's `_tickWillMove` stop rule for redeem; d8e5e9d walks on."""
        return self.version is FxVersion.HEAD


def stepped_fee_ratio_1e9(ratio_1e9: int, step_1e18: int, aave_rate_1e18: int) -> int:
    """Return a fee ratio scaled by the Aave rate in steps, capped at 100% (section 4.3).

    Args:
        ratio_1e9: The base ratio (d8e5e9d open ratio or HEAD supply ratio), x1e9.
        step_1e18: The rate step, x1e18.
        aave_rate_1e18: The annualised Aave USDC borrow rate, x1e18.

    Returns:
        k * ratio with k = 1 while the rate is at most one step, else floor((rate - 1) / step).
    """
    multiplier = 1 if aave_rate_1e18 <= step_1e18 else (aave_rate_1e18 - 1) // step_1e18
    return min(multiplier * ratio_1e9, FEE_PRECISION)


def fee_of(amount: int, ratio_1e9: int) -> int:
    """floor(amount * ratio / 1e9): every f(x) fee and bonus rounds down."""
    return amount * ratio_1e9 // FEE_PRECISION


def aave_rate_1e18(
    borrow_index_previous: int,
    borrow_index_current: int,
    elapsed_seconds: int,
    rate_last_1e18: int,
) -> int:
    """Annualise the Aave variable borrow index growth (`_getAverageInterestRate`).

    Args:
        borrow_index_previous: The snapshot index (x1e27).
        borrow_index_current: Aave's index now (x1e27).
        elapsed_seconds: Seconds since the snapshot.
        rate_last_1e18: The rate recorded at the snapshot, kept for short gaps and zero growth.

    Returns:
        The annual rate x1e18.
    """
    if elapsed_seconds < AAVE_SNAPSHOT_DELAY_MIN_SECONDS:
        return rate_last_1e18
    growth = borrow_index_current - borrow_index_previous
    rate = growth * SECONDS_PER_YEAR * PRECISION // (borrow_index_previous * elapsed_seconds)
    return rate if rate != 0 else rate_last_1e18


@dataclass(frozen=True, slots=True)
class FundingConditions:
    """The market facts the HEAD funding ratio depends on (oracle/peg keeper reads, as inputs)."""

    fxusd_depegged: bool = False
    """fxUSD trades below its max deviation (the d8e5e9d `isFundingEnabled`)."""
    fxusd_ratio_in_base_1e18: int = 0
    """fxUSD / (fxUSD + USDC value) held by the stability pool, x1e18."""
    short_borrow_ratio_1e18: int = 0
    """Short pool only: borrowed / available long collateral, x1e18."""


def funding_ratio_1e18(
    parameters: FxPoolParameters, aave_rate: int, conditions: FundingConditions
) -> int:
    """Return the HEAD annual funding ratio x1e18 (section 4.7, both long branches and short).

    Args:
        parameters: The pool's scalars and thresholds.
        aave_rate: The annual Aave rate x1e18.
        conditions: Peg and stability-pool facts at the accrual.

    Returns:
        scalar * aaveRate / 1e18 for the branch that applies, else 0.
    """
    if parameters.side is PoolSide.SHORT:
        if conditions.short_borrow_ratio_1e18 >= parameters.short_borrow_ratio_max_1e18:
            return parameters.funding_scalar_c_1e18 * aave_rate // PRECISION
        return 0
    if conditions.fxusd_depegged:
        return parameters.funding_scalar_b_1e18 * aave_rate // PRECISION
    if conditions.fxusd_ratio_in_base_1e18 >= parameters.fxusd_ratio_max_1e18:
        return parameters.funding_scalar_a_1e18 * aave_rate // PRECISION
    return 0


__all__ = [
    "AAVE_SNAPSHOT_DELAY_MIN_SECONDS",
    "FundingConditions",
    "FxPoolParameters",
    "FxVersion",
    "PoolSide",
    "RebalanceFormula",
    "aave_rate_1e18",
    "fee_of",
    "funding_ratio_1e18",
    "stepped_fee_ratio_1e9",
]
