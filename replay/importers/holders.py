"""Holders whose token balances the books track: those a state file gives an opening balance.

A holder's balance of a token is tracked from the first movement of it after the block the
state file read it at: that movement opens the holder's account (`evm:<chain>:<address>`) with
a `BalanceObserved`, and from there the holder's transfers move its own account, so the books
check each one against what it holds. Every other holder is the chain's `outside:` account
(untracked, may go negative). A pair's own movements are the pool facts' (outside <-> pool), so
a tracked holder's transfer to or from a pair moves value between its account and `outside:`.
"""

from __future__ import annotations

from collections.abc import Callable

from events.base import Event
from events.chain import BalanceObserved, Provenance, TokenTransferred, chain_name, outside_account
from replay.importers.logs import ChainLog
from replay.importers.pool_state import Opening
from replay.importers.uniswap_v2_state import amount_of

#: (token address, log, facts) -> the token's asset id, registering it first if need be.
Register = Callable[[str, ChainLog, list[Event]], str]


class Holders:
    """Which (holder, token) balances are tracked, and those still to open (see above)."""

    def __init__(
        self,
        chain_id: int,
        openings: dict[tuple[str, str], Opening],
        opened: Callable[[str, str], bool],
    ) -> None:
        """`opened(account, asset)`: whether the books track that balance already."""
        self.chain_id = chain_id
        self.outside = outside_account(chain_id)
        self.tracked: set[tuple[str, str]] = set()
        self.openings: dict[tuple[str, str], Opening] = {}
        for (holder, token), opening in openings.items():
            if opened(chain_name(chain_id, holder), chain_name(chain_id, token)):
                self.tracked.add((holder, token))
            else:
                self.openings[(holder, token)] = opening
        self.tokens = {token for _, token in openings}
        """Every token a state file names a holder of."""

    def _account(self, holder: str, token: str, block: int) -> tuple[str, Opening | None]:
        """The holder's account for a movement of `token` in `block`, and the opening that
        movement records first (None when the account is tracked already or not at all)."""
        key = (holder, token)
        if key in self.tracked:
            return chain_name(self.chain_id, holder), None
        opening = self.openings.get(key)
        if opening is None or block <= opening.block:
            return self.outside, None
        del self.openings[key]
        self.tracked.add(key)
        return chain_name(self.chain_id, holder), opening

    def move(
        self,
        log: ChainLog,
        addresses: tuple[str, str],
        provenance: Provenance,
        register: Register,
        facts: list[Event],
        *,
        between_holders: bool,
    ) -> None:
        """A `Transfer` as the books see it: a `TokenTransferred` between the two accounts
        (any opening first). A pair's own movement (`between_holders` false) is recorded only
        when a tracked holder is on the other side."""
        if not self.tracked and not self.openings and not between_holders:
            return
        token, block = log.address, log.block
        (source, opens_source), (target, opens_target) = (
            self._account(address, token, block) for address in addresses
        )
        if source == target and not between_holders:
            return
        asset = register(token, log, facts)
        for address, account, opening in (
            (addresses[0], source, opens_source),
            (addresses[1], target, opens_target),
        ):
            if opening is not None:
                facts.append(
                    BalanceObserved(
                        asset=asset,
                        address=address,
                        account=account,
                        amount=opening.amount,
                        at_block=opening.block,
                        provenance=provenance,
                    )
                )
        facts.append(
            TokenTransferred(
                asset=asset,
                from_address=addresses[0],
                to_address=addresses[1],
                from_account=source,
                to_account=target,
                amount=amount_of(log),
                provenance=provenance,
            )
        )
