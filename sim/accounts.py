"""Money flows, day by day: every yuan paid is accounted for.

Per purchase: the consumer pays P; the platform adds its subsidy S and keeps its
commission C; the leader (for community orders) earns commission LC; the brand
receives B = P + S - C - LC. So, each day,

    consumer payments + subsidies = brand receipts + commissions + leader commissions

and the platform's cash moves by

    commissions - subsidies - rewards - operator fees - ad spend - win-back spend.

(Operator fees: in operator mode the platform pays each leader a share of their
community's platform GMV.)

Rewards are paid to consumers (partners) and recorded in the contribution ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

FLOWS = (
    "consumer_paid",
    "subsidies",
    "commissions",
    "leader_commissions",
    "brand_receipts",
    "rewards",
    "operator_fees",
    "ad_spend",
    "winback_spend",
)


@dataclass
class Accounts:
    rows: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in ("day", *FLOWS)})
    platform_net: list[float] = field(default_factory=list)
    platform_cash: float = 0.0

    def book(self, day: int, **flows: float) -> None:
        missing = set(FLOWS) - set(flows)
        if missing:
            raise ValueError(f"accounts: missing flows {sorted(missing)}")
        self.rows["day"].append(day)
        for k in FLOWS:
            self.rows[k].append(float(flows[k]))
        net = (
            flows["commissions"]
            - flows["subsidies"]
            - flows["rewards"]
            - flows["operator_fees"]
            - flows["ad_spend"]
            - flows["winback_spend"]
        )
        self.platform_net.append(net)
        self.platform_cash += net

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows)
        df["platform_net"] = self.platform_net
        return df

    def totals(self) -> dict[str, float]:
        return {k: float(sum(self.rows[k])) for k in FLOWS} | {"platform_net": self.platform_cash}
