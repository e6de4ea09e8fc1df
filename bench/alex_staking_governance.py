"""ALEX stakes, claims and votes per second through the whole engine path on SQLite.

    .venv/bin/python bench/alex_staking_governance.py [--stakers N]

Genesis, one staking pool and one proposal; then N stakers each stake (lock 1..32 cycles),
vote on the proposal, and, a cycle later, claim their first cycle. Commands go in batches of
1,000. Prints commands/s per phase and the folded state's size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ledger.commands.alex_governance import AddProposal, ConfigureGovernance, Vote
from ledger.commands.alex_staking import (
    AlexGenesis,
    ClaimStakingReward,
    ConfigureStaking,
    SetStakingActivation,
    Stake,
)
from ledger.commands.core import Transfer
from ledger.engine import Command, Engine, Executed
from ledger.sqlite_store import SqliteStore
from projections.alex_staking import AlexStaking

ONE = 10**8
COINBASE = (621_000 * ONE, 310_500 * ONE, 155_250 * ONE, 77_625 * ONE, 38_812 * ONE)
BATCH = 1_000


def run_phase(engine: Engine, name: str, commands: list[Command], block: int) -> None:
    started = time.perf_counter()
    for start in range(0, len(commands), BATCH):
        result = engine.execute(commands[start : start + BATCH], block=block)
        assert isinstance(result, Executed), result
    elapsed = time.perf_counter() - started
    print(f"{name:<8} {len(commands):>8} commands  {len(commands) / elapsed:>10,.0f} /s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stakers", type=int, default=5_000)
    stakers = [f"SP{index:06d}" for index in range(parser.parse_args().stakers)]
    with tempfile.TemporaryDirectory() as directory:
        engine = Engine(SqliteStore(Path(directory) / "ledger.db", create=True))
        setup: list[Command] = [
            AlexGenesis(),
            ConfigureStaking(token="ALEX", owner="owner", coinbase_amounts=COINBASE),
            SetStakingActivation(token="ALEX", sender="owner", activation_height=10),
            ConfigureGovernance(sender="foundation", authority="foundation"),
            AddProposal(
                proposal_id="AGP-1", proposer="foundation", start_height=10, end_height=10**6
            ),
        ]
        run_phase(engine, "setup", setup, block=1)
        funding: list[Command] = [
            Transfer(asset="ALEX", from_account="team", to_account=who, amount=1_000 * ONE)
            for who in stakers
        ]
        run_phase(engine, "fund", funding, block=2)
        stakes: list[Command] = [
            Stake(token="ALEX", staker=who, amount=500 * ONE, lock_cycles=1 + index % 32)
            for index, who in enumerate(stakers)
        ]
        run_phase(engine, "stake", stakes, block=10)
        votes: list[Command] = [
            Vote(proposal_id="AGP-1", voter=who, amount=100 * ONE, in_favour=index % 3 != 0)
            for index, who in enumerate(stakers)
        ]
        run_phase(engine, "vote", votes, block=11)
        claims: list[Command] = [
            ClaimStakingReward(token="ALEX", staker=who, cycle=1) for who in stakers
        ]
        run_phase(engine, "claim", claims, block=10 + 2 * 525)
        staking = engine.projection(AlexStaking)
        print(f"state    {len(staking.snapshot()):>8} bytes of staking snapshot")


if __name__ == "__main__":
    main()
