"""Imports every module that registers agent kinds."""

from __future__ import annotations

from replay import agents  # noqa: F401
