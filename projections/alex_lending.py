"""ALEX lending: yield-token pools (fixed-rate lending) and collateral rebalancing pools.

One book, `alex_lending`, keeps both: the YTP books here, the CRP books in
`projections.alex_lending_crp`. Oracle prices and asset decimals are not kept here: their owners
are the `prices` and `balances` books, which this book reads (`needs`) to state each CRP's LTV
at the latest price (`crp_loans()`, which the position-LTV read model reads). Price, yield and
time to maturity are computed at the block the books are at (`Books.position`), never from a
clock; the book folds only its own events.
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from events import alex_lending as lending_events
from events.alex_lending import (
    CollateralMinted,
    CollateralPoolCreated,
    CollateralRedeemed,
    CollateralSwapped,
    YieldLiquidityChanged,
    YieldPoolCreated,
    YieldTokenSwapped,
)
from events.base import Event
from events.record import Record
from projections.alex_lending_crp import (
    CrpBook,
    CrpLoan,
    apply_crp_event,
    balances_after_swap,
    created_book,
    price_move_to_conversion_1e18,
    spot_e8,
)
from projections.balances import Balances
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.books import Books, LogPosition
from projections.contracts import MathRejected
from projections.contracts.crp import ltv, pool_value_in_token
from projections.contracts.fixed_point import ONE_8
from projections.contracts.yield_token_pool import YieldTokenPool, price, time_to_maturity
from projections.prices import Prices
from projections.routing import event_types_in

__all__ = ["AlexLending", "CrpBook", "CrpLoan", "YtpBook"]

_LENDING_EVENTS = event_types_in(lending_events)


# A yield-token pool swap posts exactly as a CRP swap does.


BookT = TypeVar("BookT")


class YtpBook(msgspec.Struct):
    """One yield-token pool, as the contract keeps it."""

    token: str
    yield_token: str
    lp_token: str
    expiry: int
    listed: int
    max_expiry: int
    fee_rate_token: int = 0
    fee_rate_yield_token: int = 0
    fee_rebate: int = 0
    min_fee: int = 0
    small_threshold: int = 0
    balance_token: int = 0
    balance_yield_token: int = 0
    balance_virtual: int = 0
    total_supply: int = 0

    def to_math(self) -> YieldTokenPool:
        return YieldTokenPool(
            balance_token=self.balance_token,
            balance_yield_token=self.balance_yield_token,
            balance_virtual=self.balance_virtual,
            total_supply=self.total_supply,
            fee_rate_token=self.fee_rate_token,
            fee_rate_yield_token=self.fee_rate_yield_token,
            fee_rebate=self.fee_rebate,
            min_fee=self.min_fee,
            small_threshold=self.small_threshold,
        )

    def time_fraction(self, block: int) -> int:
        """t (x 1e8) at `block` (raises MathRejected past the time scale)."""
        return time_to_maturity(self.expiry, self.listed, block, self.max_expiry)

    def quote(self, block: int) -> tuple[int, int, int] | None:
        """(t, price, yield) at `block`, or None while the pool is empty or out of scale."""
        if self.balance_token <= 0:
            return None
        try:
            t = self.time_fraction(block)
            spot = price(self.balance_token, self.balance_yield_token + self.balance_virtual, t)
        except MathRejected:
            return None
        return t, spot, spot - ONE_8


class _LendingState(msgspec.Struct):
    ytp: dict[str, YtpBook] = msgspec.field(default_factory=dict)
    crp: dict[str, CrpBook] = msgspec.field(default_factory=dict)
    violations: list[Violation] = msgspec.field(default_factory=list)


class AlexLending:
    """The `alex_lending` projection (see the module docstring)."""

    name = "alex_lending"
    version = 2
    needs = (Prices, Balances)
    """The books this one reads: oracle prices, and asset decimals (kept by `balances`)."""

    def __init__(self) -> None:
        self.state = _LendingState()
        self._prices = Prices()
        self._balances = Balances()
        self._position = LogPosition()

    def attach(self, books: Books) -> None:
        self._prices = books.get(Prices)
        self._balances = books.get(Balances)
        self._position = books.position

    @property
    def last_block(self) -> int:
        """The block the books are at: what time to maturity and CRP status are computed at."""
        return self._position.block

    def folds(self, event_type: type[Event]) -> bool:
        return event_type in _LENDING_EVENTS

    def yield_pool(self, pool_id: str) -> YtpBook | None:
        return self.state.ytp.get(pool_id)

    def collateral_pool(self, pool_id: str) -> CrpBook | None:
        return self.state.crp.get(pool_id)

    def spot(self, book: CrpBook) -> int | None:
        """The CRP's oracle spot (token y per token x, base units, x 1e8), if both are priced."""
        quote_x, quote_y = self._prices.quote(book.collateral), self._prices.quote(book.token)
        if quote_x is None or quote_y is None:
            return None
        decimals = self._balances.decimals
        return spot_e8(
            (quote_x.price, quote_x.scale),
            (quote_y.price, quote_y.scale),
            decimals.get(book.collateral, 8),
            decimals.get(book.token, 8),
        )

    def crp_loans(self) -> list[CrpLoan]:
        """Every CRP with debt outstanding and a known oracle spot, by pool id."""
        loans = []
        for pool_id, book in sorted(self.state.crp.items()):
            spot = self.spot(book)
            if spot is None or book.yield_supply == 0:
                continue
            try:
                loans.append(self._crp_loan(pool_id, book, spot))
            except MathRejected:
                continue  # a spot outside the contract math's domain: no LTV to show
        return loans

    def _crp_loan(self, pool_id: str, book: CrpBook, spot: int) -> CrpLoan:
        pool = book.to_math()
        value = pool_value_in_token(pool, spot)
        return CrpLoan(
            pool_id=pool_id,
            collateral_asset=book.collateral,
            debt_asset=book.token,
            expiry=book.expiry,
            collateral_value=value,
            debt=book.yield_supply,
            ltv_e8=ltv(pool, spot) if value else book.yield_supply * ONE_8,
            conversion_ltv_e8=book.conversion_ltv,
            spot_e8=spot,
            price_move_to_conversion_1e18=price_move_to_conversion_1e18(book, spot),
        )

    def apply(self, record: Record) -> None:
        state = self.state
        event = record.event
        if isinstance(event, (YieldTokenSwapped, YieldLiquidityChanged)):
            if (ytp := self._found(state.ytp, event.pool_id, record.seq)) is not None:
                self._apply_ytp(ytp, event)
        elif isinstance(event, (CollateralMinted, CollateralSwapped, CollateralRedeemed)):
            if (crp := self._found(state.crp, event.pool_id, record.seq)) is not None:
                apply_crp_event(crp, event)
        elif isinstance(event, YieldPoolCreated):
            state.ytp[event.pool_id] = YtpBook(
                token=event.token,
                yield_token=event.yield_token,
                lp_token=event.lp_token,
                expiry=event.expiry,
                listed=event.listed,
                max_expiry=event.max_expiry,
                fee_rate_token=event.fee_rate_token,
                fee_rate_yield_token=event.fee_rate_yield_token,
                fee_rebate=event.fee_rebate,
                min_fee=event.min_fee,
                small_threshold=event.small_threshold,
            )
        elif isinstance(event, CollateralPoolCreated):
            state.crp[event.pool_id] = created_book(event)

    def _found(self, books: dict[str, BookT], pool_id: str, seq: int) -> BookT | None:
        """The pool a fact names; a log written before facts were checked on the way in may
        name one that was never created: that is a finding, not a crash."""
        found = books.get(pool_id)
        if found is None:
            self.state.violations.append(Violation("UNKNOWN_POOL", seq, f"no pool {pool_id!r}"))
        return found

    def _apply_ytp(self, book: YtpBook, event: YieldTokenSwapped | YieldLiquidityChanged) -> None:
        if isinstance(event, YieldTokenSwapped):
            book.balance_token, book.balance_yield_token = balances_after_swap(
                event, book.token, book.balance_token, book.balance_yield_token
            )
            return
        sign = 1 if event.added else -1
        book.balance_token = max(book.balance_token + sign * event.dx, 0)
        book.balance_yield_token = max(book.balance_yield_token + sign * event.dy_actual, 0)
        book.balance_virtual = max(book.balance_virtual + sign * event.dy_virtual, 0)
        book.total_supply = max(book.total_supply + sign * event.lp_amount, 0)

    def snapshot(self) -> bytes:
        return canonical_bytes(self.state)

    def restore(self, data: bytes) -> None:
        self.state = msgspec.json.decode(data, type=_LendingState)

    def digest(self) -> str:
        return digest_of(self.snapshot())

    def violations(self) -> list[Violation]:
        return list(self.state.violations)

    def tables(self) -> list[Table]:
        block = self.last_block
        ytp_rows = []
        for pool_id, book in sorted(self.state.ytp.items()):
            t, spot, rate = self.state.ytp[pool_id].quote(block) or (None, None, None)
            ytp_rows.append(
                (
                    pool_id,
                    book.token,
                    book.yield_token,
                    book.expiry,
                    book.balance_token,
                    book.balance_yield_token,
                    book.balance_virtual,
                    book.total_supply,
                    t,
                    spot,
                    rate,
                )
            )
        loans = {loan.pool_id: loan for loan in self.crp_loans()}
        crp_rows = [
            (
                pool_id,
                book.collateral,
                book.token,
                book.expiry,
                book.balance_x,
                book.balance_y,
                book.weight_x,
                book.yield_supply,
                book.key_supply,
                book.strike,
                loans[pool_id].ltv_e8 if pool_id in loans else None,
            )
            for pool_id, book in sorted(self.state.crp.items())
        ]
        return [
            Table(
                "yield_token_pools",
                (
                    "pool_id",
                    "token",
                    "yield_token",
                    "expiry",
                    "balance_token",
                    "balance_yield_token",
                    "balance_virtual",
                    "lp_supply",
                    "time_to_maturity_e8",
                    "price_e8",
                    "yield_e8",
                ),
                ytp_rows,
                key_columns=("pool_id",),
            ),
            Table(
                "collateral_pools",
                (
                    "pool_id",
                    "collateral",
                    "token",
                    "expiry",
                    "balance_x",
                    "balance_y",
                    "weight_x_e8",
                    "yield_supply",
                    "key_supply",
                    "strike_e8",
                    "ltv_e8",
                ),
                crp_rows,
                key_columns=("pool_id",),
            ),
        ]
