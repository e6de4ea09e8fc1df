"""Uniswap V2 pair, library and router math: swaps, the K check, mint, burn, protocol fee, oracle.

Restated from protocol-math.md section 1 (`Uniswap/v2-core:contracts/UniswapV2Pair.sol`,
`Uniswap/v2-periphery:contracts/libraries/UniswapV2Library.sol`, `UniswapV2Router02.sol`
`_addLiquidity` and `UniswapV2LiquidityMathLibrary.sol` `computeLiquidityValue`). AlphaX strike
tokens trade on the same curve (section 3 item 7).

Amounts are raw token base units; nothing is scaled except the UQ112.112 price accumulators.
The swap fee is a parameter in basis points (`fee_bps`, default 30 = 0.3%): the contract's
997/1000 is 9970/10000, so every result at 30 bps is bit-identical to the contract. A revert is
a `MathRejected` whose code names the reason (`"UniswapV2: K"` is `K_VIOLATION`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import isqrt

from events.rejections import RejectCode
from projections.math import MathRejected

MINIMUM_LIQUIDITY = 1000
FEE_BPS_DEFAULT = 30
BPS_SCALE = 10_000
PROTOCOL_FEE_SHARE_INVERSE = 6
UINT112_LIMIT = 2**112
UINT32_LIMIT = 2**32
UINT256_LIMIT = 2**256
Q112 = 2**112


@dataclass(frozen=True, slots=True)
class PairState:
    """What a pair stores for its curve and LP supply (the oracle lives in `PriceAccumulators`)."""

    reserve0: int
    reserve1: int
    total_supply: int
    k_last: int = 0
    """reserve0*reserve1 after the last mint/burn while the protocol fee was on, else 0."""


@dataclass(frozen=True, slots=True)
class MintResult:
    liquidity_to_provider: int
    liquidity_locked: int
    """MINIMUM_LIQUIDITY sent to the zero address on the first mint, else 0."""
    liquidity_to_fee_recipient: int
    pair_after: PairState


@dataclass(frozen=True, slots=True)
class BurnResult:
    amount0: int
    amount1: int
    liquidity_to_fee_recipient: int
    pair_after: PairState


@dataclass(frozen=True, slots=True)
class DepositAmounts:
    amount_a: int
    amount_b: int


@dataclass(frozen=True, slots=True)
class PriceAccumulators:
    price0_cumulative: int
    """Sum of UQ112.112 reserve1/reserve0 times seconds, mod 2^256."""
    price1_cumulative: int
    block_timestamp_last: int
    """Block timestamp mod 2^32 at the last update."""


@dataclass(frozen=True, slots=True)
class LiquidityValue:
    amount0: int
    amount1: int


def _require_fee(fee_bps: int) -> None:
    if not 0 <= fee_bps < BPS_SCALE:
        raise MathRejected(RejectCode.INVALID_PARAMETER, f"fee_bps={fee_bps} not in [0, 10000)")


def _require_reserves(reserve_in: int, reserve_out: int) -> None:
    if reserve_in <= 0 or reserve_out <= 0:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "both reserves must be positive")


def amount_out_for_input(
    amount_in: int, reserve_in: int, reserve_out: int, fee_bps: int = FEE_BPS_DEFAULT
) -> int:
    """Output of an exact-input swap (`getAmountOut`): the largest output the K check allows.

    Args:
        amount_in: Tokens sent in, base units, > 0.
        reserve_in: Reserve of the input token before the swap.
        reserve_out: Reserve of the output token before the swap.
        fee_bps: Swap fee charged on the input, in basis points.

    Returns:
        floor(a_in*(1-fee)*R_out / (R_in + a_in*(1-fee))), rounded down for the pool.
    """
    _require_fee(fee_bps)
    if amount_in <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT")
    _require_reserves(reserve_in, reserve_out)
    amount_in_after_fee = amount_in * (BPS_SCALE - fee_bps)
    numerator = amount_in_after_fee * reserve_out
    denominator = reserve_in * BPS_SCALE + amount_in_after_fee
    return numerator // denominator


def amount_in_for_output(
    amount_out: int, reserve_in: int, reserve_out: int, fee_bps: int = FEE_BPS_DEFAULT
) -> int:
    """Input an exact-output swap needs (`getAmountIn`), as the contract rounds it.

    floor(...) + 1 asks one unit more than needed when the division is exact; kept as is.

    Args:
        amount_out: Tokens wanted out, base units, 0 < amount_out < reserve_out.
        reserve_in: Reserve of the input token before the swap.
        reserve_out: Reserve of the output token before the swap.
        fee_bps: Swap fee charged on the input, in basis points.

    Returns:
        floor(R_in*a_out / ((R_out - a_out)*(1-fee))) + 1.
    """
    _require_fee(fee_bps)
    if amount_out <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT")
    _require_reserves(reserve_in, reserve_out)
    if amount_out >= reserve_out:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "output would drain the reserve")
    numerator = reserve_in * amount_out * BPS_SCALE
    denominator = (reserve_out - amount_out) * (BPS_SCALE - fee_bps)
    return numerator // denominator + 1


def quote(amount_a: int, reserve_a: int, reserve_b: int) -> int:
    """Amount of B worth `amount_a` of A at the pool ratio, no fee (`UniswapV2Library.quote`).

    Args:
        amount_a: Amount of token A, > 0.
        reserve_a: Reserve of token A, > 0.
        reserve_b: Reserve of token B, > 0.

    Returns:
        floor(amount_a * reserve_b / reserve_a).
    """
    if amount_a <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "UniswapV2Library: INSUFFICIENT_AMOUNT")
    _require_reserves(reserve_a, reserve_b)
    return amount_a * reserve_b // reserve_a


def flash_repayment_minimum(amount_out: int, fee_bps: int = FEE_BPS_DEFAULT) -> int:
    """Smallest same-token repayment of a flash swap that passes the K check.

    Args:
        amount_out: Tokens taken out optimistically.
        fee_bps: Swap fee in basis points (charged on the repayment, which counts as input).

    Returns:
        ceil(amount_out * 10000 / (10000 - fee_bps)).
    """
    _require_fee(fee_bps)
    return -(-amount_out * BPS_SCALE // (BPS_SCALE - fee_bps))


def _reserves_checked(balance0: int, balance1: int) -> tuple[int, int]:
    # `_update` refuses balances that do not fit the uint112 reserve slots.
    if not (0 <= balance0 < UINT112_LIMIT and 0 <= balance1 < UINT112_LIMIT):
        raise MathRejected(RejectCode.OUT_OF_DOMAIN, "UniswapV2: OVERFLOW (reserve > uint112)")
    return balance0, balance1


def pair_swap(
    pair: PairState,
    amount0_in: int,
    amount1_in: int,
    amount0_out: int,
    amount1_out: int,
    fee_bps: int = FEE_BPS_DEFAULT,
) -> PairState:
    """Apply a swap as the pair checks it (section 1.3), flash swaps included.

    The pair measures input as balance - (reserve - out); `amount*_in` is that measured input
    (the transfer in plus any unsynced donation), so the new balances are R - out + in.

    Args:
        pair: The pair before the swap.
        amount0_in: Token0 received by the pair.
        amount1_in: Token1 received by the pair.
        amount0_out: Token0 sent out by the pair.
        amount1_out: Token1 sent out by the pair.
        fee_bps: Swap fee on input, in basis points.

    Returns:
        The pair with reserves set to the new balances (supply and kLast unchanged).
    """
    _require_fee(fee_bps)
    reserve0, reserve1 = pair.reserve0, pair.reserve1
    if min(amount0_in, amount1_in, amount0_out, amount1_out) < 0:
        raise MathRejected(RejectCode.NEGATIVE_AMOUNT, "swap amounts are non-negative")
    if amount0_out == 0 and amount1_out == 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "UniswapV2: INSUFFICIENT_OUTPUT_AMOUNT")
    if amount0_out >= reserve0 or amount1_out >= reserve1:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "UniswapV2: INSUFFICIENT_LIQUIDITY")
    if amount0_in == 0 and amount1_in == 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "UniswapV2: INSUFFICIENT_INPUT_AMOUNT")
    balance0 = reserve0 - amount0_out + amount0_in
    balance1 = reserve1 - amount1_out + amount1_in
    balance0_adjusted = balance0 * BPS_SCALE - amount0_in * fee_bps
    balance1_adjusted = balance1 * BPS_SCALE - amount1_in * fee_bps
    if balance0_adjusted * balance1_adjusted < reserve0 * reserve1 * BPS_SCALE**2:
        raise MathRejected(RejectCode.K_VIOLATION, "UniswapV2: K")
    reserve0_after, reserve1_after = _reserves_checked(balance0, balance1)
    return replace(pair, reserve0=reserve0_after, reserve1=reserve1_after)


def protocol_fee_liquidity(pair: PairState, fee_on: bool) -> int:
    """LP `_mintFee` mints to `feeTo` before a mint/burn: 1/6 of the growth of sqrt(k).

    Args:
        pair: The pair before the mint/burn (reserves, supply, kLast).
        fee_on: Whether the factory's `feeTo` is set.

    Returns:
        floor(T*(rk - rkl) / (5*rk + rkl)) if the fee is on and sqrt(k) grew, else 0.
    """
    root_k = isqrt(pair.reserve0 * pair.reserve1)
    root_k_last = isqrt(pair.k_last)
    if not fee_on or pair.k_last == 0 or root_k <= root_k_last:
        return 0
    numerator = pair.total_supply * (root_k - root_k_last)
    return numerator // (root_k * (PROTOCOL_FEE_SHARE_INVERSE - 1) + root_k_last)


def _k_last_after(reserve0_after: int, reserve1_after: int, fee_on: bool) -> int:
    # kLast tracks k only while the fee is on; turning the fee off resets it to 0.
    return reserve0_after * reserve1_after if fee_on else 0


def pair_mint(pair: PairState, balance0: int, balance1: int, fee_on: bool = False) -> MintResult:
    """Mint LP for the tokens sent to the pair since the last sync (section 1.5).

    Args:
        pair: The pair before the mint.
        balance0: Pair balance of token0 (reserve plus the deposit).
        balance1: Pair balance of token1 (reserve plus the deposit).
        fee_on: Whether the protocol fee is on.

    Returns:
        LP to the provider, LP locked forever (first mint), LP to the fee recipient, new pair.
    """
    deposit0 = balance0 - pair.reserve0
    deposit1 = balance1 - pair.reserve1
    if deposit0 < 0 or deposit1 < 0:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "balances below reserves")
    fee_liquidity = protocol_fee_liquidity(pair, fee_on)
    supply = pair.total_supply + fee_liquidity
    locked = 0
    if supply == 0:
        liquidity = isqrt(deposit0 * deposit1) - MINIMUM_LIQUIDITY
        locked = MINIMUM_LIQUIDITY
    elif pair.reserve0 == 0 or pair.reserve1 == 0:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "LP supply with an empty reserve")
    else:
        liquidity = min(deposit0 * supply // pair.reserve0, deposit1 * supply // pair.reserve1)
    if liquidity <= 0:
        raise MathRejected(
            RejectCode.INSUFFICIENT_LIQUIDITY, "UniswapV2: INSUFFICIENT_LIQUIDITY_MINTED"
        )
    reserve0_after, reserve1_after = _reserves_checked(balance0, balance1)
    pair_after = PairState(
        reserve0=reserve0_after,
        reserve1=reserve1_after,
        total_supply=supply + locked + liquidity,
        k_last=_k_last_after(reserve0_after, reserve1_after, fee_on),
    )
    return MintResult(
        liquidity_to_provider=liquidity,
        liquidity_locked=locked,
        liquidity_to_fee_recipient=fee_liquidity,
        pair_after=pair_after,
    )


def pair_burn(
    pair: PairState, balance0: int, balance1: int, liquidity: int, fee_on: bool = False
) -> BurnResult:
    """Burn LP sent to the pair for its pro-rata share of the balances (section 1.6).

    Args:
        pair: The pair before the burn.
        balance0: Pair balance of token0 (balances, not reserves, are shared out).
        balance1: Pair balance of token1.
        liquidity: LP sent to the pair to burn.
        fee_on: Whether the protocol fee is on.

    Returns:
        Amounts paid out, LP to the fee recipient, and the pair after the burn.
    """
    fee_liquidity = protocol_fee_liquidity(pair, fee_on)
    supply = pair.total_supply + fee_liquidity
    if liquidity < 0 or liquidity > supply or supply == 0:
        raise MathRejected(RejectCode.INSUFFICIENT_BALANCE, "liquidity exceeds the LP supply")
    amount0 = liquidity * balance0 // supply
    amount1 = liquidity * balance1 // supply
    if amount0 <= 0 or amount1 <= 0:
        raise MathRejected(
            RejectCode.INSUFFICIENT_LIQUIDITY, "UniswapV2: INSUFFICIENT_LIQUIDITY_BURNED"
        )
    reserve0_after, reserve1_after = _reserves_checked(balance0 - amount0, balance1 - amount1)
    pair_after = PairState(
        reserve0=reserve0_after,
        reserve1=reserve1_after,
        total_supply=supply - liquidity,
        k_last=_k_last_after(reserve0_after, reserve1_after, fee_on),
    )
    return BurnResult(
        amount0=amount0,
        amount1=amount1,
        liquidity_to_fee_recipient=fee_liquidity,
        pair_after=pair_after,
    )


def router_deposit_amounts(
    amount_a_desired: int,
    amount_b_desired: int,
    amount_a_min: int,
    amount_b_min: int,
    reserve_a: int,
    reserve_b: int,
) -> DepositAmounts:
    """Amounts the router deposits so the pool ratio is kept (`_addLiquidity`).

    Args:
        amount_a_desired: Most of token A the provider will deposit.
        amount_b_desired: Most of token B the provider will deposit.
        amount_a_min: Least of token A the provider accepts (slippage bound).
        amount_b_min: Least of token B the provider accepts (slippage bound).
        reserve_a: Pool reserve of token A.
        reserve_b: Pool reserve of token B.

    Returns:
        The (amount_a, amount_b) the router transfers to the pair.
    """
    if reserve_a == 0 and reserve_b == 0:
        return DepositAmounts(amount_a=amount_a_desired, amount_b=amount_b_desired)
    amount_b_optimal = quote(amount_a_desired, reserve_a, reserve_b)
    if amount_b_optimal <= amount_b_desired:
        if amount_b_optimal < amount_b_min:
            raise MathRejected(RejectCode.SLIPPAGE, "UniswapV2Router: INSUFFICIENT_B_AMOUNT")
        return DepositAmounts(amount_a=amount_a_desired, amount_b=amount_b_optimal)
    amount_a_optimal = quote(amount_b_desired, reserve_b, reserve_a)
    if amount_a_optimal < amount_a_min:
        raise MathRejected(RejectCode.SLIPPAGE, "UniswapV2Router: INSUFFICIENT_A_AMOUNT")
    return DepositAmounts(amount_a=amount_a_optimal, amount_b=amount_b_desired)


def price_accumulators_after(
    accumulators: PriceAccumulators, reserve0: int, reserve1: int, block_timestamp: int
) -> PriceAccumulators:
    """Advance the TWAP accumulators on `_update`, with the reserves from before the update.

    Time is kept mod 2^32 (the 2106 wrap is harmless) and the sums wrap mod 2^256.

    Args:
        accumulators: The accumulators and last timestamp before this update.
        reserve0: Reserve of token0 before the update.
        reserve1: Reserve of token1 before the update.
        block_timestamp: The block's timestamp in seconds (any size; reduced mod 2^32).

    Returns:
        The accumulators after the update, with the new last timestamp.
    """
    timestamp = block_timestamp % UINT32_LIMIT
    elapsed_seconds = (timestamp - accumulators.block_timestamp_last) % UINT32_LIMIT
    price0 = accumulators.price0_cumulative
    price1 = accumulators.price1_cumulative
    if elapsed_seconds > 0 and reserve0 != 0 and reserve1 != 0:
        price0 = (price0 + reserve1 * Q112 // reserve0 * elapsed_seconds) % UINT256_LIMIT
        price1 = (price1 + reserve0 * Q112 // reserve1 * elapsed_seconds) % UINT256_LIMIT
    return PriceAccumulators(
        price0_cumulative=price0, price1_cumulative=price1, block_timestamp_last=timestamp
    )


def liquidity_value(pair: PairState, liquidity: int, fee_on: bool = False) -> LiquidityValue:
    """Tokens `liquidity` LP would burn for now, counting the pending protocol fee.

    As `computeLiquidityValue`: the fee LP the next mint/burn would mint dilutes everyone.

    Args:
        pair: Current reserves, LP supply and kLast.
        liquidity: LP amount to value, at most the supply.
        fee_on: Whether the protocol fee is on.

    Returns:
        floor(reserve_i * liquidity / supply_with_fee) for both tokens.
    """
    supply = pair.total_supply + protocol_fee_liquidity(pair, fee_on)
    if liquidity < 0 or liquidity > supply or supply == 0:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "liquidity must be within the supply")
    return LiquidityValue(
        amount0=pair.reserve0 * liquidity // supply,
        amount1=pair.reserve1 * liquidity // supply,
    )


__all__ = [
    "BPS_SCALE",
    "FEE_BPS_DEFAULT",
    "MINIMUM_LIQUIDITY",
    "BurnResult",
    "DepositAmounts",
    "LiquidityValue",
    "MintResult",
    "PairState",
    "PriceAccumulators",
    "amount_in_for_output",
    "amount_out_for_input",
    "flash_repayment_minimum",
    "liquidity_value",
    "pair_burn",
    "pair_mint",
    "pair_swap",
    "price_accumulators_after",
    "protocol_fee_liquidity",
    "quote",
    "router_deposit_amounts",
]
