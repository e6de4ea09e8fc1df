"""Progressive liquidity decentralisation holds for every way LP moves, on both pool kinds:
a deposit, an LP transfer and another LP's withdrawal answer to the cap; a transfer out and a
burn answer to the gate. Each refusal is named and appends nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from events import RejectCode
from ledger.commands.amm import AddLiquidity, CreatePool, RemoveLiquidity
from ledger.commands.core import Transfer
from ledger.engine import Command, Engine
from projections.balances import Balances
from tests.conftest import Rand
from tests.ledger.test_amm_fixtures import (
    ONE,
    funded_engine,
    must,
    pair_pool,
    refused,
    weighted_pool,
)

KINDS: dict[str, Callable[..., CreatePool]] = {"uniswap_v2": pair_pool, "weighted": weighted_pool}
CAP_BPS = 4_000


def deposit(provider: str, amount: int) -> AddLiquidity:
    return AddLiquidity(
        pool="P", provider=provider, amount_x_desired=amount, amount_y_desired=amount
    )


def capped_pool(kind: str) -> tuple[Engine, str]:
    """alice seeds 100 (exempt: the first deposit holds all), bob and carol add 66 each."""
    engine = funded_engine(traders=("alice", "bob", "carol"))
    must(engine, [KINDS[kind]("P", cap_bps=CAP_BPS), deposit("alice", 100 * ONE)], block=2)
    must(engine, [deposit("bob", 66 * ONE), deposit("carol", 66 * ONE)], block=3)
    return engine, "LP-P"


def share_bps(engine: Engine, lp: str, account: str) -> int:
    balances = engine.projection(Balances)
    return balances.balance(account, lp) * 10_000 // balances.supply(lp)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_lp_transfer_that_would_take_an_lp_above_the_cap_is_refused(kind: str) -> None:
    engine, lp = capped_pool(kind)
    bob_lp = engine.projection(Balances).balance("bob", lp)
    everything = Transfer(asset=lp, from_account="bob", to_account="carol", amount=bob_lp)
    assert refused(engine, everything).code == RejectCode.CAP_EXCEEDED
    assert share_bps(engine, lp, "carol") <= CAP_BPS
    must(engine, [Transfer(asset=lp, from_account="bob", to_account="dave", amount=bob_lp)], 4)
    assert share_bps(engine, lp, "dave") <= CAP_BPS  # a transfer within the cap goes through


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_another_lps_withdrawal_may_not_push_an_lp_above_the_cap(kind: str) -> None:
    engine, lp = capped_pool(kind)
    carol_lp = engine.projection(Balances).balance("carol", lp)
    must(engine, [RemoveLiquidity(pool="P", provider="carol", lp_amount=carol_lp)], block=4)
    assert share_bps(engine, lp, "bob") <= CAP_BPS  # 66 of 166: still within
    shrink = RemoveLiquidity(pool="P", provider="alice", lp_amount=10 * ONE)
    assert refused(engine, shrink).code == RejectCode.CAP_EXCEEDED  # bob would hold 42%
    must(engine, [RemoveLiquidity(pool="P", provider="alice", lp_amount=ONE // 10)], block=5)
    assert share_bps(engine, lp, "bob") <= CAP_BPS


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_lp_moved_out_by_transfer_counts_against_the_gate(kind: str) -> None:
    engine = funded_engine(traders=("alice",))
    gated = KINDS[kind]("P", gate_lp_per_window=10 * ONE, gate_window_blocks=100)
    must(engine, [gated, deposit("alice", 100 * ONE)], block=2)

    def send(amount: int) -> Transfer:
        return Transfer(asset="LP-P", from_account="alice", to_account="bob", amount=amount)

    must(engine, [send(6 * ONE)], block=50)
    assert refused(engine, send(5 * ONE), block=60).code == RejectCode.GATE_CLOSED
    burn = RemoveLiquidity(pool="P", provider="alice", lp_amount=5 * ONE)
    assert refused(engine, burn, block=60).code == RejectCode.GATE_CLOSED
    must(engine, [RemoveLiquidity(pool="P", provider="alice", lp_amount=4 * ONE)], block=99)
    must(engine, [send(10 * ONE)], block=100)  # a new window


def above_cap(engine: Engine, lp: str) -> set[str]:
    balances = engine.projection(Balances)
    supply = balances.supply(lp)
    return {
        account
        for account, held in balances.holdings.get(lp, {}).items()
        if account.split(":")[0] not in ("issuer", "locked", "pool")
        and held * 10_000 > CAP_BPS * supply
    }


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_random_lp_moves_never_take_anyone_above_the_cap(kind: str, rand: Rand) -> None:
    """Deposits, transfers and withdrawals at random: the set of LPs above the cap (at first
    only the seeding deposit) never gains a member, whatever is refused along the way. A
    deposit into a pool the withdrawals emptied seeds it again, holding all of it: exempt, as
    the first deposit is."""
    engine, lp = capped_pool(kind)
    people = ("alice", "bob", "carol", "dave")
    above = above_cap(engine, lp)
    for block in range(10, 130):
        who, other = rand.sample(people, 2)
        held = engine.projection(Balances).balance(who, lp)
        emptied = engine.projection(Balances).supply(lp) == 0
        amount = rand.randint(1, 40) * ONE
        move = rand.choice(["add", "transfer", "remove"])
        if move == "add":
            command: Command = deposit(who, amount)
        elif move == "transfer":
            command = Transfer(
                asset=lp, from_account=who, to_account=other, amount=min(held, amount) or 1
            )
        else:
            command = RemoveLiquidity(pool="P", provider=who, lp_amount=min(held, amount) or 1)
        engine.execute([command], block=block)
        now = above_cap(engine, lp)
        if not (emptied and move == "add"):
            assert now <= above, (rand, block, move, now - above)
        above = now
