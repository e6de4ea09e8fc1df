"""The ALEX reserve keeper: runs the risk chain after a collateral rebalancing pool expires.

    [[agents]]
    kind = "alex_reserve_keeper"
    params = { pool_id = "crp", issuance_pool = "ALEX-WBTC", holders = ["borrower"] }

Each step after the pool's expiry it settles the pool's shortfall with the reserve when the
pool, at today's price, needs more than the reserve already owes it (`SettleCollateralPool`);
while the reserve owes anything, it sells emergency ALEX through `issuance_pool` under an
enacted issuance proposal that still allows some (`IssueEmergency`; without one nothing
happens: the voters must pass it); once nothing is owed, it redeems the holders' yield
tokens, and once every yield token is redeemed, their key tokens (what is left is theirs).
"""

from __future__ import annotations

from events.alex_governance import ISSUANCE
from events.alex_lending import pool_account
from ledger.commands.alex_crp import RedeemCollateralPool
from ledger.commands.alex_crp_settle import SettleCollateralPool
from ledger.commands.alex_issuance import IssueEmergency
from ledger.engine import Command, Engine
from projections.alex_lending import AlexLending, CrpBook
from projections.balances import Balances
from projections.governance import Governance
from projections.reserve import ReserveSolvency
from projections.solvency import crp_cover_needed
from replay.agents.base import Step, param
from replay.scenario import AgentSpec, Scenario


class AlexReserveKeeper:
    """Settles, refills by approved issuance, then redeems (see the module docstring)."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.pool_id: str = param(spec, "pool_id")
        self.issuance_pool: str = param(spec, "issuance_pool")
        self.holders: list[str] = list(param(spec, "holders", []))

    def act(self, step: Step, engine: Engine) -> list[Command]:
        book = engine.projection(AlexLending).collateral_pool(self.pool_id)
        if book is None or step.block <= book.expiry:
            return []
        owed = engine.projection(ReserveSolvency).book(book.collateral).owed
        if self._missing(engine, book) > owed.get(pool_account(self.pool_id), 0):
            return [SettleCollateralPool(pool_id=self.pool_id)]
        if owed:
            return self._issuance(engine, book.collateral)
        return self._redemptions(engine, book)

    def _missing(self, engine: Engine, book: CrpBook) -> int:
        """Collateral the pool would still need from the reserve at today's price (what a
        settlement would report, beyond what the reserve has paid in already)."""
        balances = engine.projection(Balances)
        spot = engine.projection(AlexLending).spot(book)
        if not spot:
            return 0
        held = balances.balance(pool_account(self.pool_id), book.collateral)
        depth = balances.balance(book.router, book.token)
        return crp_cover_needed(book, spot, depth, max(held - book.balance_x, 0))

    def _issuance(self, engine: Engine, token: str) -> list[Command]:
        issued = engine.projection(ReserveSolvency).issued_by_approval
        commands: list[Command] = []
        for proposal_id, proposal in sorted(engine.projection(Governance).proposals().items()):
            allowed = sum(
                change.value
                for change in proposal.actions
                if change.parameter == ISSUANCE and change.target == token
            )
            if proposal.enacted and allowed > issued(proposal_id):
                commands.append(
                    IssueEmergency(proposal_id=proposal_id, token=token, pool=self.issuance_pool)
                )
        return commands[:1]

    def _redemptions(self, engine: Engine, book: CrpBook) -> list[Command]:
        balances = engine.projection(Balances)
        token = book.yield_token if book.yield_supply else book.key_token
        return [
            RedeemCollateralPool(pool_id=self.pool_id, holder=holder, redeemed_token=token)
            for holder in self.holders
            if balances.balance(holder, token) > 0
        ]
