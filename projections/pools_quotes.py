"""What a swap or a liquidity change on a pool yields, from the pool's state: one place.

The engine's handlers quote with these before they emit, and `ledger.audit` calls the same
functions on the state just before a recorded event to check its amounts, so the two can never
disagree about the math. Each function calls the protocol math in `projections.contracts` and
raises `MathRejected` where the contract would revert.

Uniswap pairs keep TWAP accumulators; a quote takes the block timestamp (seconds) of the update.
ALEX pools with the oracle on return the resilient price after a swap (and the first deposit
seeds it). Quotes are frozen msgspec Structs: one is built per swap, ten times faster than a
frozen dataclass.
"""

from __future__ import annotations

import msgspec

from events.amm import UniswapOracle
from events.rejections import RejectCode
from projections.contracts import MathRejected, weighted_liquidity, weighted_swaps
from projections.contracts import uniswap_v2 as uniswap
from projections.contracts import uniswap_v2_liquidity as uniswap_liquidity
from projections.contracts import uniswap_v2_oracle as uniswap_oracle
from projections.contracts import weighted_pool as weighted
from projections.contracts.fixed_point import ONE_8, mul_up
from projections.pools import PoolBook


class SwapQuote(msgspec.Struct, frozen=True):
    """One leg's amounts, as `Swapped` records them."""

    amount_in: int
    amount_out: int
    fee: int
    rebate: int
    reserve_share: int
    oracle: UniswapOracle
    oracle_resilient: int = 0
    """ALEX: the resilient price after the swap (0 when the pool's oracle is off)."""


class MintQuote(msgspec.Struct, frozen=True):
    """A deposit's LP, as `LiquidityAdded` records it."""

    amount_x: int
    amount_y: int
    lp_minted: int
    lp_locked: int
    protocol_fee_lp: int
    oracle: UniswapOracle
    oracle_resilient_seed: int = 0
    """ALEX: the resilient price the first deposit seeds (0 when none is seeded)."""


class BurnQuote(msgspec.Struct, frozen=True):
    """A withdrawal's payout, as `LiquidityRemoved` records it."""

    amount_x: int
    amount_y: int
    protocol_fee_lp: int
    oracle: UniswapOracle


NO_ORACLE = UniswapOracle()


def pair_state(book: PoolBook) -> uniswap.PairState:
    return uniswap.PairState(book.reserve_x, book.reserve_y, book.lp_supply, book.k_last)


def weighted_state(book: PoolBook) -> weighted.WeightedPool:
    spec = book.spec
    limits = weighted.RatioLimits(spec.max_in_ratio, spec.max_out_ratio)
    return weighted.WeightedPool(
        balance_x=book.reserve_x,
        balance_y=book.reserve_y,
        weight_x=spec.weight_x,
        weight_y=spec.weight_y,
        fee_rate_x=spec.fee_rate_x,
        fee_rate_y=spec.fee_rate_y,
        fee_rebate=spec.fee_rebate,
        oracle_enabled=spec.oracle_enabled,
        oracle_average=spec.oracle_average,
        oracle_resilient=book.oracle_resilient,
        limits=limits,
    )


def oracle_after(book: PoolBook, block_timestamp: int) -> UniswapOracle:
    """Uniswap accumulators after an `_update` at `block_timestamp` (reserves from before)."""
    if not book.is_uniswap:
        return NO_ORACLE
    before = uniswap_oracle.PriceAccumulators(
        book.price0_cumulative, book.price1_cumulative, book.block_timestamp_last
    )
    after = uniswap_oracle.price_accumulators_after(
        before, book.reserve_x, book.reserve_y, block_timestamp
    )
    return UniswapOracle(
        price0_cumulative=after.price0_cumulative,
        price1_cumulative=after.price1_cumulative,
        block_timestamp=after.block_timestamp_last,
    )


def _x_in(book: PoolBook, asset_in: str) -> bool:
    if asset_in == book.spec.token_x:
        return True
    if asset_in == book.spec.token_y:
        return False
    raise MathRejected(RejectCode.UNKNOWN_ASSET, f"{asset_in} is not a token of {book.spec.pool}")


def _require_liquidity(book: PoolBook) -> None:
    if book.reserve_x <= 0 or book.reserve_y <= 0:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, f"{book.spec.pool} has no liquidity")


def _reserves(book: PoolBook, x_in: bool) -> tuple[int, int]:
    return (book.reserve_x, book.reserve_y) if x_in else (book.reserve_y, book.reserve_x)


