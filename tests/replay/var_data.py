"""Where the VaR tests find the real price series: ../shared/data/prices, or beside the vectors.

`$LEDGER_VECTORS_DIR` names .../shared/protocols/vectors when the shared folder lives elsewhere;
the series are then in .../shared/data/prices. Tests that need a series skip, naming the path
they looked at, when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_VECTORS = os.environ.get("LEDGER_VECTORS_DIR")
SHARED = Path(_VECTORS).resolve().parents[1] if _VECTORS else ROOT.parent / "shared"
PRICES = SHARED / "data" / "prices"
