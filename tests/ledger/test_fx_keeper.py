"""The keeper pass: the stability pool pays first, the keeper's own funds finish the walk."""

from __future__ import annotations

from events.fx import STABILITY_ACCOUNT, FxWalked
from ledger.commands.fx_keeper import ROUNDS_MAX, keeper_pass
from tests.ledger.fx_setup import (
    DEBT_PAST_THE_LINE,
    STABILITY_FXUSD_SMALL,
    assert_nothing_liquidatable,
    past_the_line_with_a_small_stability_pool,
)


def test_a_small_stability_pool_does_not_cap_a_keeper_that_holds_funds() -> None:
    """alice's 24,000 fxUSD past the line, fxBASE holding 100: the keeper's USDC pays the rest.

    The keeper pays fxBASE back in USDC, so fxBASE never runs dry: walks paid by it alone would
    move 100 fxUSD each and `ROUNDS_MAX` of them would leave alice past the line.
    """
    engine = past_the_line_with_a_small_stability_pool()
    assert DEBT_PAST_THE_LINE > ROUNDS_MAX * STABILITY_FXUSD_SMALL
    batches = keeper_pass(engine, 5, "keeper")
    assert_nothing_liquidatable(engine)
    assert batches == 2
    events = [record.event for record in engine.store.read() if record.block == 5]
    walks = [event for event in events if isinstance(event, FxWalked)]
    assert [(walk.kind, walk.payer) for walk in walks] == [
        ("liquidate", STABILITY_ACCOUNT),
        ("liquidate", "keeper"),
    ]
    assert walks[0].fxusd_used == STABILITY_FXUSD_SMALL and walks[1].stable_used > 0
