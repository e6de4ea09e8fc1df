"""Every agent kind a scenario may name, written out: kind -> the class that makes it.

`AGENT_KINDS` is data, not filled by importing modules for their side effects; a caller with
its own kinds (a benchmark, say) passes a table of its own to `make_agent`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from replay.agents import alex, alex_reserve, alphax, alphax_dead, amm, base, fx, fx_market
from replay.agents.base import Agent, AgentFactory
from replay.scenario import AgentSpec, Scenario, ScenarioError, did_you_mean


class _ReadParams(dict[str, Any]):
    """An agent's params that note which keys the agent asked for."""

    def __init__(self, params: Mapping[str, Any]) -> None:
        super().__init__(params)
        self.asked: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.asked.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.asked.add(key)
        return super().__contains__(key)


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
    params = _ReadParams(spec.params)
    try:
        agent = factory(spec.model_copy(update={"params": params}), scenario)
    except (KeyError, TypeError, ValueError) as error:
        raise ScenarioError(
            f"{scenario.source_path}: `agents` {spec.kind}: bad params: {error}"
        ) from error
    # Agents read their params when made: a key none of them asked for is a typo or a
    # param of another kind, which would otherwise be ignored without a word.
    unread = sorted(set(spec.params) - params.asked)
    if unread:
        raise ScenarioError(
            f"{scenario.source_path}: `agents` {spec.kind}: unknown param `{unread[0]}`"
            f"{did_you_mean(unread[0], sorted(params.asked))}; known: "
            f"{', '.join(sorted(params.asked)) or '(none)'}"
        )
    return agent
