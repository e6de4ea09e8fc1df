"""Named reasons a batch or a command is refused: one member per reason, one line of help each.

A rejection is a value, not a crash: the store and the engine return it, nothing is appended,
and `REJECT_HELP[code]` tells a person what was wrong and what to do about it.
"""

from __future__ import annotations

from enum import StrEnum


class RejectCode(StrEnum):
    # The log: what the store refuses.
    MALFORMED_JSON = "MALFORMED_JSON"
    UNKNOWN_EVENT_TYPE = "UNKNOWN_EVENT_TYPE"
    INVALID_FIELD = "INVALID_FIELD"
    NEGATIVE_AMOUNT = "NEGATIVE_AMOUNT"
    EMPTY_BATCH = "EMPTY_BATCH"
    BLOCK_ORDER = "BLOCK_ORDER"
    DUPLICATE = "DUPLICATE"
    STREAM_VERSION_CONFLICT = "STREAM_VERSION_CONFLICT"
    HEAD_CONFLICT = "HEAD_CONFLICT"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    # Malformed input: what no reading of the bytes makes one fact.
    NOT_UTF8 = "NOT_UTF8"
    NESTED_TOO_DEEP = "NESTED_TOO_DEEP"
    DUPLICATE_KEY = "DUPLICATE_KEY"
    UNKNOWN_FIELD = "UNKNOWN_FIELD"
    INT_OUT_OF_RANGE = "INT_OUT_OF_RANGE"
    # Assets and balances.
    UNKNOWN_ASSET = "UNKNOWN_ASSET"
    ASSET_EXISTS = "ASSET_EXISTS"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    ZERO_AMOUNT = "ZERO_AMOUNT"
    INVALID_PARAMETER = "INVALID_PARAMETER"
    NOT_AUTHORISED = "NOT_AUTHORISED"
    OUTPUT_EXISTS = "OUTPUT_EXISTS"
    # Pools and swaps.
    UNKNOWN_POOL = "UNKNOWN_POOL"
    POOL_EXISTS = "POOL_EXISTS"
    INSUFFICIENT_LIQUIDITY = "INSUFFICIENT_LIQUIDITY"
    SLIPPAGE = "SLIPPAGE"
    K_VIOLATION = "K_VIOLATION"
    MAX_RATIO = "MAX_RATIO"
    PAUSED = "PAUSED"
    CAP_EXCEEDED = "CAP_EXCEEDED"
    GATE_CLOSED = "GATE_CLOSED"
    OUT_OF_DOMAIN = "OUT_OF_DOMAIN"
    # ALEX staking, governance, lending.
    NOT_ACTIVATED = "NOT_ACTIVATED"
    LOCK_OUT_OF_RANGE = "LOCK_OUT_OF_RANGE"
    NOTHING_TO_CLAIM = "NOTHING_TO_CLAIM"
    CYCLE_NOT_ENDED = "CYCLE_NOT_ENDED"
    UNKNOWN_PROPOSAL = "UNKNOWN_PROPOSAL"
    VOTING_CLOSED = "VOTING_CLOSED"
    VOTING_NOT_ENDED = "VOTING_NOT_ENDED"
    ALREADY_CONCLUDED = "ALREADY_CONCLUDED"
    NOT_CONCLUDED = "NOT_CONCLUDED"
    GOVERNANCE_PAUSED = "GOVERNANCE_PAUSED"
    EXPIRED = "EXPIRED"
    NOT_EXPIRED = "NOT_EXPIRED"
    LTV_TOO_HIGH = "LTV_TOO_HIGH"
    LTV_TOO_LOW = "LTV_TOO_LOW"
    # Leveraged positions.
    UNKNOWN_POSITION = "UNKNOWN_POSITION"
    POSITION_NOT_OWNED = "POSITION_NOT_OWNED"
    NOT_REBALANCEABLE = "NOT_REBALANCEABLE"
    NOT_LIQUIDATABLE = "NOT_LIQUIDATABLE"
    DEBT_TOO_SMALL = "DEBT_TOO_SMALL"
    BORROW_NOT_ALLOWED = "BORROW_NOT_ALLOWED"
    REDEEM_NOT_ALLOWED = "REDEEM_NOT_ALLOWED"
    PRICE_STALE = "PRICE_STALE"
    STABILITY_POOL_EMPTY = "STABILITY_POOL_EMPTY"
    COOLDOWN = "COOLDOWN"
    STRIKE_DEAD = "STRIKE_DEAD"
    STRIKE_ALIVE = "STRIKE_ALIVE"
    STABLE_DEPEGGED = "STABLE_DEPEGGED"
    # Facts from outside, checked against the books on the way in.
    NOT_MINTED = "NOT_MINTED"
    WRONG_ASSET = "WRONG_ASSET"
    UNKNOWN_MARKET = "UNKNOWN_MARKET"
    MARKET_EXISTS = "MARKET_EXISTS"
    UNKNOWN_STAKING_TOKEN = "UNKNOWN_STAKING_TOKEN"
    STAKING_EXISTS = "STAKING_EXISTS"
    PROPOSAL_EXISTS = "PROPOSAL_EXISTS"
    TALLY_MISMATCH = "TALLY_MISMATCH"
    ALLOCATION_EXHAUSTED = "ALLOCATION_EXHAUSTED"
    SUPPLY_FIXED = "SUPPLY_FIXED"
    NOT_APPROVED = "NOT_APPROVED"
    BALANCE_KNOWN = "BALANCE_KNOWN"


