"""Cohort retention done the standard way: survival and activity by age since acquisition.

* *survival at age a*: active on every day of ``[c, c + a]`` (no gap longer than the churn
  window since acquisition); *activity at age a*: active on day ``c + a`` (a purchase within
  the last ``w`` days). Both are 1 at age 0. See ``sim.analytics.customers`` for "active".
* Right-censoring: a customer enters the denominator at age ``a`` only if ``c + a <= E``;
  customers not yet observed at an age are never counted as lost.
* Cohorts are acquisition weeks (``c // 7``) or 30-day months (``c // 30``) counted from day 0
  of the run (or single days). Cohort column ``m`` is age ``m * unit`` days (the end of the
  unit). A cell is shown only when every customer the cohort can hold is observed at that
  age (the cohort's last acquisition day ``(g + 1) * unit - 1`` plus the age is <= E), so
  a cell is never a stub; the others are NaN.
* The pooled curve gives, at each age, k/n over all customers observed at that age, with a
  binomial interval, and stops before the first age observed on fewer than
  ``min_customers`` customers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analytics.customers import DEFAULT_WINDOW, Purchases, purchases
from sim.analytics.intervals import binomial_interval

#: Cohort units: name -> days.
COHORT_UNITS = {"day": 1, "week": 7, "month": 30}
#: What a retention figure counts.
RETENTION_KINDS = ("survival", "activity")
#: Ages (days) of the headline retention KPIs D30, D90, D180, D365.
HEADLINE_AGES = (30, 90, 180, 365)
#: The default stated acquisition cohort: customers acquired on days [0, 365).
DEFAULT_COHORT = (0, 365)
DEFAULT_MIN_CUSTOMERS = 100


def check_cohort(cohort: tuple[int, int]) -> tuple[int, int]:
    """``cohort`` as a valid (start, end) pair of acquisition days, end exclusive."""
    try:
        start, end = (int(v) for v in cohort)
    except (TypeError, ValueError):
        raise ValueError(f"cohort: must be a pair (start, end) of days, got {cohort!r}") from None
    if not 0 <= start < end:
        raise ValueError(f"cohort: must satisfy 0 <= start < end, got ({start}, {end})")
    return start, end


def _check_kind(kind: str) -> None:
    if kind not in RETENTION_KINDS:
        raise ValueError(f"kind: must be one of {', '.join(RETENTION_KINDS)}, got {kind!r}")


def counts_by_age(
    p: Purchases, group: np.ndarray, n_groups: int, kind: str, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """(k, n), each ``n_groups x (E + 1)``: customers surviving/active and customers observed
    at each age 0..E, per group. ``group`` is per customer (-1 leaves a customer out)."""
    _check_kind(kind)
    width = p.observation_end + 2  # ages 0..E plus one slot for "stops after E"
    keep = group >= 0
    g = group[keep].astype(np.int64)
    max_age = p.max_age[keep]

    def from_last_age(last: np.ndarray) -> np.ndarray:
        # customers whose last counted age is >= a, for each a (a reverse cumulative sum)
        hist = np.bincount(g * width + last, minlength=n_groups * width).reshape(n_groups, width)
        return np.cumsum(hist[:, ::-1], axis=1)[:, ::-1][:, :-1]

    n = from_last_age(max_age)
    if kind == "survival":
        k = from_last_age(np.minimum(max_age, p.first_lapse_age(window)[keep] - 1))
    else:
        start, stop = p.activity_spells(window)
        row_group = group[p.customer]
        rk = row_group >= 0
        rg = row_group[rk].astype(np.int64)
        delta = np.bincount(rg * width + start[rk], minlength=n_groups * width) - np.bincount(
            rg * width + stop[rk], minlength=n_groups * width
        )
        k = np.cumsum(delta.reshape(n_groups, width), axis=1)[:, :-1]
    return k, n


@dataclass(frozen=True)
class CohortMatrix:
    """Cohort x age tables: ``rate`` = ``customers`` / ``n`` (NaN where not fully observed).

    Index: cohort number ``g`` (acquisition days ``[g * unit, (g + 1) * unit)``, given in
    ``first_day``); columns: age in units (column ``m`` is age ``m * unit`` days).
    ``customers``: surviving (or active) customers; ``n``: customers observed (the cohort's
    size, on every shown cell).
    """

    kind: str
    unit: str
    window: int
    rate: pd.DataFrame
    customers: pd.DataFrame
    n: pd.DataFrame
    first_day: pd.Series

    def long(self, level: float = 0.95, method: str = "wilson") -> pd.DataFrame:
        """Shown cells as rows: cohort, first_day, age (units), age_days, rate, lo, hi,
        customers, n; the per-cohort curves with binomial intervals."""
        stacked = self.n.stack().rename("n").to_frame()
        stacked["customers"] = self.customers.stack()
        stacked.index.names = ["cohort", "age"]
        out = stacked.reset_index()
        out = out[out["n"] > 0]
        rate, lo, hi = binomial_interval(out["customers"], out["n"], level, method)
        out = out.assign(rate=rate, lo=lo, hi=hi)
        out.insert(1, "first_day", out["cohort"].map(self.first_day))
        out.insert(3, "age_days", out["age"] * COHORT_UNITS[self.unit])
        return out[
            ["cohort", "first_day", "age", "age_days", "rate", "lo", "hi", "customers", "n"]
        ].reset_index(drop=True)


def cohort_matrix(
    transactions: pd.DataFrame,
    observation_end: int,
    kind: str = "survival",
    unit: str = "month",
    window: int = DEFAULT_WINDOW,
) -> CohortMatrix:
    """Survival or activity by acquisition cohort (rows) and age (columns); see module doc."""
    _check_kind(kind)
    if unit not in COHORT_UNITS:
        raise ValueError(f"unit: must be one of {', '.join(COHORT_UNITS)}, got {unit!r}")
    size = COHORT_UNITS[unit]
    p = purchases(transactions, observation_end)
    e = p.observation_end
    cohort_of = p.acquired // size
    present = np.unique(cohort_of)
    rank = np.searchsorted(present, cohort_of)
    k, n = counts_by_age(p, rank, len(present), kind, window)
    ages = np.arange(e // size + 1)
    k, n = k[:, ages * size], n[:, ages * size]
    shown = (present[:, None] + 1) * size - 1 + ages[None, :] * size <= e
    index = pd.Index(present, name="cohort")
    columns = pd.Index(ages, name="age")
    k_frame = pd.DataFrame(np.where(shown, k, np.nan), index=index, columns=columns)
    n_frame = pd.DataFrame(np.where(shown, n, np.nan), index=index, columns=columns)
    keep = shown.any(axis=0)
    keep[0] = True  # keep the age-0 column even when no cohort is complete yet
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = k_frame / n_frame
    return CohortMatrix(
        kind=kind,
        unit=unit,
        window=window,
        rate=rate.loc[:, keep],
        customers=k_frame.loc[:, keep],
        n=n_frame.loc[:, keep],
        first_day=pd.Series(present * size, index=index, name="first_day"),
    )


def _cohort_group(p: Purchases, cohort: tuple[int, int] | None) -> np.ndarray:
    if cohort is None:
        return np.zeros(len(p.ids), dtype=np.int64)
    start, end = check_cohort(cohort)
    return np.where((p.acquired >= start) & (p.acquired < end), 0, -1)


def retention_curve(
    transactions: pd.DataFrame,
    observation_end: int,
    kind: str = "survival",
    window: int = DEFAULT_WINDOW,
    cohort: tuple[int, int] | None = None,
    min_customers: int = DEFAULT_MIN_CUSTOMERS,
    level: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """The pooled curve at equal ages: for each age a (days, index ``age``), ``rate`` = k_a /
    n_a over the customers observed at a (``n``; ``customers`` = k_a), with its binomial
    interval (``lo``, ``hi``). It starts at 1.0 at age 0 and stops before the first age with
    n_a < ``min_customers`` (empty if even age 0 has fewer). ``cohort=(start, end)``
    restricts it to customers acquired on days [start, end)."""
    if min_customers < 1:
        raise ValueError(f"min_customers: must be >= 1, got {min_customers}")
    p = purchases(transactions, observation_end)
    k, n = counts_by_age(p, _cohort_group(p, cohort), 1, kind, window)
    k, n = k[0], n[0]
    short = np.flatnonzero(n < min_customers)
    stop = int(short[0]) if len(short) else len(n)
    k, n = k[:stop], n[:stop]
    rate, lo, hi = binomial_interval(k, n, level, method)
    return pd.DataFrame(
        {"rate": rate, "lo": lo, "hi": hi, "customers": k, "n": n},
        index=pd.RangeIndex(stop, name="age"),
    )


def retention_at_ages(
    transactions: pd.DataFrame,
    observation_end: int,
    ages: tuple[int, ...] = HEADLINE_AGES,
    cohort: tuple[int, int] = DEFAULT_COHORT,
    kind: str = "survival",
    window: int = DEFAULT_WINDOW,
    level: float = 0.95,
    method: str = "wilson",
) -> pd.DataFrame:
    """D_k: the share of the stated cohort (customers acquired on days [start, end)) that
    survives (or is active) at age k, for each k in ``ages`` (index ``age``).

    Every customer the cohort can hold must be observable at age k (end - 1 + k <= E), so
    two scenarios are compared on exactly the same customers' ages; otherwise the row is NaN
    and ``note`` says which observation end it needs. Columns: rate, lo, hi, customers, n,
    note.
    """
    start, end = check_cohort(cohort)
    p = purchases(transactions, observation_end)
    k, n = counts_by_age(p, _cohort_group(p, cohort), 1, kind, window)
    rows = []
    for age in ages:
        age = int(age)
        if age < 0:
            raise ValueError(f"ages: must be >= 0, got {age}")
        need = end - 1 + age
        if need > p.observation_end:
            note = f"cohort [{start}, {end}) is observable at age {age} only from observation_end {need}"
            rows.append((np.nan, np.nan, np.nan, np.nan, np.nan, note))
        elif n[0, age] == 0:
            rows.append(
                (np.nan, np.nan, np.nan, 0, 0, f"no customers acquired in [{start}, {end})")
            )
        else:
            r, lo, hi = binomial_interval(k[0, age], n[0, age], level, method)
            rows.append((float(r), float(lo), float(hi), int(k[0, age]), int(n[0, age]), ""))
    return pd.DataFrame(
        rows,
        columns=["rate", "lo", "hi", "customers", "n", "note"],
        index=pd.Index([int(a) for a in ages], name="age"),
    )
