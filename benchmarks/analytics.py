"""Time the customer-base analytics on a synthetic transaction log (default 10^6 rows).

Usage::

    python benchmarks/analytics.py                 # 5,000 customers x 4 years, ~10^6 rows
    python benchmarks/analytics.py --customers 50000 --days 730

The log comes from ``sim.analytics.synthetic`` (heterogeneous buy-till-you-die customers
acquired over the first half of the run, rows in day order as a model writes them), so the figures are for a realistic shape: many
customers with few purchases, a few with many. Each function is timed once (median of
``--repeat`` runs); CPU time is printed beside wall time because the machine may be shared.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.analytics import (  # noqa: E402
    cohort_matrix,
    customer_table,
    customer_value,
    repeat_rate,
    retention_at_ages,
    retention_curve,
    rfm_summary,
    scorecard,
    unit_economics,
    validate_transactions,
    value_by_cohort,
)
from sim.analytics.synthetic import simulate_purchases  # noqa: E402


def synthetic_log(customers: int, days: int, rows: int, seed: int) -> pd.DataFrame:
    """Gamma-distributed daily purchase probabilities scaled so the log has about ``rows``
    rows; a beta-distributed daily dropout probability per customer."""
    rng = np.random.default_rng(seed)
    churn = rng.beta(1.0, 2000.0, customers)
    rate = rng.gamma(0.6, 1.0, customers)
    # expected purchases per unit of rate: days alive and observed after acquisition
    acquired = rng.integers(0, days // 2, customers)
    horizon = days - 1 - acquired
    alive = (1 - (1 - churn) ** horizon) * (1 - churn) / churn
    scale = 1.0
    for _ in range(5):  # the clip at 1 makes the expected row count nonlinear in the scale
        p = np.clip(rate * scale, 0, 1)
        scale *= (rows - customers) / float(np.sum(p * alive))
    log = simulate_purchases(customers, days, p, churn, acquired, seed=rng)
    # a model writes its log day by day: every function has to sort it by customer first
    return log.sort_values("day", kind="stable").reset_index(drop=True)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=5000)
    ap.add_argument("--days", type=int, default=1460)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    t0 = time.perf_counter()
    log = synthetic_log(args.customers, args.days, args.rows, args.seed)
    e = args.days - 1
    daily = pd.DataFrame(
        {
            "ad_spend": 10.0,
            "orders": np.bincount(log["day"], minlength=args.days).astype(float),
            "active": 0.0,
            "new_customers": 0.0,
            "customers": 0.0,
        },
        index=pd.RangeIndex(args.days, name="day"),
    )
    print(
        f"synthetic log: {len(log):,} rows, {log['consumer'].nunique():,} customers, "
        f"{args.days} days (built in {time.perf_counter() - t0:.1f} s)\n"
    )
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("validate_transactions", lambda: validate_transactions(log, e)),
        ("customer_table", lambda: customer_table(log, e)),
        ("rfm_summary (days)", lambda: rfm_summary(log, e)),
        ("rfm_summary (weeks)", lambda: rfm_summary(log, e, time_unit="W")),
        ("cohort_matrix survival, weeks", lambda: cohort_matrix(log, e, "survival", "week")),
        ("cohort_matrix activity, weeks", lambda: cohort_matrix(log, e, "activity", "week")),
        ("cohort_matrix activity, days", lambda: cohort_matrix(log, e, "activity", "day")),
        ("retention_curve survival", lambda: retention_curve(log, e, "survival")),
        ("retention_curve activity", lambda: retention_curve(log, e, "activity")),
        ("retention_at_ages (D30..D365)", lambda: retention_at_ages(log, e)),
        ("repeat_rate", lambda: repeat_rate(log, e)),
        ("customer_value", lambda: customer_value(log, e)),
        ("unit_economics", lambda: unit_economics(log, daily, e)),
        ("value_by_cohort (months)", lambda: value_by_cohort(log, daily, e)),
        ("scorecard (log patterns)", lambda: scorecard(log, e)),
    ]
    print(f"{'function':<32} {'wall s':>8} {'cpu s':>8}")
    total = 0.0
    for name, fn in cases:
        wall, cpu = timed(fn, args.repeat)
        total += wall
        print(f"{name:<32} {wall:>8.3f} {cpu:>8.3f}")
    print(f"{'all of the above':<32} {total:>8.3f}")


if __name__ == "__main__":
    main()
