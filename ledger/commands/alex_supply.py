"""ALEX supply rules the commands share: emissions come out of their genesis allocation, and a
token with a genesis has a fixed supply.

The white paper's genesis split (20% foundation, 50% staking incentives, 30% team) is the
whole supply: an emission the paper funds from the split is paid out of its allocation
account, and the total moves only by genesis, burns and emergency issuance a passed proposal
approved (`ledger.commands.alex_issuance`). An emission that would overdraw its allocation is
refused (ALLOCATION_EXHAUSTED) rather than minted.
"""

from __future__ import annotations

from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Context, reject
from projections.alex_staking import AlexStaking
from projections.balances import Balances


def supply_fixed(staking: AlexStaking, asset: str) -> bool:
    """True when `asset` had a genesis: its supply is fixed apart from burns and issuance."""
    return staking.supply_origins(asset).genesis > 0


def allocation_covers(
    context: Context, allocation: str, asset: str, amount: int
) -> Rejected | None:
    """Refuse an emission of `amount` that its allocation account cannot pay.

    An empty `allocation` (a pool configured to mint, only allowed for assets without a
    genesis) passes.
    """
    if not allocation or amount == 0:
        return None
    held = context.get(Balances).balance(allocation, asset)
    if held < amount:
        return reject(
            RejectCode.ALLOCATION_EXHAUSTED,
            f"{allocation} holds {held} {asset}; this emission needs {amount}",
        )
    return None
