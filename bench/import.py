"""Chain-log import throughput: generated Uniswap V2 logs into a fresh log, in one process
and through the CLI.

What it measures (wall clock):

- in one process: `import_logs` of an ethereum-etl JSON-lines file of `--logs` logs (default
  1,000,000) into a fresh SQLite log: reading, eth-abi decoding, mapping to facts, duplicate
  and reorganisation checks, appending in batches with every guarantee of the log on;
- through the CLI: `defi-ledger import` of the same file into another fresh log (start-up,
  the same import, the printed counts).

The logs come from the model chain in `tests/importers/chain_model.py` (the project's own
Uniswap V2 math, encoded with eth-abi): four pairs over three listed tokens, ten transactions
a block, almost every one a router swap (two ERC-20 `Transfer`s, `Sync`, `Swap`), with a
deposit, a withdrawal and a donation `Sync` now and then. Generating the file is not timed.
Run it from the repository root:

    .venv/bin/python bench/import.py                    # 1,000,000 logs
    .venv/bin/python bench/import.py --logs 100000      # a quicker look
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.sqlite_store import SqliteStore  # noqa: E402
from replay.importers import import_logs  # noqa: E402
from tests.importers.chain_model import (  # noqa: E402
    ALICE,
    BOB,
    CAROL,
    FACTORY,
    MYST,
    USDC,
    WETH,
    ModelChain,
    etl_jsonl,
    token_list,
)

TX_PER_BLOCK = 10


def generate(path: Path, logs: int, seed: int = 0) -> int:
    """Write about `logs` logs of model-chain trading to `path`; return how many."""
    rand = random.Random(seed)
    chain = ModelChain()
    tokens = [WETH, USDC, MYST]
    pairs = []
    written = 0
    with path.open("w") as out:
        for index, (token_a, token_b) in enumerate(
            [(WETH, USDC), (WETH, MYST), (USDC, MYST), (USDC, WETH)]
        ):
            pair = chain.create_pair(FACTORY, token_a, token_b, f"pair-{index}")
            chain.mint(pair, ALICE, 10**24, 10**24)
            pairs.append(pair)
        del tokens
        while written + len(chain.logs) < logs:
            chain.next_block()
            for _ in range(TX_PER_BLOCK):
                pair = rand.choice(pairs)
                roll = rand.random()
                if roll < 0.01:
                    chain.mint(pair, ALICE, 10**20, 10**20 * pair.reserve1 // pair.reserve0)
                elif roll < 0.02:
                    chain.burn(pair, ALICE, pair.supply // 1000)
                elif roll < 0.03:
                    chain.donate_and_sync(pair, CAROL, rand.randint(1, 10**9))
                else:
                    chain.swap(pair, BOB, rand.randint(10**15, 10**19), rand.random() < 0.5)
            if len(chain.logs) >= 10_000:
                out.write(etl_jsonl(chain.logs))
                written += len(chain.logs)
                chain.logs.clear()
        out.write(etl_jsonl(chain.logs))
        written += len(chain.logs)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        logs_file, tokens_file = directory / "logs.json", directory / "tokens.json"
        import json

        tokens_file.write_text(json.dumps(token_list()))
        started = time.perf_counter()
        count = generate(logs_file, args.logs)
        print(
            f"generated {count:,} logs ({logs_file.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f} s (not timed below)"
        )
        store = SqliteStore(directory / "one.db", create=True)
        started, cpu_started = time.perf_counter(), time.process_time()
        result = import_logs(store, [logs_file], token_list=tokens_file)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        store.close()
        assert result.rejected is None and result.logs == count
        print(
            f"in one process: {count:,} logs in {seconds:.1f} s = {count / seconds:,.0f} logs/s "
            f"({result.facts_appended:,} records appended); {cpu_seconds:.1f} s of CPU = "
            f"{count / cpu_seconds:,.0f} logs per CPU-second (what the machine's load leaves out)"
        )
        started = time.perf_counter()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "replay.cli",
                "import",
                str(directory / "cli.db"),
                "--format",
                "etl-json",
                "--token-list",
                str(tokens_file),
                str(logs_file),
            ],
            check=True,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - started
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_seconds = (children.ru_utime + children.ru_stime) - (
            children_before.ru_utime + children_before.ru_stime
        )
        print(
            f"through the CLI: {seconds:.1f} s wall ({count / seconds:,.0f} logs/s), "
            f"{cpu_seconds:.1f} s of CPU"
        )


if __name__ == "__main__":
    main()
