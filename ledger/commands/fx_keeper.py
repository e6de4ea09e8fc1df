"""A keeper pass: liquidate, then rebalance, everything the protocols allow at the current price.

Each action is its own one-command batch (a refusal appends nothing and costs no reload). In a
long pool the stability pool (fxBASE) pays first, as much as it holds; the keeper pays the rest
with its own fxUSD and USDC. Strike markets past their trigger are liquidated too. Used by
tests, scenarios and the benchmark.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.commands.alphax import LiquidateStrike
from ledger.commands.fx import FXUSD_ASSET, STABLE_ASSET
from ledger.commands.fx_walks import LiquidateFx, RebalanceFx, WalkFx
from ledger.engine import Engine, Executed
from projections.alphax_markets import AlphaxMarkets
from projections.balances import Balances
from projections.contracts.alphax import PRICE_SCALE, is_long_liquidatable, is_short_liquidatable
from projections.contracts.fx_rebalance import tick_to_walk
from projections.fx_pools import FxPoolMeta, FxPools
from projections.positions import fx_price_1e18
from projections.prices import Prices

ROUNDS_MAX = 50
"""Bad debt raises every position's debt; a few rounds settle the cascade."""


class Payer(NamedTuple):
    """Who pays for a keeper's walks."""

    keeper: str
    token_in: str
    """What the keeper pays fxBASE back in."""
    stability_pool: bool
    """Whether fxBASE pays first (long pools only)."""


def walk_command(
    engine: Engine,
    pool_id: str,
    meta: FxPoolMeta,
    kind: type[WalkFx],
    payer: Payer,
) -> WalkFx:
    """One walk's command: fxBASE pays (a long pool, `payer.stability_pool`), else the keeper
    with all the fxUSD and USDC it holds (a short pool: the debt token)."""
    balances = engine.projection(Balances)
    long = meta.side == "long"
    if payer.stability_pool and long:
        return kind(
            pool_id=pool_id,
            keeper=payer.keeper,
            use_stability_pool=True,
            token_in=payer.token_in,
            amount_max=balances.balance(payer.keeper, payer.token_in),
        )
    return kind(
        pool_id=pool_id,
        keeper=payer.keeper,
        max_fxusd=balances.balance(payer.keeper, FXUSD_ASSET if long else meta.debt_asset),
        max_stable=balances.balance(payer.keeper, STABLE_ASSET) if long else 0,
    )


def walk_until_done(
    engine: Engine,
    block: int,
    pool_id: str,
    kind: type[WalkFx],
    payer: Payer,
    refused: Callable[[str], None] | None = None,
) -> int:
    """Walk one pool with one kind of walk until the protocol says nothing is left; the count.

    Each round every payer walks in turn: fxBASE first when `payer.stability_pool` (a long
    pool), then the keeper's own funds. The keeper pays fxBASE back in its own token
    (protocol-math.md 4.8), so fxBASE never runs dry and one walk it pays moves at most its
    balance: rounds of it alone would spend `ROUNDS_MAX` on one tick and leave it past the
    line while the keeper still holds the funds. The rounds are for the bad-debt cascade.

    Before each command the books are asked the cheap question (`tick_to_walk`: is any tick
    past the line at the pool's price?): no means the walk would be refused as "nothing to
    do", so none is built. `refused` hears each other refusal of the keeper's own walk
    ("LiquidateFx:CODE"); fxBASE refusing (empty, say) hands over to the keeper's funds.
    """
    fx = engine.projection(FxPools)
    meta = fx.meta[pool_id]
    liquidate = kind is LiquidateFx
    done = RejectCode.NOT_LIQUIDATABLE if liquidate else RejectCode.NOT_REBALANCEABLE
    own = payer._replace(stability_pool=False)
    payers = (payer, own) if payer.stability_pool and meta.side == "long" else (own,)
    walks = 0
    for _ in range(ROUNDS_MAX):
        moved = False
        for who in payers:
            price = fx_price_1e18(engine.projection(Prices), meta.price_asset, meta.side)
            if price is not None and not tick_to_walk(fx.pools[pool_id], price, liquidate):
                return walks
            command = walk_command(engine, pool_id, meta, kind, who)
            result = engine.execute([command], block=block)
            if isinstance(result, Rejected):
                if result.code == done.value:
                    return walks
                if refused is not None and not who.stability_pool:
                    refused(f"{kind.__name__}:{result.code}")
                continue
            walks += 1
            moved = True
        if not moved:
            break
    return walks


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
    payer = Payer(keeper, token_in, stability_pool=True)
    for pool_id in sorted(engine.projection(FxPools).meta):
        count += walk_until_done(engine, block, pool_id, LiquidateFx, payer)
        count += walk_until_done(engine, block, pool_id, RebalanceFx, payer)
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
