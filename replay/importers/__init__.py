"""Importers of chain history: log files in the ecosystem's formats, mapped to the ledger's facts.

One module per format or protocol: `logs` (ethereum-etl JSON lines and CSV, `eth_getLogs`
results), `stacks_api` (Stacks API contract event pages), `token_list` (Uniswap token lists),
`uniswap_v2` (pairs and their factory), `alex` (ALEX pool prints) with `alex_import` (their
order, block heights and duplicates), and `core` (`import_logs`: duplicates, reorganisations,
batches).
"""

from __future__ import annotations

from replay.importers.core import FORMATS, READERS, ImportResult, check_inputs, import_logs

__all__ = ["FORMATS", "READERS", "ImportResult", "check_inputs", "import_logs"]
