"""The transparent contribution ledger: publishing who earned what raises earners' trust.

The ledger itself (:mod:`sim.ledger`, hash-chained, verifiable) records every contribution
and payout whatever this setting; when ``transparent`` is on, every consumer paid a reward
today closes ``trust_boost`` of the gap between their trust and full trust (they can check
that attribution and payout are fair).
"""

from __future__ import annotations

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
            moves="trust of reward earners, partners who join",
            responds=(("mean_trust", 1),),
            home="symbiotic_partner",
        ),
    )

    def book(self, today: Today, sale: Sale, books: Books) -> None:
        earners = books.earners
        if self.cfg.transparent and len(earners):
            trust = self.model.pop.trust
            trust[earners] += self.cfg.trust_boost * (1.0 - trust[earners])