def _uniswap_leg(book: PoolBook, amount_in: int, amount_out: int, timestamp: int) -> SwapQuote:
    fee = amount_in * book.spec.fee_bps // uniswap.BPS_SCALE
    return SwapQuote(amount_in, amount_out, fee, fee, 0, oracle_after(book, timestamp))


def _weighted_leg(
    pool: weighted.WeightedPool, x_in: bool, amount_in: int, pays_nothing: bool = False
) -> SwapQuote:
    if x_in:
        leg = weighted_swaps.swap_x_for_y(pool, amount_in)
    else:
        leg = weighted_swaps.swap_y_for_x(pool, amount_in)
    if leg.amount_out <= 0 and not pays_nothing:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "the trade would pay out nothing")
    return SwapQuote(
        leg.amount_in,
        leg.amount_out,
        leg.fee,
        leg.rebate,
        leg.reserve_share,
        NO_ORACLE,
        leg.oracle_resilient_after,
    )


def swap_exact_in(
    book: PoolBook, asset_in: str, amount_in: int, timestamp: int, *, as_contract: bool = False
) -> SwapQuote:
    """Sell exactly `amount_in` of `asset_in` (`getAmountOut` / `swap-x-for-y`).

    A trade that would pay out nothing is refused (INSUFFICIENT_LIQUIDITY), as the engine's
    commands refuse it for the trader. `as_contract` answers as the pool contract does
    instead, for an audit of what a chain recorded: ALEX's pools pay out nothing then (they
    transfer `dy` only `(and (> dy u0) ...)`, and `min-dy` defaults to 0), while a Uniswap
    pair refuses it (`INSUFFICIENT_OUTPUT_AMOUNT`) either way.
    """
    x_in = _x_in(book, asset_in)
    if amount_in <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "the amount in must be positive")
    _require_liquidity(book)
    if not book.is_uniswap:
        return _weighted_leg(weighted_state(book), x_in, amount_in, pays_nothing=as_contract)
    reserve_in, reserve_out = _reserves(book, x_in)
    amount_out = uniswap.amount_out_for_input(amount_in, reserve_in, reserve_out, book.spec.fee_bps)
    if amount_out <= 0:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "the trade would pay out nothing")
    return _uniswap_leg(book, amount_in, amount_out, timestamp)


def _gross_for_net(amount_net: int, fee_rate: int) -> int:
    # The least gross input whose fee (rounded up) leaves `amount_net` for the curve.
    if fee_rate >= ONE_8:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "fee rate of 100% leaves nothing")
    gross = -(-amount_net * ONE_8 // (ONE_8 - fee_rate))
    while gross - mul_up(gross, fee_rate) < amount_net:
        gross += 1
    return gross


def swap_exact_out(book: PoolBook, asset_out: str, amount_out: int, timestamp: int) -> SwapQuote:
    """Buy exactly `amount_out` of `asset_out` (`getAmountIn`; ALEX: in-given-out, then the
    least gross input, swapped exact-in, which may pay out a few units more than asked)."""
    x_out = _x_in(book, asset_out)
    if amount_out <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "the amount out must be positive")
    _require_liquidity(book)
    if book.is_uniswap:
        reserve_in, reserve_out = _reserves(book, not x_out)
        fee_bps = book.spec.fee_bps
        amount_in = uniswap.amount_in_for_output(amount_out, reserve_in, reserve_out, fee_bps)
        return _uniswap_leg(book, amount_in, amount_out, timestamp)
    pool = weighted_state(book)
    if x_out:
        net_in = weighted.y_in_given_x_out(pool, amount_out)
        gross = _gross_for_net(net_in, book.spec.fee_rate_y)
    else:
        net_in = weighted.x_in_given_y_out(pool, amount_out)
        gross = _gross_for_net(net_in, book.spec.fee_rate_x)
    return _least_gross_leg(pool, not x_out, gross, amount_out)


