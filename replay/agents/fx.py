"""The f(x) keeper agent: liquidate, then rebalance, every tick the protocol allows, each step.

    [[agents]]
    kind = "fx_keeper"
    params = { keeper = "keeper", pay_with = "own", pools = ["ETH-long"] }

It follows `ledger.commands.fx_keeper.keeper_pass` (one-command batches, repeated until the
protocol answers NOT_LIQUIDATABLE / NOT_REBALANCEABLE, the stability pool first when asked and
the keeper's own fxUSD and USDC for the rest), but only for f(x): strike markets belong to the
AlphaX liquidator agent. Walks must run one after another (each reads the state the last one left),
so the agent executes them itself and returns no commands; refusals other than "nothing to
do" are counted in `refusals`. Before building a command it asks the books the cheap question
(`tick_to_walk`: is any tick past the line at the pool's price?) and builds none when the
answer is no, which is most steps.
"""

from __future__ import annotations

from collections import Counter

from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.commands.fx import FXUSD_ASSET, STABLE_ASSET
from ledger.commands.fx_walks import LiquidateFx, RebalanceFx, WalkFx
from ledger.engine import Command, Engine
from projections.balances import Balances
from projections.contracts.fx_rebalance import tick_to_walk
from projections.fx_pools import FxPoolMeta, FxPools
from projections.positions import fx_price_1e18
from projections.prices import Prices
from replay.agents.base import Step, param
from replay.scenario import AgentSpec, Scenario

ROUNDS_MAX = 50
"""Bad debt raises every position's debt; a few rounds per step settle a cascade."""
PAY_WITH = ("own", "stability_pool")


class FxKeeper:
    """Liquidates then rebalances every f(x) pool (or the `pools` named) at every step."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.keeper: str = param(spec, "keeper")
        self.pay_with: str = param(spec, "pay_with", "own")
        self.token_in: str = param(spec, "token_in", STABLE_ASSET)
        self.pools: list[str] | None = spec.params.get("pools")
        self.rebalance: bool = param(spec, "rebalance", True)
        self.liquidate: bool = param(spec, "liquidate", True)
        if self.pay_with not in PAY_WITH:
            raise ValueError(f"param `pay_with` is one of {PAY_WITH}, got {self.pay_with!r}")
        if self.pools is not None and not isinstance(self.pools, list):
            raise ValueError(f"param `pools` must be a list of pool ids, got {self.pools!r}")
        self.walks: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()

    def walk(
        self, engine: Engine, meta: FxPoolMeta, pool_id: str, kind: type[WalkFx], pooled: bool
    ) -> WalkFx:
        """The command for one walk: the stability pool pays (long pools), or the keeper."""
        if pooled and meta.side == "long":
            held = engine.projection(Balances).balance(self.keeper, self.token_in)
            return kind(
                pool_id=pool_id,
                keeper=self.keeper,
                use_stability_pool=True,
                token_in=self.token_in,
                amount_max=held,
            )
        balances = engine.projection(Balances)
        long = meta.side == "long"
        return kind(
            pool_id=pool_id,
            keeper=self.keeper,
            max_fxusd=balances.balance(self.keeper, FXUSD_ASSET if long else meta.debt_asset),
            max_stable=balances.balance(self.keeper, STABLE_ASSET) if long else 0,
        )

    def repeat(
        self, engine: Engine, block: int, pool_id: str, kind: type[WalkFx], done: RejectCode
    ) -> None:
        """Walk until nothing is left: each round fxBASE pays first (when asked), the keeper after.

        The keeper pays fxBASE back in its own token (protocol-math.md 4.8), so fxBASE never runs
        dry and one walk it pays moves at most its balance: rounds of it alone would spend
        `ROUNDS_MAX` on one tick and leave it past the line while the keeper holds the funds.
        """
        fx = engine.projection(FxPools)
        meta = fx.meta[pool_id]
        pooled = self.pay_with == "stability_pool" and meta.side == "long"
        for _ in range(ROUNDS_MAX):
            moved = False
            for use_stability_pool in (True, False) if pooled else (False,):
                price = fx_price_1e18(engine.projection(Prices), meta.price_asset, meta.side)
                if price is not None and not tick_to_walk(
                    fx.pools[pool_id], price, liquidate=kind is LiquidateFx
                ):
                    return  # the walk would end NOT_LIQUIDATABLE / NOT_REBALANCEABLE
                command = self.walk(engine, meta, pool_id, kind, use_stability_pool)
                result = engine.execute([command], block=block)
                if isinstance(result, Rejected):
                    if result.code == done.value:
                        return
                    # fxBASE refusing (empty, say) hands over to the keeper's own funds.
                    if not use_stability_pool:
                        self.refusals[f"{kind.__name__}:{result.code}"] += 1
                    continue
                self.walks[kind.__name__] += 1
                moved = True
            if not moved:
                return

    def act(self, step: Step, engine: Engine) -> list[Command]:
        metas = engine.projection(FxPools).meta
        for pool_id in sorted(metas) if self.pools is None else self.pools:
            if pool_id not in metas:
                continue
            if self.liquidate:
                self.repeat(engine, step.block, pool_id, LiquidateFx, RejectCode.NOT_LIQUIDATABLE)
            if self.rebalance:
                self.repeat(engine, step.block, pool_id, RebalanceFx, RejectCode.NOT_REBALANCEABLE)
        return []
