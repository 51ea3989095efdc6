"""Confidence intervals: one helper for every table, figure and dashboard view.

* Over seeds (replications of a run): the t interval of the mean, ``t_{n-1} s / sqrt(n)``.
  With 5 seeds the t quantile is 2.78, not 1.96: a normal band would be 30% too narrow.
* Shares within a run (k of n customers): the Wilson score interval.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _t_quantile(level: float, dof: np.ndarray | int) -> np.ndarray | float:
    from scipy import stats  # imported where an interval is computed, not at package import

    return stats.t.ppf(0.5 + level / 2, dof)


def t_interval(values: Sequence[float] | np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Mean and half-width of the t-based confidence interval over seeds (NaNs ignored;
    half-width NaN for a single value)."""
    x = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if len(x) == 0:
        return float("nan"), float("nan")
    if len(x) == 1:
        return float(x[0]), float("nan")
    half = _t_quantile(level, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean()), float(half)


def t_band(frame, level: float = 0.95):  # frame: DataFrame (rows: days, columns: seeds)
    """Per row: the mean over the columns (seeds) and the half-width of its t interval
    (0 with a single column). Returns (mean, half) as pandas Series."""
    n = frame.shape[1]
    mean = frame.mean(axis=1)
    if n < 2:
        return mean, 0.0 * mean
    half = _t_quantile(level, n - 1) * frame.std(axis=1, ddof=1) / np.sqrt(n)
    return mean, half


def binomial_interval(
    k: np.ndarray | int, n: np.ndarray | int, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rate k/n and its Wilson score interval (lo, hi), elementwise; NaN where n = 0."""
    from scipy import stats

    k = np.asarray(k, np.float64)
    n = np.asarray(n, np.float64)
    z = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return p, centre - half, centre + half
