"""Money flows, day by day: every yuan paid is accounted for.

Each flow is one :data:`FLOWS` entry: who pays, who earns, and its place in the two daily
identities the books must satisfy.

* **The purchase pot.** A purchase at list price L less a brand-funded discount is funded by
  the consumer's payment, the platform's subsidy and any points the consumer redeems
  (``pot="in"``) and split into the brand's receipt, the platform's commission and the
  leader's commission (``pot="out"``). So every day

      sum of "in" flows = sum of "out" flows.

* **The platform's cash** moves by the sum of the flows signed ``platform=+1`` (income)
  and ``platform=-1`` (costs):

      commissions - subsidies - rewards - operator fees - ad spend - win-back spend - ...

A mechanism that moves money registers its flows in its own module (e.g. the loyalty
program's points redeemed); :class:`Accounts` books whatever is registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from sim.registry import Registry

Party = Literal["consumers", "platform", "brands", "leaders", "partners", "advertising"]


@dataclass(frozen=True)
class Flow:
    name: str
    label: str
    payer: Party
    payee: Party
    pot: Literal["in", "out"] | None  # funds a purchase ("in") or is a share of it ("out")
    platform: Literal[-1, 0, 1]  # effect on the platform's cash
    help: str = ""
    daily: str = ""  # its column in the daily series (default: the flow's name)

    @property
    def column(self) -> str:
        return self.daily or self.name


FLOWS: Registry[Flow] = Registry("money flow")

for _flow in (
    Flow(
        "consumer_paid",
        "Consumers pay",
        "consumers",
        "platform",
        "in",
        0,
        "What consumers pay.",
        "gmv",
    ),
    Flow(
        "subsidies",
        "Platform subsidies",
        "platform",
        "consumers",
        "in",
        -1,
        "Platform-funded discounts (group subsidy, new-user coupons).",
        "subsidy_spend",
    ),
    Flow(
        "commissions",
        "Platform commission",
        "brands",
        "platform",
        "out",
        1,
        "The platform's take on consumer payments.",
    ),
    Flow(
        "leader_commissions",
        "Leader commissions",
        "brands",
        "leaders",
        "out",
        0,
        "Commission of community leaders on orders through them.",
    ),
    Flow(
        "brand_receipts",
        "Brands receive",
        "platform",
        "brands",
        "out",
        0,
        "What brands receive after commissions.",
    ),
    Flow(
        "rewards",
        "Rewards to partners",
        "platform",
        "partners",
        None,
        -1,
        "Partner-program payouts (referral bonus, share, content, pool).",
        "rewards_paid",
    ),
    Flow(
        "operator_fees",
        "Leader operator fees",
        "platform",
        "leaders",
        None,
        -1,
        "Operator mode: the platform pays leaders a share of their community's GMV.",
    ),
    Flow("ad_spend", "Platform ads", "platform", "advertising", None, -1, "Paid ads."),
    Flow(
        "winback_spend",
        "Private-domain win-back",
        "platform",
        "advertising",
        None,
        -1,
        "Messages to lapsed customers.",
    ),
):
    FLOWS.register(_flow)


class Accounts:
    """The day-by-day books: one row per day, one column per registered flow."""

    def __init__(self) -> None:
        self.rows: dict[str, list[float]] = {"day": []}
        self.platform_net: list[float] = []
        self.platform_cash = 0.0

    def book(self, day: int, flows: dict[str, float]) -> None:
        """Book one day. Every registered flow must be given (0 if none), nothing else."""
        names = FLOWS.names()
        if flows.keys() != set(names):
            missing = sorted(set(names) - flows.keys())
            extra = sorted(flows.keys() - set(names))
            raise ValueError(f"accounts: missing flows {missing}, unregistered flows {extra}")
        self.rows["day"].append(day)
        net = 0.0
        for f in FLOWS:
            v = float(flows[f.name])
            self.rows.setdefault(f.name, []).append(v)
            if f.platform:
                net += f.platform * v
        self.platform_net.append(net)
        self.platform_cash += net

    def frame(self):  # -> pd.DataFrame (pandas imported here: the books are built without it)
        import pandas as pd

        df = pd.DataFrame({k: np.asarray(v) for k, v in self.rows.items()})
        df["platform_net"] = self.platform_net
        return df


def platform_net(frame) -> np.ndarray:  # frame: a DataFrame with one column per flow
    """The platform's net cash flow per row of a table of flows (accounts or daily series)."""
    net = np.zeros(len(frame))
    for f in FLOWS:
        if f.platform and f.name in frame:
            net = net + f.platform * np.asarray(frame[f.name], np.float64)
    return net


def pot_balance(frame) -> np.ndarray:
    """Sum of the flows that fund purchases minus the flows that split them (0 every day)."""
    bal = np.zeros(len(frame))
    for f in FLOWS:
        if f.pot and f.name in frame:
            sign = 1.0 if f.pot == "in" else -1.0
            bal = bal + sign * np.asarray(frame[f.name], np.float64)
    return bal
