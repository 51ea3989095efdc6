"""Customer value on fixed horizons: discounted LTV, CAC and payback, booked the same way.

* Cash flows of a customer acquired on day ``c``: the ``margin`` of each purchase (the
  platform's contribution, acquisition incentives excluded) minus the ``customer_costs``
  charged to them (win-back offers, reward pool, ...), each at its age ``q = day - c`` and
  discounted by ``(1 + r) ** (-q / 365)`` (``r`` the annual rate, default 0.10). Costs dated
  before a consumer's first purchase, or of consumers who never bought, belong to no
  customer and are left out.
* **LTV** at horizon ``H`` (default 365 days): a customer's discounted cash flows at ages
  ``0 <= q < H``, averaged over the customers of the cohort observable for ``H`` days
  (``c + H - 1 <= E``).
* **CAC** of a cohort acquired on days ``[start, end)``: (ad spend on those days + the
  ``acquisition_cost`` booked on its customers' first purchases) / customers acquired.
* **Payback age**: the first age ``a`` at which the cohort's cumulative discounted cash flows
  per customer (ages ``<= a``) reach its CAC, looked for over the ages at which every
  customer the cohort can hold is observed (``end - 1 + a <= E``); NaN if not reached.
* **LTV/CAC**: LTV / CAC (NaN when CAC is 0).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analytics.cohorts import COHORT_UNITS, DEFAULT_COHORT, check_cohort
from sim.analytics.customers import Purchases, purchases

DEFAULT_HORIZON = 365
DEFAULT_ANNUAL_RATE = 0.10
DAYS_PER_YEAR = 365


def discount_factor(age_days: np.ndarray | float, annual_rate: float) -> np.ndarray:
    """(1 + r) ** (-age / 365): the present value at acquisition of one yuan at that age."""
    if not annual_rate > -1:
        raise ValueError(f"annual_rate: must be > -1, got {annual_rate}")
    return (1.0 + annual_rate) ** (-np.asarray(age_days, dtype=float) / DAYS_PER_YEAR)


def _cash_flows(
    p: Purchases,
    transactions: pd.DataFrame,
    costs: pd.DataFrame | None,
    annual_rate: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(customer index, age, discounted margin, discounted cost) of every cash flow."""
    cust = p.customer
    age = p.age
    margin = p.column(transactions, "margin") * discount_factor(age, annual_rate)
    cost = np.zeros(len(age))
    if costs is not None and len(costs) and len(p.ids):
        cid = costs["consumer"].to_numpy(np.int64)
        pos = np.minimum(np.searchsorted(p.ids, cid), len(p.ids) - 1)
        day = costs["day"].to_numpy(np.int64)
        known = p.ids[pos] == cid
        c_age = day - p.acquired[pos]
        keep = known & (c_age >= 0) & (day <= p.observation_end)
        c_age = c_age[keep]
        amount = costs["amount"].to_numpy(float)[keep] * discount_factor(c_age, annual_rate)
        cust = np.r_[cust, pos[keep]]
        age = np.r_[age, c_age]
        margin = np.r_[margin, np.zeros(len(c_age))]
        cost = np.r_[cost, amount]
    return cust, age, margin, cost


def customer_value(
    transactions: pd.DataFrame,
    observation_end: int,
    costs: pd.DataFrame | None = None,
    horizon: int = DEFAULT_HORIZON,
    annual_rate: float = DEFAULT_ANNUAL_RATE,
) -> pd.DataFrame:
    """Per customer (index ``consumer``): ``acquired``, ``observed`` (observable for
    ``horizon`` days), ``margin`` and ``costs`` (discounted, ages < horizon) and ``value`` =
    margin - costs (the customer's LTV when ``observed``)."""
    if horizon < 1:
        raise ValueError(f"horizon: must be >= 1 day, got {horizon}")
    p = purchases(transactions, observation_end)
    cust, age, margin, cost = _cash_flows(p, transactions, costs, annual_rate)
    early = age < horizon
    m = len(p.ids)
    margin_sum = np.bincount(cust[early], weights=margin[early], minlength=m)
    cost_sum = np.bincount(cust[early], weights=cost[early], minlength=m)
    return pd.DataFrame(
        {
            "acquired": p.acquired,
            "observed": p.acquired + horizon - 1 <= p.observation_end,
            "margin": margin_sum,
            "costs": cost_sum,
            "value": margin_sum - cost_sum,
        },
        index=pd.Index(p.ids, name="consumer"),
    )


