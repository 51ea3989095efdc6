"""The KPI registry: every run-level figure with its label, unit, direction and definition.

``compute_kpis`` (:mod:`sim.metrics`) and the mechanisms compute the values; this registry
says what they mean. Tables (``compare``), the CLI, the dashboard's cards and the batch
runner read their lists and formats from here: ``headline`` KPIs are the comparison table's
rows, ``card`` KPIs the dashboard's cards. Per-shock KPIs are a family
(``resilience_<kind>_<i>``) resolved by :func:`kpi`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

from sim.registry import Registry

Unit = Literal["share", "yuan", "count", "ratio", "day"]


@dataclass(frozen=True)
class KPI:
    name: str
    label: str
    unit: Unit
    definition: str
    higher_is_better: bool | None = True  # None: neither (a count that is context)
    headline: bool = False  # a row of the comparison table
    card: bool = False  # a card on the dashboard's Explore page

    def format(self, value: float) -> str:
        return format_value(value, self.unit)

    def format_ci(self, mean: float, half: float) -> str:
        return format_ci(mean, half, self.unit)


KPIS: Registry[KPI] = Registry("KPI")


def _k(*args: object, **kw: object) -> None:
    KPIS.register(KPI(*args, **kw))  # type: ignore[arg-type]


_SURVIVAL = (
    "of the stated cohort (customers acquired on days [observation.cohort_start, "
    "observation.cohort_end)), the share still active at every day of their first {k} days: "
    "no gap of 30 days (the churn window) without a purchase since their first"
)
_k(
    "d30_retention",
    "D30 retention",
    "share",
    "Survival to age 30 " + _SURVIVAL.format(k=30),
    headline=True,
    card=True,
)
_k(
    "d90_retention",
    "D90 retention",
    "share",
    "Survival to age 90 " + _SURVIVAL.format(k=90),
    headline=True,
    card=True,
)
_k(
    "d180_retention",
    "D180 retention",
    "share",
    "Survival to age 180 " + _SURVIVAL.format(k=180),
    headline=True,
)
_k(
    "d365_retention",
    "D365 retention",
    "share",
    "Survival to age 365 " + _SURVIVAL.format(k=365),
    headline=True,
)
_k(
    "first_year_repeat_rate",
    "First-year repeat rate",
    "share",
    "Of the stated cohort, the share with a second purchase within 365 days of their first.",
    headline=True,
)
_k(
    "cohort_customers",
    "Cohort size",
    "count",
    "Customers in the stated cohort (acquired on days [cohort_start, cohort_end)).",
    None,
)
_k("customers", "Customers", "count", "Consumers who bought at least once.", None)
_k("final_active", "Active at the end", "count", "Active customers on the last day.", headline=True)
_k("peak_active", "Peak active", "count", "Most active customers on any day.", headline=True)
_k("peak_day", "Peak day", "day", "The day active customers peaked.", None)
_k(
    "active_day90",
    "Active on day 90",
    "count",
    "Active customers on day 90 (undefined for shorter runs).",
    headline=True,
)
_k(
    "cac",
    "CAC",
    "yuan",
    "Per customer of the stated cohort: ad spend over the cohort's acquisition days plus the "
    "acquisition incentives its customers received (first-purchase subsidies and coupons, "
    "referral bonuses, content rewards).",
    False,
    headline=True,
)
_k(
    "ltv",
    "LTV",
    "yuan",
    "Per customer of the stated cohort observable for observation.ltv_horizon days: the "
    "platform's margin on their purchases (commission less repeat-purchase subsidies, "
    "payouts, operator fees, points) less costs spent on them (win-back, pool payouts), over "
    "their first ltv_horizon days, discounted at observation.discount_rate a year.",
    headline=True,
)
_k(
    "ltv_cac",
    "LTV / CAC",
    "ratio",
    "LTV over CAC of the stated cohort (below 1: customers cost more than they bring).",
    headline=True,
    card=True,
)
_k(
    "payback_days",
    "Payback (days)",
    "day",
    "The age at which the stated cohort's cumulative discounted margin per customer covers "
    "its CAC (NaN if not within the observed horizon).",
    False,
    headline=True,
)
_k("gmv", "GMV", "yuan", "What consumers paid over the run.")
_k("orders", "Orders", "count", "Purchases on the platform over the run.")
_k("subsidy_spend", "Subsidy spend", "yuan", "Platform-funded discounts.", False, headline=True)
_k("rewards_paid", "Rewards paid", "yuan", "Partner-program payouts.", None, headline=True)
_k("ad_spend", "Ad spend", "yuan", "Paid ads.", False)
_k(
    "platform_profit",
    "Platform profit",
    "yuan",
    "Commissions less subsidies, rewards, operator fees, ads and win-back, over the run.",
    headline=True,
    card=True,
)
_k("brand_profit", "Brand profit", "yuan", "Brands' receipts less unit costs.", headline=True)
_k(
    "leader_income",
    "Leader income",
    "yuan",
    "Commissions and operator fees earned by leaders.",
    headline=True,
)
_k(
    "reward_gini",
    "Gini of rewards",
    "ratio",
    "Inequality of customers' reward balances (0 equal, 1 one holds all).",
    None,
    headline=True,
)
_k("partners", "Partners", "count", "Members of the partner program at the end.", None)
_k(
    "partner_renewal_rate",
    "Partner renewal",
    "share",
    "Share of partner anniversaries at which the partner renewed.",
)
_k("active_brands_end", "Brands at the end", "count", "Brands still on the platform.")
_k("active_leaders_end", "Leaders at the end", "count", "Leaders still working.")
_k("group_success_rate", "Group success rate", "share", "Succeeded over decided 拼团 groups.")
_k("referred_share", "Referred customers", "share", "Customers who had been referred.", None)

RESILIENCE = KPI(
    "resilience",
    "Resilience",
    "share",
    "Active customers observation.resilience_horizon days after the shock over the same in "
    "the counterfactual run without it (same seed: common random numbers). 1: no lasting "
    "effect.",
)
RESILIENCE_GAP = KPI(
    "resilience_gap",
    "Customer-days lost",
    "count",
    "Customer-days of activity lost to the shock over the horizon, against the same run "
    "without it.",
    False,
)


def kpi(key: str) -> KPI:
    """The registry entry of a KPI key, including the per-shock families
    (``resilience_<kind>_<i>``, ``resilience_gap_<kind>_<i>``: labelled with the shock's)."""
    if key in KPIS:
        return KPIS[key]
    for family in (RESILIENCE_GAP, RESILIENCE):
        prefix = family.name + "_"
        if key.startswith(prefix):
            from sim.shocks import SHOCKS

            kind, _, index = key[len(prefix) :].rpartition("_")
            if kind in SHOCKS:
                label = f"{family.label}: {SHOCKS[kind].label.lower()} (shock {index})"
                return replace(family, name=key, label=label)
    return KPIS[key]  # raises, listing the registered KPIs


def is_shock_kpi(key: str) -> bool:
    """A per-shock KPI (resilience or customer-days lost)."""
    return key.startswith("resilience_")


def headline() -> tuple[str, ...]:
    return tuple(k.name for k in KPIS if k.headline)


def cards() -> tuple[str, ...]:
    return tuple(k.name for k in KPIS if k.card)


def _finite(x: object) -> bool:
    try:
        return x is not None and math.isfinite(float(x))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def format_value(value: float, unit: Unit) -> str:
    """A value as people read it: shares in %, money in yuan, counts with separators."""
    if not _finite(value):
        return "—"
    v = float(value)
    if unit == "share":
        return f"{100 * v:.1f}%"
    if unit == "yuan":
        a = abs(v)
        return f"{'−' if v < 0 else ''}¥{a:,.0f}" if a >= 10 else f"{'−' if v < 0 else ''}¥{a:,.2f}"
    if unit == "ratio":
        return f"{v:,.2f}".replace("-", "−")
    if unit == "day":
        return f"{v:,.0f}"
    return f"{v:,.0f}" if abs(v) >= 10 or v == int(v) else f"{v:,.2f}"


def format_ci(mean: float, half: float, unit: Unit) -> str:
    """``mean ± half`` in the KPI's unit (the half-width of a 95% interval)."""
    if not _finite(mean):
        return "—"
    text = format_value(mean, unit)
    if _finite(half):
        h = float(half)
        if unit == "share":
            text += f" ± {100 * h:.1f} pp"
        elif unit == "yuan":
            text += f" ± ¥{h:,.0f}" if h >= 10 else f" ± ¥{h:,.2f}"
        elif unit == "ratio":
            text += f" ± {h:,.2f}"
        else:
            text += f" ± {h:,.0f}" if h >= 10 else f" ± {h:,.2f}"
    return text


def format_delta(value: float, unit: Unit) -> str:
    """A difference in the KPI's unit with its sign: shares in percentage points, money in
    yuan. The sign is ASCII ('+'/'-') so widgets that read it (arrows, colours) can."""
    if not _finite(value):
        return "—"
    v = float(value)
    sign = "+" if v >= 0 else "-"
    a = abs(v)
    if unit == "share":
        return f"{sign}{100 * a:.1f} pp"
    if unit == "yuan":
        return f"{sign}¥{a:,.0f}" if a >= 10 else f"{sign}¥{a:,.2f}"
    if unit == "ratio":
        return f"{sign}{a:,.2f}"
    return f"{sign}{a:,.0f}" if a >= 10 or a == int(a) else f"{sign}{a:,.1f}"


def format_delta_ci(mean: float, half: float, unit: Unit) -> str:
    """``±difference ± half`` in the KPI's unit (a paired difference and its 95% interval)."""
    if not _finite(mean):
        return "—"
    text = format_delta(mean, unit)
    if _finite(half):
        text += " ± " + format_delta(half, unit).lstrip("+")
    return text
