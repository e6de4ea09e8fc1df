"""Every agent kind a scenario may name, written out: kind -> the class that makes it.

`AGENT_KINDS` is data, not filled by importing modules for their side effects; a caller with
its own kinds (a benchmark, say) passes a table of its own to `make_agent`.
"""

from __future__ import annotations

from collections.abc import Mapping

from replay.agents import alex, alex_reserve, alphax, alphax_dead, amm, base, fx, fx_market
from replay.agents.base import Agent, AgentFactory
from replay.scenario import AgentSpec, Scenario, ScenarioError

AGENT_KINDS: Mapping[str, AgentFactory] = {
    "payments": base.PaymentFlow,
    "crp_rebalancer": alex.CrpRebalancer,
    "alex_staker": alex.AlexStaker,
    "alex_voter": alex.AlexVoter,
    "alex_reserve_keeper": alex_reserve.AlexReserveKeeper,
    "alphax_liquidator": alphax.AlphaxLiquidator,
    "alphax_arbitrageur": alphax.AlphaxArbitrageur,
    "alphax_dead_holders": alphax_dead.AlphaxDeadHolders,
    "alphax_dead_arbitrageur": alphax_dead.AlphaxDeadArbitrageur,
    "strike_aware_trader": alphax_dead.StrikeAwareTrader,
    "amm_trader": amm.AmmTrader,
    "amm_arbitrageur": amm.AmmArbitrageur,
    "fx_keeper": fx.FxKeeper,
    "fx_funding": fx_market.FxFunding,
    "fx_peg_keeper": fx_market.FxPegKeeper,
    "fx_leverager": fx_market.FxLeverager,
    "fxusd_seller": fx_market.FxusdSeller,
}


def make_agent(
    spec: AgentSpec, scenario: Scenario, kinds: Mapping[str, AgentFactory] = AGENT_KINDS
) -> Agent:
    """The agent a scenario's `[[agents]]` entry asks for (`kinds`: the table to look in)."""
    factory = kinds.get(spec.kind)
    if factory is None:
        raise ScenarioError(
            f"{scenario.source_path}: `agents.kind`: unknown agent kind "
            f"{spec.kind!r}; known: {', '.join(sorted(kinds))}"
        )
    try:
        return factory(spec, scenario)
    except (KeyError, TypeError, ValueError) as error:
        raise ScenarioError(
            f"{scenario.source_path}: `agents` {spec.kind}: bad params: {error}"
        ) from error
