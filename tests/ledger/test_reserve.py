"""The reserve pool covers shortfalls first; emergency issuance of ALEX covers the rest."""

from __future__ import annotations

from events.reserve import EmergencyIssued
from ledger.commands.core import Mint, RegisterAsset, UpdatePrice
from ledger.commands.reserve import CoverShortfall, CreditReserve, EmergencyRoute
from ledger.engine import Engine, Executed
from ledger.memory import MemoryStore
from projections.balances import Balances
from projections.reserve import ReserveSolvency


def engine_with_reserve(reserve_usda: int) -> Engine:
    engine = Engine(MemoryStore())
    setup = [
        RegisterAsset(asset="USDA", symbol="USDA", decimals=8),
        RegisterAsset(asset="ALEX", symbol="ALEX", decimals=8),
        Mint(asset="USDA", to_account="treasury", amount=reserve_usda + 10**12),
        Mint(asset="USDA", to_account="market-maker", amount=10**12),
        UpdatePrice(asset="USDA", quote="USD", price=10**8, scale=10**8),
        UpdatePrice(asset="ALEX", quote="USD", price=25_000_000, scale=10**8),  # $0.25
    ]
    if reserve_usda:
        setup.append(CreditReserve(token="USDA", amount=reserve_usda, from_account="treasury"))
    assert isinstance(engine.execute(setup, block=1), Executed)
    return engine


ROUTE = EmergencyRoute(buyer="market-maker", approval="AGP-042")


def test_the_reserve_pays_a_shortfall_it_can_cover() -> None:
    engine = engine_with_reserve(500_00000000)
    result = engine.execute(
        [
            CoverShortfall(
                token="USDA", amount=200_00000000, beneficiary="crp:USDA-WBTC", emergency=ROUTE
            )
        ],
        block=2,
    )
    assert isinstance(result, Executed)
    book = engine.projection(ReserveSolvency).book("USDA")
    assert (book.balance, book.outstanding, book.emergency_alex_issued) == (300_00000000, 0, 0)
    assert engine.projection(Balances).balance("crp:USDA-WBTC", "USDA") == 200_00000000


def test_emergency_issuance_fills_what_the_reserve_cannot() -> None:
    engine = engine_with_reserve(50_00000000)
    result = engine.execute(
        [
            CoverShortfall(
                token="USDA", amount=80_00000000, beneficiary="crp:USDA-WBTC", emergency=ROUTE
            )
        ],
        block=2,
    )
    assert isinstance(result, Executed)
    (issued,) = [event for event in result.events if isinstance(event, EmergencyIssued)]
    assert issued.proceeds == 30_00000000
    assert issued.alex_amount == 120_00000000  # $30 of ALEX at $0.25
    book = engine.projection(ReserveSolvency).book("USDA")
    assert (book.balance, book.outstanding) == (0, 0)
    assert book.emergency_alex_issued == 120_00000000
    balances = engine.projection(Balances)
    assert balances.supply("ALEX") == 120_00000000
    assert balances.balance("crp:USDA-WBTC", "USDA") == 80_00000000


def test_without_an_emergency_route_the_rest_stays_outstanding() -> None:
    engine = engine_with_reserve(10_00000000)
    engine.execute([CoverShortfall(token="USDA", amount=40_00000000, beneficiary="crp")], block=2)
    book = engine.projection(ReserveSolvency).book("USDA")
    assert (book.balance, book.outstanding, book.coverage_bps()) == (0, 30_00000000, 0)
