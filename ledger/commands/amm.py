"""AMM pool commands: create a pool, add and remove liquidity, pause and unpause.

Swaps are in `ledger.commands.amm_swaps`. Amounts come from `projections.pools_quotes`, the
same functions the audit uses. Progressive liquidity decentralisation (ALEX write-up): a pool
may cap the share of its LP supply one provider holds (`CAP_EXCEEDED`; the first deposit, which
necessarily holds everything, is exempt) and gate how much LP one provider moves out per window
of blocks (`GATE_CLOSED`). The rule is `projections.pools_limits`, shared with LP transfers
(`ledger.commands.core.transfer`) and with the admission of outside facts.
"""

from __future__ import annotations

from events.amm import LiquidityAdded, LiquidityRemoved, PoolCreated, PoolPaused, PoolUnpaused
from events.assets import AssetRegistered
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.core import check_funds, refused_by
from projections.balances import Balances
from projections.contracts.fixed_point import ONE_8
from projections.contracts.weighted_pool import RATIO_LIMIT_DEFAULT
from projections.pools import PoolBook, Pools
from projections.pools_limits import (
    lp_cap_violation,
    lp_gate_violation,
    withdrawal_cap_violation,
)
from projections.pools_quotes import burn, mint, router_amounts


class CreatePool(Command, frozen=True, kw_only=True):
    """Open an empty pool and register its LP asset (`LP-<pool>` unless named)."""

    pool: str
    kind: str
    token_x: str
    token_y: str
    owner: str
    lp_asset: str = ""
    lp_decimals: int | None = None
    fee_bps: int = 30
    protocol_fee_on: bool = False
    fee_to: str = ""
    weight_x: int = 0
    weight_y: int = 0
    fee_rate_x: int = 0
    fee_rate_y: int = 0
    fee_rebate: int = 0
    max_in_ratio: int = RATIO_LIMIT_DEFAULT
    max_out_ratio: int = RATIO_LIMIT_DEFAULT
    cap_bps: int = 0
    gate_lp_per_window: int = 0
    gate_window_blocks: int = 0
    paused: bool = False
    oracle_enabled: bool = False
    """ALEX: keep the resilient price oracle (seeded by the first deposit, updated per swap)."""
    oracle_average: int = 0
    """ALEX: weight of the old resilient price (x 1e8, below 1e8; docs recommend 0.99e8)."""


class AddLiquidity(Command, frozen=True, kw_only=True):
    """Deposit up to the desired amounts at the pool ratio (at least the minimums)."""

    pool: str
    provider: str
    amount_x_desired: int
    amount_y_desired: int
    amount_x_min: int = 0
    amount_y_min: int = 0
    block_timestamp: int | None = None
    """Seconds, for Uniswap's accumulators; None uses the block height."""


class RemoveLiquidity(Command, frozen=True, kw_only=True):
    """Burn `lp_amount` LP for a pro-rata share (at least the minimums)."""

    pool: str
    provider: str
    lp_amount: int
    amount_x_min: int = 0
    amount_y_min: int = 0
    block_timestamp: int | None = None


class PausePool(Command, frozen=True, kw_only=True):
    pool: str
    by_account: str


class UnpausePool(Command, frozen=True, kw_only=True):
    pool: str
    by_account: str


def live_pool(context: Context, pool: str) -> PoolBook | Rejected:
    """The pool's book, refusing unknown and paused pools."""
    book = context.get(Pools).books.get(pool)
    if book is None:
        return reject(RejectCode.UNKNOWN_POOL, f"no pool {pool!r}")
    if book.paused:
        return reject(RejectCode.PAUSED, f"pool {pool!r} is paused")
    return book


def timestamp_of(command: AddLiquidity | RemoveLiquidity, context: Context) -> int:
    return context.block if command.block_timestamp is None else command.block_timestamp


