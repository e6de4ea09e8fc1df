"""A keeper pass: liquidate, then rebalance, everything the protocols allow at the current price.

Each action is its own one-command batch (a refusal appends nothing and costs no reload). In a
long pool the stability pool (fxBASE) pays first, as much as it holds; the keeper pays the rest
with its own fxUSD and USDC. Strike markets past their trigger are liquidated too. Used by
tests, scenarios and the benchmark.
"""

from __future__ import annotations

from collections.abc import Callable

from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.commands.alphax import LiquidateStrike
from ledger.commands.fx import FXUSD_ASSET, STABLE_ASSET
from ledger.commands.fx_walks import LiquidateFx, RebalanceFx, WalkFx
from ledger.engine import Engine, Executed
from projections.alphax_markets import AlphaxMarkets
from projections.balances import Balances
from projections.contracts.alphax import PRICE_SCALE, is_long_liquidatable, is_short_liquidatable
from projections.fx_pools import FxPools
from projections.prices import Prices

ROUNDS_MAX = 50
"""Bad debt raises every position's debt; a few rounds settle the cascade."""


def _walk(
    engine: Engine,
    block: int,
    make: Callable[[bool], WalkFx],
    done: RejectCode,
    payers: tuple[bool, ...],
) -> list[Executed]:
    """Repeat one kind of walk until the protocol says there is nothing left (`done`).

    Each round every payer walks in turn (`payers`: True for the stability pool, False for the
    keeper's own funds). The keeper pays fxBASE back in its own token (protocol-math.md 4.8), so
    fxBASE never runs dry and one walk it pays moves at most its balance: rounds of it alone
    would spend `ROUNDS_MAX` on one tick and leave it past the line while the keeper still
    holds the funds. The rounds are for the bad-debt cascade only.
    """
    executed: list[Executed] = []
    for _ in range(ROUNDS_MAX):
        moved = False
        for use_stability_pool in payers:
            result = engine.execute([make(use_stability_pool)], block=block)
            if isinstance(result, Rejected):
                if result.code is done:
                    return executed
                continue
            executed.append(result)
            moved = True
        if not moved:
            break
    return executed


class _Route:
    """How the keeper pays in one pool: through fxBASE, or from its own balances."""

    def __init__(
        self, engine: Engine, pool_id: str, long: bool, debt_asset: str, keeper: str, token_in: str
    ) -> None:
        self.engine, self.pool_id, self.long = engine, pool_id, long
        self.debt_asset, self.keeper, self.token_in = debt_asset, keeper, token_in
        # Who pays, in turn: fxBASE funds long pools only (a short pool is repaid in its token).
        self.payers = (True, False) if long else (False,)

    def command(self, kind: type[WalkFx], use_stability_pool: bool) -> WalkFx:
        balances = self.engine.projection(Balances)
        if use_stability_pool and self.long:
            held = balances.balance(self.keeper, self.token_in)
            return kind(
                pool_id=self.pool_id,
                keeper=self.keeper,
                use_stability_pool=True,
                token_in=self.token_in,
                amount_max=held,
            )
        return kind(
            pool_id=self.pool_id,
            keeper=self.keeper,
            max_fxusd=balances.balance(self.keeper, FXUSD_ASSET if self.long else self.debt_asset),
            max_stable=balances.balance(self.keeper, STABLE_ASSET) if self.long else 0,
        )

    def liquidate(self, use_stability_pool: bool) -> WalkFx:
        return self.command(LiquidateFx, use_stability_pool)

    def rebalance(self, use_stability_pool: bool) -> WalkFx:
        return self.command(RebalanceFx, use_stability_pool)


def keeper_pass(engine: Engine, block: int, keeper: str, token_in: str = STABLE_ASSET) -> int:
    """Liquidate then rebalance every f(x) pool, and liquidate triggered strikes.

    Args:
        engine: The engine over the log.
        block: The block to act in.
        keeper: The keeper's account (receives the collateral; pays with its own funds).
        token_in: What the keeper pays the stability pool back in.

    Returns:
        The number of batches appended.
    """
    count = 0
    for pool_id, meta in sorted(engine.projection(FxPools).meta.items()):
        route = _Route(engine, pool_id, meta.side == "long", meta.debt_asset, keeper, token_in)
        liquidated = _walk(
            engine, block, route.liquidate, RejectCode.NOT_LIQUIDATABLE, route.payers
        )
        rebalanced = _walk(
            engine, block, route.rebalance, RejectCode.NOT_REBALANCEABLE, route.payers
        )
        count += len(liquidated) + len(rebalanced)
    prices = engine.projection(Prices)
    for market_id, market in sorted(engine.projection(AlphaxMarkets).markets.items()):
        quote = prices.quote(market.definition.asset)
        if market.dead_side or quote is None:
            continue
        price = quote.rescaled(PRICE_SCALE)
        d, rule = market.definition, market.rule
        triggered = {
            "long": is_long_liquidatable(price, d.long_strike, rule),
            "short": is_short_liquidatable(price, d.short_strike, rule),
        }
        for side in (side for side, fired in triggered.items() if fired):  # skip doomed commands
            result = engine.execute(
                [LiquidateStrike(market_id=market_id, side=side, liquidator=keeper)], block=block
            )
            if isinstance(result, Executed):
                count += 1
                break
    return count
