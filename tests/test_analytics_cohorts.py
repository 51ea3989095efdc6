"""Survival and activity, per customer, per cohort and pooled, on the hand-built log.

The log, its ages and first lapse ages L are tabulated in ``tests/analytics_cases.py``
(E = 34, w = 10, weekly cohorts).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analytics.cohorts import cohort_matrix, retention_at_ages, retention_curve
from sim.analytics.customers import customer_table
from sim.analytics.repeat import one_time_buyer_share, repeat_rate
from sim.analytics.transactions import build_transactions
from tests.analytics_cases import E, W, hand_log

NAN = np.nan


def test_customer_table_by_hand():
    """acquired = first day; L from the table; K's day-40 purchase (after E) is ignored."""
    t = customer_table(hand_log(), E, window=W)
    assert t.index.tolist() == list(range(12))
    assert t["acquired"].tolist() == [0, 0, 1, 2, 3, 7, 8, 10, 13, 14, 20, 34]
    assert t["purchases"].tolist() == [5, 1, 4, 3, 3, 2, 3, 3, 1, 3, 2, 1]
    assert t["last_purchase"].tolist() == [28, 0, 31, 20, 30, 9, 26, 27, 13, 33, 21, 34]
    assert t["max_age"].tolist() == [34, 34, 33, 32, 31, 27, 26, 24, 21, 20, 14, 0]
    assert t["first_lapse_age"].tolist() == [38, 10, 40, 10, 15, 12, 10, 27, 10, 29, 11, 10]
    # the lapse is seen only where L <= max age (A, C, H, J and M are still surviving)
    assert t["lapsed"].tolist() == [
        False,
        True,
        False,
        True,
        True,
        True,
        True,
        False,
        True,
        False,
        True,
        False,
    ]


def test_survival_at_gap_equal_to_the_window_and_after_a_return():
    """Active on day t iff t - last purchase < w. Gaps of exactly w leave no inactive day
    (C survives); a gap of w + 1 leaves one (D lapses at age 10 even though it comes back)."""
    log = build_transactions({0: [0, 10, 20], 1: [0, 11]})
    t = customer_table(log, 40, window=10)
    assert t["first_lapse_age"].tolist() == [30, 10]


def test_weekly_survival_matrix_with_counts():
    """Cohort g holds acquisitions on days 7g..7g+6; column m is age 7m; a cell is shown iff
    7g + 6 + 7m <= 34. Survival at age a: L > a.

    cohort 0 (A B C D E; L 38 10 40 10 15): ages 0, 7: 5/5; 14: A C E 3/5; 21, 28: A C 2/5
    cohort 1 (F G H I; L 12 10 27 10):       ages 0, 7: 4/4; 14, 21: H 1/4
    cohort 2 (J K; L 29 11):                 ages 0, 7: 2/2; 14: J 1/2
    cohort 3: nobody (no row);  cohort 4 (M): age 0: 1/1
    """
    m = cohort_matrix(hand_log(), E, kind="survival", unit="week", window=W)
    expected_k = [
        [5, 5, 3, 2, 2],
        [4, 4, 1, 1, NAN],
        [2, 2, 1, NAN, NAN],
        [1, NAN, NAN, NAN, NAN],
    ]
    expected_n = [
        [5, 5, 5, 5, 5],
        [4, 4, 4, 4, NAN],
        [2, 2, 2, NAN, NAN],
        [1, NAN, NAN, NAN, NAN],
    ]
    assert m.rate.index.tolist() == [0, 1, 2, 4]
    assert m.rate.columns.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(m.customers.to_numpy(), expected_k)
    np.testing.assert_array_equal(m.n.to_numpy(), expected_n)
    np.testing.assert_allclose(m.rate.to_numpy(), np.divide(expected_k, expected_n))
    assert m.first_day.tolist() == [0, 7, 14, 28]


