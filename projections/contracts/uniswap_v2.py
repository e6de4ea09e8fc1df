"""Uniswap V2 swap math: library quotes (amount out/in, quote, flash repayment) and the K check.

Restated from protocol-math.md sections 1.1 to 1.4 (`Uniswap/v2-core:contracts/UniswapV2Pair.sol`
`swap` and `Uniswap/v2-periphery:contracts/libraries/UniswapV2Library.sol`). AlphaX strike
tokens trade on the same curve (section 3 item 7). Liquidity (mint, burn, protocol fee, router
deposit) is in `projections.contracts.uniswap_v2_liquidity`, the TWAP accumulators in
`projections.contracts.uniswap_v2_oracle`.

Amounts are raw token base units; nothing is scaled except the UQ112.112 price accumulators.
The swap fee is a parameter in basis points (`fee_bps`, default 30 = 0.3%): the contract's
997/1000 is 9970/10000, so every result at 30 bps is bit-identical to the contract. A revert is
a `MathRejected` whose code names the reason (`"UniswapV2: K"` is `K_VIOLATION`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from events.rejections import RejectCode
from projections.contracts import MathRejected

FEE_BPS_DEFAULT = 30
BPS_SCALE = 10_000
UINT112_LIMIT = 2**112


@dataclass(frozen=True, slots=True)
class PairState:
    """What a pair stores for its curve and LP supply (the oracle lives in `PriceAccumulators`)."""

    reserve0: int
    reserve1: int
    total_supply: int
    k_last: int = 0
    """reserve0*reserve1 after the last mint/burn while the protocol fee was on, else 0."""


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


def reserves_checked(balance0: int, balance1: int) -> tuple[int, int]:
    """The new reserves, refused (OUT_OF_DOMAIN) as `_update` refuses them unless both fit the
    pair's uint112 reserve slots."""
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
    reserve0_after, reserve1_after = reserves_checked(balance0, balance1)
    return replace(pair, reserve0=reserve0_after, reserve1=reserve1_after)


__all__ = [
    "BPS_SCALE",
    "FEE_BPS_DEFAULT",
    "PairState",
    "amount_in_for_output",
    "amount_out_for_input",
    "flash_repayment_minimum",
    "pair_swap",
    "quote",
    "reserves_checked",
]
