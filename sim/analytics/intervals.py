"""Confidence intervals: one helper for seeds (t) and one for shares within a run (binomial).

Tables, figures, the dashboard and ``compare`` all call these, so an interval printed in one
place is the interval printed everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

BINOMIAL_METHODS = ("wilson", "clopper-pearson", "normal")


def t_interval(values: Iterable[float | None], level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the Student-t interval over seeds.

    NaN and None values are ignored (a KPI undefined on one seed does not poison the rest);
    the half-width is NaN with a single value, and both are NaN with none.
    """
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if len(x) == 0:
        return float("nan"), float("nan")
    if len(x) == 1:
        return float(x[0]), float("nan")
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(half)


def t_band(frame, level: float = 0.95):  # noqa: ANN001, ANN201 - a DataFrame in, two Series out
    """Per row of a (day x seed) frame: the mean over seeds and the half-width of its t
    interval (0 with a single seed), so a figure's band is the interval its table prints."""
    n = frame.shape[1]
    mean = frame.mean(axis=1)
    if n < 2:
        return mean, 0.0 * mean
    half = stats.t.ppf(0.5 + level / 2, n - 1) * frame.std(axis=1, ddof=1) / np.sqrt(n)
    return mean, half


def binomial_interval(
    k: float | np.ndarray,
    n: float | np.ndarray,
    level: float = 0.95,
    method: str = "wilson",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Share k/n with its two-sided interval (lo, hi), vectorized over arrays.

    ``method``: ``wilson`` (score interval; the default because it keeps its coverage near
    the nominal level for small n and rates near 0 or 1), ``clopper-pearson`` (exact,
    conservative) or ``normal`` (Wald, cut to [0, 1]). Cells with n = 0 give NaN.
    Scalars in give 0-d arrays out (``float()`` them).
    """
    if method not in BINOMIAL_METHODS:
        raise ValueError(f"method: must be one of {', '.join(BINOMIAL_METHODS)}, got {method!r}")
    if not 0 < level < 1:
        raise ValueError(f"level: must be in (0, 1), got {level}")
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    if np.any((k < 0) | (k > n)):
        raise ValueError("k: must satisfy 0 <= k <= n")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(n > 0, k / n, np.nan)
        z = stats.norm.ppf(0.5 + level / 2)
        if method == "wilson":
            denom = 1 + z**2 / n
            centre = (p + z**2 / (2 * n)) / denom
            half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
            lo, hi = centre - half, centre + half
        elif method == "normal":
            half = z * np.sqrt(p * (1 - p) / n)
            lo, hi = np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)
        else:
            alpha = 1 - level
            lo = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
            hi = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    nan = n <= 0
    lo = np.where(nan, np.nan, np.clip(lo, 0, 1))
    hi = np.where(nan, np.nan, np.clip(hi, 0, 1))
    return p, lo, hi


@dataclass(frozen=True)
class Share:
    """A share within a run with its binomial interval and the counts it rests on.

    ``customers`` of ``n`` (both 0 and the rate NaN when nobody qualifies; ``note`` says why
    a share is undefined).
    """

    rate: float
    lo: float
    hi: float
    customers: int
    n: int
    note: str = ""

    @classmethod
    def from_counts(
        cls, k: int, n: int, level: float = 0.95, method: str = "wilson", note: str = ""
    ) -> Share:
        rate, lo, hi = binomial_interval(k, n, level, method)
        if n == 0 and not note:
            note = "no customers qualify"
        return cls(float(rate), float(lo), float(hi), int(k), int(n), note)

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)
