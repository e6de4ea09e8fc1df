"""The f(x) keeper agent paying with the stability pool: the keeper's own funds finish a walk."""

from __future__ import annotations

import random
from pathlib import Path

from ledger.commands.fx_keeper import ROUNDS_MAX
from replay.agents.base import Step
from replay.agents.catalog import make_agent
from replay.agents.fx import FxKeeper
from replay.scenario import AgentSpec, load_scenario
from tests.ledger.fx_setup import (
    DEBT_PAST_THE_LINE,
    STABILITY_FXUSD_SMALL,
    assert_nothing_liquidatable,
    past_the_line_with_a_small_stability_pool,
)

CALM = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "calm-month.toml"
"""A shipped scenario whose keeper pays with the stability pool."""


def test_a_small_stability_pool_does_not_cap_the_keeper_agent() -> None:
    """fxBASE holding 100 fxUSD pays one walk; the keeper's USDC clears alice's 24,000.

    The keeper pays fxBASE back in USDC, so fxBASE never runs dry: walks paid by it alone would
    move 100 fxUSD each and `ROUNDS_MAX` of them would leave alice past the line.
    """
    engine = past_the_line_with_a_small_stability_pool()
    assert DEBT_PAST_THE_LINE > ROUNDS_MAX * STABILITY_FXUSD_SMALL
    spec = AgentSpec(kind="fx_keeper", params={"keeper": "keeper", "pay_with": "stability_pool"})
    agent = make_agent(spec, load_scenario(CALM))
    assert isinstance(agent, FxKeeper)
    step = Step(index=0, block=5, ts_s=0, prices={}, rand=random.Random(0))
    assert agent.act(step, engine) == []
    assert_nothing_liquidatable(engine)
    assert agent.walks == {"LiquidateFx": 2} and not agent.refusals
