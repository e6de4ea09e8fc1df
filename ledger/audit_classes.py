"""The audit in classes: each swap and liquidity fact is exact, below the formula, a violation,
or unverifiable, and a finding names the chain transaction and log index it came from.

    report = classify(store, tx_hash="0xabc...")
    report.counts    # {"exact": 9, "below": 1, "violation": 0, "unverifiable": 2}

- exact: the recorded amounts are what the math gives from the state just before;
- below: a swap paid out less than the most the pair's K check allows (legal: the pair
  enforces K, not equality; a trader who asked too little, or a fee-on-transfer token);
- violation: an amount the math does not give, a K check the swap fails, or reserves after
  that are not the ones the amounts lead to;
- unverifiable: a check needs what the books do not know (a pool seen mid-life without its LP
  supply or, for an ALEX pool, its weights, a burn whose LP `Transfer` was not seen, a pool
  never seen, a token transfer from a holder whose balance no state file gave): reported,
  never failed.

A token transfer from a holder whose balance the books track (opened by a `BalanceObserved`)
is exact when the holder held the amount, else a violation.

Imported f(x) operates and walks are classified too (`ledger.audit_fx_chain`: exact, a
violation, or unverifiable where the logs do not give what a check needs).
The engine's own facts are checked as `ledger.audit` checks them (exact or violation; a
pair-level swap paying out less than an exact-in swap would is below). Retracted records
(`ledger.reorg`) are skipped.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events.alex_pools import stacks_print_of
from events.amm import Swapped
from events.chain import (
    BalanceObserved,
    PairBurned,
    PairMinted,
    PairSwapped,
    TokenTransferred,
    chain_name,
    is_outside,
    provenance_of,
    transaction_of,
)
from events.record import Record
from ledger.audit import Checked, check_event
from ledger.reorg import Retractions
from ledger.store import EventStore, ReadFilter
from projections.chain import ChainBook
from projections.contracts import MathRejected
from projections.contracts.uniswap_v2 import BPS_SCALE, PairState, amount_out_for_input, pair_swap
from projections.contracts.uniswap_v2_liquidity import pair_burn, pair_mint
from projections.pools import PoolBook, Pools

CLASSES = ("exact", "below", "violation", "unverifiable")
ZERO_ADDRESS = "0x" + "0" * 40


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    """One fact's class, and for a violation or an unverifiable check, what and why."""

    seq: int
    block: int
    pool: str
    type: str
    check_class: str
    field: str = ""
    recorded: int | str | None = None
    expected: int | str | None = None
    tx_hash: str = ""
    log_index: int | None = None
    detail: str = ""


class AuditReport(msgspec.Struct, kw_only=True):
    counts: dict[str, int] = msgspec.field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    violations: list[Finding] = msgspec.field(default_factory=list)
    unverifiable: list[Finding] = msgspec.field(default_factory=list)
    below: list[Finding] = msgspec.field(default_factory=list)

    def add(self, findings: list[Finding]) -> None:
        """One fact's findings: its class is the worst of them."""
        for check_class in ("violation", "unverifiable", "below", "exact"):
            if any(item.check_class == check_class for item in findings):
                self.counts[check_class] += 1
                break
        for item in findings:
            if item.check_class == "violation":
                self.violations.append(item)
            elif item.check_class == "unverifiable":
                self.unverifiable.append(item)
            elif item.check_class == "below":
                self.below.append(item)


def _finding(record: Record, check_class: str, **fields: Any) -> Finding:
    provenance = provenance_of(record.event)
    printed = stacks_print_of(record.event_id)
    tx_hash, log_index = printed if printed is not None else ("", None)
    return Finding(
        seq=record.seq,
        block=provenance.block if provenance else record.block,
        pool=getattr(record.event, "pool", ""),
        type=record.type,
        check_class=check_class,
        tx_hash=provenance.tx_hash if provenance else tx_hash,
        log_index=provenance.log_index if provenance else log_index,
        **fields,
    )


