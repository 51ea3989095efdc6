"""Discounted LTV, CAC and payback on the hand-built log (``tests/analytics_cases.py``).

Every purchase has margin 1; d(q) = 1.1 ** (-q / 365) discounts a cash flow at age q.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analytics.transactions import build_transactions
from sim.analytics.value import customer_value, discount_factor, unit_economics, value_by_cohort
from tests.analytics_cases import E, hand_costs, hand_daily, hand_log


def d(q: float) -> float:
    return 1.1 ** (-q / 365)


def test_discount_factor():
    """One yuan a year after acquisition is worth 1 / 1.1 at 10% a year."""
    assert float(discount_factor(365, 0.10)) == pytest.approx(1 / 1.1, rel=1e-12)
    np.testing.assert_allclose(discount_factor(np.array([0, 730]), 0.0), [1.0, 1.0])
    with pytest.raises(ValueError, match="annual_rate: must be > -1"):
        discount_factor(1, -1.0)


def test_customer_value_by_hand():
    """Horizon 14 (ages 0..13). D: purchases at ages 0, 11 and a 0.5 win-back cost at age 8;
    B's 2-yuan cost is at age 20 (outside); consumer 99 never bought and M's cost precedes its
    acquisition: neither appears. Observable for 14 days iff c + 13 <= 34."""
    v = customer_value(hand_log(), E, hand_costs(), horizon=14, annual_rate=0.10)
    assert 99 not in v.index
    assert v.loc[3, "margin"] == pytest.approx(1 + d(11), rel=1e-12)
    assert v.loc[3, "costs"] == pytest.approx(0.5 * d(8), rel=1e-12)
    assert v.loc[3, "value"] == pytest.approx(1 + d(11) - 0.5 * d(8), rel=1e-12)
    assert v.loc[1, ["margin", "costs"]].tolist() == [1.0, 0.0]
    assert v.loc[11, ["margin", "costs"]].tolist() == [1.0, 0.0]
    assert v["observed"].tolist() == [True] * 11 + [False]


def test_unit_economics_of_the_first_two_weeks_by_hand():
    """Cohort [0, 14): A..I, 9 customers, all observable for 14 days.

    LTV(14) = (A 1+d5+d12, B 1, C 1+d10, D 1+d11-0.5 d8, E 1+d5, F 1+d2, G 1, H 1+d8, I 1) / 9.
    CAC = (ad 0.5 x 14 = 7 + acquisition costs 3+3+1+1+1+1+1 = 11) / 9 = 2.
    Payback: cumulative cash flows of the cohort by age: 9 at 0, 10 at 2, 12 at 5, 12.5 at 8
    (H buys, D costs 0.5), 13.5 at 10, 14.5 at 11, 15.5 at 12, 17.5 at 17, 19.5 at 18 >= 9 x 2:
    payback at age 18 (discounting moves these sums by under 0.5%, not across 18).
    """
    row = unit_economics(
        hand_log(), hand_daily(), E, hand_costs(), cohort=(0, 14), horizon=14, annual_rate=0.10
    )
    ltv = (9 + 2 * d(5) + d(12) + d(10) + d(11) + d(2) + d(8) - 0.5 * d(8)) / 9
    assert row["customers"] == 9 and row["observed"] == 9
    assert row["ltv"] == pytest.approx(ltv, rel=1e-12)
    assert row["ad_spend"] == 7.0 and row["acquisition_cost"] == 11.0
    assert row["cac"] == pytest.approx(2.0, rel=1e-12)
    assert row["ltv_cac"] == pytest.approx(ltv / 2.0, rel=1e-12)
    assert row["payback_age"] == 18
    undiscounted = unit_economics(
        hand_log(), hand_daily(), E, hand_costs(), (0, 14), 14, annual_rate=0.0
    )
    assert undiscounted["payback_age"] == 18
    assert undiscounted["ltv"] == pytest.approx(15.5 / 9, rel=1e-12)  # flows to age 13


def test_payback_is_nan_when_not_reached_and_zero_with_no_cac():
    """Ad spend 2 a day: CAC = (28 + 11) / 9 = 4.33, but by age 21 (the last age at which all
    of [0, 14) is observed) the cohort has made only 19.5 / 9 = 2.17 a customer: NaN.
    Cohort [14, 21) (J, K) cost nothing: CAC 0, payback at age 0, LTV/CAC undefined;
    LTV(14) = (J 1+d10, K 1+d1) / 2."""
    daily = hand_daily().assign(ad_spend=2.0)
    row = unit_economics(hand_log(), daily, E, hand_costs(), (0, 14), 14, 0.10)
    assert row["cac"] == pytest.approx(39 / 9, rel=1e-12)
    assert math.isnan(row["payback_age"])
    free = unit_economics(hand_log(), hand_daily(), E, hand_costs(), (14, 21), 14, 0.10)
    assert free["cac"] == 0.0 and free["payback_age"] == 0
    assert math.isnan(free["ltv_cac"])
    assert free["ltv"] == pytest.approx((2 + d(10) + d(1)) / 2, rel=1e-12)


def test_value_by_weekly_cohort_by_hand():
    """Horizon 7, undiscounted. Cohort 0 (A..E): LTV = (A 2, B 1, C 1, D 1, E 2) / 5 = 1.4;
    CAC = (3.5 + 3 + 3 + 1) / 5 = 2.1; cumulative flows 5, 7 (age 5), 6.5 (8), 7.5 (10),
    8.5 (11), 9.5 (12), 10.5 (18) -> payback 18 (ties count). Cohort 1 (F..I): LTV 5/4;
    CAC (3.5 + 4) / 4 = 1.875; flows 4, 5 (2), 6 (8), 8 (17) -> payback 17. Cohort 2 (J, K):
    LTV 3/2, CAC 0, payback 0. Cohort 3 is empty (no row); cohort 4 (M, day 34) is not
    observable for 7 days: LTV NaN."""
    table = value_by_cohort(hand_log(), hand_daily(), E, hand_costs(), "week", 7, 0.0)
    assert table.index.tolist() == [0, 1, 2, 4]
    assert table["customers"].tolist() == [5, 4, 2, 1]
    np.testing.assert_allclose(table["ltv"].to_numpy(), [1.4, 1.25, 1.5, np.nan])
    np.testing.assert_allclose(table["cac"].to_numpy(), [2.1, 1.875, 0.0, 0.0])
    np.testing.assert_allclose(table["payback_age"].to_numpy(), [18, 17, 0, 0])
    assert np.isnan(table.loc[4, "ltv_cac"]) and np.isnan(table.loc[2, "ltv_cac"])
    assert table.loc[0, "ltv_cac"] == pytest.approx(1.4 / 2.1)
    discounted = value_by_cohort(hand_log(), hand_daily(), E, hand_costs(), "week", 7, 0.10)
    assert discounted.loc[0, "ltv"] == pytest.approx((5 + 2 * d(5)) / 5, rel=1e-12)


def test_ltv_averages_only_customers_observable_for_the_horizon():
    """Horizon 365 on a 400-day run: customer 0 (day 0) is observable, customer 1 (day 100)
    is not; the LTV is customer 0's: margins 2 at age 0 and 3 at age 364 (d(364)); the
    margin at age 365 is outside the horizon."""
    log = build_transactions(
        [
            {"consumer": 0, "day": 0, "margin": 2.0},
            {"consumer": 0, "day": 364, "margin": 3.0},
            {"consumer": 0, "day": 365, "margin": 100.0},
            {"consumer": 1, "day": 100, "margin": 50.0},
        ]
    )
    daily = hand_daily().reindex(range(400), fill_value=0.0)
    row = unit_economics(log, daily, 399)
    assert (row["customers"], row["observed"]) == (2, 1)
    assert row["ltv"] == pytest.approx(2 + 3 * d(364), rel=1e-12)
