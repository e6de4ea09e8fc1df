"""Swap commands: exact-in (min out), exact-out (max in), multi-hop, and the pair-level swap.

Each pool leg becomes one `Swapped`; when an ALEX leg's fee has a reserve share, a
`ReserveCredited` (source `swap-fee:<pool>`) follows it, so `reserve_solvency` counts the inflow
by source while the rebate stays in the pool for LPs.
"""

from __future__ import annotations

from events.amm import SwapMode, Swapped
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.amm import live_pool
from ledger.commands.core import check_funds
from ledger.commands.reserve import swap_fee_credited
from projections.balances import Balances
from projections.pools import PoolBook
from projections.pools_quotes import SwapQuote, pair_swap, swap_exact_in, swap_exact_out


class SwapExactIn(Command, frozen=True, kw_only=True):
    """Sell exactly `amount_in` of `asset_in`; refuse if less than `amount_out_min` comes out."""

    pool: str
    trader: str
    asset_in: str
    amount_in: int
    amount_out_min: int = 0
    block_timestamp: int | None = None
    """Seconds, for Uniswap's accumulators; None uses the block height."""


class SwapExactOut(Command, frozen=True, kw_only=True):
    """Buy exactly `amount_out` of `asset_out`; refuse if it costs more than `amount_in_max`."""

    pool: str
    trader: str
    asset_out: str
    amount_out: int
    amount_in_max: int
    block_timestamp: int | None = None


class SwapMultiHop(Command, frozen=True, kw_only=True):
    """Sell `amount_in` of `asset_in` along `path` (pool ids); each leg charges its own fee."""

    path: list[str]
    trader: str
    asset_in: str
    amount_in: int
    amount_out_min: int = 0
    block_timestamp: int | None = None


class PairSwap(Command, frozen=True, kw_only=True):
    """Uniswap pair-level swap: pay `amount_in`, ask `amount_out`; the K check decides."""

    pool: str
    trader: str
    asset_in: str
    amount_in: int
    amount_out: int
    block_timestamp: int | None = None


def other_token(book: PoolBook, asset: str) -> str:
    return book.spec.token_y if asset == book.spec.token_x else book.spec.token_x


def leg_emits(
    book: PoolBook, trader: str, asset_in: str, quote: SwapQuote, mode: SwapMode
) -> list[Emit]:
    """The `Swapped` of one leg, and the `ReserveCredited` of its fee's reserve share."""
    pool = book.spec.pool
    swapped = Swapped(
        pool=pool,
        trader=trader,
        asset_in=asset_in,
        asset_out=other_token(book, asset_in),
        amount_in=quote.amount_in,
        amount_out=quote.amount_out,
        fee=quote.fee,
        rebate=quote.rebate,
        reserve_share=quote.reserve_share,
        mode=mode,
        oracle=quote.oracle,
        oracle_resilient=quote.oracle_resilient,
    )
    return [Emit(swapped), *swap_fee_credited(asset_in, quote.reserve_share, trader, pool)]


def _timestamp(block_timestamp: int | None, context: Context) -> int:
    return context.block if block_timestamp is None else block_timestamp


def _known_token(book: PoolBook, asset: str) -> Rejected | None:
    if asset not in (book.spec.token_x, book.spec.token_y):
        return reject(RejectCode.UNKNOWN_ASSET, f"{asset!r} is not a token of {book.spec.pool}")
    return None


def swap_in(command: SwapExactIn, context: Context) -> list[Emit] | Rejected:
    book = live_pool(context, command.pool)
    if isinstance(book, Rejected):
        return book
    refused = _known_token(book, command.asset_in) or check_funds(
        context.get(Balances), command.trader, command.asset_in, command.amount_in
    )
    if refused is not None:
        return refused
    quote = swap_exact_in(
        book, command.asset_in, command.amount_in, _timestamp(command.block_timestamp, context)
    )
    if quote.amount_out < command.amount_out_min:
        return reject(
            RejectCode.SLIPPAGE,
            f"{quote.amount_out} out is below your minimum {command.amount_out_min}",
        )
    return leg_emits(book, command.trader, command.asset_in, quote, "exact_in")


def swap_out(command: SwapExactOut, context: Context) -> list[Emit] | Rejected:
    book = live_pool(context, command.pool)
    if isinstance(book, Rejected):
        return book
    refused = _known_token(book, command.asset_out)
    if refused is not None:
        return refused
    timestamp = _timestamp(command.block_timestamp, context)
    quote = swap_exact_out(book, command.asset_out, command.amount_out, timestamp)
    if quote.amount_in > command.amount_in_max:
        return reject(
            RejectCode.SLIPPAGE,
            f"{quote.amount_in} in is above your maximum {command.amount_in_max}",
        )
    asset_in = other_token(book, command.asset_out)
    refused = check_funds(context.get(Balances), command.trader, asset_in, quote.amount_in)
    return refused or leg_emits(book, command.trader, asset_in, quote, "exact_out")


def _path_books(context: Context, path: list[str]) -> list[PoolBook] | Rejected:
    if not path or len(set(path)) != len(path):
        return reject(RejectCode.INVALID_PARAMETER, "a path names one or more distinct pools")
    books = []
    for pool in path:
        book = live_pool(context, pool)
        if isinstance(book, Rejected):
            return book
        books.append(book)
    return books


def swap_multi_hop(command: SwapMultiHop, context: Context) -> list[Emit] | Rejected:
    books = _path_books(context, command.path)
    if isinstance(books, Rejected):
        return books
    refused = check_funds(
        context.get(Balances), command.trader, command.asset_in, command.amount_in
    )
    if refused is not None:
        return refused
    timestamp = _timestamp(command.block_timestamp, context)
    emits: list[Emit] = []
    asset, amount = command.asset_in, command.amount_in
    for book in books:
        refused = _known_token(book, asset)
        if refused is not None:
            return refused
        quote = swap_exact_in(book, asset, amount, timestamp)
        emits.extend(leg_emits(book, command.trader, asset, quote, "exact_in"))
        asset, amount = other_token(book, asset), quote.amount_out
    if amount < command.amount_out_min:
        return reject(
            RejectCode.SLIPPAGE, f"the path pays {amount} {asset}, below {command.amount_out_min}"
        )
    return emits


def swap_pair(command: PairSwap, context: Context) -> list[Emit] | Rejected:
    book = live_pool(context, command.pool)
    if isinstance(book, Rejected):
        return book
    refused = _known_token(book, command.asset_in) or check_funds(
        context.get(Balances), command.trader, command.asset_in, command.amount_in
    )
    if refused is not None:
        return refused
    timestamp = _timestamp(command.block_timestamp, context)
    quote = pair_swap(book, command.asset_in, command.amount_in, command.amount_out, timestamp)
    return leg_emits(book, command.trader, command.asset_in, quote, "pair")
