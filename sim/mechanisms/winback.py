"""私域 private-domain win-back: messages in brand-owned channels bring lapsed customers back.

Every ``winback_every`` days the platform messages each lapsed customer whose last purchase
is less than ``WINBACK_HORIZON`` days old (WeCom groups, mini-programs: reaching them costs
``winback_cost`` yuan each). A message lifts the utility of buying on the platform by
``winback_lift`` for ``WINBACK_DAYS`` days. Its cost is charged to the customer's
contribution (LTV).
"""

from __future__ import annotations

import numpy as np

from sim.columns import column
from sim.day import Awareness, Books, Menu, Sale, Today
from sim.levers import PLATFORM, Lever
from sim.mechanisms.base import Mechanism, register

WINBACK_DAYS = 7  # a win-back message lifts utility for a week
WINBACK_HORIZON = 180  # lapsed customers older than this are no longer contacted

column("winback_contacts", "count", "Lapsed customers messaged today.")


@register
class WinBack(Mechanism):
    name = "winback"
    order = 40
    section = "platform"
    label = "私域 private-domain win-back"
    summary = "Lapsed customers are messaged in private-domain channels; a message lifts utility for a week."
    levers = (
        Lever(
            "platform.private_domain",
            "Private-domain win-back",
            PLATFORM,
            "bool",
            moves="lapsed and dropped-out customers brought back",
            responds=(("reactivated", 1), ("revivals", 1)),
            home="symbiotic_partner",
        ),
        Lever(
            "platform.winback_lift",
            "Win-back lift",
            PLATFORM,
            "float",
            0.0,
            2.0,
            0.05,
            moves="lapsed customers brought back",
            responds=(("reactivated", 1),),
            home="symbiotic_partner",
        ),
    )

    def __init__(self, model) -> None:  # noqa: ANN001
        super().__init__(model)
        self._contacted: np.ndarray = np.zeros(0, np.int64)

    def exposure(self, today: Today, awareness: Awareness) -> None:
        cfg, day = self.cfg, today.day
        self._contacted = np.zeros(0, np.int64)
        if not (cfg.private_domain and day > 0 and day % cfg.winback_every == 0):
            return
        pop, idx = self.model.pop, self.model.index
        lapsed = np.flatnonzero(
            idx.customer & ~idx.active & (pop.last_purchase > day - WINBACK_HORIZON)
        )
        pop.winback_until[lapsed] = day + WINBACK_DAYS
        self._contacted = lapsed
        awareness.messaged.append(lapsed)  # a dropped-out customer may come back
        today.row["winback_spend"] = cfg.winback_cost * len(lapsed)
        today.row["winback_contacts"] = len(lapsed)

    def offer(self, today: Today, menu: Menu) -> None:
        if self.cfg.private_domain:
            menu.base += self.cfg.winback_lift * (
                self.model.pop.winback_until[menu.need] >= today.day
            )

    def book(self, today: Today, sale: Sale, books: Books) -> None:
        if len(self._contacted):
            cost = self.cfg.winback_cost
            books.flows["winback_spend"] += cost * len(self._contacted)
            books.charge_customers(self._contacted, np.full(len(self._contacted), cost), "winback")
