"""The book's price at the fork read from a pair in the log: a stress on imported state.

A log imported from a chain has pools (their reserves, block by block) but often no price fact
for the asset a stress moves. `[path] oracle = { pool = "evm:1:0x...", token = "evm:1:0x..." }`
names a constant-product (Uniswap V2) pair of the log; the stress reads its reserves as they
stand at the fork block and posts the spot price of `token` (default: the path's asset) in the
pair's other token as the path asset's price, a `PriceUpdated` dated at the fork block whose
source names the pair and the block. The path then starts from that price, and every f(x) pool
priced in the asset sees it. The price is the reserves' ratio in display units, exact to the
last digit at scale 1e18:

    price = reserve_quote * 10**decimals_token * 1e18 // (reserve_token * 10**decimals_quote)

The quote is labelled with the other token's id unless `quote` names it (say `USD` for USDC).
"""

from __future__ import annotations

from ledger.commands.core import UpdatePrice
from projections.balances import Balances
from projections.books import Books
from projections.pools import Pools
from replay.scenario import ScenarioError
from replay.stress_spec import PoolOracle

SCALE = 10**18


def oracle_price(
    books: Books, oracle: PoolOracle, asset: str, block: int, name: str
) -> UpdatePrice:
    """The `UpdatePrice` of `asset` from the pair's reserves in `books` (refused by name)."""
    where = f"`path.oracle`: pool {oracle.pool!r}"
    book = books.get(Pools).books.get(oracle.pool)
    if book is None:
        raise ScenarioError(f"{where} is not in the log at block {block}")
    if not book.is_uniswap:
        raise ScenarioError(f"{where} is a {book.spec.kind} pool; only constant-product pairs")
    token = oracle.token or asset
    pair = {book.spec.token_x: book.reserve_x, book.spec.token_y: book.reserve_y}
    if token not in pair:
        raise ScenarioError(
            f"{where} holds {book.spec.token_x} and {book.spec.token_y}, not {token!r} "
            "(name the pair's token the asset is priced by with `token`)"
        )
    quote_token = book.spec.token_y if token == book.spec.token_x else book.spec.token_x
    decimals = books.get(Balances).decimals
    unknown = [item for item in (token, quote_token) if item not in decimals]
    if unknown:
        raise ScenarioError(f"{where}: the decimals of {', '.join(unknown)} are not known")
    reserve_token, reserve_quote = pair[token], pair[quote_token]
    numerator = reserve_quote * 10 ** decimals[token] * SCALE
    denominator = reserve_token * 10 ** decimals[quote_token]
    price = numerator // denominator if denominator > 0 else 0
    if price <= 0:
        raise ScenarioError(
            f"{where} gives no price at block {block} (reserves {reserve_token} {token}, "
            f"{reserve_quote} {quote_token})"
        )
    return UpdatePrice(
        asset=asset,
        quote=oracle.quote or quote_token,
        price=price,
        scale=SCALE,
        source=f"stress {name}: {oracle.pool} reserves at block {block}",
    )
