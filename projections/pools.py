"""The `pools` projection: per AMM pool its reserves, LP supply, k_last, oracles, params, gates.

`apply` trusts the recorded amounts (it never recomputes the math), so a log written by another
system folds the same way; `ledger.audit` is what recomputes them. Posting rules for the AMM
events live here, so `balances` moves the tokens between traders, providers and `pool:<id>`.
ALEX pools with the oracle on keep the resilient price each swap records (seeded by the
first deposit). The one invariant the fold can see on its own: k = reserve_x * reserve_y never
falls across a Uniswap swap (recorded as a `K_DECREASED` violation). That reserves equal the
pool account's balances is checked across projections (tests, `check_reserves_match`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from events.alex_governance import FEE_REBATE, ParameterChanged
from events.amm import (
    LiquidityAdded,
    LiquidityRemoved,
    PoolCreated,
    PoolPaused,
    PoolUnpaused,
    Swapped,
    pool_account,
)
from events.core import Transferred
from events.record import Record
from projections.balances import Balances
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.chain_pools import alex_appliers, chain_appliers


class GateUse(msgspec.Struct):
    """LP one provider burned in the current gate window."""

    window: int
    lp_burned: int


class PoolBook(msgspec.Struct):
    """One pool: its parameters (the creation fact) and its live state."""

    spec: PoolCreated
    reserve_x: int = 0
    reserve_y: int = 0
    lp_supply: int = 0
    k_last: int = 0
    price0_cumulative: int = 0
    price1_cumulative: int = 0
    block_timestamp_last: int = 0
    paused: bool = False
    gate_use: dict[str, GateUse] = msgspec.field(default_factory=dict)
    oracle_resilient: int = 0
    """ALEX: the resilient price (x 1e8) after the last swap; 0 while the oracle is off."""

    @property
    def is_uniswap(self) -> bool:
        return self.spec.kind == "uniswap_v2"

    def gate_window(self, block: int) -> int:
        return block // self.spec.gate_window_blocks if self.spec.gate_window_blocks else 0

    def gate_used(self, provider: str, block: int) -> int:
        """LP `provider` has burned in the gate window of `block`."""
        use = self.gate_use.get(provider)
        return use.lp_burned if use is not None and use.window == self.gate_window(block) else 0


class _PoolsState(msgspec.Struct):
    books: dict[str, PoolBook]
    violations: list[Violation]


class Pools:
    """The pools projection (see the module docstring)."""

    name = "pools"
    version = 3

    def __init__(self) -> None:
        self.books: dict[str, PoolBook] = {}
        self._violations: list[Violation] = []
        self._lp_pools: dict[str, str] = {}
        """LP asset -> pool (derived from `books`)."""
        self._appliers: dict[type[Any], Callable[[Any, Record], None]] = {
            PoolCreated: self._created,
            LiquidityAdded: self._liquidity_added,
            LiquidityRemoved: self._liquidity_removed,
            Swapped: self._swapped,
            PoolPaused: self._paused,
            PoolUnpaused: self._unpaused,
            Transferred: self._lp_transferred,
            ParameterChanged: self._parameter_changed,
        }
        self._appliers.update(chain_appliers(self))
        self._appliers.update(alex_appliers(self))

    def folds(self, event_type: type[Any]) -> bool:
        """Only AMM facts (and LP transfers, for the gate) change pools (the engine's router
        asks, then skips the rest)."""
        return event_type in self._appliers

    def apply(self, record: Record) -> None:
        applier = self._appliers.get(type(record.event))
        if applier is not None:
            applier(record.event, record)

    def _created(self, event: PoolCreated, record: Record) -> None:
        self.books[event.pool] = PoolBook(spec=event, paused=event.paused)
        self._lp_pools[event.lp_asset] = event.pool

    def pool_of_lp(self, lp_asset: str) -> PoolBook | None:
        """The pool whose LP token is `lp_asset` (None: not an LP token)."""
        pool = self._lp_pools.get(lp_asset)
        return None if pool is None else self.books[pool]

    def _parameter_changed(self, event: ParameterChanged, record: Record) -> None:
        """A governance-enacted fee rebate becomes the pool's own parameter."""
        change = event.change
        book = self.books.get(change.target)
        if change.parameter == FEE_REBATE and book is not None:
            book.spec = msgspec.structs.replace(book.spec, fee_rebate=change.value)

    def _use_gate(self, book: PoolBook, account: str, lp_amount: int, block: int) -> None:
        used = book.gate_used(account, block)
        book.gate_use[account] = GateUse(book.gate_window(block), used + lp_amount)

    def _lp_transferred(self, event: Transferred, record: Record) -> None:
        """LP moved out of an account by transfer counts against its gate, as a burn does."""
        book = self.pool_of_lp(event.asset)
        if (
            book is not None
            and book.spec.gate_lp_per_window
            and event.from_account != event.to_account
        ):
            self._use_gate(book, event.from_account, event.amount, record.block)

    def _oracle(self, book: PoolBook, event: LiquidityAdded | LiquidityRemoved | Swapped) -> None:
        if book.is_uniswap:
            book.price0_cumulative = event.oracle.price0_cumulative
            book.price1_cumulative = event.oracle.price1_cumulative
            book.block_timestamp_last = event.oracle.block_timestamp

    def _k_last(self, book: PoolBook) -> None:
        # kLast tracks k after each mint/burn only while the protocol fee is on.
        if book.is_uniswap:
            book.k_last = book.reserve_x * book.reserve_y if book.spec.protocol_fee_on else 0

    def _liquidity_added(self, event: LiquidityAdded, record: Record) -> None:
        book = self._book(event.pool, record)
        if book is None:
            return
        book.reserve_x += event.amount_x
        book.reserve_y += event.amount_y
        book.lp_supply += event.lp_minted + event.lp_locked + event.protocol_fee_lp
        self._k_last(book)
        self._oracle(book, event)
        if event.oracle_resilient_seed:
            book.oracle_resilient = event.oracle_resilient_seed

    def _liquidity_removed(self, event: LiquidityRemoved, record: Record) -> None:
        book = self._book(event.pool, record)
        if book is None:
            return
        book.reserve_x -= event.amount_x
        book.reserve_y -= event.amount_y
        book.lp_supply += event.protocol_fee_lp - event.lp_burned
        self._k_last(book)
        self._oracle(book, event)
        if book.spec.gate_lp_per_window:
            self._use_gate(book, event.provider, event.lp_burned, record.block)

    def _swapped(self, event: Swapped, record: Record) -> None:
        book = self._book(event.pool, record)
        if book is None:
            return
        k_before = book.reserve_x * book.reserve_y
        into_pool = event.amount_in - event.reserve_share
        if event.asset_in == book.spec.token_x:
            book.reserve_x += into_pool
            book.reserve_y -= event.amount_out
        else:
            book.reserve_y += into_pool
            book.reserve_x -= event.amount_out
        self._oracle(book, event)
        if book.spec.oracle_enabled and not book.is_uniswap:
            book.oracle_resilient = event.oracle_resilient
        if book.is_uniswap and book.reserve_x * book.reserve_y < k_before:
            detail = f"{event.pool}: k fell from {k_before} to {book.reserve_x * book.reserve_y}"
            self._violations.append(Violation("K_DECREASED", record.seq, detail))

    def _paused(self, event: PoolPaused, record: Record) -> None:
        book = self._book(event.pool, record)
        if book is not None:
            book.paused = True

    def _unpaused(self, event: PoolUnpaused, record: Record) -> None:
        book = self._book(event.pool, record)
        if book is not None:
            book.paused = False

    def _book(self, pool: str, record: Record) -> PoolBook | None:
        # A log written elsewhere may name a pool it never created: a violation, not a crash.
        book = self.books.get(pool)
        if book is None:
            self._violations.append(Violation("UNKNOWN_POOL", record.seq, f"no pool {pool!r}"))
        return book

    def snapshot(self) -> bytes:
        return canonical_bytes(_PoolsState(dict(sorted(self.books.items())), self._violations))

    def restore(self, data: bytes) -> None:
        state = msgspec.json.decode(data, type=_PoolsState)
        self.books = state.books
        self._violations = state.violations
        self._lp_pools = {book.spec.lp_asset: pool for pool, book in self.books.items()}

    def digest(self) -> str:
        return digest_of(self.snapshot())

    def tables(self) -> list[Table]:
        return [_pools_table(self.books), _gates_table(self.books)]

    def violations(self) -> list[Violation]:
        return list(self._violations)


