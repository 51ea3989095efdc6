"""Per-customer facts derived from the transaction log: acquisition, ages, the first lapse.

Definitions (days; ``w`` is the churn window, default 30; ``E`` the observation end):

* a consumer becomes a *customer* on their first purchase day ``c`` (acquisition);
  their *age* on day ``t`` is ``t - c``;
* *active at day t*: a purchase on some day ``p`` with ``t - w < p <= t``;
* age ``a`` is *observed* iff ``c + a <= E`` (the customer's *max age* is ``E - c``);
* the *first lapse age* ``L`` is the age of the first day on which the customer is not
  active. Between consecutive purchases ``p_i < p_(i+1)`` the customer is inactive on some
  day iff ``p_(i+1) - p_i > w``, so ``L = p_j - c + w`` where ``p_j`` is the purchase that
  starts the first gap longer than ``w`` (or the last purchase). *Survival to age a* (active
  on every day of ``[c, c + a]``) holds iff ``a < L``; survival at age 0 is always 1.

Purchases after ``E`` are ignored, so any earlier day can serve as an "as of" date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DEFAULT_WINDOW = 30


@dataclass(frozen=True)
class Purchases:
    """The log's purchases up to ``observation_end``, sorted by (consumer, day), with
    per-row and per-customer index arrays; built once per call by ``purchases``."""

    observation_end: int
    consumer: np.ndarray  # per row, int64
    day: np.ndarray  # per row, int64
    customer: np.ndarray  # per row: index 0..m-1 into the per-customer arrays
    ids: np.ndarray  # per customer: consumer id (ascending)
    start: np.ndarray  # per customer: index of its first row
    acquired: np.ndarray  # per customer: first purchase day c
    rows: np.ndarray  # per row: position in the original frame (to fetch other columns)

    @property
    def age(self) -> np.ndarray:
        """Per row: age of the purchase, day - c."""
        return self.day - self.acquired[self.customer]

    @property
    def max_age(self) -> np.ndarray:
        """Per customer: the last observed age, E - c."""
        return self.observation_end - self.acquired

    @property
    def next_same(self) -> np.ndarray:
        """Per row: whether the next row is a later purchase of the same customer."""
        same = np.zeros(len(self.day), dtype=bool)
        same[:-1] = self.customer[1:] == self.customer[:-1]
        return same

    def column(self, transactions: pd.DataFrame, name: str) -> np.ndarray:
        """Per row (in this sorted order): the values of ``name`` in ``transactions``."""
        return transactions[name].to_numpy()[self.rows]

    def first_lapse_age(self, window: int = DEFAULT_WINDOW) -> np.ndarray:
        """Per customer: L, the age of the first day without activity (see module doc)."""
        if window < 1:
            raise ValueError(f"window: must be >= 1 day, got {window}")
        n = len(self.day)
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        gap = np.full(n, np.iinfo(np.int64).max)
        same = self.next_same
        gap[:-1] = np.where(same[:-1], self.day[1:] - self.day[:-1], gap[:-1])
        breaks = (gap > window) | ~same  # the purchase that starts a long gap, or the last
        first_break = np.minimum.reduceat(np.where(breaks, np.arange(n), n), self.start)
        return self.day[first_break] - self.acquired + window

    def activity_spells(self, window: int = DEFAULT_WINDOW) -> tuple[np.ndarray, np.ndarray]:
        """Per row: the ages [start, stop) during which this purchase is the latest one and
        keeps the customer active; the spells of one customer are disjoint and cut at E."""
        age = self.age
        stop = age + window
        same = self.next_same
        nxt = np.empty_like(age)
        nxt[:-1] = age[1:]
        stop = np.where(same, np.minimum(stop, nxt), stop)
        stop = np.minimum(stop, self.max_age[self.customer] + 1)
        return age, stop


def purchases(transactions: pd.DataFrame, observation_end: int) -> Purchases:
    """Sort the log's purchases up to ``observation_end`` (no copy of the other columns)."""
    observation_end = int(observation_end)
    if observation_end < 0:
        raise ValueError(f"observation_end: must be >= 0, got {observation_end}")
    consumer = transactions["consumer"].to_numpy(np.int64)
    day = transactions["day"].to_numpy(np.int64)
    keep = np.flatnonzero(day <= observation_end)
    consumer, day = consumer[keep], day[keep]
    if len(consumer) > 1 and not (
        np.all(consumer[1:] >= consumer[:-1])
        and np.all((consumer[1:] > consumer[:-1]) | (day[1:] > day[:-1]))
    ):
        order = np.lexsort((day, consumer))
        consumer, day, keep = consumer[order], day[order], keep[order]
    new = np.ones(len(consumer), dtype=bool)
    new[1:] = consumer[1:] != consumer[:-1]
    start = np.flatnonzero(new)
    return Purchases(
        observation_end=observation_end,
        consumer=consumer,
        day=day,
        customer=np.cumsum(new) - 1,
        ids=consumer[start],
        start=start,
        acquired=day[start],
        rows=keep,
    )


def customer_table(
    transactions: pd.DataFrame, observation_end: int, window: int = DEFAULT_WINDOW
) -> pd.DataFrame:
    """One row per customer (index ``consumer``, ascending): ``acquired`` (day c),
    ``last_purchase``, ``purchases``, ``max_age`` (E - c), ``first_lapse_age`` (L: survives
    to age a iff a < L), ``lapsed`` (L <= max_age: the lapse was observed), ``acq_channel``,
    ``referrer``."""
    p = purchases(transactions, observation_end)
    lapse = p.first_lapse_age(window)
    last = np.r_[p.start[1:], len(p.day)] - 1
    first_rows = p.rows[p.start]
    table = pd.DataFrame(
        {
            "acquired": p.acquired,
            "last_purchase": p.day[last],
            "purchases": np.diff(np.r_[p.start, len(p.day)]),
            "max_age": p.max_age,
            "first_lapse_age": lapse,
            "lapsed": lapse <= p.max_age,
        },
        index=pd.Index(p.ids, name="consumer"),
    )
    for col in ("acq_channel", "referrer"):
        if col in transactions.columns:
            table[col] = transactions[col].iloc[first_rows].to_numpy()
    return table
