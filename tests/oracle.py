"""A deliberately naive model of the books: plain loops over events, no cleverness.

Randomised runs are checked against it. It knows only the core facts (mint, burn, transfer)
and recomputes balances and supply from scratch each time it is asked.
"""

from __future__ import annotations

from collections.abc import Iterable

from events import Burned, Event, Minted, Transferred


def naive_balances(events: Iterable[Event]) -> dict[tuple[str, str], int]:
    """(account, asset) -> amount for holders with a non-zero balance."""
    balances: dict[tuple[str, str], int] = {}
    for event in events:
        if isinstance(event, Minted):
            key = (event.to_account, event.asset)
            balances[key] = balances.get(key, 0) + event.amount
        elif isinstance(event, Burned):
            key = (event.from_account, event.asset)
            balances[key] = balances.get(key, 0) - event.amount
        elif isinstance(event, Transferred):
            source = (event.from_account, event.asset)
            target = (event.to_account, event.asset)
            balances[source] = balances.get(source, 0) - event.amount
            balances[target] = balances.get(target, 0) + event.amount
    return {key: amount for key, amount in balances.items() if amount}


def naive_supply(events: Iterable[Event]) -> dict[str, int]:
    supply: dict[str, int] = {}
    for event in events:
        if isinstance(event, Minted):
            supply[event.asset] = supply.get(event.asset, 0) + event.amount
        elif isinstance(event, Burned):
            supply[event.asset] = supply.get(event.asset, 0) - event.amount
    return supply
