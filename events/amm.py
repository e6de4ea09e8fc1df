"""AMM facts: pools created, liquidity added and removed, swaps, pauses.

Two pool kinds share the vocabulary: `uniswap_v2` constant-product pairs (fee in bps, optional
protocol fee minted as LP to `fee_to`) and ALEX `weighted` fixed-weight pools (weights, fee
rates, fee rebate and max in/out ratios, all x 1e8). A pool's tokens sit in the ordinary account
`pool:<id>`; its LP token is an ordinary asset. Every computed amount is recorded, so a
projection folds without the math and an audit can recompute each amount from the state before.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from events.base import Amount, Event, Name, register

PoolKind = Literal["uniswap_v2", "weighted"]
SwapMode = Literal["exact_in", "exact_out", "pair"]
Bps = Annotated[int, msgspec.Meta(ge=0, le=10_000)]


def pool_account(pool: str) -> str:
    """The protocol account that holds a pool's tokens."""
    return f"pool:{pool}"


def locked_account(pool: str) -> str:
    """Where a Uniswap pair's first MINIMUM_LIQUIDITY LP is locked forever (address zero)."""
    return f"locked:{pool}"


@register
class PoolCreated(Event, frozen=True, kw_only=True):
    """A pool opens, empty, with its parameters (its LP asset is registered alongside)."""

    pool: Name
    """The pool's id (its account is `pool:<id>`)."""
    kind: PoolKind
    """`uniswap_v2` or `weighted`."""
    token_x: Name
    """Token x (Uniswap token0; ALEX token x)."""
    token_y: Name
    """Token y (Uniswap token1; ALEX token y)."""
    lp_asset: Name
    """The pool's LP token (an ordinary asset)."""
    owner: Name
    """The account that may pause and unpause the pool."""
    fee_bps: Bps = 30
    """Uniswap: swap fee on input, basis points (30 = the contract's 0.3%)."""
    protocol_fee_on: bool = False
    """Uniswap: whether 1/6 of sqrt(k) growth is minted as LP to `fee_to` on mint/burn."""
    fee_to: str = ""
    """Uniswap: the protocol fee recipient."""
    weight_x: Amount = 0
    """ALEX: weight of x (x 1e8; weights sum to 1e8)."""
    weight_y: Amount = 0
    """ALEX: weight of y (x 1e8)."""
    fee_rate_x: Amount = 0
    """ALEX: fee rate on x in (x 1e8)."""
    fee_rate_y: Amount = 0
    """ALEX: fee rate on y in (x 1e8)."""
    fee_rebate: Amount = 0
    """ALEX: share of a fee that stays in the pool for LPs (x 1e8); the rest goes to reserve."""
    max_in_ratio: Amount = 0
    """ALEX: largest input as a fraction of its balance (x 1e8)."""
    max_out_ratio: Amount = 0
    """ALEX: largest output as a fraction of its balance (x 1e8)."""
    cap_bps: Bps = 0
    """Largest share of the LP supply one provider may hold (bps); 0 means no cap."""
    gate_lp_per_window: Amount = 0
    """Most LP one provider may burn per gate window; 0 means no gate."""
    gate_window_blocks: Amount = 0
    """Length of a gate window in blocks (windows start at multiples of it)."""
    paused: bool = False
    """Whether the pool starts paused."""
    oracle_enabled: bool = False
    """ALEX: whether swaps keep the resilient price oracle (`oracle-enabled`)."""
    oracle_average: Amount = 0
    """ALEX: weight of the old resilient price in each update (x 1e8, below 1e8; docs: 0.99e8)."""

    def default_stream(self) -> str:
        return pool_account(self.pool)


class UniswapOracle(msgspec.Struct, frozen=True, kw_only=True):
    """A Uniswap pair's price accumulators after an update (all zero for weighted pools)."""

    price0_cumulative: int = 0
    """Sum of UQ112.112 reserve1/reserve0 times seconds, mod 2^256."""
    price1_cumulative: int = 0
    """Sum of UQ112.112 reserve0/reserve1 times seconds, mod 2^256."""
    block_timestamp: int = 0
    """The block timestamp of the update, mod 2^32."""