def test_weekly_activity_matrix_with_counts():
    """Active at age a iff a purchase at an age in [a - 9, a].

    cohort 0: age 7 [-2, 7]: all 5; 14 [5, 14]: A(5,12) C(10) D(11) E(5) = 4;
              21 [12, 21]: A(12,20) C(20) D(18) = 3; 28 [19, 28]: A(20,28) C(20) E(27) = 3
    cohort 1: age 7: all 4; 14 [5, 14]: H(8) = 1; 21 [12, 21]: G(17,18) H(17) = 2
    cohort 2: age 7: J K = 2; 14 [5, 14]: J(10) = 1
    """
    m = cohort_matrix(hand_log(), E, kind="activity", unit="week", window=W)
    expected_k = [
        [5, 5, 4, 3, 3],
        [4, 4, 1, 2, NAN],
        [2, 2, 1, NAN, NAN],
        [1, NAN, NAN, NAN, NAN],
    ]
    np.testing.assert_array_equal(m.customers.to_numpy(), expected_k)
    np.testing.assert_array_equal(
        m.n.to_numpy(), cohort_matrix(hand_log(), E, "survival", "week", W).n.to_numpy()
    )
    # activity can rise again with age (cohort 1: 1/4 at 14, 2/4 at 21); survival cannot
    assert m.rate.loc[1, 3] > m.rate.loc[1, 2]


def test_cohort_matrix_long_format_has_intervals():
    long = cohort_matrix(hand_log(), E, "survival", "week", W).long()
    row = long[(long["cohort"] == 0) & (long["age"] == 2)].iloc[0]
    assert (row["first_day"], row["age_days"], row["customers"], row["n"]) == (0, 14, 3, 5)
    assert row["lo"] < row["rate"] == 0.6 < row["hi"]
    assert len(long) == 5 + 4 + 3 + 1


def test_monthly_cohorts_are_30_day_months():
    """Days 0..29 are month 0, 30..59 month 1; with E = 89, month 0 is shown at ages 0, 30, 60
    (29 + 60 <= 89) and month 1 at ages 0, 30 (59 + 30 <= 89)."""
    log = build_transactions({0: [0, 25, 50, 75], 1: [29], 2: [30, 45]})
    m = cohort_matrix(log, 89, "survival", "month", window=30)
    assert m.rate.index.tolist() == [0, 1]
    np.testing.assert_array_equal(m.n.to_numpy(), [[2, 2, 2], [1, 1, NAN]])
    # consumer 0 survives (gaps 25); 1 lapses at age 30; 2 lapses at 15 + 30 = 45 > 30
    np.testing.assert_array_equal(m.customers.to_numpy(), [[2, 1, 1], [1, 1, NAN]])


def test_pooled_survival_curve_by_hand():
    """n_a = customers with max age >= a; k_a = those with L > a.

    age 0: 12/12. age 10: n 11 (all but M), survivors A C E F H J K = 7. age 14: n 11
    (K's max age is 14), L > 14: A C E H J = 5. age 15: n 10, A C H J = 4. n stays 10 up to
    age 20 (J's max age) and is 9 at 21, so with min_customers = 10 the curve stops at 20.
    """
    curve = retention_curve(hand_log(), E, "survival", window=W, min_customers=10)
    assert curve.index[0] == 0 and curve.index[-1] == 20
    assert curve.loc[0, "rate"] == 1.0
    assert curve.loc[[0, 10, 14, 15], "customers"].tolist() == [12, 7, 5, 4]
    assert curve.loc[[0, 10, 14, 15, 20], "n"].tolist() == [12, 11, 11, 10, 10]
    assert curve.loc[10, "rate"] == pytest.approx(7 / 11)
    assert (curve["lo"] <= curve["rate"]).all() and (curve["rate"] <= curve["hi"]).all()
    assert (curve["n"] >= 10).all()


def test_pooled_activity_curve_by_hand():
    """Age 20, window [11, 20], customers observed at 20 (A..J): A(12,20) C(20) D(11,18)
    G(17,18) H(17) J(19) = 6 of 10."""
    curve = retention_curve(hand_log(), E, "activity", window=W, min_customers=10)
    assert curve.loc[20, ["customers", "n"]].tolist() == [6, 10]
    assert curve.loc[0, "rate"] == 1.0


def test_pooled_curve_is_empty_below_the_minimum_and_can_be_restricted_to_a_cohort():
    assert retention_curve(hand_log(), E, window=W).empty  # 12 customers < 100
    cohort = retention_curve(hand_log(), E, window=W, cohort=(7, 14), min_customers=1)
    # F G H I: max ages 27 26 24 21, so n drops below 1 after age 27
    assert cohort.index[-1] == 27
    assert cohort.loc[[0, 12, 21, 22], "n"].tolist() == [4, 4, 4, 3]
    assert cohort.loc[12, "customers"] == 1  # only H (L 27) survives past age 11