def _least_gross_leg(
    pool: weighted.WeightedPool, x_in: bool, gross: int, amount_out: int
) -> SwapQuote:
    # in-given-out rounds its power down, out-given-in rounds up: the gross from the former can
    # fall a few units short, so search upwards for the least gross input that pays enough.
    # The pool is built once for every probe (the probes, and so the result, are unchanged).
    quote = _weighted_leg(pool, x_in, gross)
    if quote.amount_out >= amount_out:
        return quote
    low, step = gross, max(1, gross // 10**6)
    high = gross + step
    while (found := _weighted_leg(pool, x_in, high)).amount_out < amount_out:
        low, step = high, step * 2
        high = gross + step
    while high - low > 1:
        middle = (low + high) // 2
        candidate = _weighted_leg(pool, x_in, middle)
        if candidate.amount_out >= amount_out:
            high, found = middle, candidate
        else:
            low = middle
    return found


def pair_swap(
    book: PoolBook, asset_in: str, amount_in: int, amount_out: int, timestamp: int
) -> SwapQuote:
    """A pair-level Uniswap swap with both amounts given: the pair's K check decides."""
    if not book.is_uniswap:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "pair swaps are for uniswap_v2 pools")
    x_in = _x_in(book, asset_in)
    ins = (amount_in, 0) if x_in else (0, amount_in)
    outs = (0, amount_out) if x_in else (amount_out, 0)
    uniswap.pair_swap(pair_state(book), *ins, *outs, book.spec.fee_bps)
    return _uniswap_leg(book, amount_in, amount_out, timestamp)


def router_amounts(
    book: PoolBook, desired: tuple[int, int], minimum: tuple[int, int]
) -> tuple[int, int]:
    """The deposit keeping the pool ratio (Uniswap `_addLiquidity`; ALEX: y from x)."""
    if book.is_uniswap:
        chosen = uniswap_liquidity.router_deposit_amounts(
            *desired, *minimum, book.reserve_x, book.reserve_y
        )
        return chosen.amount_a, chosen.amount_b
    pool = weighted_state(book)
    added = weighted_liquidity.add_to_position(pool, book.lp_supply, desired[0], desired[1])
    if added.dy < minimum[1]:
        raise MathRejected(RejectCode.SLIPPAGE, f"dy {added.dy} is below the minimum")
    return added.dx, added.dy


def mint(book: PoolBook, amount_x: int, amount_y: int, timestamp: int) -> MintQuote:
    """LP for a deposit of exactly (amount_x, amount_y) (pair `mint`; ALEX `add-to-position`).

    ALEX derives y from x once the pool has supply; the quote's `amount_y` is that y.
    """
    if amount_x <= 0 or amount_y <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "a deposit needs both tokens")
    if book.is_uniswap:
        minted = uniswap_liquidity.pair_mint(
            pair_state(book),
            book.reserve_x + amount_x,
            book.reserve_y + amount_y,
            book.spec.protocol_fee_on,
        )
        return MintQuote(
            amount_x,
            amount_y,
            minted.liquidity_to_provider,
            minted.liquidity_locked,
            minted.liquidity_to_fee_recipient,
            oracle_after(book, timestamp),
        )
    dy_max = amount_y if book.lp_supply == 0 else None
    pool = weighted_state(book)
    added = weighted_liquidity.add_to_position(pool, book.lp_supply, amount_x, dy_max)
    if added.supply_minted <= 0:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "the deposit would mint no LP")
    seed = 0
    if book.lp_supply == 0 and book.spec.oracle_enabled:
        # On chain `set-oracle-average` seeds the resilient price with the instant one once the
        # pool holds tokens; here the first deposit is that moment.
        seed = weighted.oracle_instant_price(
            pool.balance_x + added.dx, pool.balance_y + added.dy, pool.weight_x, pool.weight_y
        )
    return MintQuote(added.dx, added.dy, added.supply_minted, 0, 0, NO_ORACLE, seed)


def burn(book: PoolBook, lp_amount: int, timestamp: int) -> BurnQuote:
    """Tokens paid for burning `lp_amount` LP (pair `burn`; ALEX `reduce-position`)."""
    if lp_amount <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "burn a positive amount of LP")
    if book.is_uniswap:
        burned = uniswap_liquidity.pair_burn(
            pair_state(book),
            book.reserve_x,
            book.reserve_y,
            lp_amount,
            book.spec.protocol_fee_on,
        )
        return BurnQuote(
            burned.amount0,
            burned.amount1,
            burned.liquidity_to_fee_recipient,
            oracle_after(book, timestamp),
        )
    if lp_amount > book.lp_supply:
        raise MathRejected(RejectCode.INSUFFICIENT_BALANCE, "LP above the pool's supply")
    removed = weighted_liquidity.reduce_position(
        book.reserve_x, book.reserve_y, book.lp_supply, lp_amount, ONE_8
    )
    if removed.dx <= 0 and removed.dy <= 0:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "the burn would pay out nothing")
    return BurnQuote(removed.dx, removed.dy, 0, NO_ORACLE)
