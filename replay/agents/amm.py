"""AMM agents: traders with a seeded flow of swaps, and an arbitrageur that follows the oracle.

    [[agents]]
    kind = "amm_trader"
    params = { traders = ["bob", "carol"], pools = ["ETH-USDC"], per_step = 2, share_bps_max = 50 }

    [[agents]]
    kind = "amm_arbitrageur"
    params = { trader = "arb", pool = "ETH-USDC", asset = "ETH", threshold_bps = 30 }

Amounts are shares of what the trader holds, drawn from the step's seeded `rand`, so the same
scenario always sends the same swaps. `price_target_amount_in` sizes a constant-product trade
that moves a pair to a target price; the AlphaX arbitrageur uses it too.
"""

from __future__ import annotations

from math import isqrt

from ledger.commands.amm_swaps import SwapExactIn
from ledger.engine import Command, Engine
from projections.balances import Balances
from projections.pools import PoolBook, Pools
from projections.prices import Prices
from replay.agents.base import Step, param, per_step_param
from replay.scenario import AgentSpec, Scenario

BPS = 10_000


def price_target_amount_in(
    reserve_in: int, reserve_out: int, price_num: int, price_den: int
) -> int:
    """The amount of the `in` token that takes a constant-product pair to a target price.

    The target is `reserve_out / reserve_in == price_num / price_den` (base units of `out` per
    base unit of `in`); selling `in` lowers that ratio, so this is > 0 only when the pair's
    ratio is above the target. The fee is ignored: the trade lands a hair short of the target.
    """
    if price_num <= 0 or reserve_in <= 0:
        return 0
    reserve_in_target = isqrt(reserve_in * reserve_out * price_den // price_num)
    return max(0, reserve_in_target - reserve_in)


def reserves_of(book: PoolBook, asset_in: str) -> tuple[int, int]:
    """(reserve of `asset_in`, reserve of the other token)."""
    if book.spec.token_x == asset_in:
        return book.reserve_x, book.reserve_y
    return book.reserve_y, book.reserve_x


def string_list(spec: AgentSpec, key: str, default: list[str] | None = None) -> list[str]:
    """A param that must be a list of names (a clear error otherwise)."""
    value = spec.params.get(key, default)
    if value is None:
        raise KeyError(f"missing param `{key}`")
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"param `{key}` must be a list of names, got {value!r}")
    return value


def bps_param(spec: AgentSpec, key: str, default: int) -> int:
    value = param(spec, key, default)
    if not isinstance(value, int) or not 0 < value <= BPS:
        raise ValueError(f"param `{key}` must be an int in (0, 10000] bps, got {value!r}")
    return value


class AmmTrader:
    """Seeded swaps: each step, `per_step` times, a random trader swaps a random share."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        actors = [actor.name for actor in scenario.actors]
        self.traders = string_list(spec, "traders", actors)
        self.pools = string_list(spec, "pools")
        self.per_step = per_step_param(spec)
        self.share_bps_max = bps_param(spec, "share_bps_max", 100)
        if not self.traders or not self.pools:
            raise ValueError("an amm_trader needs at least one trader and one pool")

    def act(self, step: Step, engine: Engine) -> list[Command]:
        books, balances = engine.projection(Pools).books, engine.projection(Balances)
        commands: list[Command] = []
        for _ in range(self.per_step):
            trader = step.rand.choice(self.traders)
            pool = step.rand.choice(self.pools)
            share_bps = step.rand.randint(1, self.share_bps_max)
            book = books.get(pool)
            if book is None:
                continue
            asset_in = step.rand.choice((book.spec.token_x, book.spec.token_y))
            amount = balances.balance(trader, asset_in) * share_bps // BPS
            reserve_in, _ = reserves_of(book, asset_in)
            amount = min(amount, reserve_in // 20)  # a flow, not a whale: at most 5% of depth
            if amount > 0:
                commands.append(
                    SwapExactIn(pool=pool, trader=trader, asset_in=asset_in, amount_in=amount)
                )
        return commands


class AmmArbitrageur:
    """Trades a pair of `asset` against a stable back toward the oracle price of `asset`."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.trader: str = param(spec, "trader")
        self.pool: str = param(spec, "pool")
        self.asset: str = param(spec, "asset")
        self.threshold_bps = bps_param(spec, "threshold_bps", 30)

    def act(self, step: Step, engine: Engine) -> list[Command]:
        book = engine.projection(Pools).books.get(self.pool)
        quote = engine.projection(Prices).quote(self.asset)
        if book is None or quote is None or not book.reserve_x or not book.reserve_y:
            return []
        decimals = engine.projection(Balances).decimals
        stable = book.spec.token_y if book.spec.token_x == self.asset else book.spec.token_x
        # Oracle: stable base units per asset base unit = price * 10^dec_stable / 10^dec_asset.
        price_num = quote.price * 10 ** decimals.get(stable, 18)
        price_den = quote.scale * 10 ** decimals.get(self.asset, 18)
        asset_reserve, stable_reserve = reserves_of(book, self.asset)
        pair_num, pair_den = stable_reserve, asset_reserve
        held = engine.projection(Balances)
        if pair_num * price_den * BPS > price_num * pair_den * (BPS + self.threshold_bps):
            amount = price_target_amount_in(asset_reserve, stable_reserve, price_num, price_den)
            amount, asset_in = min(amount, held.balance(self.trader, self.asset)), self.asset
        elif pair_num * price_den * BPS < price_num * pair_den * (BPS - self.threshold_bps):
            amount = price_target_amount_in(stable_reserve, asset_reserve, price_den, price_num)
            amount, asset_in = min(amount, held.balance(self.trader, stable)), stable
        else:
            return []
        if amount <= 0:
            return []
        return [
            SwapExactIn(pool=self.pool, trader=self.trader, asset_in=asset_in, amount_in=amount)
        ]
