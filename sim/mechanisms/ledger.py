"""The transparent contribution ledger: publishing who earned what raises earners' trust.

The ledger itself (:mod:`sim.ledger`, hash-chained, verifiable) records every contribution
and payout whatever this setting; when ``transparent`` is on, every consumer paid a reward
today gains ``trust_boost`` trust (they can check that attribution and payout are fair).
"""

from __future__ import annotations

import numpy as np

from sim.day import Books, Sale, Today
from sim.levers import PARTNERS, Lever
from sim.mechanisms.base import Mechanism, register


@register
class LedgerTransparency(Mechanism):
    name = "ledger"
    order = 60
    section = "policy.ledger"
    label = "透明账本 transparent ledger"
    summary = "A public contribution ledger raises the trust of reward earners."
    levers = (
        Lever(
            "policy.ledger.transparent",
            "Transparent ledger",
            PARTNERS,
            "bool",
            moves="trust of reward earners",
        ),
    )

    def book(self, today: Today, sale: Sale, books: Books) -> None:
        earners = books.earners
        if self.cfg.transparent and len(earners):
            trust = self.model.pop.trust
            trust[earners] = np.minimum(1.0, trust[earners] + self.cfg.trust_boost)
