"""积分 loyalty points: consumers earn points on what they pay and redeem them later.

The classic loyalty program, and this package's walk-through of adding a mechanism
(CONTRIBUTING.md). While it runs:

* every purchase earns ``points_per_yuan`` points per yuan paid;
* a consumer holding at least ``min_redeem`` points redeems them on their next purchase, at
  ``point_value`` yuan a point, for at most ``max_redeem_share`` of the list price: a
  discount the platform funds (the ``points_redeemed`` money flow, a cost to the platform
  charged against the buyer's contribution);
* points a consumer holds are a *switching cost*: the choice sees the redeemable discount
  on every platform option (priced at the mean list price, before the brand is chosen), so
  points pull repeat purchases to the platform — the behaviour the program is for;
* a balance left ``expiry_days`` without a purchase expires (breakage: the points issued
  that are never redeemed, a gain for the platform, reported as ``points_expired``).

Points are transactional, not relational: they build no attachment (DESIGN §3a).
"""

from __future__ import annotations

import numpy as np

from sim.accounts import FLOWS, Flow
from sim.columns import column
from sim.day import NO_TERMS, OUTSIDE, Books, Sale, Terms, Today
from sim.kpis import KPI, KPIS
from sim.levers import Lever
from sim.mechanisms.base import Mechanism, register

GROUP = "Loyalty points (积分)"

FLOWS.register(
    Flow(
        "points_redeemed",
        "Loyalty points redeemed",
        "platform",
        "consumers",
        "in",
        -1,
        "Purchases paid with loyalty points (the platform funds them).",
    )
)
for _c in (
    ("points_redeemed", "yuan", "Yuan of purchases paid with loyalty points today."),
    ("points_issued", "count", "Loyalty points earned today."),
    ("points_expired", "count", "Loyalty points that expired unredeemed today (breakage)."),
    ("points_outstanding", "count", "Loyalty points held by consumers at the end of the day."),
):
    column(*_c)
for _k in (
    KPI("points_redeemed", "Points redeemed", "yuan", "Purchases paid with loyalty points.", None),
    KPI(
        "points_breakage",
        "Points breakage",
        "share",
        "Share of the loyalty points issued that expired unredeemed.",
        None,
    ),
    KPI(
        "points_liability",
        "Points liability",
        "yuan",
        "Value of the loyalty points consumers hold at the end (what the platform owes).",
        False,
    ),
):
    KPIS.register(_k)


@register
class LoyaltyPoints(Mechanism):
    name = "loyalty"
    order = 70
    section = "policy.loyalty"
    label = "积分 loyalty points"
    summary = (
        "Points per yuan spent, redeemed as a platform-funded discount on later purchases; "
        "unused points expire (breakage)."
    )
    levers = (
        Lever(
            "policy.loyalty.enabled",
            "Loyalty points on",
            GROUP,
            "bool",
            moves="needs met on the platform rather than elsewhere (points are a switching "
            "cost); they build no attachment, so dropout, and total orders, move little",
            responds=(("outside_choices/needs", -1),),
            home="loyalty_points",
        ),
        Lever(
            "policy.loyalty.points_per_yuan",
            "Points per yuan",
            GROUP,
            "float",
            0.0,
            10.0,
            0.5,
            moves="needs met on the platform rather than elsewhere, points liability",
            responds=(("outside_choices/needs", -1), ("points_issued", 1)),
            home="loyalty_points",
        ),
        Lever(
            "policy.loyalty.max_redeem_share",
            "Largest share paid with points",
            GROUP,
            "float",
            0.0,
            0.5,
            0.05,
            unit="%",
            moves="points redeemed, needs met on the platform",
            responds=(("points_redeemed", 1),),
            home="loyalty_points",
        ),
    )

    def __init__(self, model) -> None:  # noqa: ANN001 - the model
        super().__init__(model)
        self.on = False
        self.balance = np.zeros(model.n)  # points held
        self._last_buyers: dict[int, np.ndarray] = {}  # day -> consumers who bought that day
        self.issued = self.redeemed = self.expired = 0.0  # points, over the run
        self.outstanding = 0.0  # points held now (kept as a running total: no O(n) pass)

    def start_day(self, today: Today) -> None:
        self.on = self.cfg.on(today.day)

    def _redeemable(self, consumers: np.ndarray) -> np.ndarray:
        """Yuan each consumer's points can pay today (0 below the redemption threshold)."""
        held = self.balance[consumers]
        return np.where(held >= self.cfg.min_redeem, held * self.cfg.point_value, 0.0)

    def price_terms(
        self,
        today: Today,
        option: int,
        consumers: np.ndarray,
        first: np.ndarray,
        list_value: np.ndarray | None = None,
    ) -> Terms:
        if not self.on or option == OUTSIDE or not len(consumers):
            return NO_TERMS
        value = self._redeemable(consumers)
        if not value.any():
            return NO_TERMS
        if list_value is None:  # at the choice: the brand is not chosen yet
            active = self.model.brands.active
            list_value = np.full(len(consumers), today.list_price[active].mean())
        return Terms(points=np.minimum(self.cfg.max_redeem_share, value / list_value))

    def book(self, today: Today, sale: Sale, books: Books) -> None:
        row = today.row
        if self.on and len(sale):
            cfg = self.cfg
            spent = sale.redeemed / cfg.point_value if cfg.point_value > 0 else 0 * sale.redeemed
            earned = cfg.points_per_yuan * sale.paid
            self.balance[sale.buyers] += earned - spent
            books.flows["points_redeemed"] = float(sale.redeemed.sum())
            books.charge(np.arange(len(sale)), sale.redeemed, acquisition=False)
            issued, used = float(earned.sum()), float(spent.sum())
            self.issued += issued
            self.redeemed += used
            self.outstanding += issued - used
            row["points_issued"] = issued
        # breakage: balances untouched for expiry_days (no purchase since) expire
        if len(sale):
            self._last_buyers[today.day] = sale.buyers
        stale = self._last_buyers.pop(today.day - self.cfg.expiry_days, None)
        if stale is not None:
            lapsed = stale[self.model.pop.last_purchase[stale] == today.day - self.cfg.expiry_days]
            lost = float(self.balance[lapsed].sum())
            self.balance[lapsed] = 0.0
            self.expired += lost
            self.outstanding -= lost
            row["points_expired"] = lost
        row["points_outstanding"] = self.outstanding

    def kpis(self, daily) -> dict[str, float]:  # noqa: ANN001 - a DataFrame
        return {
            "points_redeemed": float(daily["points_redeemed"].sum()),
            "points_breakage": self.expired / self.issued if self.issued else float("nan"),
            "points_liability": float(self.balance.sum()) * self.cfg.point_value,
        }
