"""A model ALEX chain for the importer tests: weighted-pool actions as Stacks API event pages.

Each action runs the project's pool math (`projections.contracts.weighted_*`, the contracts'
own formulas) and prints what `fixed-weight-pool-v1-01` prints: the pool record after it
(`{object: "pool", action: A, data: {...}}`); `amounts=True` adds `dx`, `dy`, `fee`,
`fee-rebate` beside it as `amm-pool-v2-01` does. Values are written as Clarity `repr` text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from projections.contracts import weighted_liquidity, weighted_swaps
from projections.contracts.weighted_pool import RatioLimits, WeightedPool

DEPLOYER = "SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9"
POOL_CONTRACT = f"{DEPLOYER}.fixed-weight-pool-v1-01"
WSTX = f"{DEPLOYER}.token-wstx"
ALEX = f"{DEPLOYER}.age000-governance-token"
POOL_TOKEN = f"{DEPLOYER}.fwp-wstx-alex-50-50-v1-01"
ONE_8 = 10**8


def clarity(value: Any) -> str:
    """A Python value as Clarity `repr` text (dicts are tuples, principals start with SP)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"u{value}"
    if isinstance(value, str):
        return f"'{value}" if value.startswith("SP") else json.dumps(value)
    if isinstance(value, dict):
        pairs = " ".join(f"({key} {clarity(item)})" for key, item in value.items())
        return f"(tuple {pairs})"
    raise TypeError(value)


class ModelPool:
    """One weighted pool on the model chain, and the prints its actions make."""

    def __init__(
        self,
        weight_x: int = 50_000_000,
        fee_rate: int = 300_000,
        fee_rebate: int = 50_000_000,
        pool_token: str = POOL_TOKEN,
    ) -> None:
        self.pool_token = pool_token
        self.state = WeightedPool(
            balance_x=0,
            balance_y=0,
            weight_x=weight_x,
            weight_y=ONE_8 - weight_x,
            fee_rate_x=fee_rate,
            fee_rate_y=fee_rate,
            fee_rebate=fee_rebate,
            limits=RatioLimits(ONE_8, ONE_8),
        )
        self.supply = 0
        self.reserve: dict[str, int] = {"x": 0, "y": 0}

    def record(self) -> dict[str, Any]:
        state = self.state
        return {
            "balance-x": state.balance_x,
            "balance-y": state.balance_y,
            "end-block": 2**64,
            "fee-rate-x": state.fee_rate_x,
            "fee-rate-y": state.fee_rate_y,
            "fee-rebate": state.fee_rebate,
            "fee-to-address": f"{DEPLOYER}.multisig-fwp-wstx-alex-50-50-v1-01",
            "oracle-average": state.oracle_average,
            "oracle-enabled": state.oracle_enabled,
            "oracle-resilient": state.oracle_resilient,
            "pool-token": self.pool_token,
            "start-block": 0,
            "total-supply": self.supply,
        }

    def _print(self, action: str, **extra: Any) -> dict[str, Any]:
        return {"action": action, "data": self.record(), "object": "pool", **extra}

    def add(self, dx: int, dy: int) -> list[dict[str, Any]]:
        """`add-to-position` (dy is the first deposit's; later ones take it from the pool)."""
        added = weighted_liquidity.add_to_position(
            self.state, self.supply, dx, dy if self.supply == 0 else None
        )
        first = self.supply == 0
        self.state = msgspec.structs.replace(
            self.state,
            balance_x=self.state.balance_x + added.dx,
            balance_y=self.state.balance_y + added.dy,
        )
        self.supply += added.supply_minted
        prints = [self._print("liquidity-added")]
        if first:  # create-pool prints `created` after its first deposit, with the empty record
            empty = {**self.record(), "balance-x": 0, "balance-y": 0, "total-supply": 0}
            prints.append({"action": "created", "data": empty, "object": "pool"})
        return prints

    def remove(self, percent_of_supply: int) -> list[dict[str, Any]]:
        shares = self.supply * percent_of_supply // ONE_8
        removed = weighted_liquidity.reduce_position(
            self.state.balance_x, self.state.balance_y, self.supply, shares, ONE_8
        )
        self.state = msgspec.structs.replace(
            self.state,
            balance_x=self.state.balance_x - removed.dx,
            balance_y=self.state.balance_y - removed.dy,
        )
        self.supply -= shares
        return [self._print("liquidity-removed")]

    def swap(self, x_in: bool, amount: int, amounts: bool = False) -> list[dict[str, Any]]:
        swap = weighted_swaps.swap_x_for_y if x_in else weighted_swaps.swap_y_for_x
        leg = swap(self.state, amount)
        self.state = msgspec.structs.replace(
            self.state,
            balance_x=leg.balance_x_after,
            balance_y=leg.balance_y_after,
            oracle_resilient=leg.oracle_resilient_after,
        )
        self.reserve["x" if x_in else "y"] += leg.reserve_share
        action = "swap-x-for-y" if x_in else "swap-y-for-x"
        if not amounts:
            return [self._print(action)]
        dx, dy = (leg.amount_in, leg.amount_out) if x_in else (leg.amount_out, leg.amount_in)
        return [self._print(action, dx=dx, dy=dy, fee=leg.fee, **{"fee-rebate": leg.rebate})]

    def set_fees(self, fee_rate: int, fee_rebate: int) -> None:
        """The owner's setters: no print."""
        self.state = msgspec.structs.replace(
            self.state, fee_rate_x=fee_rate, fee_rate_y=fee_rate, fee_rebate=fee_rebate
        )


