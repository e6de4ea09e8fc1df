"""ALEX supply rules the commands share: emissions come out of their genesis allocation, and a
token with a genesis has a fixed supply.

The white paper's genesis split (20% foundation, 50% staking incentives, 30% team) is the
whole supply: an emission the paper funds from the split is paid out of its allocation
account, and the total moves only by genesis, burns and emergency issuance a passed proposal
approved (`ledger.commands.alex_issuance`). An emission that would overdraw its allocation is
refused (ALLOCATION_EXHAUSTED) rather than minted.
"""

from __future__ import annotations

from events.alex import GENESIS_MEMO_PREFIX
from events.base import Event
from events.core import Minted
from events.rejections import RejectCode
from events.reserve import EmergencyIssued
from ledger.batch import Rejected
from ledger.command import Context, reject
from projections.alex_staking import AlexStaking
from projections.balances import Balances


def supply_fixed(staking: AlexStaking, asset: str) -> bool:
    """True when `asset` had a genesis: its supply is fixed apart from burns and issuance."""
    return staking.supply_origins(asset).genesis > 0


def fixed_supply_minted(
    staking: AlexStaking, event: Event, asset: str, amount: int
) -> Rejected | None:
    """Refuse `event` minting `amount` of `asset` once `asset` had a genesis, unless it is that
    genesis's own mint or emergency issuance.

    The genesis allocation is the whole supply, and the fact that records it is an ordinary
    `Minted` with a genesis memo, so neither the type nor the memo can tell it from a mint from
    nowhere: its place in the log does. A genesis is one mint per allocation in a row (each
    checked against books that folded the ones before it), so a genesis mint is admitted while
    the fact just before it is a genesis mint of the same token; any other fact, the genesis's
    own emission cap first, ends it. After that a mint by any fact (a `Minted`, a claim minting
    its reward, a pool minting it as LP) is refused: burns, and `EmergencyIssued` (admitted only
    as a passed proposal approves it), are all that may move the total.
    """
    if amount == 0 or not supply_fixed(staking, asset) or isinstance(event, EmergencyIssued):
        return None
    if (
        isinstance(event, Minted)
        and event.memo.startswith(GENESIS_MEMO_PREFIX)
        and staking.genesis_under_way(asset)
    ):
        return None
    return reject(
        RejectCode.SUPPLY_FIXED,
        f"{asset} had a genesis, so this {type(event).__name__} may not mint {amount} "
        f"{asset}: only burns and emergency issuance a passed proposal approved "
        "(EmergencyIssued) move its supply",
    )


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
