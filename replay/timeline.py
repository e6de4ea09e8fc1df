"""What happened in a log, in one fold: samples for the charts, the moments that matter, and
the path of every position (healthy -> rebalanced -> liquidated, its LTV low and high).

Read through the projections' own tables (by column name), so a projection can change how it
computes a row without this module noticing. Everything stays in base units and ints here;
`replay/units.py` makes them readable at the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from events.core import PriceUpdated
from events.record import Record
from ledger.sqlite_store import SqliteStore
from projections.base import Projection
from projections.positions import FX_LIVE_STATUSES
from projections.runtime import make_books, shown
from replay.moments import MOMENTS
from replay.units import asset_decimals

if TYPE_CHECKING:
    from ledger.postgres_store import PostgresStore

E18 = 10**18


@dataclass
class Sample:
    """The books after one block, as the charts need them."""

    block: int
    ts_ms: int
    prices: dict[str, tuple[int, int]]
    """asset -> (price, scale)."""
    ltvs_1e18: list[int]
    reserve: dict[str, int]
    supply: dict[str, int]
    dead_strikes: int


@dataclass
class Moment:
    block: int
    ts_ms: int
    type: str
    text: str


@dataclass
class Path:
    """One position (f(x) position, strike market or CRP loan) through the log."""

    kind: str
    id: str
    owner: str
    statuses: list[str] = field(default_factory=list)
    ltv_min_1e18: int | None = None
    ltv_max_1e18: int | None = None
    first_block: int = 0
    last_block: int = 0

    def see(self, status: str, ltv_1e18: int | None, block: int) -> None:
        if not self.statuses:
            self.first_block = block
        if not self.statuses or self.statuses[-1] != status:
            self.statuses.append(status)
        self.last_block = block
        if ltv_1e18 is not None:
            low, high = self.ltv_min_1e18, self.ltv_max_1e18
            self.ltv_min_1e18 = ltv_1e18 if low is None else min(low, ltv_1e18)
            self.ltv_max_1e18 = ltv_1e18 if high is None else max(high, ltv_1e18)


@dataclass
class Story:
    samples: list[Sample] = field(default_factory=list)
    moments: list[Moment] = field(default_factory=list)
    paths: dict[tuple[str, str], Path] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)
    bad_debt: dict[str, int] = field(default_factory=dict)
    """debt asset -> bad debt (18-decimal raw units of it)."""
    final: dict[str, Projection] = field(default_factory=dict)


def table_rows(projection: Projection | None, name: str) -> list[dict[str, Any]]:
    """A projection's table `name` as dicts (column -> value); none if it has no such table."""
    if projection is None:
        return []
    for table in projection.tables():
        if table.name == name:
            return [dict(zip(table.columns, row, strict=True)) for row in table.rows]
    return []


POSITION_TABLES = (
    ("f(x)", "fx_positions", ("pool", "position"), "ltv_1e18", 1),
    ("strike", "strike_markets", ("market",), None, 1),
    ("CRP", "crp_loans", ("pool",), "ltv_e8", 10**10),
)
"""(kind, table, id columns, LTV column, factor to 1e18) for each kind of position."""


Shown = dict[tuple[str, str], tuple[str, str, Any, Any]]


def _positions(by_name: dict[str, Projection]) -> Shown:
    """(kind, id) -> (owner, status, LTV at 1e18, debt) for every position the books show."""
    found: Shown = {}
    positions = by_name.get("positions")
    for kind, table, ids, ltv_column, factor in POSITION_TABLES:
        for row in table_rows(positions, table):
            key = (kind, "#".join(str(row[c]) for c in ids))
            ltv = row.get(ltv_column) if ltv_column else None
            status = str(row.get("status") or "open")
            if kind == "f(x)" and status not in FX_LIVE_STATUSES:
                ltv = None  # no debt left: an LTV of 0 is not a point on its path
            scaled = None if ltv is None else ltv * factor
            found[key] = (str(row.get("owner") or ""), status, scaled, row.get("raw_debt"))
    return found


def _observe(story: Story, by_name: dict[str, Projection], block: int) -> Shown:
    """Update every shown position's path; return what was seen."""
    seen = _positions(by_name)
    for key, (owner, status, ltv, _debt) in seen.items():
        path = story.paths.setdefault(key, Path(kind=key[0], id=key[1], owner=owner))
        path.see(status, ltv, block)
    return seen


def _sample(story: Story, by_name: dict[str, Projection], record: Record) -> None:
    prices = by_name["prices"]
    balances = by_name["balances"]
    reserve = by_name.get("reserve_solvency")
    _observe(story, by_name, record.block)
    fx = [
        row["ltv_1e18"]
        for row in table_rows(by_name.get("positions"), "fx_positions")
        if row["status"] in FX_LIVE_STATUSES
    ]
    strikes = table_rows(by_name.get("positions"), "strike_markets")
    story.samples.append(
        Sample(
            block=record.block,
            ts_ms=record.ts_ms,
            prices={a: (q.price, q.scale) for a, q in getattr(prices, "latest", {}).items()},
            ltvs_1e18=sorted(v for v in fx if v is not None),
            reserve={t: b.balance for t, b in getattr(reserve, "books", {}).items()},
            supply=dict(getattr(balances, "supplies", dict)()),
            dead_strikes=sum(1 for row in strikes if "dead" in str(row.get("status"))),
        )
    )


def _walk(story: Story, by_name: dict[str, Projection], record: Record, before: Shown) -> None:
    """After an f(x) walk: positions whose debt it repaid (or that it closed) are marked."""
    event: Any = record.event
    outcome = "liquidated" if event.kind == "liquidate" else "rebalanced"
    after = _positions(by_name)
    for key, (_owner, _status, _ltv, debt) in before.items():
        if key[0] != "f(x)" or not key[1].startswith(f"{event.pool_id}#"):
            continue
        if key not in after:
            story.paths[key].see(outcome, None, record.block)
        elif debt is not None and after[key][3] is not None and after[key][3] < debt:
            story.paths[key].see(outcome, after[key][2], record.block)
    if event.bad_debt_raw:
        story.bad_debt[event.debt_asset] = (
            story.bad_debt.get(event.debt_asset, 0) + event.bad_debt_raw
        )


def tell(store: SqliteStore | PostgresStore, samples_max: int = 400) -> Story:
    """Fold the log once and tell its story (at most `samples_max` chart samples)."""
    story = Story(decimals=asset_decimals(store))
    books = make_books()
    by_name: dict[str, Any] = {item.name: item for item in shown(books)}
    price_blocks = store.counts_by_type().get("PriceUpdated", 0)
    stride = max(1, price_blocks // samples_max)
    priced = 0
    pending: Record | None = None  # sampled once its whole block is folded
    last: Record | None = None
    for record in store.read():
        if pending is not None and record.block != pending.block:
            _sample(story, by_name, pending)
            pending = None
        before = _observe(story, by_name, record.block) if record.type == "FxWalked" else {}
        books.apply(record)
        say = MOMENTS.get(record.type)
        if say is not None:
            text = say(record.event, story.decimals)
            story.moments.append(Moment(record.block, record.ts_ms, record.type, text))
        if record.type == "FxWalked":
            _walk(story, by_name, record, before)
        if isinstance(record.event, PriceUpdated):
            priced += 1
            pending = record if priced % stride == 0 else pending
        last = record
    if last is not None and (not story.samples or story.samples[-1].block != last.block):
        _sample(story, by_name, last)  # every record is folded: the state after the last block
    story.final = by_name
    return story
