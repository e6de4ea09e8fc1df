"""Changing an f(x) pool's parameters: its lines and fee ratios, as governance does on chain.

A change names only the fields it moves; what the pool's kind is (`version`, `side`, the
collateral's decimals, the rebalance formula) is not a parameter to change. The lines must stay
in order (open ceiling < rebalance line < liquidation line <= 1) and ratios non-negative, or the
change is refused and nothing is appended.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

import msgspec

from events.fx import FxPoolParametersChanged
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.fx import live_fx_pool
from projections.contracts.fx_params import FxPoolParameters

FIXED = frozenset({"version", "side", "collateral_decimals", "rebalance_formula"})
CHANGEABLE = frozenset(item.name for item in fields(FxPoolParameters)) - FIXED
ONE_1E18 = 10**18


class ChangeFxParameters(Command, frozen=True, kw_only=True):
    """Set some of a pool's parameters (e.g. `rebalance_debt_ratio_1e18`, a fee ratio)."""

    pool_id: str
    changes: dict[str, Any] = msgspec.field(default_factory=dict)
    authority: str = "governance"


def _lines_in_order(values: dict[str, Any]) -> bool:
    return bool(
        values["debt_ratio_max_1e18"]
        < values["rebalance_debt_ratio_1e18"]
        < values["liquidate_debt_ratio_1e18"]
        <= ONE_1E18
    )


def change_fx_parameters(command: ChangeFxParameters, context: Context) -> list[Emit] | Rejected:
    live = live_fx_pool(context, command.pool_id)
    if isinstance(live, Rejected):
        return live
    pool, _ = live
    unknown = sorted(set(command.changes) - CHANGEABLE)
    if not command.changes or unknown:
        return reject(
            RejectCode.INVALID_PARAMETER,
            f"changes {unknown or 'none'} are not changeable pool parameters; "
            f"changeable: {', '.join(sorted(CHANGEABLE))}",
        )
    bad = sorted(
        key
        for key, value in command.changes.items()
        if not isinstance(value, int) or isinstance(value, bool) or value < 0
    )
    if bad:
        return reject(RejectCode.INVALID_PARAMETER, f"{', '.join(bad)}: give a non-negative int")
    if not _lines_in_order({**asdict(pool.parameters), **command.changes}):
        return reject(
            RejectCode.INVALID_PARAMETER,
            "the lines must stay in order: debt_ratio_max < rebalance line < liquidation "
            "line <= 1e18",
        )
    changes = dict(sorted(command.changes.items()))
    return [
        Emit(
            FxPoolParametersChanged(
                pool_id=command.pool_id, changes=changes, authority=command.authority
            )
        )
    ]
