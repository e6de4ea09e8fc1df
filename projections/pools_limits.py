"""Progressive liquidity decentralisation: the per-LP cap and the exit gate, one rule for every
way LP moves (a deposit, an LP transfer, another LP's withdrawal).

The white paper caps what one liquidity provider may hold of a pool and gates how fast it may
leave. Checking the cap at deposits only lets one LP reach 100% by plain LP transfers, and a
gate that counts burns only is escaped by moving LP to a fresh wallet. So:

- cap: after any LP movement, an account that receives LP (a depositor, a transfer's
  recipient) may hold at most `cap_bps` of the supply; a withdrawal may not take another
  holder from within the cap to above it (the burn shrinks the supply under everyone else).
  The pool's first deposit, which necessarily holds everything, is exempt, and so are the
  protocol's own accounts (the pool, the forever-locked minimum, the protocol-fee receiver).
- gate: LP leaving an account, by a burn or by a transfer out, counts against that account's
  allowance for the window (`Pools` folds both).

The functions return a `LimitBreach` (a named code and a line for people) or None, so the
command handlers and the admission of outside facts refuse by the same rule.
"""

from __future__ import annotations

import msgspec

from events.amm import locked_account, pool_account
from events.rejections import RejectCode
from projections.balances import Balances, is_issuer
from projections.pools import PoolBook, Pools

BPS = 10_000


class LimitBreach(msgspec.Struct, frozen=True):
    """A cap or gate the movement would break."""

    code: RejectCode
    detail: str


def capped(book: PoolBook, account: str) -> bool:
    """Whether the cap applies to `account` (every holder but the protocol's own accounts)."""
    spec = book.spec
    protocol = {pool_account(spec.pool), locked_account(spec.pool), spec.fee_to}
    return account not in protocol and not is_issuer(account)


def lp_cap_violation(
    pools: Pools, pool: str, account: str, amount_after: int, supply_after: int | None = None
) -> LimitBreach | None:
    """`account` would hold `amount_after` LP of `pool` (supply `supply_after`, the current
    supply by default): a breach if that is above the pool's cap."""
    book = pools.books.get(pool)
    if book is None or not book.spec.cap_bps or book.lp_supply == 0 or not capped(book, account):
        return None
    supply = book.lp_supply if supply_after is None else supply_after
    cap = book.spec.cap_bps
    if supply <= 0 or amount_after * BPS <= cap * supply:
        return None
    share_bps = amount_after * BPS // supply
    return LimitBreach(
        RejectCode.CAP_EXCEEDED,
        f"{account} would hold {share_bps} bps of {pool}'s LP; the cap is {cap} bps",
    )


def withdrawal_cap_violation(
    pools: Pools, balances: Balances, pool: str, provider: str, supply_after: int
) -> LimitBreach | None:
    """A burn leaving `supply_after` LP may not take another holder from within the cap to
    above it."""
    book = pools.books.get(pool)
    if book is None or not book.spec.cap_bps or supply_after <= 0:
        return None
    cap, supply = book.spec.cap_bps, book.lp_supply
    for holder, held in sorted(balances.holdings.get(book.spec.lp_asset, {}).items()):
        if holder == provider or held <= 0 or not capped(book, holder):
            continue
        if held * BPS <= cap * supply and held * BPS > cap * supply_after:
            return LimitBreach(
                RejectCode.CAP_EXCEEDED,
                f"this withdrawal would leave {holder} holding {held * BPS // supply_after} "
                f"bps of {pool}'s LP, above the {cap} bps cap; withdraw less",
            )
    return None


def lp_gate_violation(
    pools: Pools, pool: str, account: str, lp_amount: int, block: int
) -> LimitBreach | None:
    """`lp_amount` LP leaving `account` (a burn or a transfer out) at `block`: a breach if
    it takes the account past the pool's gate for the window."""
    book = pools.books.get(pool)
    if book is None or not book.spec.gate_lp_per_window or not capped(book, account):
        return None
    gate, used = book.spec.gate_lp_per_window, book.gate_used(account, block)
    if used + lp_amount <= gate:
        return None
    return LimitBreach(
        RejectCode.GATE_CLOSED,
        f"{account} moved {used} LP of {pool} out this window; the gate allows {gate} per "
        f"{book.spec.gate_window_blocks} blocks",
    )


def lp_transfer_violation(
    pools: Pools,
    balances: Balances,
    transfer: tuple[str, str, str, int],
    block: int,
) -> LimitBreach | None:
    """An LP transfer `(asset, from, to, amount)`: the gate of the sender, the cap of the
    recipient (None for any other asset)."""
    asset, source, target, amount = transfer
    book = pools.pool_of_lp(asset)
    if book is None or source == target:
        return None
    pool = book.spec.pool
    return lp_gate_violation(pools, pool, source, amount, block) or lp_cap_violation(
        pools, pool, target, balances.balance(target, asset) + amount
    )
