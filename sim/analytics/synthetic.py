"""Synthetic transaction logs with a known truth, to check the analytics (and time them).

A "buy till you die" process simulated with numpy alone: customer ``i`` is acquired with a
purchase on day ``c_i``; on every later day it first drops out for good with probability
``churn_prob`` and, if still alive, buys with probability ``purchase_prob``. Its survival and
activity curves then follow exactly from a small Markov chain (``exact_retention``), so
interval coverage can be checked against the true rate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analytics.transactions import as_transactions


def simulate_purchases(
    n_customers: int,
    days: int,
    purchase_prob: float | np.ndarray,
    churn_prob: float | np.ndarray,
    acquisition_days: np.ndarray | None = None,
    mean_amount: float = 10.0,
    margin_rate: float = 0.05,
    seed: int | np.random.Generator = 0,
) -> pd.DataFrame:
    """A valid transaction log of the process above, over days 0..days-1.

    ``purchase_prob`` and ``churn_prob`` are scalars or one value per customer (heterogeneous
    customers); ``acquisition_days`` defaults to uniform on the first half of the run.
    Amounts are gamma-distributed (shape 2) with mean ``mean_amount`` and paid in full
    (list value = amount), margin = ``margin_rate`` * amount, one solo channel and brand.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if acquisition_days is None:
        acquisition_days = rng.integers(0, max(days // 2, 1), n_customers)
    c = np.asarray(acquisition_days, dtype=np.int64)
    if len(c) != n_customers or np.any((c < 0) | (c >= days)):
        raise ValueError(f"acquisition_days: need {n_customers} days in 0..{days - 1}")
    p = np.broadcast_to(np.asarray(purchase_prob, dtype=float), (n_customers,))
    h = np.broadcast_to(np.asarray(churn_prob, dtype=float), (n_customers,))
    alive_days = rng.geometric(np.clip(h, 1e-12, 1.0)) - 1  # days alive after acquisition
    span = np.minimum(alive_days, days - 1 - c)  # later days observed while alive
    total = int(span.sum())
    owner = np.repeat(np.arange(n_customers), span)
    offset = np.arange(total) - np.repeat(np.cumsum(span) - span, span) + 1
    buys = rng.random(total) < p[owner]
    consumer = np.r_[np.arange(n_customers), owner[buys]]
    day = np.r_[c, c[owner[buys]] + offset[buys]]
    order = np.lexsort((day, consumer))
    consumer, day = consumer[order], day[order]
    first = np.r_[True, consumer[1:] != consumer[:-1]] if len(consumer) else np.zeros(0, bool)
    amount = rng.gamma(2.0, mean_amount / 2.0, len(day))
    zeros = np.zeros(len(day))
    minus = np.full(len(day), -1)
    frame = pd.DataFrame(
        {
            "consumer": consumer,
            "day": day,
            "amount": amount,
            "list_value": amount,
            "subsidy": zeros,
            "brand_discount": zeros,
            "redeemed": zeros,
            "channel": "solo",
            "brand": 0,
            "group": minus,
            "leader": minus,
            "acq_channel": "organic",
            "referrer": minus,
            "first": first,
            "margin": margin_rate * amount,
            "acquisition_cost": zeros,
        }
    )
    return as_transactions(frame)


def exact_retention(
    purchase_prob: float, churn_prob: float, window: int, max_age: int
) -> pd.DataFrame:
    """True survival and activity at ages 0..max_age of one customer of the process above.

    Markov chain on (alive or not, days since the last purchase s, capped at ``window``):
    active iff s < window; survival = probability of never having reached s = window.
    """
    p, h, w = purchase_prob, churn_prob, window
    alive = np.zeros(w + 1)  # activity chain, s = 0..w (w means >= w)
    dead = np.zeros(w + 1)
    alive[0] = 1.0
    s_alive = alive.copy()  # survival chain: mass that never reached s = w
    s_dead = dead.copy()
    survival, activity = [1.0], [1.0]

    def step(a: np.ndarray, d: np.ndarray, absorb: bool) -> tuple[np.ndarray, np.ndarray]:
        stay = a * (1 - h)
        na = np.zeros_like(a)
        na[0] = stay.sum() * p
        na[1:] += stay[:-1] * (1 - p)
        na[-1] += stay[-1] * (1 - p)
        nd = np.zeros_like(d)
        nd[1:] += (d + a * h)[:-1]
        nd[-1] += (d + a * h)[-1]
        if absorb:
            na[-1] = 0.0
            nd[-1] = 0.0
        return na, nd

    for _ in range(max_age):
        alive, dead = step(alive, dead, absorb=False)
        s_alive, s_dead = step(s_alive, s_dead, absorb=True)
        activity.append(float(alive[:w].sum() + dead[:w].sum()))
        survival.append(float(s_alive[:w].sum() + s_dead[:w].sum()))
    return pd.DataFrame(
        {"survival": survival, "activity": activity}, index=pd.RangeIndex(max_age + 1, name="age")
    )
