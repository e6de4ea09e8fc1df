"""f(x) market agents: funding and harvest, the peg keeper, a leveraged opener, an fxUSD seller.

    [[agents]]
    kind = "fx_funding"
    params = { fxusd_market = "fxUSD-USDC", aave_rate_1e18 = 50_000_000_000_000_000,
               harvester = "keeper", harvest_every_steps = 24 }

    [[agents]]
    kind = "fx_peg_keeper"
    params = { trader = "peg", pool = "fxUSD-USDC", usdc_per_step_max = 60_000_000_000 }

    [[agents]]
    kind = "fx_leverager"
    params = { owner = "alice", lender = "lender", pool = "ETH-long", at_step = 2,
               collateral = 10_000_000_000_000_000_000, leverage_1e18 = 3_000_000_000_000_000_000 }

    [[agents]]
    kind = "fxusd_seller"
    params = { trader = "whale", pool = "fxUSD-USDC", at_step = 10,
               amount = 300_000_000_000_000_000_000_000 }

`fx_funding` accrues every pool's funding each step, the depeg branch judged on fxUSD's price
in the `fxusd_market` pair (not a flag), and harvests every `harvest_every_steps`. The peg
keeper is the stability-pool arbitrage: below the peg it buys fxUSD with USDC (at most
`usdc_per_step_max` a step) and deposits what it holds into fxBASE, which values fxUSD at $1;
above the peg it sells the fxUSD it holds. The leverager opens one position by flash loan; the
seller dumps fxUSD once (the shock a depeg scenario needs).
"""

from __future__ import annotations

from ledger.commands.amm_swaps import SwapExactIn
from ledger.commands.fx import FXUSD_ASSET, STABLE_ASSET, OpenLeveragedFxPosition
from ledger.commands.fx_stability import AccrueFxFunding, DepositStability, HarvestFx
from ledger.engine import Command, Engine
from projections.balances import Balances
from projections.contracts.fx_ticks import PRECISION
from projections.fx_pools import FxPools
from projections.pools import Pools
from replay.agents.amm import BPS, bps_param, price_target_amount_in, reserves_of
from replay.agents.base import Step, param
from replay.scenario import AgentSpec, Scenario


class FxFunding:
    """Accrues funding each step (depeg judged on the fxUSD market) and harvests periodically."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.pools: list[str] | None = spec.params.get("pools")
        self.fxusd_market: str = param(spec, "fxusd_market", "")
        self.aave_rate_1e18: int = param(spec, "aave_rate_1e18")
        self.harvester: str = param(spec, "harvester")
        self.harvest_every: int = param(spec, "harvest_every_steps", 24)
        if not isinstance(self.harvest_every, int) or self.harvest_every <= 0:
            raise ValueError(
                f"param `harvest_every_steps` must be a positive int, got {self.harvest_every!r}"
            )

    def act(self, step: Step, engine: Engine) -> list[Command]:
        meta = engine.projection(FxPools).meta
        pools = sorted(meta) if self.pools is None else [p for p in self.pools if p in meta]
        commands: list[Command] = [
            AccrueFxFunding(
                pool_id=pool,
                now_seconds=step.ts_s,
                aave_rate_1e18=self.aave_rate_1e18,
                fxusd_market=self.fxusd_market,
            )
            for pool in pools
        ]
        if step.index % self.harvest_every == 0:
            commands += [HarvestFx(pool_id=pool, harvester=self.harvester) for pool in pools]
        return commands


class FxPegKeeper:
    """Stability-pool arbitrage on an fxUSD/USDC pair toward $1 (see the module docstring)."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.trader: str = param(spec, "trader")
        self.pool: str = param(spec, "pool")
        self.threshold_bps = bps_param(spec, "threshold_bps", 10)
        self.usdc_per_step_max: int = param(spec, "usdc_per_step_max", 10**18)

    def act(self, step: Step, engine: Engine) -> list[Command]:
        book = engine.projection(Pools).books.get(self.pool)
        if book is None or not book.reserve_x:
            return []
        balances = engine.projection(Balances)
        fxusd_reserve, usdc_reserve = reserves_of(book, FXUSD_ASSET)
        # $1 in base units: 10^usdc_decimals USDC per 10^fxusd_decimals fxUSD.
        usdc_unit = 10 ** balances.decimals.get(STABLE_ASSET, 6)
        fxusd_unit = 10 ** balances.decimals.get(FXUSD_ASSET, 18)
        scaled = usdc_reserve * fxusd_unit * BPS
        held = balances.balance(self.trader, FXUSD_ASSET)
        if scaled < fxusd_reserve * usdc_unit * (BPS - self.threshold_bps):
            usdc_in = price_target_amount_in(usdc_reserve, fxusd_reserve, fxusd_unit, usdc_unit)
            usdc_in = min(
                usdc_in, self.usdc_per_step_max, balances.balance(self.trader, STABLE_ASSET)
            )
            commands: list[Command] = []
            if held > 0:
                commands.append(
                    DepositStability(account=self.trader, token=FXUSD_ASSET, amount=held)
                )
            if usdc_in > 0:
                commands.append(self._swap(STABLE_ASSET, usdc_in))
            return commands
        if scaled > fxusd_reserve * usdc_unit * (BPS + self.threshold_bps) and held > 0:
            fxusd_in = price_target_amount_in(fxusd_reserve, usdc_reserve, usdc_unit, fxusd_unit)
            return [self._swap(FXUSD_ASSET, min(fxusd_in, held))] if fxusd_in > 0 else []
        if held > 0:
            return [DepositStability(account=self.trader, token=FXUSD_ASSET, amount=held)]
        return []

    def _swap(self, asset_in: str, amount: int) -> Command:
        return SwapExactIn(pool=self.pool, trader=self.trader, asset_in=asset_in, amount_in=amount)


class _Once:
    """An agent that acts at one step (`at_step`)."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.at_step: int = param(spec, "at_step", 1)

    def act(self, step: Step, engine: Engine) -> list[Command]:
        return self.commands() if step.index == self.at_step else []

    def commands(self) -> list[Command]:
        raise NotImplementedError


class FxLeverager(_Once):
    """Opens one leveraged position by flash loan at `at_step`."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        super().__init__(spec, scenario)
        self.open = OpenLeveragedFxPosition(
            pool_id=param(spec, "pool"),
            owner=param(spec, "owner"),
            collateral_token=param(spec, "collateral"),
            leverage_1e18=param(spec, "leverage_1e18", 3 * PRECISION),
            lender=param(spec, "lender"),
        )

    def commands(self) -> list[Command]:
        return [self.open]


class FxusdSeller(_Once):
    """Sells `amount` fxUSD into an fxUSD/USDC pair at `at_step`: a depeg shock."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        super().__init__(spec, scenario)
        self.trader: str = param(spec, "trader")
        self.pool: str = param(spec, "pool")
        self.amount: int = param(spec, "amount")

    def commands(self) -> list[Command]:
        return [
            SwapExactIn(
                pool=self.pool, trader=self.trader, asset_in=FXUSD_ASSET, amount_in=self.amount
            )
        ]
