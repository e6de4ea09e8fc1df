"""Checkpoints: projection digests recorded in the log itself, so a replay can be verified."""

from __future__ import annotations

from events.base import Event, Name, register


@register
class CheckpointRecorded(Event, frozen=True, kw_only=True):
    """The digest of every projection after all the records before this one.

    `defi-ledger replay --verify` rebuilds each projection from the log and compares.
    """

    label: Name
    """Which checkpoint (e.g. `block-7200`, `end`)."""
    digests: dict[str, str]
    """Projection name -> digest (hex sha256 of its canonical state)."""
    digest_scheme: int = 1
    """How the digests were computed (`projections.books.DIGEST_SCHEME`); checkpoints recorded
    before the scheme was named have none and are scheme 1. Digests of another scheme than the
    reader's cannot be compared: `replay --verify` says so by name."""

    def default_stream(self) -> str:
        return "checkpoints"