def test_headline_retention_on_a_stated_cohort():
    """Cohort [0, 14) = cohorts 0 and 1, 9 customers, all observable at age k iff 13 + k <= 34.
    Survival at 7: 9/9; 14: A C E H = 4/9; 21: A C H = 3/9; 28: needs E >= 41 -> NaN."""
    table = retention_at_ages(hand_log(), E, ages=(7, 14, 21, 28), cohort=(0, 14), window=W)
    assert table.loc[[7, 14, 21], "customers"].tolist() == [9, 4, 3]
    assert table.loc[[7, 14, 21], "n"].tolist() == [9, 9, 9]
    assert table.loc[14, "rate"] == pytest.approx(4 / 9)
    assert np.isnan(table.loc[28, "rate"])
    assert "observable at age 28 only from observation_end 41" in table.loc[28, "note"]
    activity = retention_at_ages(hand_log(), E, (14,), (0, 14), "activity", W)
    # cohort 0 has 4 active at 14 and cohort 1 has 1
    assert activity.loc[14, "customers"] == 5


def test_headline_retention_defaults_are_d30_to_d365_on_the_first_year():
    """Default cohort [0, 365): D30 needs E >= 394 and D90 E >= 454, so with E = 400 only D30
    is defined. One customer acquired on day 0 buying every 30 days
    survives; one buying once lapses at 30."""
    log = build_transactions({0: list(range(0, 400, 30)), 1: [100]})
    table = retention_at_ages(log, 400)
    assert table.index.tolist() == [30, 90, 180, 365]
    assert table.loc[30, ["customers", "n"]].tolist() == [1, 2]
    assert table.loc[[90, 180, 365], "rate"].isna().all()


def test_repeat_rate_and_one_time_share_by_hand():
    """Cohort [0, 14), horizon 14: all 9 observable (c + 13 <= 34); second purchase at age
    <= 13: A(5) C(10) D(11) E(5) F(2) H(8) = 6 of 9 (B, I never; G at 17).
    Horizon 25: observable iff c <= 10, so I (13) is out: 8 customers; G(17) now counts:
    7 of 8."""
    r = repeat_rate(hand_log(), E, cohort=(0, 14), horizon=14)
    assert (r.customers, r.n) == (6, 9)
    assert r.rate == pytest.approx(6 / 9)
    o = one_time_buyer_share(hand_log(), E, cohort=(0, 14), horizon=14)
    assert (o.customers, o.n) == (3, 9)
    r25 = repeat_rate(hand_log(), E, cohort=(0, 14), horizon=25)
    assert (r25.customers, r25.n) == (7, 8)


def test_first_year_repeat_rate_boundary_is_age_364():
    """A second purchase at age 364 is within the first year; at 365 it is not. Customer 2
    (acquired on day 400) is outside the first-year cohort."""
    log = build_transactions({0: [0, 364], 1: [10, 375], 2: [400, 401]})
    r = repeat_rate(log, 800)
    assert (r.customers, r.n) == (1, 2)
    unobservable = repeat_rate(log, 300)
    assert unobservable.n == 0 and np.isnan(unobservable.rate)
    assert "observable for 365 days" in unobservable.note


def test_purchases_after_the_observation_end_are_ignored_and_order_does_not_matter():
    log = hand_log()
    shuffled = log.sample(frac=1.0, random_state=3)
    a = cohort_matrix(log, E, "activity", "week", W)
    b = cohort_matrix(shuffled, E, "activity", "week", W)
    pd.testing.assert_frame_equal(a.customers, b.customers)
    # "as of day 20": only purchases up to day 20 count
    early = log[log["day"] <= 20]
    pd.testing.assert_frame_equal(customer_table(log, 20, W), customer_table(early, 20, W))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "loyalty"}, "kind: must be one of survival, activity"),
        ({"unit": "year"}, "unit: must be one of day, week, month"),
        ({"window": 0}, "window: must be >= 1 day"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, message):
    with pytest.raises(ValueError, match=message):
        cohort_matrix(hand_log(), E, **kwargs)
    with pytest.raises(ValueError, match="cohort: must satisfy 0 <= start < end"):
        retention_at_ages(hand_log(), E, cohort=(5, 5))


def test_analytics_modules_do_not_import_the_model():
    """They must work on a log read back from Parquet, without mesa or the model."""
    forbidden = {"mesa", "sim.model", "sim.results", "sim.api", "sim.mechanisms"}
    package = Path(__file__).resolve().parents[1] / "sim" / "analytics"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in forbidden), (
                    f"{path.name} imports {name}"
                )
                if name.startswith("sim"):
                    assert name.startswith("sim.analytics"), f"{path.name} imports {name}"
