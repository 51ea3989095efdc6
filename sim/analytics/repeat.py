"""Repeat buying in the first year of age: the repeat rate and the one-time buyer share."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analytics.cohorts import DEFAULT_COHORT, check_cohort
from sim.analytics.customers import purchases
from sim.analytics.intervals import Share

#: Days of age that make "the first year".
FIRST_YEAR = 365


def repeat_rate(
    transactions: pd.DataFrame,
    observation_end: int,
    cohort: tuple[int, int] = DEFAULT_COHORT,
    horizon: int = FIRST_YEAR,
    level: float = 0.95,
    method: str = "wilson",
) -> Share:
    """First-year repeat rate: among customers acquired on days [start, end) and observable
    for ``horizon`` days (c + horizon - 1 <= E), the share with a second purchase within
    ``horizon`` days of the first (age <= horizon - 1)."""
    start, end = check_cohort(cohort)
    if horizon < 1:
        raise ValueError(f"horizon: must be >= 1 day, got {horizon}")
    p = purchases(transactions, observation_end)
    qualifies = (p.acquired >= start) & (p.acquired < end)
    qualifies &= p.acquired + horizon - 1 <= p.observation_end
    has_second = np.diff(np.r_[p.start, len(p.day)]) >= 2
    second_age = np.full(len(p.ids), horizon)
    second_age[has_second] = p.day[p.start[has_second] + 1] - p.acquired[has_second]
    repeat = second_age <= horizon - 1
    note = (
        ""
        if qualifies.any()
        else (f"no customer acquired in [{start}, {end}) is observable for {horizon} days")
    )
    return Share.from_counts(
        int((repeat & qualifies).sum()), int(qualifies.sum()), level, method, note
    )


def one_time_buyer_share(
    transactions: pd.DataFrame,
    observation_end: int,
    cohort: tuple[int, int] = DEFAULT_COHORT,
    horizon: int = FIRST_YEAR,
    level: float = 0.95,
    method: str = "wilson",
) -> Share:
    """1 - ``repeat_rate``: the share of the same customers with no second purchase within
    ``horizon`` days of the first."""
    r = repeat_rate(transactions, observation_end, cohort, horizon, level, method)
    return Share.from_counts(r.n - r.customers, r.n, level, method, r.note)
