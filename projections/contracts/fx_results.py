"""Frozen requests and results for the f(x) pool model: what a command asks, what an event records.

Each preview in `fx_pool` returns one of these with every amount the contracts compute (section
4.3 operate, 4.4 redeem, 4.5 rebalance, 4.6 liquidate, 4.7 funding/harvest), so an event can carry
them and an apply can replay them without recomputing anything the event already states. Raw
amounts are 18-decimal collateral/fxUSD units; `_token` amounts are collateral token base units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from projections.contracts.fx_ticks import PRECISION


@dataclass(frozen=True, slots=True)
class PoolTotals:
    """Pool-level share totals and indices (`BasePool` storage) with their raw values."""

    coll_shares: int
    debt_shares: int
    coll_index: int
    debt_index: int
    raw_coll: int
    """floor(coll_shares * 2^96 / coll_index)."""
    raw_debt: int
    """floor(debt_shares * debt_index / 2^96)."""


@dataclass(frozen=True, slots=True)
class ManagerBalances:
    """What `PoolManager` records per pool: balances and fee accumulators."""

    collateral_token: int
    collateral_raw: int
    debt: int
    fees_open_token: int
    fees_close_token: int
    fees_misc_token: int

    def moved(
        self,
        *,
        collateral_token: int = 0,
        collateral_raw: int = 0,
        debt: int = 0,
        fees_open_token: int = 0,
        fees_close_token: int = 0,
        fees_misc_token: int = 0,
    ) -> ManagerBalances:
        """These balances moved by the deltas given (a new record: this one is frozen)."""
        return ManagerBalances(
            self.collateral_token + collateral_token,
            self.collateral_raw + collateral_raw,
            self.debt + debt,
            self.fees_open_token + fees_open_token,
            self.fees_close_token + fees_close_token,
            self.fees_misc_token + fees_misc_token,
        )


@dataclass(frozen=True, slots=True)
class OperateRequest:
    """An open / add / remove collateral / borrow / repay / close command (section 4.3)."""

    owner: str
    """The caller (not necessarily the position's owner): must own the position to withdraw or
    borrow, owns what it opens, and may add collateral to or repay anyone's position."""
    price_1e18: int
    """The oracle's min ("exchange") price."""
    position_id: int | None = None
    """None opens a new position."""
    collateral_delta_token: int = 0
    """Collateral token units: > 0 supply (before fees), < 0 withdraw."""
    debt_delta: int = 0
    """fxUSD: > 0 borrow, < 0 repay."""
    withdraw_all: bool = False
    repay_all: bool = False
    borrow_allowed: bool = True
    """`isBorrowAllowed()`: False while fxUSD is below its peg band."""
    collateral_rate_1e18: int = PRECISION
    """Rate provider's rate (e.g. wstETH -> stETH), 1e18 without a provider."""
    aave_rate_1e18: int = 0
    """Annual Aave USDC borrow rate: steps the open (d8e5e9d) or supply (HEAD) fee."""
    repay_in_stable: bool = False
    """HEAD only: `debt_delta` is a (negative) USDC amount repaying debt at the USDC price."""
    usdc_price_1e18: int = PRECISION
    usdc_decimals: int = 6
    stable_repay_allowed: bool = True
    """`isStableRepayAllowed()`: fxUSD above its peg band and USDC above its depeg price."""

    @property
    def stable_price_with_scale(self) -> int:
        """USDC price x1e18 times 10^(18 - decimals) (`getStableTokenPriceWithScale`)."""
        scalar: int = 10 ** (18 - self.usdc_decimals)
        return self.usdc_price_1e18 * scalar


@dataclass(frozen=True, slots=True)
class OperatePreview:
    """Everything `PoolManager.operate` + `BasePool.operate` compute for one request."""

    position_id: int
    owner: str
    """The position's owner (the request's caller may differ when adding collateral/repaying)."""
    opened: bool
    price_1e18: int
    collateral_in_token: int
    """Transferred from the caller to the manager (fees included)."""
    collateral_out_token: int
    """Transferred from the manager to the caller (fees deducted)."""
    collateral_raw_delta: int
    """Signed raw collateral the position gains (after fees) or gives up (before fees)."""
    pool_collateral_token_delta: int
    pool_collateral_raw_delta: int
    fee_open_token: int
    fee_close_token: int
    fee_raw: int
    """d8e5e9d only: the pool-level fee in raw units (0 at HEAD)."""
    debt_raw_delta: int
    fxusd_to_owner: int
    fxusd_from_owner: int
    fxusd_fee_to_open_revenue: int
    fxusd_fee_to_close_revenue: int
    coll_shares_delta: int
    debt_shares_delta: int
    coll_shares_after: int
    debt_shares_after: int
    tick_after: int | None
    raw_coll_after: int
    raw_debt_after: int
    debt_ratio_after_1e18: int
    usdc_from_owner: int = 0
    """USDC repay: paid to fxUSD's reserve plus the repay fee."""
    usdc_fee_to_close_revenue: int = 0


class OperateRecord(Protocol):
    """What folding an operate reads: an `OperatePreview`, or the `FxPositionOperated` event
    that recorded one (the same fields by name), folded as it is rather than copied into a
    preview first."""

    @property
    def position_id(self) -> int: ...
    @property
    def owner(self) -> str: ...
    @property
    def opened(self) -> bool: ...
    @property
    def pool_collateral_token_delta(self) -> int: ...
    @property
    def pool_collateral_raw_delta(self) -> int: ...
    @property
    def fee_open_token(self) -> int: ...
    @property
    def fee_close_token(self) -> int: ...
    @property
    def debt_raw_delta(self) -> int: ...
    @property
    def coll_shares_delta(self) -> int: ...
    @property
    def debt_shares_delta(self) -> int: ...
    @property
    def coll_shares_after(self) -> int: ...
    @property
    def debt_shares_after(self) -> int: ...
    @property
    def tick_after(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class TickMovement:
    """One tick redeemed, rebalanced or liquidated: shares taken and where the rest moved."""

    tick: int
    coll_shares_removed: int
    debt_shares_removed: int
    coll_ratio_x60: int
    debt_ratio_x60: int
    tick_after: int | None
    raw_debt: int
    raw_coll: int
    bonus_raw_coll: int = 0
    bonus_from_reserve_raw: int = 0
    bad_debt_raw: int = 0
    """Liquidation: raw debt left in a tick with no collateral, socialised via debtIndex."""


@dataclass(frozen=True, slots=True)
class SettlementTerms:
    """How the caller pays for a rebalance or liquidation (section 4.5, manager side)."""

    max_fxusd: int
    max_stable: int = 0
    """USDC base units the caller may pay after its fxUSD."""
    usdc_price_1e18: int = PRECISION
    usdc_decimals: int = 6
    collateral_rate_1e18: int = PRECISION
    stable_repay_allowed: bool = True

    @property
    def stable_price_with_scale(self) -> int:
        """USDC price x1e18 times 10^(18 - decimals) (`getStableTokenPriceWithScale`)."""
        scalar: int = 10 ** (18 - self.usdc_decimals)
        return self.usdc_price_1e18 * scalar


@dataclass(frozen=True, slots=True)
class Settlement:
    """`PoolManager._afterRebalanceOrLiquidate`: who pays what, who gets what."""

    colls_token: int
    """scale-down of all raw collateral taken (bonus included)."""
    protocol_revenue_token: int
    """Liquidation expense on the bonus, to misc fees."""
    colls_to_receiver_token: int
    fxusd_used: int
    stable_used: int


@dataclass(frozen=True, slots=True)
class WalkPreview:
    """A rebalance (one tick or batch) or liquidation: the pool's walk plus the settlement."""

    price_1e18: int
    movements: tuple[TickMovement, ...]
    raw_debts: int
    raw_colls: int
    """Collateral for the debt at the price, bonus excluded (`result.rawColls`)."""
    bonus_raw_colls: int
    bonus_from_reserve_raw: int
    bonus_from_reserve_token: int
    bad_debt_raw: int
    coll_shares_removed: int
    debt_shares_removed: int
    debt_index_after: int
    settlement: Settlement


@dataclass(frozen=True, slots=True)
class RedeemRequest:
    """Redeem fxUSD for collateral at the oracle's max price (section 4.4)."""

    debts: int
    price_1e18: int
    redeem_allowed: bool = True
    """`isRedeemAllowed()`: fxUSD below its peg band."""
    fxusd_balance: int | None = None
    """The redeemer's fxUSD balance when the caller wants it checked."""
    collateral_rate_1e18: int = PRECISION


@dataclass(frozen=True, slots=True)
class RedeemPreview:
    price_1e18: int
    movements: tuple[TickMovement, ...]
    raw_debts: int
    """fxUSD actually redeemed and burned."""
    raw_colls: int
    colls_token: int
    fee_token: int
    """Redeem fee, to misc fees."""
    colls_to_redeemer_token: int
    coll_shares_removed: int
    debt_shares_removed: int


@dataclass(frozen=True, slots=True)
class FundingPreview:
    """One funding accrual on the collateral index (section 4.7)."""

    duration_seconds: int
    funding_ratio: int
    """x1e18 at HEAD (annual); the pool's x1e9 scalar at d8e5e9d."""
    total_raw_coll: int
    funding_raw: int
    coll_index_before: int
    coll_index_after: int


@dataclass(frozen=True, slots=True)
class HarvestPreview:
    """`PoolManager.harvest`: realise funding and rate-provider rewards, pay out fees."""

    funding_token: int
    funding_raw: int
    rewards_token: int
    expense_token: int
    """To the treasury (funding and rewards expense)."""
    bounty_token: int
    """To the harvester."""
    funding_to_treasury_token: int
    rewards_to_treasury_token: int
    fees_open_paid_token: int
    fees_close_paid_token: int
    fees_misc_paid_token: int


@dataclass(frozen=True, slots=True)
class PositionHealth:
    """A position's live amounts and how far it is from the rebalance and liquidation lines."""

    position_id: int
    owner: str
    tick: int | None
    coll_shares: int
    debt_shares: int
    raw_coll: int
    raw_debt: int
    debt_ratio_1e18: int | None
    """LTV x1e18 at the price; None when it has debt but no collateral value."""
    rebalance_distance_1e18: int | None
    """rebalance ratio - debt ratio; <= 0 means at or past the rebalance line."""
    liquidation_distance_1e18: int | None
    price_rebalance_line_1e18: int | None
    """Highest price at which the position is at or past the rebalance line."""
    price_liquidation_line_1e18: int | None
    rebalanceable: bool
    liquidatable: bool


__all__ = [
    "FundingPreview",
    "HarvestPreview",
    "ManagerBalances",
    "OperatePreview",
    "OperateRequest",
    "PoolTotals",
    "PositionHealth",
    "RedeemPreview",
    "RedeemRequest",
    "Settlement",
    "SettlementTerms",
    "TickMovement",
    "WalkPreview",
]
