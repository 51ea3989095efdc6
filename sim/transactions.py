"""The transaction log as the model writes it: one row per purchase, one per customer cost.

Why a log: it is the raw material of every customer-base analysis (RFM, cohorts, BG/NBD,
LTV), so the model's KPIs are computed from it exactly as an analyst would compute them
from a real shop's orders (:mod:`sim.analytics`, whose schema this fills). The recorder
appends a few arrays a day (the day's purchases in the order they were made) and builds the
DataFrame once, at the end; columns that are consumer attributes (acquisition channel,
referrer, leader) are filled from the population then, not copied every day.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim._fast import full
from sim.day import GROUP, LEADER, SOLO

if TYPE_CHECKING:
    import pandas as pd

    from sim.day import Sale
    from sim.population import Population

_OPTION_TO_CHANNEL = np.full(4, -1, np.int8)  # Option -> index in analytics.CHANNELS
_OPTION_TO_CHANNEL[[SOLO, GROUP, LEADER]] = [0, 1, 2]
# population.Channel (AD=0 ... SEED=6) in the order of analytics.ACQ_CHANNELS
_ACQ_CODES = np.arange(7, dtype=np.int8)


class TransactionRecorder:
    """Collects the day's purchases and customer costs; :meth:`frame` builds the log."""

    _PURCHASE = ("consumer", "amount", "list_value", "subsidy", "brand_discount", "redeemed")
    _PURCHASE += ("channel", "brand", "group", "first", "margin", "acquisition_cost")

    def __init__(self) -> None:
        self._days: list[np.ndarray] = []
        self._cols: dict[str, list[np.ndarray]] = {k: [] for k in self._PURCHASE}
        self._costs: list[tuple[int, np.ndarray, np.ndarray, str]] = []
        self.rows = 0

    def record(self, day: int, sale: Sale, margin: np.ndarray, acquisition: np.ndarray) -> None:
        m = len(sale)
        if m == 0:
            return
        c = self._cols
        self._days.append(full(m, day, np.int32))
        c["consumer"].append(sale.buyers.astype(np.int64, copy=False))
        c["amount"].append(sale.paid)
        c["list_value"].append(sale.list_value)
        c["subsidy"].append(sale.subsidy)
        c["brand_discount"].append(sale.list_value * sale.brand_disc)
        c["redeemed"].append(sale.redeemed)
        c["channel"].append(_OPTION_TO_CHANNEL[sale.option])
        c["brand"].append(sale.brand.astype(np.int16))
        c["group"].append(sale.group.astype(np.int64, copy=False))
        c["first"].append(sale.first)
        c["margin"].append(margin)
        c["acquisition_cost"].append(acquisition)
        self.rows += m

    def cost(self, day: int, consumers: np.ndarray, amount: np.ndarray, kind: str) -> None:
        """A platform cost spent on customers outside a purchase (a win-back message, a
        reward-pool payout): charged to their value, not to an order."""
        if len(consumers):
            self._costs.append((day, np.asarray(consumers, np.int64), np.asarray(amount), kind))

    def frame(self, pop: Population) -> pd.DataFrame:
        """The transaction log (schema :data:`sim.analytics.TRANSACTION_SCHEMA`), sorted by
        consumer and day (the layout customer-base tools expect)."""
        import pandas as pd

        from sim.analytics.transactions import ACQ_CHANNELS, CHANNELS, TRANSACTION_SCHEMA

        def cat(name: str, default: np.dtype) -> np.ndarray:
            parts = self._cols[name]
            return np.concatenate(parts) if parts else np.zeros(0, default)

        # rows were appended day by day, so a stable sort by consumer orders them by
        # consumer, then day; each column is taken in that order before the frame is built
        consumer = cat("consumer", np.dtype(np.int64))
        order = consumer.argsort(kind="stable")
        consumer = consumer[order]
        channel = cat("channel", np.dtype(np.int8))[order]
        acq = pop.acq_channel[consumer].astype(np.int8)
        leader = np.where(channel == 2, pop.community[consumer], -1).astype(np.int32)
        days = np.concatenate(self._days) if self._days else np.zeros(0, np.int32)
        data = {
            "consumer": consumer,
            "day": days[order],
            "amount": cat("amount", np.dtype(float))[order],
            "list_value": cat("list_value", np.dtype(float))[order],
            "subsidy": cat("subsidy", np.dtype(float))[order],
            "brand_discount": cat("brand_discount", np.dtype(float))[order],
            "redeemed": cat("redeemed", np.dtype(float))[order],
            "channel": pd.Categorical.from_codes(channel, CHANNELS),
            "brand": cat("brand", np.dtype(np.int16))[order],
            "group": cat("group", np.dtype(np.int64))[order],
            "leader": leader,
            "acq_channel": pd.Categorical.from_codes(_ACQ_CODES[acq], ACQ_CHANNELS),
            "referrer": pop.referrer[consumer].astype(np.int32),
            "first": cat("first", np.dtype(bool))[order],
            "margin": cat("margin", np.dtype(float))[order],
            "acquisition_cost": cat("acquisition_cost", np.dtype(float))[order],
        }
        return pd.DataFrame({k: data[k] for k in TRANSACTION_SCHEMA})

    def costs_frame(self) -> pd.DataFrame:
        """The customer costs (schema :data:`sim.analytics.COST_SCHEMA`)."""
        import pandas as pd

        if not self._costs:
            return pd.DataFrame(
                {
                    "consumer": np.zeros(0, np.int64),
                    "day": np.zeros(0, np.int32),
                    "kind": pd.Categorical([]),
                    "amount": np.zeros(0),
                }
            )
        sizes = np.array([len(c) for _, c, _, _ in self._costs])
        kinds = sorted({k for _, _, _, k in self._costs})  # pd.Categorical's own order
        code = {k: i for i, k in enumerate(kinds)}
        return pd.DataFrame(
            {
                "consumer": np.concatenate([c for _, c, _, _ in self._costs]),
                "day": np.array([d for d, _, _, _ in self._costs], np.int32).repeat(sizes),
                "kind": pd.Categorical.from_codes(
                    np.array([code[k] for _, _, _, k in self._costs]).repeat(sizes), kinds
                ),
                "amount": np.concatenate([a for _, _, a, _ in self._costs]).astype(float),
            }
        )
