"""Commands over plain value: register an asset, mint, burn, transfer, report a price."""

from __future__ import annotations

from events.assets import AssetRegistered
from events.checkpoint import CheckpointRecorded
from events.core import Burned, Minted, PriceUpdated, Transferred
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from projections.balances import Balances
from projections.books import DIGEST_SCHEME
from projections.pools import Pools
from projections.pools_limits import LimitBreach, lp_transfer_violation


class RegisterAsset(Command, frozen=True, kw_only=True):
    asset: str
    symbol: str
    decimals: int


class Mint(Command, frozen=True, kw_only=True):
    asset: str
    to_account: str
    amount: int
    memo: str = ""


class Burn(Command, frozen=True, kw_only=True):
    asset: str
    from_account: str
    amount: int
    memo: str = ""


class Transfer(Command, frozen=True, kw_only=True):
    asset: str
    from_account: str
    to_account: str
    amount: int
    memo: str = ""


class UpdatePrice(Command, frozen=True, kw_only=True):
    asset: str
    quote: str
    price: int
    scale: int
    source: str = ""


def check_amount(
    balances: Balances, asset: str, amount: int, field: str = "amount"
) -> Rejected | None:
    """The checks every movement of value shares: a known asset and a positive amount.

    Admission holds recorded mints and swaps to the same check (`ledger.admission_rules`);
    `field` names the amount in the refusal (`amount_in`, `amount_out`).
    """
    if asset not in balances.decimals:
        return reject(RejectCode.UNKNOWN_ASSET, f"asset {asset!r} is not registered")
    if amount <= 0:
        return reject(
            RejectCode.ZERO_AMOUNT if amount == 0 else RejectCode.INVALID_PARAMETER,
            f"{field} must be positive, got {amount}",
        )
    return None


def check_funds(balances: Balances, account: str, asset: str, amount: int) -> Rejected | None:
    """A known asset, a positive amount, and an account that holds it."""
    refused = check_amount(balances, asset, amount)
    if refused is not None:
        return refused
    held = balances.balance(account, asset)
    if held < amount:
        return reject(
            RejectCode.INSUFFICIENT_BALANCE, f"{account} holds {held} {asset}, needs {amount}"
        )
    return None


def register_asset(command: RegisterAsset, context: Context) -> list[Emit] | Rejected:
    if command.asset in context.get(Balances).decimals:
        return reject(RejectCode.ASSET_EXISTS, f"asset {command.asset!r} is registered already")
    return [
        Emit(AssetRegistered(asset=command.asset, symbol=command.symbol, decimals=command.decimals))
    ]


def mint(command: Mint, context: Context) -> list[Emit] | Rejected:
    """A token with a genesis is refused by admission (SUPPLY_FIXED), as its `Minted` from
    outside is: one rule for both (`ledger.commands.alex_supply.fixed_supply_minted`)."""
    refused = check_amount(context.get(Balances), command.asset, command.amount)
    return refused or [
        Emit(
            Minted(
                asset=command.asset,
                to_account=command.to_account,
                amount=command.amount,
                memo=command.memo,
            )
        )
    ]


def burn(command: Burn, context: Context) -> list[Emit] | Rejected:
    refused = check_funds(
        context.get(Balances), command.from_account, command.asset, command.amount
    )
    return refused or [
        Emit(
            Burned(
                asset=command.asset,
                from_account=command.from_account,
                amount=command.amount,
                memo=command.memo,
            )
        )
    ]


def refused_by(breach: LimitBreach | None) -> Rejected | None:
    """A pool limit's breach (cap or gate) as the engine's refusal."""
    return None if breach is None else reject(breach.code, breach.detail)


def transfer(command: Transfer, context: Context) -> list[Emit] | Rejected:
    """Move value; an LP token's move also answers to its pool's cap and gate."""
    balances = context.get(Balances)
    refused = check_funds(balances, command.from_account, command.asset, command.amount)
    if refused is None:
        moved = (command.asset, command.from_account, command.to_account, command.amount)
        refused = refused_by(
            lp_transfer_violation(context.get(Pools), balances, moved, context.block)
        )
    return refused or [
        Emit(
            Transferred(
                asset=command.asset,
                from_account=command.from_account,
                to_account=command.to_account,
                amount=command.amount,
                memo=command.memo,
            )
        )
    ]


def update_price(command: UpdatePrice, context: Context) -> list[Emit] | Rejected:
    if command.scale <= 0 or command.price < 0:
        return reject(RejectCode.INVALID_PARAMETER, "a price is >= 0 at a positive scale")
    return [
        Emit(
            PriceUpdated(
                asset=command.asset,
                quote=command.quote,
                price=command.price,
                scale=command.scale,
                source=command.source,
            )
        )
    ]


class RecordCheckpoint(Command, frozen=True, kw_only=True):
    """Record every projection's digest in the log (a replay's checkpoint)."""

    label: str
    digests: dict[str, str]


def handle_record_checkpoint(command: RecordCheckpoint, context: Context) -> list[Emit]:
    return [
        Emit(
            CheckpointRecorded(
                label=command.label, digests=command.digests, digest_scheme=DIGEST_SCHEME
            )
        )
    ]