REJECT_HELP: dict[RejectCode, str] = {
    RejectCode.MALFORMED_JSON: "A line is not valid JSON; fix the syntax on the named line.",
    RejectCode.UNKNOWN_EVENT_TYPE: "The event type is not in the vocabulary; see `events/` for "
    "the registered tags (e.g. `Transferred`).",
    RejectCode.INVALID_FIELD: "A field is missing or has the wrong type; the message names it.",
    RejectCode.NEGATIVE_AMOUNT: "Amounts are non-negative ints in base units; send a positive "
    "amount (a burn or withdrawal has its own event type).",
    RejectCode.EMPTY_BATCH: "An append needs at least one event.",
    RejectCode.BLOCK_ORDER: "Blocks never go back along the log; use a block at or above the "
    "head's block (see `defi-ledger info`).",
    RejectCode.DUPLICATE: "That event id is already in the log; a retry should reuse the "
    "batch's idempotency key instead of re-sending events.",
    RejectCode.STREAM_VERSION_CONFLICT: "The stream moved since you read it; re-read the "
    "stream, re-check the command and retry with the new version.",
    RejectCode.HEAD_CONFLICT: "The log moved since you read its head; re-read and retry.",
    RejectCode.IDEMPOTENCY_CONFLICT: "That idempotency key was used for a different batch; "
    "use a fresh key for new content.",
    RejectCode.NOT_UTF8: "Input must be UTF-8 text; the message names the line and the byte "
    "offset of the first byte that is not (re-encode the file as UTF-8).",
    RejectCode.NESTED_TOO_DEEP: "A line nests objects and arrays deeper than the stated limit; "
    "events are flat records: send the fields themselves.",
    RejectCode.DUPLICATE_KEY: "A JSON object gives the same key twice, which readers resolve "
    "differently; keep one value per key.",
    RejectCode.UNKNOWN_FIELD: "The event or envelope has a field its type does not know "
    "(a typo, or a field of another type); the message suggests the closest known field.",
    RejectCode.INT_OUT_OF_RANGE: "An integer the log stores as an SQLite INTEGER (block, "
    "ts_ms, expected_version) must be between 0 and 2**63 - 1; the message names the field.",
    RejectCode.UNKNOWN_ASSET: "Register the asset (AssetRegistered) before using it.",
    RejectCode.ASSET_EXISTS: "An asset with that id is registered already; pick another id.",
    RejectCode.INSUFFICIENT_BALANCE: "The account holds less than the amount; fund it or "
    "send less.",
    RejectCode.ZERO_AMOUNT: "The amount is zero; send a positive amount.",
    RejectCode.INVALID_PARAMETER: "A parameter is outside its allowed range; the message "
    "names it and the range.",
    RejectCode.NOT_AUTHORISED: "Only the named authority may do this; send it from that account.",
    RejectCode.OUTPUT_EXISTS: "An output is never replaced without asking; the message names it "
    "and what to do.",
    RejectCode.UNKNOWN_POOL: "No pool with that id; create it first or check the id.",
    RejectCode.POOL_EXISTS: "A pool with that id exists already; add liquidity to it instead.",
    RejectCode.INSUFFICIENT_LIQUIDITY: "The pool cannot pay that much out (or would mint no "
    "LP); trade or withdraw less.",
    RejectCode.SLIPPAGE: "The price moved past your limit; re-quote and loosen min-out/max-in "
    "or trade less.",
    RejectCode.K_VIOLATION: "The trade would lower the pool invariant; the amounts do not "
    "satisfy the curve (re-quote).",
    RejectCode.MAX_RATIO: "The trade is larger than the pool's max in/out ratio allows; "
    "split it into smaller trades.",
    RejectCode.PAUSED: "The pool or market is paused; wait until it is unpaused.",
    RejectCode.CAP_EXCEEDED: "The deposit would take your share of the pool over its cap; "
    "deposit less.",
    RejectCode.GATE_CLOSED: "You have withdrawn the most the gate allows in this window; "
    "wait for the next window or withdraw less.",
    RejectCode.OUT_OF_DOMAIN: "An input is outside the domain where the protocol's fixed-point "
    "math is exact; use smaller amounts.",
    RejectCode.NOT_ACTIVATED: "Staking for this token is not active yet; wait for its "
    "activation block.",
    RejectCode.LOCK_OUT_OF_RANGE: "Lock for 1 to 32 cycles.",
    RejectCode.NOTHING_TO_CLAIM: "Nothing is owed for that cycle (never staked, or claimed "
    "already).",
    RejectCode.CYCLE_NOT_ENDED: "That cycle has not ended; claim after it ends.",
    RejectCode.UNKNOWN_PROPOSAL: "No proposal with that id; check `state --projection governance`.",
    RejectCode.VOTING_CLOSED: "Voting is open only from the start height up to the end "
    "height (exclusive) of a proposal that is not concluded.",
    RejectCode.VOTING_NOT_ENDED: "A proposal concludes at or after its end height; wait.",
    RejectCode.ALREADY_CONCLUDED: "The proposal was concluded already.",
    RejectCode.NOT_CONCLUDED: "Reclaim votes after the proposal is concluded.",
    RejectCode.GOVERNANCE_PAUSED: "Governance is paused by the foundation; wait until it resumes.",
    RejectCode.EXPIRED: "The pool or token has expired; use one with a later expiry.",
    RejectCode.NOT_EXPIRED: "Redemption opens after expiry; wait for the expiry block.",
    RejectCode.LTV_TOO_HIGH: "The position's loan-to-value would exceed the limit; add "
    "collateral or borrow less.",
    RejectCode.LTV_TOO_LOW: "The position's debt ratio would fall below the pool's minimum; "
    "borrow more, withdraw collateral, or close the position instead.",
    RejectCode.UNKNOWN_POSITION: "No position with that id.",
    RejectCode.POSITION_NOT_OWNED: "Only the position's owner may change it.",
    RejectCode.NOT_REBALANCEABLE: "The position is not between the rebalance and liquidation "
    "lines at the current price.",
    RejectCode.NOT_LIQUIDATABLE: "The position is not past the liquidation line at the "
    "current price.",
    RejectCode.DEBT_TOO_SMALL: "Collateral and debt changes must be 0 or at least the "
    "protocol minimum (1e9 base units in f(x)).",
    RejectCode.BORROW_NOT_ALLOWED: "Borrowing is closed while fxUSD is below its peg band.",
    RejectCode.REDEEM_NOT_ALLOWED: "Redemption is allowed only while fxUSD is below its peg "
    "band, and for at least the minimum amount.",
    RejectCode.PRICE_STALE: "No price for this asset (or it is older than allowed); post a "
    "PriceUpdated first.",
    RejectCode.STABILITY_POOL_EMPTY: "The stability pool cannot fund this; deposit into it "
    "or pay with your own fxUSD.",
    RejectCode.COOLDOWN: "The redeem request is still cooling down; wait until it ends.",
    RejectCode.STRIKE_DEAD: "That strike has been liquidated; use the graveyard instead.",
    RejectCode.STRIKE_ALIVE: "The strike has not been liquidated; graveyard actions need a "
    "dead strike.",
    RejectCode.STABLE_DEPEGGED: "The stablecoin (USDC) is below its depeg price; deposit "
    "fxUSD instead, or wait until it recovers.",
    RejectCode.NOT_MINTED: "Value leaves an issuer account only by a mint of that asset; "
    "record a `Minted` (or the protocol fact that mints) instead of moving it from `issuer:`.",
    RejectCode.WRONG_ASSET: "The fact names an asset or account other than the one the books "
    "hold for that pool, market or proposal; see `state` for the recorded names.",
    RejectCode.UNKNOWN_MARKET: "No strike market with that id; create it first or check the id.",
    RejectCode.MARKET_EXISTS: "A strike market with that id exists already; pick another id.",
    RejectCode.BALANCE_KNOWN: "The books track that account's balance of the asset already: "
    "an observed opening balance comes once, before the account moves (check the state file).",
    RejectCode.UNKNOWN_STAKING_TOKEN: "Staking is not configured for that token; record its "
    "`StakingConfigured` first.",
    RejectCode.STAKING_EXISTS: "Staking for that token is configured already.",
    RejectCode.PROPOSAL_EXISTS: "A proposal with that id exists already; pick another id.",
    RejectCode.TALLY_MISMATCH: "The conclusion's votes differ from the tally the books hold; "
    "conclude with the tally shown by `state --projection governance`.",
    RejectCode.ALLOCATION_EXHAUSTED: "The emission would overdraw the genesis allocation that "
    "funds it (e.g. `vault:staking-incentives`); emit less, or pass a proposal that refills it.",
    RejectCode.SUPPLY_FIXED: "This token's supply moves only by genesis, burns and emergency "
    "issuance a passed proposal approved; pay from an allocation instead of minting.",
    RejectCode.NOT_APPROVED: "No passed and executed proposal of this kind approves it (or its "
    "amount is used up); pass one first (see `state --projection governance`).",
}
