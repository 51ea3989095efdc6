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


_k(
    "d30_retention",
    "D30 retention",
    "share",
    "Among customers acquired at least 30 days before the end, the share active at age 30 "
    "from a repeat purchase.",
    headline=True,
    card=True,
)
_k(
    "d90_retention",
    "D90 retention",
    "share",
    "The same at age 90.",
    headline=True,
    card=True,
)
_k("d180_retention", "D180 retention", "share", "The same at age 180.", headline=True)
_k(
    "repurchase_rate",
    "Repurchase rate",
    "share",
    "Customers with two or more purchases.",
    headline=True,
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
    "Acquisition spend (ads, subsidies and rewards triggered by first purchases) per acquired "
    "customer.",
    False,
    headline=True,
)
_k(
    "ltv",
    "LTV",
    "yuan",
    "The platform's contribution per acquired customer over the run (commissions less "
    "subsidies, rewards, operator fees and win-back on repeat purchases, less the pool).",
    headline=True,
)
_k(
    "ltv_cac",
    "LTV / CAC",
    "ratio",
    "LTV over CAC (below 1: customers cost more than they bring).",
    headline=True,
    card=True,
)
_k(
    "payback_day",
    "Payback day",
    "day",
    "First day cumulative contribution covers cumulative ad spend.",
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
_k("partners", "Partners", "count", "Consumers who joined the partner program.", None)
_k("active_brands_end", "Brands at the end", "count", "Brands still on the platform.")
_k("active_leaders_end", "Leaders at the end", "count", "Leaders still working.")
_k("group_success_rate", "Group success rate", "share", "Succeeded over decided 拼团 groups.")
_k("referred_share", "Referred customers", "share", "Customers who had been referred.", None)

RESILIENCE = KPI(
    "resilience",
    "Resilience",
    "share",
    "Active customers 60 days after the shock over active customers the day before it.",
)


def kpi(key: str) -> KPI:
    """The registry entry of a KPI key, including the per-shock family
    (``resilience_<kind>_<i>``: labelled with the shock kind's label)."""
    if key in KPIS:
        return KPIS[key]
    if key.startswith("resilience_"):
        from sim.shocks import SHOCKS

        kind, _, index = key[len("resilience_") :].rpartition("_")
        label = SHOCKS[kind].label if kind in SHOCKS else kind.replace("_", " ")
        return replace(RESILIENCE, name=key, label=f"Resilience: {label.lower()} (shock {index})")
    return KPIS[key]  # raises, listing the registered KPIs


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