def _check_params(command: CreatePool) -> Rejected | None:
    if command.kind not in ("uniswap_v2", "weighted"):
        return reject(RejectCode.INVALID_PARAMETER, "kind is uniswap_v2 or weighted")
    if command.token_x == command.token_y:
        return reject(RejectCode.INVALID_PARAMETER, "a pool needs two different tokens")
    if command.kind == "uniswap_v2":
        if not 0 <= command.fee_bps < 10_000:
            return reject(RejectCode.INVALID_PARAMETER, "fee_bps is in [0, 10000)")
        if command.protocol_fee_on and not command.fee_to:
            return reject(RejectCode.INVALID_PARAMETER, "the protocol fee needs a fee_to account")
    elif (
        command.weight_x <= 0
        or command.weight_y <= 0
        or command.weight_x + command.weight_y != ONE_8
    ):
        return reject(RejectCode.INVALID_PARAMETER, "weights are positive and sum to 1e8")
    rates = (command.fee_rate_x, command.fee_rate_y, command.fee_rebate)
    if not all(0 <= rate < ONE_8 for rate in rates) or command.fee_rebate > ONE_8:
        return reject(RejectCode.INVALID_PARAMETER, "fee rates are in [0, 1e8)")
    if not 0 <= command.cap_bps <= 10_000:
        return reject(RejectCode.INVALID_PARAMETER, "cap_bps is in [0, 10000]")
    if command.gate_lp_per_window and command.gate_window_blocks <= 0:
        return reject(RejectCode.INVALID_PARAMETER, "a gate needs a window of >= 1 block")
    if command.oracle_enabled and command.kind != "weighted":
        return reject(RejectCode.INVALID_PARAMETER, "the resilient oracle is for weighted pools")
    if not 0 <= command.oracle_average < ONE_8:
        return reject(RejectCode.INVALID_PARAMETER, "oracle_average is in [0, 1e8)")
    return None


def create_pool(command: CreatePool, context: Context) -> list[Emit] | Rejected:
    if command.pool in context.get(Pools).books:
        return reject(RejectCode.POOL_EXISTS, f"pool {command.pool!r} exists already")
    decimals = context.get(Balances).decimals
    for token in (command.token_x, command.token_y):
        if token not in decimals:
            return reject(RejectCode.UNKNOWN_ASSET, f"asset {token!r} is not registered")
    refused = _check_params(command)
    if refused is not None:
        return refused
    lp_asset = command.lp_asset or f"LP-{command.pool}"
    if lp_asset in decimals:
        return reject(RejectCode.ASSET_EXISTS, f"LP asset {lp_asset!r} is registered already")
    weighted = command.kind == "weighted"
    lp_decimals = command.lp_decimals if command.lp_decimals is not None else 8 if weighted else 18
    created = PoolCreated(
        pool=command.pool,
        kind="weighted" if weighted else "uniswap_v2",
        token_x=command.token_x,
        token_y=command.token_y,
        lp_asset=lp_asset,
        owner=command.owner,
        fee_bps=command.fee_bps,
        protocol_fee_on=command.protocol_fee_on,
        fee_to=command.fee_to,
        weight_x=command.weight_x,
        weight_y=command.weight_y,
        fee_rate_x=command.fee_rate_x,
        fee_rate_y=command.fee_rate_y,
        fee_rebate=command.fee_rebate,
        max_in_ratio=command.max_in_ratio if weighted else 0,
        max_out_ratio=command.max_out_ratio if weighted else 0,
        cap_bps=command.cap_bps,
        gate_lp_per_window=command.gate_lp_per_window,
        gate_window_blocks=command.gate_window_blocks,
        paused=command.paused,
        oracle_enabled=command.oracle_enabled,
        oracle_average=command.oracle_average,
    )
    registered = AssetRegistered(asset=lp_asset, symbol=lp_asset, decimals=lp_decimals)
    return [Emit(registered), Emit(created)]


