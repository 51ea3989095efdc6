"""The day's data flow: one typed result per stage of :meth:`SocialCommerceModel.step`.

Each stage reads the results of the stages before it and returns its own; mechanisms read
and extend them through their hooks (:mod:`sim.mechanisms.base`). Arrays hold one entry
per consumer of the stage (the consumers with a need, today's buyers...), in a fixed
order, because that order is the order of later random draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from sim._fast import full
from sim.columns import DailyRow
from sim.population import Option
from sim.shocks import Conditions

EMPTY = np.zeros(0, np.int64)
SOLO, GROUP, LEADER, OUTSIDE = (int(o) for o in Option)
N_OPTIONS = len(Option)


class Terms(NamedTuple):
    """Discounts on one option, as shares of list price, by who funds them: the platform
    (a subsidy), the brand, or the consumer's own points (redeemed, platform-paid)."""

    platform: Any = 0.0
    brand: Any = 0.0
    points: Any = 0.0


NO_TERMS = Terms()


@dataclass
class Today:
    """1-2. Start of day: the market conditions after shocks, brands' prices and quality."""

    day: int
    conditions: Conditions
    list_price: np.ndarray  # per brand, yuan
    q_expected: float  # mean quality of active brands (what consumers expect)
    row: DailyRow  # the daily series' row, filled by the stages


@dataclass
class Awareness:
    """3. Exposure: who learned of the platform today, and who is still unaware."""

    newly_aware: np.ndarray
    channel: np.ndarray
    unaware: np.ndarray  # still unaware after the draw (ascending ids)
    messaged: list[np.ndarray] = field(default_factory=list)  # reached by a message today


@dataclass
class Menu:
    """5. What the platform offers each consumer with a need, before the logit draw.

    Prices come from the mechanisms' :meth:`Mechanism.price_terms` (the purchase prices
    today's buyers with the same terms). ``extra``: per option, utility added by mechanisms
    (None: the option is not offered).
    """

    need: np.ndarray
    first: np.ndarray  # has never bought
    price_sensitivity: np.ndarray  # today's, after shocks
    attachment: np.ndarray
    base: np.ndarray  # utility shared by every platform option
    outside: np.ndarray  # utility of the outside option
    extra: list[np.ndarray | None] = field(default_factory=lambda: [None] * N_OPTIONS)

    def offer(self, option: int, utility: np.ndarray | float = 0.0) -> None:
        """Offer ``option`` (adds ``utility`` to it; -inf where it is unavailable)."""
        cur = self.extra[option]
        if cur is None:
            self.extra[option] = np.zeros(len(self.need)) + utility
        else:
            cur += utility


@dataclass
class Choices:
    """5. The option each consumer with a need chose (indices into :class:`Option`)."""

    need: np.ndarray
    choice: np.ndarray

    def chose(self, option: int) -> np.ndarray:
        return self.need[self.choice == option]


@dataclass
class Orders:
    """6. Who buys today and through which option, in the order solo, group, leader."""

    buyers: np.ndarray
    option: np.ndarray  # per buyer
    acquired_via: np.ndarray  # per buyer: acquisition channel to credit on a first purchase, or -1
    group: np.ndarray  # per buyer: 拼团 group id, or -1

    @classmethod
    def empty(cls) -> Orders:
        return cls(EMPTY, np.zeros(0, np.int8), np.zeros(0, np.int8), EMPTY)


@dataclass
class Sale:
    """7. Today's purchases: brand, price and who funds what (per buyer, yuan unless noted)."""

    buyers: np.ndarray
    option: np.ndarray
    first: np.ndarray
    brand: np.ndarray
    list_value: np.ndarray
    platform_disc: np.ndarray  # share of list price funded by the platform
    brand_disc: np.ndarray  # share of list price funded by the brand
    points_disc: np.ndarray  # share of list price paid with the consumer's points
    paid: np.ndarray  # what the consumer pays
    subsidy: np.ndarray  # what the platform pays towards the price
    redeemed: np.ndarray  # what the consumer's points pay (the platform funds them)
    group: np.ndarray
    commission: np.ndarray = field(default_factory=lambda: np.zeros(0))
    leader_commission: np.ndarray = field(default_factory=lambda: np.zeros(0))
    brand_receipt: np.ndarray = field(default_factory=lambda: np.zeros(0))
    experience: np.ndarray = field(default_factory=lambda: np.zeros(0))
    quality_experience: np.ndarray = field(default_factory=lambda: np.zeros(0))  # e without price
    posted_positive: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    posted_negative: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def __len__(self) -> int:
        return len(self.buyers)

    def by(self, option: int) -> np.ndarray:
        """Mask over the buyers: bought through ``option``."""
        return self.option == option


@dataclass
class Books:
    """8. The day's money: the flows' totals and the costs charged to consumers.

    A cost of one of today's purchases (a payout it triggered, an operator fee, points it
    redeemed) is charged to that purchase (:meth:`charge`: to its acquisition cost or to its
    margin); a cost spent on customers outside a purchase (a win-back message, a pool
    payout) to the customers (:meth:`charge_customers`). The transaction log and each
    consumer's contribution are built from these.
    """

    flows: dict[str, float]  # one entry per registered flow (sim.accounts.FLOWS)
    purchase_costs: list[tuple[np.ndarray, np.ndarray, bool]] = field(default_factory=list)
    customer_costs: list[tuple[np.ndarray, np.ndarray, str]] = field(default_factory=list)
    earners: np.ndarray = field(default_factory=lambda: EMPTY)  # consumers paid rewards today
    earned: np.ndarray = field(default_factory=lambda: np.zeros(0))  # what each earner got

    def charge(self, positions: np.ndarray, amount: np.ndarray, acquisition: bool) -> None:
        """Charge platform costs to today's purchases (``positions`` into the sale): to their
        acquisition cost (CAC) or against their margin (LTV)."""
        if len(positions):
            self.purchase_costs.append((np.asarray(positions, np.int64), amount, acquisition))

    def charge_customers(self, consumers: np.ndarray, amount: np.ndarray, kind: str) -> None:
        """Charge a platform cost spent on ``consumers`` outside a purchase (``kind`` names it
        in the customer-cost log: "winback", "pool", ...)."""
        if len(consumers):
            self.customer_costs.append((np.asarray(consumers, np.int64), amount, kind))


@dataclass
class Acts:
    """9. Relational acts of the day (participation that builds attachment)."""

    nodes: list[np.ndarray] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)
    feedback: np.ndarray = field(default_factory=lambda: np.zeros(0))  # per buyer, 0/1

    def add(self, nodes: np.ndarray, weight: float = 1.0) -> None:
        if len(nodes):
            self.nodes.append(np.asarray(nodes, np.int64))
            self.weights.append(full(len(nodes), float(weight)))
