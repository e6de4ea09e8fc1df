"""Reserve pools: each protocol and purpose has its own book; a reserve pays what it may
spend (never stakers' principal); emergency issuance needs an enacted proposal of that kind,
sells ALEX through a real pool and pays what the reserve owes."""

from __future__ import annotations

import msgspec

from events import RejectCode
from events.reserve import EmergencyIssued, ShortfallCovered
from ledger.batch import Appended, NewEvent, Rejected
from ledger.commands.alex_issuance import IssueEmergency
from ledger.commands.reserve import CoverShortfall, CreditReserve
from ledger.engine import Engine
from projections.balances import Balances
from projections.pools import Pools
from projections.reserve import ReserveSolvency
from tests.ledger.alex_risk_setup import ONE, alex_economy, approve_issuance, must

ISSUE = IssueEmergency(proposal_id="EMG-1", token="USDA", pool="ALEX-USDA")


def short_by(engine: Engine, reserve_usda: int, shortfall: int) -> None:
    commands = [CreditReserve(token="USDA", amount=reserve_usda, from_account="treasury")]
    commands.append(CoverShortfall(token="USDA", amount=shortfall, beneficiary="crp"))
    must(engine, commands, block=2)


def refused(engine: Engine, command: IssueEmergency, block: int) -> RejectCode:
    head = engine.store.head()
    result = engine.execute([command], block=block)
    assert isinstance(result, Rejected), result
    assert engine.store.head() == head
    return result.code


def test_the_reserve_pays_what_it_can_and_the_rest_stays_owed() -> None:
    engine = alex_economy()
    short_by(engine, 10 * ONE, 40 * ONE)
    book = engine.projection(ReserveSolvency).book("USDA")
    assert (book.balance, book.outstanding, book.owed) == (0, 30 * ONE, {"crp": 30 * ONE})
    assert book.coverage_bps() == 0
    assert engine.projection(Balances).balance("crp", "USDA") == 10 * ONE


def test_emergency_issuance_without_an_enacted_issuance_proposal_is_refused() -> None:
    engine = alex_economy()
    short_by(engine, 10 * ONE, 40 * ONE)
    assert refused(engine, ISSUE, 3) == RejectCode.NOT_APPROVED  # no proposal at all
    end = approve_issuance(engine, "EMG-1", "USDA", 1_000 * ONE, block=3, passes=False)
    assert refused(engine, ISSUE, end) == RejectCode.NOT_APPROVED  # it failed
    other_token = approve_issuance(engine, "EMG-2", "WBTC", 1_000 * ONE, block=end)
    wrong = IssueEmergency(proposal_id="EMG-2", token="USDA", pool="ALEX-USDA")
    assert refused(engine, wrong, other_token) == RejectCode.NOT_APPROVED  # another reserve
    assert engine.projection(Balances).supply("ALEX") == 10**9 * ONE


def test_an_emergency_issuance_recorded_from_outside_needs_the_same_approval() -> None:
    """The command's check holds the fact: no ALEX minted to anyone without an allowance."""
    engine = alex_economy()
    fact = EmergencyIssued(
        token="USDA", alex_amount=1_000 * ONE, proceeds=0, buyer="mallory", approval="EMG-1"
    )

    def recorded(alex_amount: int, block: int) -> Appended | Rejected:
        issued = msgspec.structs.replace(fact, alex_amount=alex_amount)
        return engine.append_facts([NewEvent(event=issued, block=block)])

    refusal = recorded(1_000 * ONE, 3)
    assert isinstance(refusal, Rejected) and refusal.code == RejectCode.NOT_APPROVED
    end = approve_issuance(engine, "EMG-1", "USDA", 100 * ONE, block=3)
    refusal = recorded(1_000 * ONE, end)
    assert isinstance(refusal, Rejected) and refusal.code == RejectCode.NOT_APPROVED
    assert refusal.detail == f"EMG-1 allows {100 * ONE} more ALEX, not {1_000 * ONE}"
    assert isinstance(recorded(100 * ONE, end), Appended)
    assert engine.projection(Balances).balance("mallory", "ALEX") == 100 * ONE
    assert refused(engine, ISSUE, end) == RejectCode.NOT_APPROVED  # spent, for the command too


def test_issuance_sells_through_the_pool_and_fills_what_the_reserve_owes() -> None:
    engine = alex_economy()
    short_by(engine, 10 * ONE, 40 * ONE)
    end = approve_issuance(engine, "EMG-1", "USDA", 1_000 * ONE, block=3)
    before = engine.projection(Pools).books["ALEX-USDA"].reserve_y
    events = must(engine, [ISSUE], end + 1).events
    (issued,) = [event for event in events if isinstance(event, EmergencyIssued)]
    covered = [event for event in events if isinstance(event, ShortfallCovered)]
    assert issued.approval == "EMG-1" and issued.sold_through == "ALEX-USDA"
    assert issued.proceeds >= 30 * ONE and sum(event.amount for event in covered) == 30 * ONE
    assert issued.alex_amount > 120 * ONE  # the pool's fee and impact: dearer than $0.25
    assert engine.projection(Pools).books["ALEX-USDA"].reserve_y == before - issued.proceeds
    book = engine.projection(ReserveSolvency).book("USDA")
    assert book.outstanding == 0 and book.issued == {"EMG-1": issued.alex_amount}
    balances = engine.projection(Balances)
    assert balances.supply("ALEX") == 10**9 * ONE + issued.alex_amount
    assert balances.balance("crp", "USDA") == 40 * ONE
    assert balances.violations() == []


def test_issuance_stops_at_what_the_proposal_allows() -> None:
    engine = alex_economy()
    short_by(engine, ONE, 1_001 * ONE)
    end = approve_issuance(engine, "EMG-1", "USDA", 100 * ONE, block=3)
    (issued,) = [e for e in must(engine, [ISSUE], end).events if isinstance(e, EmergencyIssued)]
    assert issued.alex_amount == 100 * ONE
    assert (
        engine.projection(ReserveSolvency).book("USDA").outstanding == 1_000 * ONE - issued.proceeds
    )
    assert refused(engine, ISSUE, end + 1) == RejectCode.NOT_APPROVED  # the allowance is spent


def test_the_fx_reserve_is_a_book_of_its_own() -> None:
    engine = alex_economy()
    must(
        engine,
        [
            CreditReserve(token="USDA", amount=50 * ONE, from_account="treasury", reserve="fx"),
            CoverShortfall(token="USDA", amount=20 * ONE, beneficiary="vault", reserve="fx"),
        ],
        block=2,
    )
    solvency = engine.projection(ReserveSolvency)
    assert solvency.book("USDA", "fx").free_balance == 30 * ONE
    assert solvency.book("USDA").balance == 0  # the ALEX reserve holds none of it
    assert engine.projection(Balances).balance("reserve:fx:USDA", "USDA") == 30 * ONE
