"""A dozen hand-built customers, worked out on paper, shared by the analytics tests.

Observation end E = 34 (days 0..34), churn window w = 10, weekly cohorts (c // 7).
Every purchase has margin 1. ``d`` is the purchase day, ``q`` its age (d - c), ``L`` the first
lapse age (the customer survives to age a iff a < L; L = p_j - c + w, p_j the purchase that
starts the first gap longer than w, else the last purchase):

| id | name | days (amount)                      | ages q          | L  | max age | cohort |
|----|------|------------------------------------|-----------------|----|---------|--------|
|  0 | A    | 0 (10), 5 (20), 12 (30), 20 (40), 28 (50) | 0 5 12 20 28 | 38 | 34 | 0 |
|  1 | B    | 0 (10)                             | 0               | 10 | 34      | 0      |
|  2 | C    | 1 (10), 11 (12), 21 (14), 31 (16)  | 0 10 20 30      | 40 | 33      | 0      |
|  3 | D    | 2 (8), 13 (6), 20 (9)              | 0 11 18         | 10 | 32      | 0      |
|  4 | E    | 3 (10), 8 (5), 30 (7)              | 0 5 27          | 15 | 31      | 0      |
|  5 | F    | 7 (10), 9 (4)                      | 0 2             | 12 | 27      | 1      |
|  6 | G    | 8 (10), 25 (3), 26 (5)             | 0 17 18         | 10 | 26      | 1      |
|  7 | H    | 10 (10), 18 (10), 27 (10)          | 0 8 17          | 27 | 24      | 1      |
|  8 | I    | 13 (10)                            | 0               | 10 | 21      | 1      |
|  9 | J    | 14 (10), 24 (20), 33 (25)          | 0 10 19         | 29 | 20      | 2      |
| 10 | K    | 20 (10), 21 (6), 40 (99: after E)  | 0 1             | 11 | 14      | 2      |
| 11 | M    | 34 (10)                            | 0               | 10 | 0       | 4      |

C's gaps are exactly w = 10 (no inactive day: survives); D's first gap is 11 (> w: lapses
at age 10 although it buys again). K's purchase on day 40 is after E and ignored.
Acquisition costs (booked on first purchases): A 3, B 3, E 1, F 1, G 1, H 1, I 1 (others 0).
Costs that are not purchases: D 0.5 on day 10 (age 8); B 2 on day 20 (age 20); consumer 99
(never bought) 4 on day 5, M 1 on day 30 (before its acquisition): those two count nowhere.
Ad spend 0.5 a day on days 0..13, 0 after.
"""

from __future__ import annotations

import pandas as pd

from sim.analytics.transactions import build_costs, build_transactions

E = 34
W = 10

PURCHASES = {
    0: [(0, 10), (5, 20), (12, 30), (20, 40), (28, 50)],
    1: [(0, 10)],
    2: [(1, 10), (11, 12), (21, 14), (31, 16)],
    3: [(2, 8), (13, 6), (20, 9)],
    4: [(3, 10), (8, 5), (30, 7)],
    5: [(7, 10), (9, 4)],
    6: [(8, 10), (25, 3), (26, 5)],
    7: [(10, 10), (18, 10), (27, 10)],
    8: [(13, 10)],
    9: [(14, 10), (24, 20), (33, 25)],
    10: [(20, 10), (21, 6), (40, 99)],
    11: [(34, 10)],
}
ACQUISITION_COST = {0: 3.0, 1: 3.0, 4: 1.0, 5: 1.0, 6: 1.0, 7: 1.0, 8: 1.0}


def hand_log() -> pd.DataFrame:
    rows = []
    for consumer, buys in PURCHASES.items():
        for i, (day, amount) in enumerate(buys):
            rows.append(
                {
                    "consumer": consumer,
                    "day": day,
                    "amount": float(amount),
                    "margin": 1.0,
                    "acquisition_cost": ACQUISITION_COST.get(consumer, 0.0) if i == 0 else 0.0,
                }
            )
    return build_transactions(rows)


def hand_costs() -> pd.DataFrame:
    return build_costs(
        [
            (3, 10, "winback", 0.5),
            (1, 20, "winback", 2.0),
            (99, 5, "pool", 4.0),
            (11, 30, "pool", 1.0),
        ]
    )


def hand_daily() -> pd.DataFrame:
    days = range(E + 1)
    return pd.DataFrame(
        {
            "ad_spend": [0.5 if d < 14 else 0.0 for d in days],
            "orders": 0.0,
            "active": 0.0,
            "new_customers": 0.0,
            "customers": 0.0,
        },
        index=pd.RangeIndex(E + 1, name="day"),
    )
