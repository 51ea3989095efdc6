"""Brands: quality, prices and costs as arrays; quality drift and exit.

* List price and unit cost rise with quality: L_b = L (0.7 + 0.5 q_b),
  c_b = s_c L (0.55 + 0.75 q_b); at q = 0.6 these are L and s_c L.
* Quality settles at an equilibrium: every day a brand closes ``quality_adjust_rate`` of
  the gap to its target q*_b = q0_b - ``erosion_depth`` x max(0, f_b - cushion) + g_b, where
  q0_b is its quality without pressure, f_b its 30-day average share of list price it funds
  in discounts (price pressure: quality drifts down under deep brand-funded discounts, to a
  floor set by the discount, not forever) and g_b the uplift mechanisms grant from
  consumers' feedback (co-creation; see :mod:`sim.mechanisms.cocreation`).
* Exit: a brand leaves after ``exit_patience`` consecutive days of negative
  30-day profit (only once it has sold something).
"""

from __future__ import annotations

import numpy as np

from sim._fast import clip, full
from sim.scenario import Brands as BrandsConfig


class BrandBook:
    def __init__(self, cfg: BrandsConfig, rng: np.random.Generator) -> None:
        self.cfg = cfg
        n = cfg.count
        self.quality = clip(rng.normal(cfg.quality_mean, cfg.quality_spread, n), 0.05, 1.0)
        self.base_quality = self.quality.copy()  # q0: quality without price pressure
        self.funded_30 = np.zeros(n)  # 30-day average brand-funded discount share
        self.active = np.ones(n, bool)
        self.profit_30 = np.zeros(n)
        self.loss_days = np.zeros(n, np.int64)
        self.has_sold = np.zeros(n, bool)
        self.cumulative_profit = np.zeros(n)
        self.cumulative_receipts = np.zeros(n)
        self.units = np.zeros(n, np.int64)
        self.exit_day = full(n, -1, np.int64)

    @property
    def n(self) -> int:
        return len(self.quality)

    @property
    def list_price(self) -> np.ndarray:
        return self.cfg.list_price * (0.7 + 0.5 * self.quality)

    @property
    def unit_cost(self) -> np.ndarray:
        return self.cfg.unit_cost_share * self.cfg.list_price * (0.55 + 0.75 * self.quality)

    @property
    def relative_price(self) -> np.ndarray:
        return self.list_price / self.cfg.list_price

    def settle(
        self,
        day: int,
        brand: np.ndarray,
        receipts: np.ndarray,
        brand_funded: np.ndarray,
        list_value: np.ndarray,
        quality_gain: np.ndarray | None = None,
    ) -> np.ndarray:
        """Book a day's sales; move quality toward its equilibrium (``quality_gain``: the
        feedback uplift of its target); exits. Returns profit per brand today."""
        n = self.n
        units = np.bincount(brand, minlength=n)
        revenue = np.bincount(brand, weights=receipts, minlength=n)
        cost = units * self.unit_cost
        profit = revenue - cost
        self.units += units
        self.cumulative_receipts += revenue
        self.cumulative_profit += profit
        self.has_sold |= units > 0
        self.profit_30 += (profit - self.profit_30) / 30.0
        # quality moves toward its equilibrium under price pressure and feedback
        funded = np.bincount(brand, weights=brand_funded, minlength=n)
        listed = np.bincount(brand, weights=list_value, minlength=n)
        funded_rate = np.zeros(n)
        np.divide(funded, listed, out=funded_rate, where=listed > 0)
        sold = listed > 0
        self.funded_30[sold] += (funded_rate[sold] - self.funded_30[sold]) / 30.0
        excess = np.maximum(0.0, self.funded_30 - self.cfg.margin_cushion)
        target = self.base_quality - self.cfg.erosion_depth * excess
        if quality_gain is not None:
            target = target + quality_gain
        self.quality += self.cfg.quality_adjust_rate * (clip(target, 0.05, 1.0) - self.quality)
        clip(self.quality, 0.05, 1.0, out=self.quality)
        # exit after sustained losses
        losing = self.active & self.has_sold & (self.profit_30 < 0)
        self.loss_days = np.where(losing, self.loss_days + 1, 0)
        leaving = self.active & (self.loss_days >= self.cfg.exit_patience)
        if leaving.any():
            if leaving.sum() >= self.active.sum():  # the last brand stays: the platform needs one
                leaving[leaving.nonzero()[0][np.argmax(self.profit_30[leaving])]] = False
            self.active &= ~leaving
            self.exit_day[leaving] = day
        return profit