def _economics(
    transactions: pd.DataFrame,
    daily: pd.DataFrame,
    observation_end: int,
    costs: pd.DataFrame | None,
    windows: np.ndarray,
    horizon: int,
    annual_rate: float,
) -> pd.DataFrame:
    """LTV, CAC and payback for acquisition windows ``[start, end)`` (rows of ``windows``)."""
    if horizon < 1:
        raise ValueError(f"horizon: must be >= 1 day, got {horizon}")
    if "ad_spend" not in daily.columns:
        raise ValueError("daily: needs an 'ad_spend' column")
    p = purchases(transactions, observation_end)
    e = p.observation_end
    starts, ends = windows[:, 0], windows[:, 1]
    n_groups = len(windows)
    # windows are disjoint and sorted: a customer belongs to at most one
    g = np.searchsorted(ends, p.acquired, side="right")
    g = np.where((g < n_groups) & (p.acquired >= starts[np.minimum(g, n_groups - 1)]), g, -1)
    size = np.bincount(g[g >= 0], minlength=n_groups)
    acq_cost = p.column(transactions, "acquisition_cost")[p.start]
    acq_sum = np.bincount(g[g >= 0], weights=acq_cost[g >= 0], minlength=n_groups)
    ad = daily["ad_spend"].to_numpy(float)
    cum_ad = np.r_[0.0, np.cumsum(ad)]
    ad_sum = cum_ad[np.minimum(ends, len(ad))] - cum_ad[np.minimum(starts, len(ad))]

    cust, age, margin, cost = _cash_flows(p, transactions, costs, annual_rate)
    flow_group = g[cust]
    fk = flow_group >= 0
    width = e + 1
    flows = np.bincount(
        flow_group[fk] * width + age[fk], weights=(margin - cost)[fk], minlength=n_groups * width
    ).reshape(n_groups, width)
    cum = np.cumsum(flows, axis=1)

    early = fk & (age < horizon)
    obs_customer = p.acquired + horizon - 1 <= e
    value = np.bincount(cust[early], weights=(margin - cost)[early], minlength=len(p.ids))
    ok = (g >= 0) & obs_customer
    observed = np.bincount(g[ok], minlength=n_groups)
    value_sum = np.bincount(g[ok], weights=value[ok], minlength=n_groups)

    with np.errstate(invalid="ignore", divide="ignore"):
        ltv = np.where(observed > 0, value_sum / observed, np.nan)
        cac = np.where(size > 0, (ad_sum + acq_sum) / size, np.nan)
        ltv_cac = np.where(cac > 0, ltv / cac, np.nan)
        per_customer = cum / size[:, None]
    last_age = e - (ends - 1)  # ages at which every customer the window can hold is observed
    ages = np.arange(width)
    reached = (per_customer >= cac[:, None]) & (ages[None, :] <= last_age[:, None])
    reached &= size[:, None] > 0
    payback = np.where(reached.any(axis=1), reached.argmax(axis=1), np.nan)
    return pd.DataFrame(
        {
            "first_day": starts,
            "end_day": ends,
            "customers": size,
            "observed": observed,
            "ltv": ltv,
            "ad_spend": ad_sum,
            "acquisition_cost": acq_sum,
            "cac": cac,
            "ltv_cac": ltv_cac,
            "payback_age": payback,
        }
    )


def unit_economics(
    transactions: pd.DataFrame,
    daily: pd.DataFrame,
    observation_end: int,
    costs: pd.DataFrame | None = None,
    cohort: tuple[int, int] = DEFAULT_COHORT,
    horizon: int = DEFAULT_HORIZON,
    annual_rate: float = DEFAULT_ANNUAL_RATE,
) -> pd.Series:
    """LTV, CAC, LTV/CAC and payback age of the stated cohort (acquired on days
    [start, end)); see the module doc. Also: customers, observed (customers observable for
    ``horizon`` days, the LTV's denominator), ad_spend, acquisition_cost."""
    start, end = check_cohort(cohort)
    table = _economics(
        transactions, daily, observation_end, costs, np.array([[start, end]]), horizon, annual_rate
    )
    return table.iloc[0]


def value_by_cohort(
    transactions: pd.DataFrame,
    daily: pd.DataFrame,
    observation_end: int,
    costs: pd.DataFrame | None = None,
    unit: str = "month",
    horizon: int = DEFAULT_HORIZON,
    annual_rate: float = DEFAULT_ANNUAL_RATE,
) -> pd.DataFrame:
    """``unit_economics`` for every acquisition week or 30-day month (index ``cohort``);
    ``ltv`` is NaN unless every customer the cohort can hold is observable for ``horizon``
    days (no stub cohorts), and payback is looked for as in ``unit_economics``."""
    if unit not in COHORT_UNITS:
        raise ValueError(f"unit: must be one of {', '.join(COHORT_UNITS)}, got {unit!r}")
    size = COHORT_UNITS[unit]
    e = int(observation_end)
    starts = np.arange(0, e + 1, size)
    windows = np.c_[starts, starts + size]
    table = _economics(transactions, daily, e, costs, windows, horizon, annual_rate)
    complete = table["end_day"] - 1 + horizon - 1 <= e
    table.loc[~complete, ["ltv", "ltv_cac"]] = np.nan
    table.index = pd.Index(starts // size, name="cohort")
    return table[table["customers"] > 0]
