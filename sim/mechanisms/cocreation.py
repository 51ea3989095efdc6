"""共创 co-creation: consumers' reviews feed back into brands' products.

While it runs, a buyer's review or post is feedback to the brand they bought: each brand's
quality rises by ``rate`` per day per 1% of its buyers leaving feedback (so brands that
listen improve), and giving feedback is a relational act for the consumer.
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
        ),
    )

    def __init__(self, model) -> None:  # noqa: ANN001
        super().__init__(model)
        self.on = False

    def start_day(self, today: Today) -> None:
        self.on = self.cfg.on(today.day)

    def acts(self, today: Today, sale: Sale, books: Books, acts: Acts) -> None:
        if self.on:
            acts.add(sale.buyers[acts.feedback > 0])

    def quality_gain(self, today: Today, sale: Sale, acts: Acts) -> np.ndarray | None:
        if not self.on or self.cfg.rate <= 0:
            return None
        n = self.model.brands.n
        units = np.bincount(sale.brand, minlength=n)
        fb = np.bincount(sale.brand, weights=acts.feedback, minlength=n)
        share_pct = np.zeros(n)
        np.divide(100.0 * fb, units, out=share_pct, where=units > 0)
        return self.cfg.rate * share_pct
