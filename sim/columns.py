"""The daily series' columns: one registry entry per column, with its unit and meaning.

The model fills one row a day (:class:`DailyRow`); the core registers its columns here and
each mechanism registers its own in its module, so ``daily.parquet``, the docs and the
dashboard list exactly what the model writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sim.registry import Registry

Unit = Literal["day", "count", "yuan", "share", "index", "flag"]


@dataclass(frozen=True)
class Column:
    name: str
    unit: Unit
    help: str


COLUMNS: Registry[Column] = Registry("daily column")


def column(name: str, unit: Unit, help: str) -> Column:
    """Register one daily column (at import time of the module that writes it)."""
    return COLUMNS.register(Column(name, unit, help))


for _name, _unit, _help in (
    ("day", "day", "Simulation day (0-based)."),
    ("active", "count", "Customers who bought within the churn window ending today."),
    ("new_customers", "count", "Consumers who made their first purchase today."),
    ("churned", "count", "Customers whose last purchase left the churn window today."),
    ("reactivated", "count", "Lapsed customers who bought again today."),
    ("orders", "count", "Purchases on the platform today."),
    ("solo_orders", "count", "Purchases at the solo (list) price."),
    ("outside_choices", "count", "Needs met elsewhere (the outside option)."),
    ("needs", "count", "Consumers with a purchase need today."),
    ("gmv", "yuan", "What consumers paid today (gross merchandise value)."),
    ("subsidy_spend", "yuan", "Platform-funded discounts today."),
    ("rewards_paid", "yuan", "Partner-program payouts today."),
    ("commissions", "yuan", "The platform's commission on today's payments."),
    ("leader_commissions", "yuan", "Commissions paid to community leaders today."),
    ("operator_fees", "yuan", "Operator fees paid to leaders today."),
    ("brand_receipts", "yuan", "What brands received today."),
    ("brand_profit", "yuan", "Brands' receipts less unit costs today."),
    ("ad_spend", "yuan", "Paid-ad spend today."),
    ("winback_spend", "yuan", "Private-domain win-back spend today."),
    ("platform_profit", "yuan", "The platform's net cash flow today."),
    ("platform_cash", "yuan", "The platform's cumulative net cash."),
    ("active_brands", "count", "Brands still on the platform."),
    ("mean_satisfaction", "index", "Mean satisfaction of customers (-1..1)."),
    ("mean_attachment", "index", "Mean attachment of customers (0..1)."),
    ("mean_trust", "index", "Mean trust in the platform of aware consumers (0..1)."),
    ("content_posts", "count", "Reviews and posts today (positive and negative)."),
    ("negative_posts", "count", "Negative reviews and posts today."),
    ("referral_acquisitions", "count", "New customers today who had been referred."),
    ("newly_aware", "count", "Consumers who learned of the platform today."),
    ("aware", "count", "Consumers aware of the platform."),
    ("unaware", "count", "Consumers not yet aware of the platform."),
    ("aware_not_customer", "count", "Aware consumers who have never bought."),
    (
        "lapsed",
        "count",
        "Customers not active (no purchase within the churn window), "
        "including those who moved away.",
    ),
    (
        "customers",
        "count",
        "Consumers who have bought at least once (ever, including those who moved away since).",
    ),
    (
        "households",
        "count",
        "Households in the market today (all of them without the open market).",
    ),
    ("moved_away_customers", "count", "Customers who have moved out of the market so far."),
    ("mean_brand_quality", "index", "Mean quality of active brands (0..1)."),
):
    column(_name, _unit, _help)


class DailyRow(dict):
    """One day's row of the daily series: every registered column, 0 unless written.

    A plain dict (the stages write it hundreds of times a day); :meth:`check` — called when
    the row is collected — refuses a key that is not a registered column, so a typo in a
    mechanism fails at once instead of adding a silent column."""

    def __init__(self, day: int) -> None:
        super().__init__(_template())
        self["day"] = day

    def check(self) -> None:
        if len(self) != len(COLUMNS):
            extra = sorted(set(self) - set(COLUMNS.names()))
            raise KeyError(f"daily row: {extra} are not registered columns (sim.columns)")


_TEMPLATE: dict[str, float] = {}


def _template() -> dict[str, float]:
    if len(_TEMPLATE) != len(COLUMNS):  # a column was registered since: rebuild
        _TEMPLATE.clear()
        _TEMPLATE.update(dict.fromkeys(COLUMNS.names(), 0.0))
    return _TEMPLATE