_POOL_COLUMNS = (
    "pool",
    "kind",
    "token_x",
    "token_y",
    "lp_asset",
    "reserve_x",
    "reserve_y",
    "lp_supply",
    "k_last",
    "price0_cumulative",
    "price1_cumulative",
    "block_timestamp_last",
    "fee_bps",
    "weight_x",
    "weight_y",
    "fee_rate_x",
    "fee_rate_y",
    "fee_rebate",
    "cap_bps",
    "gate_lp_per_window",
    "gate_window_blocks",
    "paused",
    "oracle_enabled",
    "oracle_average",
    "oracle_resilient",
)


def _pools_table(books: dict[str, PoolBook]) -> Table:
    rows = []
    for pool, book in sorted(books.items()):
        spec = book.spec
        rows.append(
            (
                *(pool, spec.kind, spec.token_x, spec.token_y, spec.lp_asset),
                *(book.reserve_x, book.reserve_y, book.lp_supply, book.k_last),
                *(book.price0_cumulative, book.price1_cumulative, book.block_timestamp_last),
                *(spec.fee_bps, spec.weight_x, spec.weight_y, spec.fee_rate_x, spec.fee_rate_y),
                *(spec.fee_rebate, spec.cap_bps, spec.gate_lp_per_window, spec.gate_window_blocks),
                book.paused,
                *(spec.oracle_enabled, spec.oracle_average, book.oracle_resilient),
            )
        )
    return Table("pools", _POOL_COLUMNS, rows, key_columns=("pool",))


def _gates_table(books: dict[str, PoolBook]) -> Table:
    rows = [
        (pool, provider, use.window, use.lp_burned)
        for pool, book in sorted(books.items())
        for provider, use in sorted(book.gate_use.items())
    ]
    return Table(
        "pool_gates",
        ("pool", "provider", "window", "lp_burned"),
        rows,
        key_columns=("pool", "provider"),
    )


def reserve_mismatches(pools: Pools, balances: Balances, seq: int = 0) -> list[Violation]:
    """Pools whose recorded reserves differ from what `pool:<id>` holds (checked across folds)."""
    found = []
    for pool, book in sorted(pools.books.items()):
        account = pool_account(pool)
        for token, reserve in (
            (book.spec.token_x, book.reserve_x),
            (book.spec.token_y, book.reserve_y),
        ):
            held = balances.balance(account, token)
            if held != reserve:
                detail = f"{pool}: reserve of {token} is {reserve}, {account} holds {held}"
                found.append(Violation("RESERVE_MISMATCH", seq, detail))
    return found
