"""Upcasters: functions that lift a stored payload from an old schema version to the next one.

A stored record keeps the tag and the schema version it was written with. Decoding a payload
whose version is older than its class's `schema_version` runs the registered chain
`(tag, v) -> (tag, v + 1) -> ...` on the plain JSON object, then converts the result to the
current type. Old records are never rewritten: the hash chain covers the bytes as written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]

_UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(tag: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function turning a `tag` payload at `from_version` into `from_version + 1`."""

    def decorate(function: Upcaster) -> Upcaster:
        key = (tag, from_version)
        if key in _UPCASTERS:
            raise ValueError(f"an upcaster for {tag} v{from_version} is registered already")
        _UPCASTERS[key] = function
        return function

    return decorate


def upcast(tag: str, version: int, target_version: int, payload: Payload) -> Payload:
    """Lift `payload` from `version` to `target_version`; KeyError names a missing step."""
    while version < target_version:
        step = _UPCASTERS.get((tag, version))
        if step is None:
            raise KeyError(f"no upcaster registered for {tag} v{version} -> v{version + 1}")
        payload = step(payload)
        version += 1
    return payload
