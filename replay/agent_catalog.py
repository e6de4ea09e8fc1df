"""Imports every module that registers agent kinds."""

from __future__ import annotations

from replay import (
    agents,  # noqa: F401
    agents_alex,  # noqa: F401
    agents_alphax,  # noqa: F401
    agents_amm,  # noqa: F401
    agents_fx,  # noqa: F401
)
