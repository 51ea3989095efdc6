"""RFM summary per customer, in the layout of the customer-lifetime-value tools.

The same table as PyMC-Marketing's ``pymc_marketing.clv.utils.rfm_summary`` (and the older
``lifetimes.utils.summary_data_from_transaction_data``), so BG/NBD, Pareto/NBD or
Gamma-Gamma models fit simulated customers exactly as they fit real ones. With time periods
of ``time_unit`` (days, or weeks counted from day 0 of the run: period = day // 7):

* purchases after ``observation_end`` are dropped, and the purchases of one customer in one
  period are one purchase whose value is their sum;
* ``frequency``: number of *repeat* periods (periods with a purchase, minus the first);
* ``recency``: periods from the first purchase to the last (0 if there is no repeat);
* ``T``: periods from the first purchase to ``observation_end``;
* ``monetary_value``: mean value of the repeat periods (0 if there is none).

With ``include_first_transaction=True`` (RFM segmentation, not model fitting) frequency counts
all periods, recency is periods since the last purchase (T - recency above), monetary value
averages all periods, and there is no T column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analytics.customers import purchases

#: Time units of the summary: name -> days per period.
RFM_TIME_UNITS = {"D": 1, "W": 7}


def rfm_summary(
    transactions: pd.DataFrame,
    observation_end: int,
    time_unit: str = "D",
    monetary: str | None = "amount",
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """Columns ``customer_id, frequency, recency, T, monetary_value`` (floats, one row per
    customer, ascending ``customer_id``); see the module doc. ``monetary=None`` leaves out
    ``monetary_value``."""
    if time_unit not in RFM_TIME_UNITS:
        raise ValueError(
            f"time_unit: must be one of {', '.join(RFM_TIME_UNITS)}, got {time_unit!r}"
        )
    if monetary is not None and monetary not in transactions.columns:
        raise ValueError(f"monetary: no column {monetary!r} in the transaction log")
    size = RFM_TIME_UNITS[time_unit]
    p = purchases(transactions, observation_end)
    period = p.day // size
    # one entry per (customer, period); rows are sorted by (customer, day), so by period too
    new = np.ones(len(period), dtype=bool)
    new[1:] = (p.customer[1:] != p.customer[:-1]) | (period[1:] != period[:-1])
    e_customer = p.customer[new]
    e_period = period[new]
    m = len(p.ids)
    count = np.bincount(e_customer, minlength=m)
    first_entry = np.cumsum(count) - count
    last_entry = np.cumsum(count) - 1
    frequency = count - 1
    recency = e_period[last_entry] - e_period[first_entry]
    t = p.observation_end // size - e_period[first_entry]
    out: dict[str, np.ndarray] = {"customer_id": p.ids}
    if include_first_transaction:
        out |= {"frequency": count, "recency": t - recency}
    else:
        out |= {"frequency": frequency, "recency": recency, "T": t}
    if monetary is not None:
        entry = np.cumsum(new) - 1
        value = np.bincount(
            entry, weights=p.column(transactions, monetary).astype(float), minlength=len(e_period)
        )
        counted = np.ones(len(e_period), dtype=bool)
        if not include_first_transaction:
            counted[first_entry] = False
        total = np.bincount(e_customer[counted], weights=value[counted], minlength=m)
        periods = count if include_first_transaction else frequency
        out["monetary_value"] = np.where(periods > 0, total / np.maximum(periods, 1), 0.0)
    frame = pd.DataFrame(out)
    value_cols = [c for c in frame.columns if c != "customer_id"]
    frame[value_cols] = frame[value_cols].astype(float)
    return frame
