"""Random AMM command sequences through the engine; the books must hold after every batch.

A seeded `rand` draws batches of swaps (exact in, exact out, multi-hop, pair-level), deposits,
withdrawals, transfers and pauses over three pools; many are refused, which must append
nothing. After each batch: per asset the balances sum to the supply, no balance is below zero,
each pool's reserves equal what its account holds (checked again by a naive model folding the
events with plain loops), and no swap lowered a pool's invariant (k for a pair, the weighted
invariant for an ALEX pool, both in exact integers).
"""

from __future__ import annotations

import random
from math import gcd

from events import Event, Record
from events.amm import LiquidityAdded, LiquidityRemoved, Swapped, pool_account
from ledger.batch import Rejected
from ledger.commands.amm import AddLiquidity, PausePool, RemoveLiquidity, UnpausePool
from ledger.commands.amm_swaps import PairSwap, SwapExactIn, SwapExactOut, SwapMultiHop
from ledger.commands.core import Transfer
from ledger.engine import Command, Engine
from ledger.memory import MemoryStore
from ledger.store import EventStore
from projections.balances import Balances, is_issuer
from projections.pools import PoolBook, Pools, reserve_mismatches
from tests.ledger.test_amm_fixtures import ONE, funded_engine, must, pair_pool, weighted_pool

TRADERS = ("alice", "bob", "carol")
POOLS = ("STX-USDA", "STX-ALEX", "USDA-ALEX")
PATHS = (["STX-USDA", "USDA-ALEX"], ["USDA-ALEX", "STX-ALEX"], ["STX-ALEX", "USDA-ALEX"])


def seeded_engine(store: EventStore | None = None) -> Engine:
    """Three traders, three pools (a pair with the protocol fee on, a weighted pool, a pair)."""
    engine = funded_engine(store, traders=TRADERS)
    seed: list[Command] = [
        pair_pool(protocol_fee_on=True, fee_to="treasury"),
        weighted_pool(oracle_enabled=True, oracle_average=99_000_000),
        pair_pool("USDA-ALEX", token_x="USDA", token_y="ALEX", fee_bps=5),
    ]
    seed += [
        AddLiquidity(
            pool=pool,
            provider="alice",
            amount_x_desired=10_000 * ONE,
            amount_y_desired=20_000 * ONE,
        )
        for pool in POOLS
    ]
    must(engine, seed, block=2)
    return engine


def _amount(rand: random.Random, reserve: int) -> int:
    # Mostly small trades, sometimes zero or far too large (to be refused).
    draw = rand.random()
    if draw < 0.03:
        return 0
    if draw < 0.08:
        return reserve
    return max(1, int(reserve * rand.random() * 0.008))


def _entry_token(books: dict[str, PoolBook], path: list[str]) -> str:
    # The first pool's token that the second pool does not trade: the path's way in.
    first, second = books[path[0]].spec, books[path[1]].spec
    return first.token_y if first.token_y not in (second.token_x, second.token_y) else first.token_x


def _pair_swap(rand: random.Random, book: PoolBook, trader: str, x_side: bool) -> Command:
    # Ask for the spot-price output times a greed factor: above ~0.997 the K check refuses.
    token = book.spec.token_x if x_side else book.spec.token_y
    reserve_in, reserve_out = (
        (book.reserve_x, book.reserve_y) if x_side else (book.reserve_y, book.reserve_x)
    )
    amount_in = _amount(rand, reserve_in)
    greed = rand.choice((0.5, 0.9, 1.0, 1.01))
    amount_out = max(1, int(amount_in * reserve_out / max(reserve_in, 1) * greed))
    pool = book.spec.pool
    if not book.is_uniswap:
        return SwapExactIn(pool=pool, trader=trader, asset_in=token, amount_in=amount_in)
    return PairSwap(
        pool=pool, trader=trader, asset_in=token, amount_in=amount_in, amount_out=amount_out
    )


def _liquidity(rand: random.Random, engine: Engine, book: PoolBook, trader: str) -> Command:
    pool = book.spec.pool
    if rand.random() < 0.5:
        return AddLiquidity(
            pool=pool,
            provider=trader,
            amount_x_desired=_amount(rand, book.reserve_x),
            amount_y_desired=_amount(rand, book.reserve_y),
            amount_x_min=rand.choice((0, 0, ONE)),
        )
    held = engine.projection(Balances).balance(trader, book.spec.lp_asset)
    return RemoveLiquidity(pool=pool, provider=trader, lp_amount=int(held * rand.random() * 0.5))


