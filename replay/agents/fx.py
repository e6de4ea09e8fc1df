"""The f(x) keeper agent: liquidate, then rebalance, every tick the protocol allows, each step.

    [[agents]]
    kind = "fx_keeper"
    params = { keeper = "keeper", pay_with = "own", pools = ["ETH-long"] }

It walks as `ledger.commands.fx_keeper.keeper_pass` does (`walk_until_done`: one-command
batches, repeated until the protocol answers NOT_LIQUIDATABLE / NOT_REBALANCEABLE, the stability
pool first when asked and the keeper's own fxUSD and USDC for the rest, each command built only
when the books say a tick is past the line, which most steps it is not), but only for f(x):
strike markets belong to the AlphaX liquidator agent. Walks must run one after another (each
reads the state the last one left), so the agent executes them itself and returns no commands;
refusals other than "nothing to do" are counted in `refusals`.
"""

from __future__ import annotations

from collections import Counter

from ledger.commands.fx import STABLE_ASSET
from ledger.commands.fx_keeper import Payer, walk_until_done
from ledger.commands.fx_walks import LiquidateFx, RebalanceFx, WalkFx
from ledger.engine import Command, Engine
from projections.fx_pools import FxPools
from replay.agents.base import Step, param
from replay.scenario import AgentSpec, Scenario

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
        self.payer = Payer(self.keeper, self.token_in, self.pay_with == "stability_pool")
        self.kinds: list[type[WalkFx]] = [LiquidateFx] if self.liquidate else []
        self.kinds += [RebalanceFx] if self.rebalance else []
        self.walks: Counter[str] = Counter()
        self.refusals: Counter[str] = Counter()

    def act(self, step: Step, engine: Engine) -> list[Command]:
        metas = engine.projection(FxPools).meta
        for pool_id in sorted(metas) if self.pools is None else self.pools:
            if pool_id not in metas:
                continue
            for kind in self.kinds:
                if walked := walk_until_done(
                    engine, step.block, pool_id, kind, self.payer, self.refused
                ):
                    self.walks[kind.__name__] += walked
        return []

    def refused(self, what: str) -> None:
        self.refusals[what] += 1
