"""Vector checkers (filled in with the protocol math)."""

from __future__ import annotations

from tests.vectors.harness import Checker

CHECKERS: dict[str, Checker] = {}
