"""Outputs: the daily series' columns, retention measured from purchases, and the run's KPIs.

Definitions (also in the README):

* active customer: bought within the churn window (default 30 days) ending today;
* D_k retention: among customers acquired at least k days before the end, the share
  who were active at age k *from a repeat purchase* (a purchase after the
  acquisition day, within the churn window ending at age k);
* cohort matrix: rows are 30-day acquisition cohorts, columns months since
  acquisition, cells the share of the cohort who bought in that month;
* CAC: acquisition spend (ads, subsidies and rewards triggered by first purchases)
  per acquired customer;
* LTV: the platform's contribution per acquired customer over the run:
  commissions on their purchases less subsidies and rewards on their repeat
  purchases, less win-back spend on them and less the reward pool;
* payback day: first day on which cumulative contribution covers cumulative
  acquisition spend;
* resilience of a shock: active customers 60 days after it over active customers
  the day before it;
* Gini of rewards: over customers' reward balances.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.accounts import FLOWS
from sim.columns import COLUMNS

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel


def _daily_columns() -> tuple[str, ...]:
    import sim.mechanisms  # noqa: F401 - registers the mechanisms' columns

    return COLUMNS.names()


#: every column of the daily series (core and mechanisms), in registration order
DAILY_COLUMNS = _daily_columns()

RESILIENCE_HORIZON = 60
RETENTION_DAYS = (30, 90, 180)


class RetentionTracker:
    """Accumulates, by customer age in days, how many customers reached that age and
    how many of them were active from a repeat purchase at it.

    The model calls :meth:`advance` with only the day's changes (customers acquired, customers
    who became or stopped being repeat-active), so a day costs O(days + changes) instead of a
    pass over all customers; :meth:`record` is the equivalent full recount.
    """

    def __init__(self, n: int, days: int, window: int) -> None:
        self.window = window
        self.reached = np.zeros(days + 1, np.int64)
        self.retained = np.zeros(days + 1, np.int64)
        # per acquisition day: customers acquired, and how many of them are repeat-active now
        self._acquired = np.zeros(days + 1, np.int64)
        self._repeat_active = np.zeros(days + 1, np.int64)

    def _grow(self, day: int) -> None:
        size = len(self.reached)
        if day >= size:  # ran past the planned horizon: grow
            extra = day + 1 - size
            self.reached = np.pad(self.reached, (0, extra))
            self.retained = np.pad(self.retained, (0, extra))
            self._acquired = np.pad(self._acquired, (0, extra))
            self._repeat_active = np.pad(self._repeat_active, (0, extra))

    def record(
        self, day: int, acq_day: np.ndarray, last_purchase: np.ndarray, purchases: np.ndarray
    ) -> None:
        """Full recount from the population arrays (O(customers)); same result as advance."""
        self._grow(day)
        size = len(self.reached)
        cust = purchases > 0
        age = day - acq_day[cust]
        lp = last_purchase[cust]
        repeat_active = (lp > acq_day[cust]) & (lp > day - self.window)
        self.reached += np.bincount(age, minlength=size)[:size]
        self.retained += np.bincount(age, weights=repeat_active, minlength=size)[:size].astype(
            np.int64
        )

    def reset(
        self, day: int, acq_day: np.ndarray, last_purchase: np.ndarray, purchases: np.ndarray
    ) -> None:
        """Rebuild the per-acquisition-day state as it stood at the end of ``day - 1``."""
        self._grow(max(day, 0))
        size = len(self.reached)
        cust = purchases > 0
        acq = acq_day[cust]
        lp = last_purchase[cust]
        ra = (lp > acq) & (lp > day - 1 - self.window)
        self._acquired = np.bincount(acq, minlength=size)[:size].astype(np.int64)
        self._repeat_active = np.bincount(acq[ra], minlength=size)[:size].astype(np.int64)

    def advance(
        self, day: int, acquired: int, started_acq_day: np.ndarray, stopped_acq_day: np.ndarray
    ) -> None:
        """Book one day from its changes: ``acquired`` new customers today; the acquisition
        days of customers who became repeat-active today and of those who stopped being so."""
        self._grow(day)
        self._acquired[day] += acquired
        if len(started_acq_day):
            np.add.at(self._repeat_active, started_acq_day, 1)
        if len(stopped_acq_day):
            np.subtract.at(self._repeat_active, stopped_acq_day, 1)
        # age a today <=> acquired on day - a
        self.reached[: day + 1] += self._acquired[day::-1]
        self.retained[: day + 1] += self._repeat_active[day::-1]

    def curve(self) -> pd.Series:
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(self.reached > 0, self.retained / np.maximum(self.reached, 1), np.nan)
        return pd.Series(r, index=pd.RangeIndex(len(r), name="age_days"), name="retention")


def cohort_matrix(acq_day: np.ndarray, month_mask: np.ndarray, days: int) -> pd.DataFrame:
    """Share of each 30-day acquisition cohort buying in each month since acquisition."""
    months = min((days + 29) // 30, 64)
    cust = acq_day >= 0
    cohort = acq_day[cust] // 30
    mask = month_mask[cust]
    out = np.full((months, months), np.nan)
    sizes = np.bincount(cohort, minlength=months)[:months]
    for m in range(months):
        bought = ((mask >> np.uint64(m)) & np.uint64(1)).astype(bool)
        offset = m - cohort
        ok = (offset >= 0) & bought
        counts = np.bincount(cohort[ok], minlength=months)[:months]
        for c in range(min(m + 1, months)):
            if sizes[c]:
                out[c, m - c] = counts[c] / sizes[c]
    df = pd.DataFrame(
        out,
        index=pd.Index([f"M{c}" for c in range(months)], name="cohort"),
        columns=pd.Index([str(m) for m in range(months)], name="months_since_acquisition"),
    )
    df.insert(0, "size", sizes)
    return df


def compute_kpis(model: SocialCommerceModel, daily: pd.DataFrame) -> dict[str, Any]:
    """The run's KPI summary (floats; NaN where undefined, e.g. D180 in a 90-day run)."""
    pop = model.pop
    curve = model.retention.curve()
    cust = pop.purchases > 0
    n_cust = int(cust.sum())
    acq_spend = float(daily["ad_spend"].sum() + pop.acquisition_cost.sum())
    # pool payouts reward contributions, not one buyer's purchase: charged to LTV as a whole
    contribution = float(pop.contribution[cust].sum() - daily["pool_paid"].sum())
    cac = acq_spend / n_cust if n_cust else float("nan")
    ltv = contribution / n_cust if n_cust else float("nan")
    k: dict[str, Any] = {}
    for d in RETENTION_DAYS:
        k[f"d{d}_retention"] = float(curve.iloc[d]) if d < len(curve) else float("nan")
    k["repurchase_rate"] = float((pop.purchases[cust] >= 2).mean()) if n_cust else float("nan")
    k["customers"] = n_cust
    k["final_active"] = int(daily["active"].iloc[-1])
    k["peak_active"] = int(daily["active"].max())
    k["peak_day"] = int(daily["active"].idxmax())
    # undefined (NaN) for runs shorter than 90 days, like D90 retention
    k["active_day90"] = int(daily["active"].iloc[89]) if len(daily) >= 90 else float("nan")
    k["cac"] = cac
    k["ltv"] = ltv
    k["ltv_cac"] = ltv / cac if n_cust and cac > 0 else float("nan")
    # payback: cumulative contribution vs. cumulative acquisition (ad) spend
    cum_contrib = np.zeros(len(daily))
    for f in FLOWS:
        if f.platform and f.name != "ad_spend":
            cum_contrib = cum_contrib + f.platform * daily[f.column].to_numpy()
    cum_contrib = np.cumsum(cum_contrib)
    cum_acq = np.cumsum(daily["ad_spend"].to_numpy())
    ok = np.flatnonzero((cum_contrib >= cum_acq) & (np.arange(len(daily)) > 0))
    k["payback_day"] = float(ok[0]) if len(ok) else float("nan")
    k["gmv"] = float(daily["gmv"].sum())
    k["orders"] = int(daily["orders"].sum())
    k["subsidy_spend"] = float(daily["subsidy_spend"].sum())
    k["rewards_paid"] = float(daily["rewards_paid"].sum())
    k["ad_spend"] = float(daily["ad_spend"].sum())
    k["platform_profit"] = float(daily["platform_profit"].sum())
    k["brand_profit"] = float(daily["brand_profit"].sum())
    k["active_brands_end"] = int(model.brands.active.sum())
    for m in model.mechanisms.values():
        k.update(m.kpis(daily))
    k["referred_share"] = float((pop.referrer[cust] >= 0).mean()) if n_cust else float("nan")
    for i, s in enumerate(model.scenario.shocks):
        k[f"resilience_{s.kind}_{i}"] = resilience(daily["active"].to_numpy(), s.day)
    return k


def resilience(active: np.ndarray, day: int, horizon: int = RESILIENCE_HORIZON) -> float:
    """Active customers ``horizon`` days after ``day`` relative to the day before it."""
    before = active[day - 1] if 0 < day <= len(active) else np.nan
    after_day = day + horizon
    if after_day >= len(active) or not before:
        return float("nan")
    return float(active[after_day] / before)