def add_liquidity(command: AddLiquidity, context: Context) -> list[Emit] | Rejected:
    book = live_pool(context, command.pool)
    if isinstance(book, Rejected):
        return book
    if command.amount_x_desired <= 0 or command.amount_y_desired <= 0:
        return reject(RejectCode.ZERO_AMOUNT, "deposit a positive amount of both tokens")
    amount_x, amount_y = router_amounts(
        book,
        (command.amount_x_desired, command.amount_y_desired),
        (command.amount_x_min, command.amount_y_min),
    )
    balances = context.get(Balances)
    spec = book.spec
    for token, amount in ((spec.token_x, amount_x), (spec.token_y, amount_y)):
        refused = check_funds(balances, command.provider, token, amount)
        if refused is not None:
            return refused
    quote = mint(book, amount_x, amount_y, timestamp_of(command, context))
    supply_after = book.lp_supply + quote.lp_minted + quote.lp_locked + quote.protocol_fee_lp
    held = balances.balance(command.provider, spec.lp_asset)
    pools = context.get(Pools)
    refused = refused_by(
        lp_cap_violation(pools, spec.pool, command.provider, held + quote.lp_minted, supply_after)
    )
    if refused is not None:
        return refused
    added = LiquidityAdded(
        pool=spec.pool,
        provider=command.provider,
        token_x=spec.token_x,
        token_y=spec.token_y,
        lp_asset=spec.lp_asset,
        amount_x=quote.amount_x,
        amount_y=quote.amount_y,
        lp_minted=quote.lp_minted,
        lp_locked=quote.lp_locked,
        protocol_fee_lp=quote.protocol_fee_lp,
        fee_to=spec.fee_to if quote.protocol_fee_lp else "",
        oracle=quote.oracle,
        oracle_resilient_seed=quote.oracle_resilient_seed,
    )
    return [Emit(added)]


def remove_liquidity(command: RemoveLiquidity, context: Context) -> list[Emit] | Rejected:
    book = live_pool(context, command.pool)
    if isinstance(book, Rejected):
        return book
    spec = book.spec
    refused = check_funds(context.get(Balances), command.provider, spec.lp_asset, command.lp_amount)
    pools = context.get(Pools)
    refused = refused or refused_by(
        lp_gate_violation(pools, spec.pool, command.provider, command.lp_amount, context.block)
    )
    if refused is not None:
        return refused
    quote = burn(book, command.lp_amount, timestamp_of(command, context))
    supply_after = book.lp_supply - command.lp_amount + quote.protocol_fee_lp
    breach = withdrawal_cap_violation(
        pools, context.get(Balances), spec.pool, command.provider, supply_after
    )
    if breach is not None:
        return reject(breach.code, breach.detail)
    if quote.amount_x < command.amount_x_min or quote.amount_y < command.amount_y_min:
        return reject(
            RejectCode.SLIPPAGE,
            f"the burn pays {quote.amount_x} {spec.token_x} and {quote.amount_y} "
            f"{spec.token_y}, below your minimums",
        )
    removed = LiquidityRemoved(
        pool=spec.pool,
        provider=command.provider,
        token_x=spec.token_x,
        token_y=spec.token_y,
        lp_asset=spec.lp_asset,
        lp_burned=command.lp_amount,
        amount_x=quote.amount_x,
        amount_y=quote.amount_y,
        protocol_fee_lp=quote.protocol_fee_lp,
        fee_to=spec.fee_to if quote.protocol_fee_lp else "",
        oracle=quote.oracle,
    )
    return [Emit(removed)]


def _owned_pool(context: Context, pool: str, by_account: str) -> PoolBook | Rejected:
    book = context.get(Pools).books.get(pool)
    if book is None:
        return reject(RejectCode.UNKNOWN_POOL, f"no pool {pool!r}")
    if by_account != book.spec.owner:
        return reject(RejectCode.NOT_AUTHORISED, f"only {book.spec.owner} may pause {pool}")
    return book


def pause_pool(command: PausePool, context: Context) -> list[Emit] | Rejected:
    book = _owned_pool(context, command.pool, command.by_account)
    if isinstance(book, Rejected):
        return book
    if book.paused:
        return reject(RejectCode.INVALID_PARAMETER, f"pool {command.pool!r} is paused already")
    return [Emit(PoolPaused(pool=command.pool, by_account=command.by_account))]


def unpause_pool(command: UnpausePool, context: Context) -> list[Emit] | Rejected:
    book = _owned_pool(context, command.pool, command.by_account)
    if isinstance(book, Rejected):
        return book
    if not book.paused:
        return reject(RejectCode.INVALID_PARAMETER, f"pool {command.pool!r} is not paused")
    return [Emit(PoolUnpaused(pool=command.pool, by_account=command.by_account))]
