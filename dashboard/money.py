"""Money as the pages show it: who pays and who earns over the run, and the platform's days.

Read from the library's registry of money flows (``sim.accounts.FLOWS``: payer, payee, pot,
effect on the platform's cash), so a mechanism's new flow (the loyalty program's points,
say) is grouped and drawn without edits here.

* *Who pays*: consumers' payments and every cost of the platform (its cash goes down).
* *Who earns*: the purchase pot's shares (brands' receipts, the platform's commission,
  leaders' commissions) and the platform's payouts to leaders and partners.

Pass-through legs (the platform collecting a payment, a subsidy funding a price) are not
counted twice; advertising is paid out of the market and earns no one in it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.accounts import FLOWS, Flow, platform_net
from sim.dashboard.runs import Run

PARTIES = {
    "consumers": "Consumers",
    "platform": "Platform",
    "brands": "Brands",
    "leaders": "Leaders (团长)",
    "partners": "Partners (共生)",
    "advertising": "Advertising",
}
PAYS, EARNS = "Who pays", "Who earns"


def pays(flow: Flow) -> bool:
    return flow.payer == "consumers" or flow.platform == -1


def earns(flow: Flow) -> bool:
    return flow.pot == "out" or (flow.pot is None and flow.payee in ("leaders", "partners"))


def flow_labels() -> list[str]:
    """Every flow's label, in registry order (the colour domain of the money charts)."""
    return [f.label for f in FLOWS]


def money_totals(run: Run) -> pd.DataFrame:
    """Totals over the run: one row per (side, party, flow) with the yuan (all positive)."""
    acc = run.result.accounts
    rows = []
    for f in FLOWS:
        total = float(acc[f.name].sum()) if f.name in acc else 0.0
        if total == 0:
            continue
        if pays(f):
            rows.append((PAYS, PARTIES[f.payer], f.label, total))
        if earns(f):
            rows.append((EARNS, PARTIES[f.payee], f.label, total))
    return pd.DataFrame(rows, columns=["side", "party", "flow", "yuan"])


def platform_net_total(run: Run) -> float:
    return float(platform_net(run.result.accounts).sum())


def platform_daily(run: Run, window: int = 7) -> pd.DataFrame:
    """The platform's cash flows per day, smoothed (income positive, costs negative), long
    form (day, flow, yuan), plus its net as the flow "Platform net"."""
    daily = run.result.daily
    cols = {}
    for f in FLOWS:
        if f.platform and f.column in daily:
            cols[f.label] = f.platform * daily[f.column].astype(float)
    frame = pd.DataFrame(cols, index=daily.index)
    frame = frame.loc[:, (frame != 0).any(axis=0)]
    frame["Platform net"] = frame.sum(axis=1) if len(frame.columns) else 0.0
    sm = frame.rolling(max(1, int(window)), min_periods=1).mean()
    sm.index.name = "day"
    long = sm.reset_index().melt(id_vars="day", var_name="flow", value_name="yuan")
    long["day"] = long["day"].astype(np.int64)
    return long
