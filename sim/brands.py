"""Brands: quality, prices and costs as arrays; quality drift and exit.

* List price and unit cost rise with quality: L_b = L (0.7 + 0.5 q_b),
  c_b = s_c L (0.55 + 0.75 q_b); at q = 0.6 these are L and s_c L.
* Quality erosion: when the discount a brand funds itself exceeds its margin
  cushion, it cuts quality by ``erosion_rate`` a day (price pressure → quality drift).
* Feedback: mechanisms may raise quality (co-creation: ``rate`` per day per 1% of the
  brand's buyers leaving feedback; see :mod:`sim.mechanisms.cocreation`).
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
        """Book a day's sales; update quality (erosion, then any feedback gain) and exits.
        Returns profit per brand today."""
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
        # quality erosion under deep brand-funded discounts
        funded = np.bincount(brand, weights=brand_funded, minlength=n)
        listed = np.bincount(brand, weights=list_value, minlength=n)
        funded_rate = np.zeros(n)
        np.divide(funded, listed, out=funded_rate, where=listed > 0)
        eroding = funded_rate > self.cfg.margin_cushion
        if eroding.any():
            self.quality[eroding] -= self.cfg.erosion_rate
        if quality_gain is not None:
            self.quality += quality_gain
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
