"""Fixtures the VaR tests share: the real ETH/USDT hourly series, skipped when it is absent."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from replay.var_series import load_log_returns
from tests.replay.var_data import PRICES


@pytest.fixture(scope="module")
def eth_returns() -> npt.NDArray[np.float64]:
    """ETH/USDT hourly log returns, 2017-2025 (72,554 of them), read in place."""
    series = PRICES / "eth-usdt-1h.csv"
    if not series.exists():
        pytest.skip(f"real price series not found at {series}: the VaR tests bootstrap from it")
    return load_log_returns(series)