def item(
    value: dict[str, Any],
    tx: int,
    event_index: int,
    block: int | None,
    contract: str = POOL_CONTRACT,
) -> dict[str, Any]:
    """One Stacks API event item carrying a contract print (and its block, as tx endpoints do)."""
    found: dict[str, Any] = {
        "event_index": event_index,
        "event_type": "smart_contract_log",
        "tx_id": f"0x{tx:064x}",
        "contract_log": {
            "contract_id": contract,
            "topic": "print",
            "value": {"hex": "0x0c", "repr": clarity(value)},
        },
    }
    if block is not None:
        found["block_height"] = block
        found["tx_index"] = tx
    return found


def write_pages(path: Path, items: list[dict[str, Any]], newest_first: bool = True) -> Path:
    """Items (oldest first) as API pages of 3, listed newest first as the API lists them."""
    ordered = list(reversed(items)) if newest_first else items
    pages = [
        {
            "limit": 3,
            "offset": offset,
            "total": len(ordered),
            "results": ordered[offset : offset + 3],
        }
        for offset in range(0, len(ordered), 3)
    ]
    path.write_text(json.dumps(pages))
    return path


def pool_state(path: Path, weight_x: int = 50_000_000, pool_token: str = POOL_TOKEN) -> Path:
    """A pool state file naming the pool's tokens and weights (its prints name neither)."""
    entry = {
        "address": pool_token,
        "token0": WSTX,
        "token1": ALEX,
        "weight_x": weight_x,
        "weight_y": ONE_8 - weight_x,
    }
    path.write_text(json.dumps({"pools": [entry]}))
    return path


def demo_items() -> list[dict[str, Any]]:
    """The shipped demo (`fixtures/chain/alex-demo.events.json`): a 50/50 wSTX/ALEX pool created
    with its first deposit, swapped both ways, its fees changed by the owner (no print), then a
    second deposit and a withdrawal."""
    model = ModelPool(weight_x=50_000_000, fee_rate=300_000, fee_rebate=50_000_000)
    actions = [
        model.add(2_000_000 * ONE_8, 1_000_000 * ONE_8),
        model.swap(True, 5_000 * ONE_8),
        model.swap(False, 1_200 * ONE_8),
    ]
    model.set_fees(500_000, 25_000_000)
    actions += [
        model.swap(True, 800 * ONE_8),
        model.add(10_000 * ONE_8, 0),
        model.remove(ONE_8 // 20),
    ]
    return [
        item(value, tx=number + 1, event_index=index, block=140_000 + 3 * number)
        for number, prints in enumerate(actions)
        for index, value in enumerate(prints)
    ]
