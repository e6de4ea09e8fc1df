"""Imports every module that registers command handlers, so the engine knows them all."""

from __future__ import annotations

from ledger import (
    commands_core,  # noqa: F401
    commands_reserve,  # noqa: F401
)
