"""Imports every module that registers command handlers, so the engine knows them all."""

from __future__ import annotations

from ledger import (
    commands_alex_crp,  # noqa: F401
    commands_alex_governance,  # noqa: F401
    commands_alex_lending,  # noqa: F401
    commands_alex_staking,  # noqa: F401
    commands_amm_swaps,  # noqa: F401  (imports commands_amm too)
    commands_core,  # noqa: F401
    commands_fx_keeper,  # noqa: F401  (imports the f(x) and AlphaX commands)
    commands_reserve,  # noqa: F401
)
