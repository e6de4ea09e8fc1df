"""CLI command `import`: chain logs from files into a log, with a count of what became what."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ledger.stores import LogStore
from replay.cli.common import (
    CliExit,
    ExitCode,
    echo_json,
    fail_rejected,
    json_option,
    log_argument,
    open_log,
    refresh_views,
    refuse_output_over_input,
    watched,
)
from replay.importers import FORMATS, ImportResult, check_inputs, import_logs
from replay.importers.logs import LogFormatError
from replay.importers.pool_state import PoolStateError
from replay.importers.token_list import TokenListError
from replay.outputs import log_absent, remove_unused_log


@click.command(name="import")
@log_argument
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--format",
    "log_format",
    type=click.Choice(sorted(FORMATS)),
    required=True,
    help="etl-json / etl-csv: ethereum-etl's logs export; rpc-json: eth_getLogs results; "
    "stacks-json: Stacks API event pages (ALEX pool prints: pool creation, liquidity added and "
    "removed, swaps with the fee's reserve share; each item needs its block_height).",
)
@click.option(
    "--token-list",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A token list (Uniswap JSON format): symbols and decimals.",
)
@click.option(
    "--state",
    "--pool-state",
    "pool_state",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A state file (JSON): what was known before the logs begin. "
    '{"block": N, "pools": [{"address", "token0", "token1", "lp_supply"}], '
    '"balances": [{"account", "token", "amount", "block"}]}: pairs first seen mid-life, and '
    "holders' token balances (base units) at the end of block N (or the entry's block). A "
    "listed holder's transfers after that block are checked against its balance; others "
    "stay untracked (outside:). Every key but a balance's account, token and amount is optional. "
    "An ALEX pool's entry gives its tokens and weights (weight_x, weight_y), which its prints "
    "do not show (see the README).",
)
@click.option("--chain-id", type=click.IntRange(min=1), default=1, show_default=True)
@click.option(
    "--fee-bps",
    type=click.IntRange(0, 9999),
    default=30,
    show_default=True,
    help="The pairs' swap fee (30 for Uniswap V2).",
)
@json_option
def import_command(
    path: Path | str,
    files: tuple[Path, ...],
    log_format: str,
    token_list: Path | None,
    pool_state: Path | None,
    chain_id: int,
    fee_bps: int,
    as_json: bool,
) -> None:
    """Import chain logs from FILES into the log at PATH (created if absent; a path or a
    postgresql:// URL).

    Read: Uniswap V2 pairs and factory, ERC-20 transfers of listed tokens, and the f(x)
    protocol's PoolManager, pools, fxUSD and fxBASE (stability pool) events. Every log is
    mapped to a fact, or counted as unmapped with its reason, or as a duplicate of one
    imported before (re-importing a file appends nothing). A block the log holds with
    another hash is a reorganisation: the orphaned blocks are retracted, the new ones follow.
    ALEX pool prints without a block height are refused (exit 1, nothing appended).
    A file that is not UTF-8 text (gzip'd: decompress it first), a pipe (write it to a file),
    a CSV without ethereum-etl's header or a record that does not parse is refused by its file
    and line (exit 1; a log created for the import, a file or a PostgreSQL log's tables, is
    removed when nothing went into it); a file that cannot be read is an I/O fault (exit 4).
    Facts pass the same checks as `append`'s: one the books cannot explain (a listed holder
    paying more than it holds) stops the import with its code, transaction and log index,
    and nothing of its batch is appended (exit 1).

    Example: defi-ledger import ledger.db --format etl-json --token-list tokens.json logs.json

    Example: defi-ledger import alex.db --format stacks-json --pool-state pools.json events.json
    """
    missing = [str(file) for file in files if not file.exists()]
    if missing:
        raise CliExit(f"no such file: {', '.join(missing)}", ExitCode.ENVIRONMENT)
    inputs: dict[str, Any] = {
        "format": log_format,
        "token_list": token_list,
        "pool_state": pool_state,
        "chain_id": chain_id,
    }
    refuse_output_over_input({"FILES": files, "--token-list": token_list}, {"PATH": path})
    try:
        check_inputs(files, **inputs)  # before the log is opened: a refusal creates nothing
    except _REFUSALS as error:
        raise CliExit(f"refused: {error}", ExitCode.REFUSED) from error
    created = log_absent(path)
    empty = True
    try:
        with open_log(path, create=True, long_running=True) as store:
            try:
                result = _run(store, files, fee_bps=fee_bps, **inputs)
            except (*_REFUSALS, KeyboardInterrupt):
                empty = store.head().seq == 0
                raise
            empty = result.head_seq == 0
            if result.facts_appended:
                refresh_views(store, path)  # the views answer for what was imported
    except (*_REFUSALS, KeyboardInterrupt) as error:
        _remove_log(path, created and empty)  # Ctrl-C before the first batch too
        if isinstance(error, KeyboardInterrupt):
            raise
        raise CliExit(f"refused: {error}", ExitCode.REFUSED) from error
    if as_json:
        echo_json(result)
    else:
        _print(result)
    if result.rejected is not None:
        _remove_log(path, created and empty)  # refused from its first batch
        raise fail_rejected(result.rejected)


_REFUSALS = (LogFormatError, TokenListError, PoolStateError)


def _remove_log(path: Path | str, created_empty: bool) -> None:
    """The log this import created, when a refusal or Ctrl-C left nothing in it (a file, or
    a PostgreSQL log's tables)."""
    if created_empty:
        remove_unused_log(path)


def _run(store: LogStore, files: tuple[Path, ...], **options: Any) -> ImportResult:
    """`import_logs` with a progress bar when a person watches (`watched`)."""
    bar = None
    if watched():
        from tqdm import tqdm

        bar = tqdm(unit=" logs", desc="import", file=sys.stderr)
    try:
        return import_logs(
            store, files, progress=bar.update if bar is not None else None, **options
        )
    finally:
        if bar is not None:
            bar.close()


def _print(result: ImportResult) -> None:
    click.echo(
        f"{result.logs} logs read, {result.facts_appended} records appended "
        f"(head seq {result.head_seq})"
    )
    width = max([14, *(len(kind) + 2 for kind in result.counts)])
    click.echo(f"{'kind':<{width}}{'mapped':>10}{'unmapped':>10}{'duplicate':>10}")
    for kind, counts in result.counts.items():
        click.echo(
            f"{kind:<{width}}{counts['mapped']:>10}{counts['unmapped']:>10}"
            f"{counts['duplicate']:>10}"
        )
    for reason, count in result.unmapped_reasons.items():
        click.echo(f"unmapped: {reason}: {count}")
    for reorg in result.reorgs:
        click.echo(
            f"reorganisation at block {reorg['fork_block']}: "
            f"{reorg['orphaned_blocks']} blocks retracted"
        )
