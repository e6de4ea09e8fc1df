"""The event mix the benchmarks share: mints, transfers and burns over 10,000 accounts, 5 assets.

The mix is realistic in the way that matters to the hot paths: payload sizes (amounts up to
1e24 base units, account names of ordinary length), streams spread over every account (so the
stream-version cache and the unique stream index work as they do in production), ten events a
block, and no overdrafts (every transfer and burn moves at most what its sender holds, so the
balances projection records no violations). It is seeded, so every run writes the same log.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from collections.abc import Iterator
from pathlib import Path

from events import Burned, Event, Minted, Transferred
from ledger.batch import NewEvent

ACCOUNT_COUNT = 10_000
ASSETS = ("ALEX", "USDA", "STX", "xBTC", "USDC")
EVENTS_PER_BLOCK = 10
SEED_DEFAULT = 20_240_601


class Mix:
    """Draws events that never overdraw an account: the books a live ledger would keep."""

    def __init__(self, seed: int, *, burn_share: float) -> None:
        self.rand = random.Random(seed)
        self.burn_share = burn_share
        self.balances: dict[tuple[str, str], int] = {}
        self.holders: list[tuple[str, str]] = []

    def account(self) -> str:
        return f"SP{self.rand.randrange(ACCOUNT_COUNT):05d}.wallet"

    def mint(self) -> Minted:
        key = (self.account(), self.rand.choice(ASSETS))
        amount = self.rand.randrange(10**18, 10**24)
        self._credit(key, amount)
        return Minted(asset=key[1], to_account=key[0], amount=amount, memo="emission")

    def _credit(self, key: tuple[str, str], amount: int) -> None:
        if key not in self.balances:
            self.balances[key] = 0
            self.holders.append(key)
        self.balances[key] += amount

    def _holder(self) -> tuple[str, str] | None:
        for _ in range(4):
            key = self.rand.choice(self.holders)
            if self.balances[key] > 0:
                return key
        return None

    def event(self) -> Event:
        draw = self.rand.random()
        if draw < 0.1 or len(self.holders) < 100:
            return self.mint()
        source = self._holder()
        if source is None:
            return self.mint()
        account, asset = source
        amount = self.rand.randint(1, self.balances[source] // 2 or 1)
        self.balances[source] -= amount
        if draw < 0.1 + self.burn_share:
            return Burned(asset=asset, from_account=account, amount=amount)
        target = (self.account(), asset)
        self._credit(target, amount)
        return Transferred(asset=asset, from_account=account, to_account=target[0], amount=amount)


def events(count: int, *, seed: int = SEED_DEFAULT, burn_share: float = 0.0) -> Iterator[Event]:
    """`count` events: 10% mints, `burn_share` burns, the rest transfers."""
    mix = Mix(seed, burn_share=burn_share)
    for _ in range(count):
        yield mix.event()


def new_events(
    count: int, *, seed: int = SEED_DEFAULT, burn_share: float = 0.0, first_block: int = 1
) -> list[NewEvent]:
    """The same events as `events`, placed ten to a block, ready for `append`."""
    return [
        NewEvent(event=event, block=first_block + index // EVENTS_PER_BLOCK)
        for index, event in enumerate(events(count, seed=seed, burn_share=burn_share))
    ]


def folder(text: str) -> Path:
    """`--dir`'s type: the folder the benchmark's logs go in, made if it is missing."""
    path = Path(text)
    path.mkdir(parents=True, exist_ok=True)
    return path


PEER_MISSING = "peer: eventsourcing is not installed, so it is left out (pip install -e '.[bench]')"


def peer_installed() -> bool:
    """Whether the `eventsourcing` peer can run; the benches measure everything else without it."""
    return importlib.util.find_spec("eventsourcing") is not None


def require(module: str, extra: str, what: str) -> None:
    """Stop with exit 4 (the environment) and what to install, when `module` is missing: a
    bench that needs an extra says so instead of ending in an ImportError."""
    if importlib.util.find_spec(module) is None:
        print(f"{what} needs {module}: pip install -e '.[{extra}]'", file=sys.stderr)
        raise SystemExit(4)