@register
class LiquidityAdded(Event, frozen=True, kw_only=True):
    """A provider deposits both tokens and receives LP (postings: provider -> pool; LP minted)."""

    pool: Name
    """The pool."""
    provider: Name
    """Who deposits and receives the LP."""
    token_x: Name
    """The pool's token x (repeated so the postings need no lookup)."""
    token_y: Name
    """The pool's token y."""
    lp_asset: Name
    """The pool's LP asset."""
    amount_x: Amount
    """Token x deposited."""
    amount_y: Amount
    """Token y deposited."""
    lp_minted: Amount
    """LP to the provider."""
    lp_locked: Amount = 0
    """LP locked forever (Uniswap's first mint: MINIMUM_LIQUIDITY)."""
    protocol_fee_lp: Amount = 0
    """LP minted to `fee_to` for the protocol fee before this mint."""
    fee_to: str = ""
    """The protocol fee recipient, when `protocol_fee_lp` > 0."""
    oracle: UniswapOracle = UniswapOracle()
    """Uniswap accumulators after the update."""
    oracle_resilient_seed: Amount = 0
    """ALEX: the resilient price seeded from the instant one by the first deposit of a pool
    with its oracle on (as `set-oracle-average` seeds it on chain); 0 leaves it unchanged."""

    def default_stream(self) -> str:
        return pool_account(self.pool)


@register
class LiquidityRemoved(Event, frozen=True, kw_only=True):
    """A provider burns LP for a pro-rata share (postings: LP burned; pool -> provider)."""

    pool: Name
    """The pool."""
    provider: Name
    """Who burns LP and receives the tokens."""
    token_x: Name
    """The pool's token x."""
    token_y: Name
    """The pool's token y."""
    lp_asset: Name
    """The pool's LP asset."""
    lp_burned: Amount
    """LP burned."""
    amount_x: Amount
    """Token x paid out."""
    amount_y: Amount
    """Token y paid out."""
    protocol_fee_lp: Amount = 0
    """LP minted to `fee_to` for the protocol fee before this burn."""
    fee_to: str = ""
    """The protocol fee recipient, when `protocol_fee_lp` > 0."""
    oracle: UniswapOracle = UniswapOracle()
    """Uniswap accumulators after the update."""

    def default_stream(self) -> str:
        return pool_account(self.pool)


@register
class Swapped(Event, frozen=True, kw_only=True):
    """One pool leg of a swap (postings: trader -> pool, amount_in - reserve_share; pool -> trader).

    The reserve share of the fee moves in a `ReserveCredited` (source `swap-fee:<pool>`) right
    after this event; the rebate stays in the pool for LPs.
    """

    pool: Name
    """The pool."""
    trader: Name
    """Who pays in and receives out."""
    asset_in: Name
    """The token paid in."""
    asset_out: Name
    """The token paid out."""
    amount_in: Amount
    """Gross amount paid in (fee included)."""
    amount_out: Amount
    """Amount paid out."""
    fee: Amount
    """Fee charged on the input (Uniswap: floor(amount_in * fee_bps / 1e4), kept in the pool)."""
    rebate: Amount = 0
    """Part of the fee that stays in the pool for LPs."""
    reserve_share: Amount = 0
    """Part of the fee credited to the reserve pool of `asset_in`."""
    mode: SwapMode = "exact_in"
    """Which amount the trader fixed: `exact_in`, `exact_out`, or `pair` (both, K-checked)."""
    oracle: UniswapOracle = UniswapOracle()
    """Uniswap accumulators after the update."""
    oracle_resilient: Amount = 0
    """ALEX: the pool's resilient price after this swap (x 1e8; 0 when its oracle is off)."""

    def default_stream(self) -> str:
        return pool_account(self.pool)


@register
class PoolPaused(Event, frozen=True, kw_only=True):
    """The pool's owner stops swaps and liquidity changes."""

    pool: Name
    """The pool."""
    by_account: Name
    """Who paused it (the owner)."""

    def default_stream(self) -> str:
        return pool_account(self.pool)


@register
class PoolUnpaused(Event, frozen=True, kw_only=True):
    """The pool's owner resumes the pool."""

    pool: Name
    """The pool."""
    by_account: Name
    """Who unpaused it (the owner)."""

    def default_stream(self) -> str:
        return pool_account(self.pool)


def swap_fee_source(pool: str) -> str:
    """The `ReserveCredited.source` of a swap fee's reserve share."""
    return f"swap-fee:{pool}"
