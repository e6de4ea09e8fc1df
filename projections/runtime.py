"""Folding records into projections, and the table of the projections the ledger keeps.

`fold` is the one loop every path uses (live updates, rebuilds, time travel, audits), so they
cannot drift apart. It calls `on_record` after each record for callers that snapshot or show
progress; it does no I/O itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from events.record import Record
from projections.alex_lending import AlexLending
from projections.alex_staking import AlexStaking
from projections.alphax_markets import AlphaxMarkets
from projections.balances import Balances
from projections.base import Projection
from projections.chain import ChainBook
from projections.fx_pools import FxPools
from projections.governance import Governance
from projections.pools import Pools
from projections.positions import Positions
from projections.prices import Prices
from projections.reserve import ReserveSolvency
from projections.routing import Router

ProjectionFactory = Callable[[], Projection]

PROJECTIONS: dict[str, ProjectionFactory] = {
    "balances": Balances,
    "prices": Prices,
    "reserve_solvency": ReserveSolvency,
    "pools": Pools,
    "fx_pools": FxPools,
    "alphax_markets": AlphaxMarkets,
    "positions": Positions,
    "alex_staking": AlexStaking,
    "governance": Governance,
    "alex_lending": AlexLending,
    "chain": ChainBook,
}
"""Every projection the ledger keeps, by name, in the order they fold."""


def projection_names() -> list[str]:
    return list(PROJECTIONS)


def make_projections(names: Sequence[str] | None = None) -> list[Projection]:
    """Fresh, empty instances of the named projections (all of them by default)."""
    chosen = list(PROJECTIONS) if names is None else list(names)
    unknown = [name for name in chosen if name not in PROJECTIONS]
    if unknown:
        raise KeyError(
            f"unknown projection(s) {', '.join(unknown)}; known: {', '.join(PROJECTIONS)}"
        )
    return [PROJECTIONS[name]() for name in chosen]


def fold(
    records: Iterable[Record],
    projections: Sequence[Projection],
    on_record: Callable[[Record], None] | None = None,
) -> Record | None:
    """Apply every record to every projection, in order; return the last record folded."""
    last: Record | None = None
    if on_record is None and len(projections) == 1:
        apply = projections[0].apply
        for last in records:
            apply(last)
        return last
    route = Router(projections).apply
    for last in records:
        route(last)
        if on_record is not None:
            on_record(last)
    return last
