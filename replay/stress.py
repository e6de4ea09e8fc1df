"""Running a stress: a price path and agents against the books as they stand at the fork block.

`StressRun` drives one engine (over the forked log, or over a restored snapshot for one of
many paths): the stress's actors and changes first, as facts dated at the fork block, then at
each step the path's price and every agent's commands. It watches what it needs for the
report as it goes: the first block each f(x) position stood past its rebalance or liquidation
line (read after the price is posted, before the keepers act), and which positions each
rebalance or liquidation walk touched (the positions whose debt shares it removed).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from events.alphax import AlphaxGraveyardClaimed, AlphaxStrikeLiquidated
from events.fx import FxWalked
from ledger.batch import Rejected
from ledger.clock import FixedClock
from ledger.command import Executed
from ledger.commands.core import Mint, RecordCheckpoint, UpdatePrice
from ledger.commands.fx_walks import LiquidateFx, RebalanceFx
from ledger.engine import Command, Engine
from projections.fx_pools import FxPools
from projections.positions import Positions, fx_price_1e18
from projections.prices import Prices, Quote
from projections.reserve import ReserveSolvency
from replay.agents.base import Agent, Step
from replay.agents.catalog import make_agent
from replay.runner import Progress, resolve_command
from replay.scenario import ScenarioError
from replay.stress_oracle import oracle_price
from replay.stress_paths import PricePath
from replay.stress_spec import StressSpec

WALKS: dict[type[Command], str] = {RebalanceFx: "rebalanced", LiquidateFx: "liquidated"}


@dataclass
class Tracked:
    """What happened to one f(x) position during the stress."""

    walks: Counter[str] = field(default_factory=Counter)
    first_rebalance_line_block: int | None = None
    first_liquidation_line_block: int | None = None


@dataclass
class Watch:
    """Everything the report needs that the final books alone do not say."""

    positions: dict[tuple[str, int], Tracked] = field(default_factory=dict)
    bad_debt_raw: Counter[str] = field(default_factory=Counter)
    walk_events: Counter[str] = field(default_factory=Counter)
    strikes_liquidated: list[str] = field(default_factory=list)
    """AlphaX strikes liquidated, as `market:side@block` (the block its line was crossed)."""
    alphax_claimed_usdc: int = 0
    walk_cost: int = 0
    """Bonuses the holders paid for walks (net of the reserve's share), at each walk's price."""
    refusals: Counter[str] = field(default_factory=Counter)

    def tracked(self, pool: str, position: int) -> Tracked:
        return self.positions.setdefault((pool, position), Tracked())

    def record_events(self, events: Sequence[Any], block: int) -> None:
        for event in events:
            if isinstance(event, FxWalked):
                self.bad_debt_raw[event.pool_id] += event.bad_debt_raw
                self.walk_events[event.kind] += 1
                bonus = event.bonus_raw_colls - event.bonus_from_reserve_raw
                self.walk_cost += bonus * event.price_1e18 // 10**18
            elif isinstance(event, AlphaxStrikeLiquidated):
                self.strikes_liquidated.append(f"{event.market_id}:{event.side}@{block}")
            elif isinstance(event, AlphaxGraveyardClaimed):
                self.alphax_claimed_usdc += event.claim_usdc


def debt_shares(engine: Engine, pool_id: str) -> dict[int, int]:
    pool = engine.books.get(FxPools).pools[pool_id]
    return {pid: pool.tree.position_live_shares(pid)[1] for pid in pool.tree.positions}


class WatchedEngine(Engine):
    """An engine that tells the watch which positions each f(x) walk touched."""

    watch: Watch

    def execute(
        self, commands: Sequence[Command], *, block: int, idempotency_key: str | None = None
    ) -> Executed | Rejected:
        walk = WALKS.get(type(commands[0])) if len(commands) == 1 else None
        before = debt_shares(self, commands[0].pool_id) if walk else {}  # type: ignore[attr-defined]
        result = super().execute(commands, block=block, idempotency_key=idempotency_key)
        if isinstance(result, Executed):
            self.watch.record_events(result.events, block)
            if walk:
                after = debt_shares(self, commands[0].pool_id)  # type: ignore[attr-defined]
                for pid, shares in before.items():
                    if after.get(pid, 0) < shares:
                        self.watch.tracked(commands[0].pool_id, pid).walks[walk] += 1  # type: ignore[attr-defined]
        return result


def fx_positions(engine: Engine) -> dict[tuple[str, int], tuple[Any, ...]]:
    """Every f(x) position with debt, by (pool, id): its row of the position-LTV read model."""
    return {(row[0], row[1]): row for row in Positions(engine.books).fx_rows(live_only=True)}


def pool_prices(engine: Engine) -> dict[str, int]:
    """Each f(x) pool's price at 1e18 (inverted on the short side), where it has one."""
    fx = engine.books.get(FxPools)
    prices = engine.books.get(Prices)
    found = {}
    for pool_id, meta in fx.meta.items():
        price = fx_price_1e18(prices, meta.price_asset, meta.side)
        if price is not None:
            found[pool_id] = price
    return found


def book_metrics(engine: Engine) -> dict[str, Any]:
    """Reserve balances, stability pool totals and every f(x) position, from the live books."""
    reserve = engine.books.get(ReserveSolvency)
    stability = engine.books.get(FxPools).stability.totals
    return {
        "reserve": {token: book.balance for token, book in sorted(reserve.books.items())},
        "reserve_shortfalls_covered": {
            token: book.shortfalls_covered for token, book in sorted(reserve.books.items())
        },
        "stability_fxusd": stability.total_fxusd,
        "stability_usdc": stability.total_usdc,
        "positions": fx_positions(engine),
    }


class StressRun:
    """One stress over one engine (see the module docstring)."""

    def __init__(self, spec: StressSpec, engine: WatchedEngine, clock: FixedClock) -> None:
        self.spec = spec
        self.engine = engine
        self.clock = clock
        self.watch = Watch()
        engine.watch = self.watch
        scenario = spec.as_scenario()
        self.agents: list[Agent] = [make_agent(agent, scenario) for agent in spec.agents]
        self.before: dict[str, Any] = {}
        self.after: dict[str, Any] = {}
        self.end_block = 0
        self.after_price_1e18: dict[str, int] = {}
        self.price_source = ""
        """Where the path's starting price came from (the log's price, or `[path] oracle`)."""

    def fork_quote(self) -> Quote:
        quote = self.engine.books.get(Prices).quote(self.spec.path.asset)
        if quote is None or quote.price <= 0:
            raise ScenarioError(
                f"the log has no price for {self.spec.path.asset!r} at the fork block; "
                "a stress path starts at the book's price (or name a pair of the log to read "
                "it from: `[path] oracle`)"
            )
        self.price_source = self.price_source or f"the log's price (posted at block {quote.block})"
        return quote

    def post_oracle_price(self, fork_block: int) -> None:
        """The asset's price read from the pair `[path] oracle` names, posted at the fork."""
        oracle = self.spec.path.oracle
        if oracle is None:
            return
        update = oracle_price(
            self.engine.books, oracle, self.spec.path.asset, fork_block, self.spec.name
        )
        result = self.engine.execute([update], block=fork_block)
        if isinstance(result, Rejected):
            raise ScenarioError(f"`path.oracle` price refused: {result.code}: {result.detail}")
        self.price_source = update.source

    def prepare(self, fork_block: int, fork_ts_ms: int) -> None:
        """The fork's price (`[path] oracle`), actors and changes, as facts at the fork block."""
        self.clock.set(fork_ts_ms)
        self.post_oracle_price(fork_block)
        where = f"{self.spec.source_path}"
        mints: list[Command] = [
            Mint(asset=asset, to_account=actor.name, amount=amount, memo=f"stress {self.spec.name}")
            for actor in self.spec.actors
            for asset, amount in sorted(actor.holdings.items())
        ]
        if mints:
            result = self.engine.execute(mints, block=fork_block)
            if isinstance(result, Rejected):
                raise ScenarioError(f"{where}: `actors` refused: {result.code} {result.detail}")
        for index, item in enumerate(self.spec.changes):
            command = resolve_command(item.command, item.args, f"{where}: `changes`[{index}]")
            result = self.engine.execute([command], block=fork_block)
            if isinstance(result, Rejected):
                raise ScenarioError(
                    f"{where}: `changes`[{index}] {item.command} refused: "
                    f"{result.code}: {result.detail}"
                )

    def note_lines(self, block: int) -> None:
        for (pool, pid), row in fx_positions(self.engine).items():
            tracked = self.watch.tracked(pool, pid)
            status = row[12]
            crossed = status in ("rebalanceable", "liquidatable")
            if crossed and tracked.first_rebalance_line_block is None:
                tracked.first_rebalance_line_block = block
            if status == "liquidatable" and tracked.first_liquidation_line_block is None:
                tracked.first_liquidation_line_block = block

    def run(
        self,
        path: PricePath,
        fork_block: int,
        fork_ts_ms: int,
        seed: int,
        progress: Progress | None = None,
    ) -> None:
        """Post each price of `path` after the first (the fork's own) and let the agents act;
        `progress` is told each step done, of the path's steps."""
        quote = self.fork_quote()
        self.before = book_metrics(self.engine)
        rand = random.Random(seed)
        block_seconds = self.spec.chain.block_seconds
        block = fork_block
        for index, (offset_s, price) in enumerate(path[1:], start=1):
            block = max(fork_block + max(1, -(-offset_s // block_seconds)), self.engine.head.block)
            moment_ms = fork_ts_ms + offset_s * 1000
            self.clock.set(moment_ms)
            update = UpdatePrice(
                asset=self.spec.path.asset,
                quote=quote.quote,
                price=price,
                scale=quote.scale,
                source=f"stress {self.spec.name}",
            )
            result = self.engine.execute([update], block=block)
            if isinstance(result, Rejected):
                self.watch.refusals[f"UpdatePrice:{result.code}"] += 1
            self.note_lines(block)
            step = Step(index, block, moment_ms // 1000, {self.spec.path.asset: price}, rand)
            for agent in self.agents:
                for command in agent.act(step, self.engine):
                    outcome = self.engine.execute([command], block=block)
                    if isinstance(outcome, Rejected):
                        self.watch.refusals[f"{type(command).__name__}:{outcome.code}"] += 1
            if progress is not None:
                progress(index, len(path) - 1)
        self.end_block = max(block, self.engine.head.block)
        self.after = book_metrics(self.engine)
        self.after_price_1e18 = pool_prices(self.engine)

    def checkpoint(self, label: str) -> None:
        digests = {p.name: p.digest() for p in self.engine.projections}
        block = self.engine.head.block
        self.engine.execute([RecordCheckpoint(label=label, digests=digests)], block=block)