def random_command(rand: random.Random, engine: Engine) -> Command:
    """One command, valid or not, over the engine's pools."""
    books = engine.projection(Pools).books
    paused = [pool for pool in POOLS if books[pool].paused]
    if paused and rand.random() < 0.5:
        return UnpausePool(pool=rand.choice(paused), by_account="gov")
    pool = rand.choice(POOLS)
    book = books[pool]
    trader = rand.choice(TRADERS)
    x_side = rand.random() < 0.5
    token = book.spec.token_x if x_side else book.spec.token_y
    reserve = book.reserve_x if x_side else book.reserve_y
    kind = rand.random()
    if kind < 0.3:
        amount_in = _amount(rand, reserve)
        return SwapExactIn(pool=pool, trader=trader, asset_in=token, amount_in=amount_in)
    if kind < 0.45:
        amount_out = _amount(rand, reserve)
        return SwapExactOut(
            pool=pool, trader=trader, asset_out=token, amount_out=amount_out, amount_in_max=10**30
        )
    if kind < 0.55:
        path = rand.choice(PATHS)
        asset, amount_in = _entry_token(books, path), _amount(rand, ONE * 1000)
        return SwapMultiHop(path=path, trader=trader, asset_in=asset, amount_in=amount_in)
    if kind < 0.62:
        return _pair_swap(rand, book, trader, x_side)
    if kind < 0.87:
        return _liquidity(rand, engine, book, trader)
    if kind < 0.97:
        to_account, amount = rand.choice(TRADERS), _amount(rand, 10**14)
        return Transfer(asset=token, from_account=trader, to_account=to_account, amount=amount)
    pause = PausePool if rand.random() < 0.5 else UnpausePool
    return pause(pool=pool, by_account=rand.choice(("gov", trader)))


def run_random(rand: random.Random, engine: Engine, batches: int) -> int:
    """Execute random batches; check the books after each. Returns how many were accepted."""
    accepted = 0
    for index in range(batches):
        commands = [random_command(rand, engine) for _ in range(rand.randint(1, 4))]
        head = engine.store.head()
        result = engine.execute(commands, block=3 + index)
        if isinstance(result, Rejected):
            assert engine.store.head() == head, result
        else:
            accepted += 1
        check_books(engine)
    return accepted


def check_books(engine: Engine) -> None:
    balances, pools = engine.projection(Balances), engine.projection(Pools)
    assert balances.check_invariants(0) == []
    assert balances.violations() == []
    assert all(
        amount >= 0 for (account, _), amount in balances.amounts.items() if not is_issuer(account)
    )
    assert reserve_mismatches(pools, balances) == []
    assert pools.violations() == []


def naive_pool_holdings(events: list[Event]) -> dict[tuple[str, str], int]:
    """(pool account, token) -> amount, from the AMM events alone, with plain loops."""
    held: dict[tuple[str, str], int] = {}
    for event in events:
        if isinstance(event, LiquidityAdded):
            deltas = [(event.token_x, event.amount_x), (event.token_y, event.amount_y)]
        elif isinstance(event, LiquidityRemoved):
            deltas = [(event.token_x, -event.amount_x), (event.token_y, -event.amount_y)]
        elif isinstance(event, Swapped):
            deltas = [
                (event.asset_in, event.amount_in - event.reserve_share),
                (event.asset_out, -event.amount_out),
            ]
        else:
            continue
        for token, delta in deltas:
            key = (pool_account(event.pool), token)
            held[key] = held.get(key, 0) + delta
    return held


def swaps_with_invariant(records: list[Record]) -> list[tuple[str, int, int]]:
    """(pool, invariant before, invariant after) of every swap: k for pairs, weighted for ALEX."""
    pools = Pools()
    found = []
    for record in records:
        event = record.event
        book = pools.books.get(getattr(event, "pool", ""))
        before = _invariant(book) if isinstance(event, Swapped) and book else None
        pools.apply(record)
        if before is not None and book is not None:
            found.append((book.spec.pool, before, _invariant(book)))
    return found


def _invariant(book: PoolBook) -> int:
    """k for a pair; for a weighted pool, its invariant B_x^w_x * B_y^w_y raised to the power
    1e8 / gcd(w_x, w_y), in exact integers (an order-keeping power).

    Not the contract's `get-invariant`: its `pow_down` is within a relative error budget of
    about 4e-8 per balance, so a swap that raises the true invariant (seed 2513448161: x * y
    of a 50/50 pool rose by 1.6e16) can read lower by ~1e-8 of it.
    """
    if book.is_uniswap:
        return book.reserve_x * book.reserve_y
    spec = book.spec
    common = gcd(spec.weight_x, spec.weight_y)
    power_x, power_y = spec.weight_x // common, spec.weight_y // common
    assert power_x + power_y <= 20, f"weights {spec.weight_x}, {spec.weight_y}: too fine to raise"
    return int(book.reserve_x**power_x * book.reserve_y**power_y)


def test_random_sequences_keep_the_books(rand: random.Random) -> None:
    engine = seeded_engine(MemoryStore())
    accepted = run_random(rand, engine, batches=150)
    assert accepted > 20, f"only {accepted} batches accepted"
    records = list(engine.store.read())
    events = [record.event for record in records]
    balances = engine.projection(Balances)
    for (account, token), amount in naive_pool_holdings(events).items():
        assert balances.balance(account, token) == amount, (account, token)
    swaps = swaps_with_invariant(records)
    assert len(swaps) > 20
    for pool, before, after in swaps:
        assert after >= before, f"{pool}: invariant fell from {before} to {after}"
    again = Engine(engine.store)
    assert again.projection(Pools).digest() == engine.projection(Pools).digest()
