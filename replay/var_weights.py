"""The CRP contract's weight rule, vectorised over hours x paths for `replay.var`.

The target collateral weight is N(+-d1) with d1 = (t sigma^2 / 2 + |q - 1|) / (sigma sqrt t)
and q = spot / strike (protocol-math 2.6), N written with the contract's erf, Abramowitz-Stegun
7.1.27: erf(x) = 1 - 1 / D(x)^4 with D a quartic. Being a polynomial, D(d1 / sqrt 2) expands
once per hour into a quartic in u = |q - 1|, so each path-hour costs one Horner pass in float32
(it moves losses by < 1e-7).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["contract_erf", "horner_coefficients", "target_weights"]

# Abramowitz-Stegun 7.1.27, as in the CRP contract: erf(x) = 1 - 1 / D(x)^4, D a quartic.
_ERF_COEFFICIENTS = (1.0, 0.278393, 0.230389, 0.000972, 0.078108)


def contract_erf(x: float) -> float:
    """The contract's erf at one point, in floats."""
    return 1.0 - 1.0 / sum(a * x**power for power, a in enumerate(_ERF_COEFFICIENTS)) ** 4


def horner_coefficients(root_t: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """Coefficients of D in u, shape (5, hours, 1), from sigma sqrt(t) at each boundary hour.

    x = d1 / sqrt(2) = alpha + beta u, so D(alpha + beta u) expands binomially in u.
    """
    alpha, beta = root_t / (2 * math.sqrt(2)), 1 / (root_t * math.sqrt(2))
    horner = np.zeros((5, root_t.size))
    for power, coefficient in enumerate(_ERF_COEFFICIENTS):
        for k in range(power + 1):
            horner[k] += coefficient * math.comb(power, k) * alpha ** (power - k) * beta**k
    return horner[:, :, np.newaxis].astype(np.float32)


def target_weights(
    spot: npt.NDArray[np.float64],
    rows: slice,
    horner: npt.NDArray[np.float32],
    inverse_strike: float,
    out: npt.NDArray[np.float32],
) -> None:
    """Write the contract's uncapped target weight for a block of hours x paths to `out`."""
    coefficients = horner[:, rows]
    signed = np.empty(spot.shape, np.float32)
    np.multiply(spot, inverse_strike, out=signed, casting="same_kind")
    np.subtract(np.float32(1.0), signed, out=signed)  # 1 - q: sign picks the branch, |.| is u
    gap = np.abs(signed)
    with np.errstate(over="ignore"):  # D^4 = inf means erf = 1, the right limit
        np.multiply(gap, coefficients[4], out=out)
        for k in (3, 2, 1):
            out += coefficients[k]
            out *= gap
        out += coefficients[0]
        np.square(out, out=out)
        np.square(out, out=out)
    half = np.float32(0.5)
    np.divide(half, out, out=out)  # (1 - erf) / 2
    np.subtract(half, out, out=out)  # erf / 2
    np.copysign(out, signed, out=out)
    np.subtract(half, out, out=out)  # (1 + erf) / 2 if q > 1 else (1 - erf) / 2, as in Clarity
