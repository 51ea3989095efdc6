"""团长 community leaders: neighbourhood orders, broadcasts, commissions, operator mode.

Each community has one leader (:class:`sim.leaders.LeaderBook`: effort follows income
against an outside wage; a leader quits when income stays too low). While the policy runs:

* a working leader's broadcast adds ``broadcast_reach x effort`` to the awareness hazard of
  the unaware in its community (channel: leader);
* the *leader order* option: list price less a brand-funded discount, plus a convenience
  utility scaled by effort (and, in operator mode, by the consumer's attachment: the leader
  runs the community as its operator);
* the leader earns ``commission`` of the orders through them and, in operator mode, the
  platform pays them ``operator_share`` of their community's platform GMV;
* an order through one's leader is a relational act (worth two in operator mode).
"""

from __future__ import annotations

import numpy as np

from sim._fast import full
from sim.columns import column
from sim.day import LEADER, NO_TERMS, Acts, Books, Choices, Menu, Orders, Sale, Terms, Today
from sim.levers import LEADERS, Lever
from sim.mechanisms.base import Mechanism, register
from sim.population import Channel

_LEADER_CHANNEL = int(Channel.LEADER)

for _c in (
    ("leader_orders", "count", "Purchases through the community leader today."),
    ("active_leaders", "count", "Leaders still working."),
    ("leader_income", "yuan", "Mean 30-day average daily income of working leaders."),
):
    column(*_c)


@register
class Leaders(Mechanism):
    name = "leaders"
    order = 20
    section = "policy.leaders"
    label = "团长 community leaders"
    summary = (
        "Leaders broadcast to their community, take neighbourhood orders for a commission; in "
        "operator mode the platform pays them a share of their community's GMV."
    )
    levers = (
        Lever(
            "policy.leaders.enabled",
            "Community leaders on",
            LEADERS,
            "bool",
            moves="leader orders, leader broadcasts",
            responds=(("leader_orders", 1),),
            home="symbiotic_partner",
        ),
        Lever(
            "policy.leaders.commission",
            "Leader commission",
            LEADERS,
            "float",
            0.0,
            0.3,
            0.01,
            unit="%",
            moves="leader income and effort, leaders who stay",
            responds=(("leader_income", 1), ("active_leaders", 1)),
            home="subsidy_group_buying",
        ),
        Lever(
            "policy.leaders.operator_mode",
            "Leaders as community operators",
            LEADERS,
            "bool",
            moves="leader income, leaders who stay, attachment through leader orders",
            responds=(("active_leaders", 1), ("leader_orders", 1)),
            home="symbiotic_partner",
        ),
    )

    def __init__(self, model) -> None:  # noqa: ANN001
        super().__init__(model)
        self.leaders = model.leaders
        self.on = False
        if self.cfg.recruit_at > 0:  # leaders are signed up where neighbours order
            self.leaders.unrecruit()
        self._via: np.ndarray = np.zeros(0, np.int64)

    def start_day(self, today: Today) -> None:
        self.on = self.cfg.on(today.day)
        if self.on and self.cfg.recruit_at > 0:
            waiting = self.leaders.waiting()
            if waiting.any():
                self._recruit(today.day, waiting)

    def _recruit(self, day: int, waiting: np.ndarray) -> None:
        """Sign up the leaders of communities where enough households use the platform."""
        pop, idx, lb = self.model.pop, self.model.index, self.leaders
        users = np.bincount(pop.community[idx.user], minlength=lb.n)
        lb.recruit(day, waiting & (users >= self.cfg.recruit_at * lb.size))

    def awareness_terms(self, today: Today, unaware: np.ndarray) -> list[tuple[np.ndarray, int]]:
        if not self.on:
            return []
        reach = self.cfg.broadcast_reach * self.leaders.effort
        return [(reach[self.model.pop.community[unaware]], _LEADER_CHANNEL)]

    def price_terms(
        self,
        today: Today,
        option: int,
        consumers: np.ndarray,
        first: np.ndarray,
        list_value: np.ndarray | None = None,
    ) -> Terms:
        return Terms(brand=self.cfg.discount) if option == LEADER and self.on else NO_TERMS

    def offer(self, today: Today, menu: Menu) -> None:
        if not self.on:
            return
        beh = self.model.scenario.behaviour
        comm = self.model.pop.community[menu.need]
        bonus = beh.leader_convenience * self.leaders.effort[comm]
        if self.cfg.operator_mode:
            bonus = bonus + beh.attachment_weight * 0.5 * menu.attachment
        menu.offer(LEADER, np.where(self.leaders.active[comm], bonus, -np.inf))

    def fill(self, today: Today, choices: Choices, orders: list[Orders]) -> None:
        if self.on:
            buyers = choices.chose(LEADER)
            m = len(buyers)
            none = full(m, -1, np.int8)
            orders.append(Orders(buyers, full(m, LEADER, np.int8), none, full(m, -1, np.int64)))

    def split(self, today: Today, sale: Sale) -> None:
        sale.leader_commission = np.where(sale.by(LEADER), self.cfg.commission * sale.paid, 0.0)

    def book(self, today: Today, sale: Sale, books: Books) -> None:
        self._via = sale.buyers[sale.by(LEADER)] if len(sale) else np.zeros(0, np.int64)
        if not self.on:
            return
        community = self.model.pop.community
        is_leader = sale.by(LEADER)
        self.leaders.pay(community[self._via], sale.leader_commission[is_leader])
        if self.cfg.operator_mode:
            comm_b = community[sale.buyers]
            fee = np.where(self.leaders.active[comm_b], self.cfg.operator_share * sale.paid, 0.0)
            self.leaders.pay(comm_b, fee)
            books.charge(np.arange(len(sale)), fee, acquisition=False)
            books.flows["operator_fees"] += float(fee.sum())

    def acts(self, today: Today, sale: Sale, books: Books, acts: Acts) -> None:
        acts.add(self._via, 2.0 if self.cfg.operator_mode else 1.0)

    def end_day(self, today: Today, sale: Sale) -> None:
        if self.on:
            self.leaders.end_of_day(today.day, self.cfg.quit_patience)
        active = self.leaders.active
        today.row.update(
            leader_orders=len(self._via),
            active_leaders=int(np.count_nonzero(active)),
            leader_income=float(self.leaders.income_30[active].mean()) if active.any() else 0.0,
        )

    def kpis(self, daily) -> dict[str, float]:  # noqa: ANN001
        return {
            "leader_income": float(self.leaders.income_total.sum()),
            "active_leaders_end": int(self.leaders.active.sum()),
        }