def max_out(
    pair: PairState, ins: tuple[int, int], outs: tuple[int, int], fee_bps: int, side: int
) -> int:
    """The most the pair's K check lets out on `side` (0 or 1), the other amounts fixed."""
    other = 1 - side
    reserves = (pair.reserve0, pair.reserve1)
    balance_other = reserves[other] - outs[other] + ins[other]
    adjusted_other = balance_other * BPS_SCALE - ins[other] * fee_bps
    if adjusted_other <= 0:
        return -1
    needed = -(-pair.reserve0 * pair.reserve1 * BPS_SCALE**2 // adjusted_other)
    balance_needed = -(-(needed + ins[side] * fee_bps) // BPS_SCALE)
    return reserves[side] + ins[side] - balance_needed


def _swap_findings(book: PoolBook, event: PairSwapped, record: Record) -> list[Finding]:
    pair = PairState(book.reserve_x, book.reserve_y, book.lp_supply)
    ins = (event.amount_x_in, event.amount_y_in)
    outs = (event.amount_x_out, event.amount_y_out)
    fee = book.spec.fee_bps
    try:
        pair_swap(pair, *ins, *outs, fee)
    except MathRejected as error:
        allowed = [max_out(pair, ins, outs, fee, side) for side in (0, 1)]
        over = [side for side in (0, 1) if outs[side] and outs[side] > allowed[side]]
        side = over[0] if over else int(outs[1] > outs[0])
        return [
            _finding(
                record,
                "violation",
                field=f"amount_{'xy'[side]}_out",
                recorded=outs[side],
                expected=max(allowed[side], 0),
                detail=f"{error.code}: {error.detail}",
            )
        ]
    found = _reserve_findings(record, book, ins, outs, event.reserve_x_after, event.reserve_y_after)
    for side in (0, 1):
        if outs[side]:
            most = max_out(pair, ins, outs, fee, side)
            if outs[side] < most:
                found.append(
                    _finding(
                        record,
                        "below",
                        field=f"amount_{'xy'[side]}_out",
                        recorded=outs[side],
                        expected=most,
                    )
                )
    return found or [_finding(record, "exact")]


def _reserve_findings(
    record: Record, book: PoolBook, ins: tuple[int, int], outs: tuple[int, int], *after: int
) -> list[Finding]:
    expected = (book.reserve_x + ins[0] - outs[0], book.reserve_y + ins[1] - outs[1])
    return [
        _finding(
            record,
            "violation",
            field=f"reserve_{'xy'[side]}_after",
            recorded=after[side],
            expected=expected[side],
            detail="the reserves after are not what the amounts lead to",
        )
        for side in (0, 1)
        if after[side] != expected[side]
    ]


def _liquidity_findings(
    book: PoolBook, event: PairMinted | PairBurned, record: Record, lp_unknown: bool
) -> list[Finding]:
    lp = event.lp_minted if isinstance(event, PairMinted) else event.lp_burned
    if lp_unknown or lp is None:
        reason = "the pool's LP supply is unknown" if lp_unknown else "no LP Transfer was seen"
        return [_finding(record, "unverifiable", field="lp", detail=reason)]
    supply = book.lp_supply + event.protocol_fee_lp
    amounts = (event.amount_x, event.amount_y)
    pair = PairState(book.reserve_x, book.reserve_y, supply)
    try:
        if isinstance(event, PairMinted):
            minted = pair_mint(pair, event.reserve_x_after, event.reserve_y_after)
            checks = [
                ("lp_minted", lp, minted.liquidity_to_provider),
                ("lp_locked", event.lp_locked, minted.liquidity_locked),
            ]
            ins, outs = amounts, (0, 0)
        else:
            balances = (event.reserve_x_after + amounts[0], event.reserve_y_after + amounts[1])
            burned = pair_burn(pair, *balances, lp)
            checks = [
                ("amount_x", amounts[0], burned.amount0),
                ("amount_y", amounts[1], burned.amount1),
            ]
            ins, outs = (0, 0), amounts
    except MathRejected as error:
        return [_finding(record, "violation", field="math", detail=f"{error.code}: {error.detail}")]
    found = [
        _finding(record, "violation", field=name, recorded=recorded, expected=expected)
        for name, recorded, expected in checks
        if recorded != expected
    ]
    found += _reserve_findings(
        record, book, ins, outs, event.reserve_x_after, event.reserve_y_after
    )
    return found or [_finding(record, "exact")]


def _engine_findings(book: PoolBook | None, record: Record) -> list[Finding]:
    found = [
        _finding(
            record, "violation", field=item.field, recorded=item.recorded, expected=item.expected
        )
        for item in check_event(book, record)
    ]
    event = record.event
    if found or book is None:
        return found
    if isinstance(event, Swapped) and event.mode == "pair" and book.is_uniswap:
        x_in = event.asset_in == book.spec.token_x
        reserves = (book.reserve_x, book.reserve_y) if x_in else (book.reserve_y, book.reserve_x)
        allowed = amount_out_for_input(event.amount_in, *reserves, book.spec.fee_bps)
        if event.amount_out < allowed:
            return [
                _finding(
                    record, "below", field="amount_out", recorded=event.amount_out, expected=allowed
                )
            ]
    return [_finding(record, "exact")]


def _unknown_state(
    book: PoolBook | None, event: Checked, chain: ChainBook
) -> tuple[str, str] | None:
    """What a check of an ALEX pool seen mid-life needs and the books do not know."""
    if book is None or book.is_uniswap:
        return None
    if not (book.spec.weight_x and book.spec.weight_y):
        return "weights", "the pool's weights are unknown"
    if not isinstance(event, Swapped) and event.pool in chain.lp_unknown:
        return "lp", "the pool's LP supply is unknown"
    return None


class Holdings:
    """The balances of holders a state file opened, as their facts move them."""

    def __init__(self) -> None:
        self.held: dict[tuple[str, str], int] = {}

    def findings(self, record: Record, pools: Pools) -> list[Finding] | None:
        """A transfer's class (None for other facts, and for a mint or a pair paying out,
        which the pool facts account for); folds the holders' facts."""
        event = record.event
        if type(event) is BalanceObserved:
            key = (event.account, event.asset)
            self.held[key] = self.held.get(key, 0) + event.amount
            return None
        if type(event) is not TokenTransferred:
            return None
        source, target = (event.from_account, event.asset), (event.to_account, event.asset)
        if not is_outside(event.to_account):
            self.held[target] = self.held.get(target, 0) + event.amount
        if is_outside(event.from_account):
            sender = chain_name(event.provenance.chain_id, event.from_address)
            if event.from_address == ZERO_ADDRESS or sender in pools.books:
                return None
            detail = "the sender's balance is not known (no opening balance in a state file)"
            return [_finding(record, "unverifiable", field="from_account", detail=detail)]
        held = self.held.get(source, 0)
        self.held[source] = held - event.amount
        if held < event.amount:
            return [
                _finding(
                    record,
                    "violation",
                    field="amount",
                    recorded=event.amount,
                    expected=held,
                    detail=f"{event.from_account} held {held}",
                )
            ]
        return [_finding(record, "exact")]


def classify_record(pools: Pools, chain: ChainBook, record: Record) -> list[Finding] | None:
    """The findings of one swap or liquidity record, or None when it is neither."""
    event = record.event
    if isinstance(event, Checked):
        book = pools.books.get(event.pool)
        unknown = _unknown_state(book, event, chain)
        if unknown:
            return [_finding(record, "unverifiable", field=unknown[0], detail=unknown[1])]
        return _engine_findings(book, record)
    if not isinstance(event, PairSwapped | PairMinted | PairBurned):
        return None
    book = pools.books.get(event.pool)
    if book is None:
        return [_finding(record, "unverifiable", field="pool", detail="the pool was never seen")]
    if isinstance(event, PairSwapped):
        return _swap_findings(book, event, record)
    return _liquidity_findings(book, event, record, event.pool in chain.lp_unknown)


def classify(
    store: EventStore,
    from_block: int | None = None,
    to_block: int | None = None,
    tx_hash: str | None = None,
) -> AuditReport:
    """Classify every swap and liquidity fact in [from_block, to_block] (or of one tx)."""
    from ledger.audit_fx_chain import fx_chain_findings
    from projections.fx_chain import FxChainBook

    pools, chain, report, fx = Pools(), ChainBook(), AuditReport(), FxChainBook()
    holdings = Holdings()
    retractions = Retractions.load(store)
    low = from_block if from_block is not None else -1
    wanted = tx_hash.lower() if tx_hash else None
    for record in store.read(ReadFilter(to_block=to_block)):
        if retractions and retractions.is_retracted(record):
            continue
        chosen = record.block >= low and (
            wanted is None or transaction_of(record.event, record.event_id) == wanted
        )
        moved = holdings.findings(record, pools)
        if chosen:
            findings = classify_record(pools, chain, record) if moved is None else moved
            if findings is None and fx.folds(type(record.event)):
                findings = fx_chain_findings(fx, record)
            if findings is not None:
                report.add(findings)
        pools.apply(record)
        chain.apply(record)
        if fx.folds(type(record.event)):
            fx.apply(record)
    return report


__all__ = ["CLASSES", "AuditReport", "Finding", "classify", "classify_record", "max_out"]
