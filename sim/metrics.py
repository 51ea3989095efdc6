"""The run's KPIs: computed from the transaction log and the daily series.

Retention, repeat rate, LTV, CAC and payback are customer-base measures and come from the
transaction log exactly as an analyst would compute them from a shop's orders
(:mod:`sim.analytics`; definitions in docs/metrics.md): survival-based D_k on the stated
cohort (``observation.cohort_start`` to ``cohort_end``), a second purchase within 365 days
of the first, LTV over ``observation.ltv_horizon`` days discounted at
``observation.discount_rate``, CAC and payback booked the same way. Resilience is measured
against a counterfactual run (:mod:`sim.resilience`). The mechanisms add their own KPIs
(``Mechanism.kpis``); every key is registered in :data:`sim.kpis.KPIS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.columns import COLUMNS

if TYPE_CHECKING:
    from sim.model import SocialCommerceModel


def _daily_columns() -> tuple[str, ...]:
    import sim.mechanisms  # noqa: F401 - registers the mechanisms' columns

    return COLUMNS.names()


#: every column of the daily series (core and mechanisms), in registration order
DAILY_COLUMNS = _daily_columns()
RETENTION_AGES = (30, 90, 180, 365)


def customer_kpis(
    transactions: pd.DataFrame,
    costs: pd.DataFrame,
    daily: pd.DataFrame,
    observation: Any,
    window: int,
) -> dict[str, float]:
    """D_k, first-year repeat rate, LTV, CAC, LTV/CAC and payback of the stated cohort."""
    from sim.analytics import repeat_rate, retention_at_ages, unit_economics

    end = len(daily) - 1
    cohort = (observation.cohort_start, observation.cohort_end)
    out: dict[str, float] = {}
    d_k = retention_at_ages(transactions, end, RETENTION_AGES, cohort, "survival", window)
    for age in RETENTION_AGES:
        out[f"d{age}_retention"] = float(d_k.loc[age, "rate"])
    out["first_year_repeat_rate"] = float(repeat_rate(transactions, end, cohort, 365).rate)
    econ = unit_economics(
        transactions,
        daily,
        end,
        costs,
        cohort,
        observation.ltv_horizon,
        observation.discount_rate,
    )
    out["cohort_customers"] = int(econ["customers"])
    for key in ("ltv", "cac", "ltv_cac"):
        out[key] = float(econ[key])
    out["payback_days"] = float(econ["payback_age"])
    return out


def compute_kpis(
    model: SocialCommerceModel,
    daily: pd.DataFrame,
    transactions: pd.DataFrame,
    costs: pd.DataFrame,
) -> dict[str, Any]:
    """The run's KPI summary (floats; NaN where undefined, e.g. D365 in a short run)."""
    sc = model.scenario
    pop = model.pop
    cust = pop.purchases > 0
    n_cust = int(cust.sum())
    k: dict[str, Any] = customer_kpis(
        transactions, costs, daily, sc.observation, sc.population.churn_window
    )
    k["customers"] = n_cust
    k["final_active"] = int(daily["active"].iloc[-1])
    k["peak_active"] = int(daily["active"].max())
    k["peak_day"] = int(daily["active"].idxmax())
    # undefined (NaN) for runs shorter than 90 days
    k["active_day90"] = int(daily["active"].iloc[89]) if len(daily) >= 90 else float("nan")
    k["gmv"] = float(daily["gmv"].sum())
    k["orders"] = int(daily["orders"].sum())
    k["subsidy_spend"] = float(daily["subsidy_spend"].sum())
    k["rewards_paid"] = float(daily["rewards_paid"].sum())
    k["ad_spend"] = float(daily["ad_spend"].sum())
    k["platform_profit"] = float(daily["platform_profit"].sum())
    k["brand_profit"] = float(daily["brand_profit"].sum())
    k["active_brands_end"] = int(model.brands.active.sum())
    k["referred_share"] = float((pop.referrer[cust] >= 0).mean()) if n_cust else float("nan")
    for m in model.mechanisms.values():
        k.update(m.kpis(daily))
    return k


def active_after(active: np.ndarray, day: int, horizon: int) -> float:
    """Active customers ``horizon`` days after ``day`` (NaN beyond the run)."""
    at = day + horizon
    return float(active[at]) if 0 <= at < len(active) else float("nan")
