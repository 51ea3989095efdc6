"""共创 co-creation: consumers' reviews feed back into brands' products.

While it runs, a buyer's review or post is feedback to the brand they bought: each brand's
equilibrium quality rises by ``rate`` per 1% of its buyers leaving feedback (30-day
average; brands that listen improve, to a level, not forever — :mod:`sim.brands`), and
giving feedback is a relational act for the consumer.
"""

from __future__ import annotations

import numpy as np

from sim.day import Acts, Books, Sale, Today
from sim.levers import PARTNERS, Lever
from sim.mechanisms.base import Mechanism, register


@register
class CoCreation(Mechanism):
    name = "cocreation"
    order = 50
    section = "policy.cocreation"
    label = "共创 co-creation with brands"
    summary = "Buyers' feedback raises the quality of the brand they bought and their attachment."
    levers = (
        Lever(
            "policy.cocreation.enabled",
            "Co-creation with brands",
            PARTNERS,
            "bool",
            moves="brand quality, attachment of reviewers",
            responds=(("mean_brand_quality", 1),),
            home="symbiotic_partner",
        ),
    )

    def __init__(self, model) -> None:  # noqa: ANN001
        super().__init__(model)
        self.on = False
        self.feedback_30 = np.zeros(model.brands.n)  # % of buyers giving feedback (30-day EMA)

    def start_day(self, today: Today) -> None:
        self.on = self.cfg.on(today.day)

    def acts(self, today: Today, sale: Sale, books: Books, acts: Acts) -> None:
        if self.on:
            acts.add(sale.buyers[acts.feedback > 0])

    def quality_gain(self, today: Today, sale: Sale, acts: Acts) -> np.ndarray | None:
        """The uplift of each brand's equilibrium quality: ``rate`` per 1% of its buyers
        giving feedback (30-day average), while co-creation runs."""
        if not self.on or self.cfg.rate <= 0:
            return None
        n = self.model.brands.n
        units = np.bincount(sale.brand, minlength=n)
        fb = np.bincount(sale.brand, weights=acts.feedback, minlength=n)
        sold = units > 0
        share_pct = np.zeros(n)
        np.divide(100.0 * fb, units, out=share_pct, where=sold)
        self.feedback_30[sold] += (share_pct[sold] - self.feedback_30[sold]) / 30.0
        return self.cfg.rate * self.feedback_30
