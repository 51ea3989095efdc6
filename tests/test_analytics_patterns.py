"""Each realism-scorecard pattern on a hand-built log whose answer is worked out below."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analytics.patterns import (
    PATTERN_KEYS,
    PATTERNS,
    activity_by_age,
    adoption_r2,
    matched_survival_premium,
    orders_fall_after_cut,
    partner_renewal_rate,
    recency_effect,
    referral_survival_premium,
    scorecard,
    top_customer_revenue_share,
)
from sim.analytics.repeat import one_time_buyer_share, repeat_rate
from sim.analytics.transactions import TransactionLogError, build_transactions


def first_year_log() -> pd.DataFrame:
    """E = 729. First-year cohort: 0 (days 0, 364: second purchase at age 364, within the
    year), 1 (days 100, 465: age 365, outside), 2 (day 364 only). 3 is acquired on day 400,
    outside the cohort. Repeat rate 1/3, one-time buyers 2/3."""
    return build_transactions({0: [0, 364], 1: [100, 465], 2: [364], 3: [400, 401]})


def test_one_time_buyers_and_repeat_within_a_year():
    log = first_year_log()
    assert one_time_buyer_share(log, 729).rate == pytest.approx(2 / 3)
    assert repeat_rate(log, 729).rate == pytest.approx(1 / 3)


def test_top_customer_revenue_share_by_hand():
    """Ten first-year customers observable for a year (E = 729): one spends 100, one 50, eight
    spend 10 each (230 in all). The top ceil(20% of 10) = 2 make 150 / 230. Customer 0's
    purchase at age 365 (500 yuan) and customer 20 (acquired on day 500) do not count."""
    purchases = [(0, 0, 60.0), (0, 10, 40.0), (0, 365, 500.0), (1, 5, 50.0)]
    purchases += [(i, 20 + i, 10.0) for i in range(2, 10)]
    purchases += [(20, 500, 1000.0)]
    r = top_customer_revenue_share(build_transactions(purchases), 729)
    assert (r["customers"], r["top_customers"]) == (10, 2)
    assert (r["revenue"], r["top_revenue"]) == (230.0, 150.0)
    assert r["share"] == pytest.approx(150 / 230)


def test_recency_effect_by_hand():
    """E = 425, observation dates 365 and 395 (every 30 days from 365 to E - 30).

    | customer | purchases  | t = 365: recency, buys in (365, 395]? | t = 395: recency, in (395, 425]? |
    | 0        | 360, 380   | 5 near, yes                           | 15 (no band)                     |
    | 1        | 0, 362     | 3 near, no                            | 33 (no band)                     |
    | 2        | 100, 370   | 265 far, yes                          | 25 (no band)                     |
    | 3        | 50         | 315 far, no                           | 345 far, no                      |
    | 4        | 200        | 165 (no band: far is 181..365)        | 195 far, no                      |
    | 5        | 380        | not yet a customer                    | 15 (no band)                     |
    | 6        | 30, 396    | 335 far, no (396 > 395)               | 365 far, yes                     |
    near: 1 of 2 (0.5); far: 2 of 6 (1/3); ratio 1.5.
    """
    log = build_transactions(
        {0: [360, 380], 1: [0, 362], 2: [100, 370], 3: [50], 4: [200], 5: [380], 6: [30, 396]}
    )
    r = recency_effect(log, 425)
    assert r["dates"] == 2
    assert (r["k_near"], r["n_near"], r["k_far"], r["n_far"]) == (1, 2, 2, 6)
    assert r["ratio"] == pytest.approx(1.5)
    never = recency_effect(build_transactions({0: [360, 370], 1: [0]}), 425)
    assert never["p_far"] == 0 and math.isinf(never["ratio"])


def test_activity_by_age_by_hand():
    """Cohort [0, 10), ten customers acquired on days 0..9, E = 9 + 365 = 374 (all observable
    at age 365). Each buys at age 0; 8 also at age 25 (active at 30), 5 at 85 (active at 90),
    3 at 170 (180) and 1 at 360 (365): 0.8 > 0.5 > 0.3 > 0.1, falling. If three buy at 360
    instead, activity is 0.3 at both 180 and 365: not strictly falling."""

    def log(at_365: int) -> pd.DataFrame:
        rows = []
        for i in range(10):
            ages = [0] + [25] * (i < 8) + [85] * (i < 5) + [170] * (i < 3) + [360] * (i < at_365)
            rows += [(i, i + a) for a in ages]
        return build_transactions(rows)

    r = activity_by_age(log(1), 374, cohort=(0, 10))
    assert r["activity"] == {30: 0.8, 90: 0.5, 180: 0.3, 365: 0.1}
    assert r["customers"] == 10 and r["falls"]
    assert not activity_by_age(log(3), 374, cohort=(0, 10))["falls"]
    short = activity_by_age(log(1), 300, cohort=(0, 10))
    assert not short["falls"] and "observable at age 365" in short["note"]


def test_orders_fall_after_cut_by_hand():
    """Cut on day 40: days 10..39 average 100 orders, days 40..99 average 57: a 43% fall.
    Days before 10 and from 100 on are outside both windows."""
    orders = np.r_[np.full(10, 1000.0), np.full(30, 100.0), np.full(60, 57.0), np.full(20, 0.0)]
    r = orders_fall_after_cut(orders, 40)
    assert (r["before_mean"], r["after_mean"]) == (100.0, 57.0)
    assert r["fall"] == pytest.approx(0.43)
    with pytest.raises(ValueError, match="cut_day: must leave 30 days before and 60 after"):
        orders_fall_after_cut(orders, 20)


def test_referral_survival_premium_by_hand():
    """E = 250, cohort [0, 100), age 180. Survivors buy every 20 days from day 0 to 180
    (L = 210 > 180); the others buy once (L = 30).

    Not referred: n1, n2 survive, n3, n4 do not: 2/4 = 0.5.
    Referred (on day 0): r1, r2 by P (buys on 150 and 175: active on day 180), survive;
    r3 by Q (buys on 120 only: inactive on 180), survives; r4 by Q, does not; r5 by Z, who
    never bought, does not. S = 3/5 = 0.6, premium 0.6/0.5 - 1 = 0.2.
    Referrer active: 2/2 -> premium 1.0; inactive: 1/3 -> premium (1/3)/0.5 - 1 = -1/3.
    r6 (referred by P, acquired on day 99) is not observable at age 180 (99 + 180 > 250).
    P and Q are acquired after day 100: outside the cohort.
    """
    survivor = list(range(0, 181, 20))
    ids = {"n1": 0, "n2": 1, "n3": 2, "n4": 3, "r1": 4, "r2": 5, "r3": 6, "r4": 7, "r5": 8, "r6": 9}
    P, Q, Z = 100, 101, 102
    days = {
        ids["n1"]: survivor,
        ids["n2"]: survivor,
        ids["n3"]: [0],
        ids["n4"]: [0],
        ids["r1"]: survivor,
        ids["r2"]: survivor,
        ids["r3"]: survivor,
        ids["r4"]: [0],
        ids["r5"]: [0],
        ids["r6"]: [99],
        P: [150, 175],
        Q: [120],
    }
    referrer = {"r1": P, "r2": P, "r3": Q, "r4": Q, "r5": Z, "r6": P}
    customers = {ids[k]: {"acq_channel": "referral", "referrer": v} for k, v in referrer.items()}
    log = build_transactions(days, customers=customers)
    r = referral_survival_premium(log, 250, cohort=(0, 100))
    assert (r["not_referred"].customers, r["not_referred"].n) == (2, 4)
    assert (r["referred"].customers, r["referred"].n) == (3, 5)
    assert (r["referrer_active"].customers, r["referrer_active"].n) == (2, 2)
    assert (r["referrer_inactive"].customers, r["referrer_inactive"].n) == (1, 3)
    assert r["premium"] == pytest.approx(0.2)
    assert r["premium_referrer_active"] == pytest.approx(1.0)
    assert r["premium_referrer_inactive"] == pytest.approx(-1 / 3)


def test_matched_survival_premium_compares_within_strata():
    """Survivors buy every 20 days for 180 days; the others once. Non-referred: "early"
    (acquired on day 0) 1 of 3 survive, "late" (day 90) 1 of 1; 2 of 4 in all. Referred
    (by 99, acquired on day 150, outside the cohort): early 0 of 1, late 2 of 2, and 7 alone
    in its stratum. Unmatched the referred do better, 3/4 against 2/4 (+50%); within strata
    they have 2 survivors where their strata's non-referred rates give 1/3 + 1 + 1 = 7/3
    (-1/7). Customer 7 has nobody to be compared with and is left out."""

    def survivor(t0: int) -> list[int]:
        return list(range(t0, t0 + 181, 20))

    days = {0: survivor(0), 1: [0], 3: [0], 2: survivor(90)}  # non-referred
    days |= {4: [0], 5: survivor(90), 6: survivor(90), 7: survivor(95)}  # referred
    days[99] = [150]
    customers = {c: {"acq_channel": "referral", "referrer": 99} for c in (4, 5, 6, 7)}
    log = build_transactions(days, customers=customers)
    strata = pd.Series(
        {0: "early", 1: "early", 3: "early", 4: "early", 2: "late", 5: "late", 6: "late"}
    )
    strata = pd.concat([strata, pd.Series({7: "odd", 99: "late"})])
    unmatched = referral_survival_premium(log, 300, cohort=(0, 100))
    assert unmatched["premium"] == pytest.approx(0.5)
    r = matched_survival_premium(log, 300, strata, cohort=(0, 100))
    assert (r["referred"].customers, r["referred"].n) == (2, 3)
    assert r["expected"] == pytest.approx(7 / 3)
    assert r["premium"] == pytest.approx(-1 / 7)
    assert r["unmatched"] == 1
    # by default the strata are acquisition months: 7 (day 95) joins "late" (days 90-119)
    by_month = matched_survival_premium(log, 300, cohort=(0, 100))
    assert (by_month["referred"].customers, by_month["referred"].n) == (3, 4)
    assert by_month["premium"] == pytest.approx(3 / (1 / 3 + 3) - 1)
    with pytest.raises(ValueError, match="strata"):
        matched_survival_premium(log, 300, strata.drop(4), cohort=(0, 100))


def partner_table(renewed: list[bool]) -> pd.DataFrame:
    n = len(renewed)
    return pd.DataFrame(
        {
            "consumer": np.arange(n, dtype=np.int64),
            "joined_day": np.full(n, 10, dtype=np.int32),
            "anniversary_day": np.full(n, 375, dtype=np.int32),
            "renewed": renewed,
        }
    )


def test_partner_renewal_rate_by_hand():
    """Ten anniversaries, nine renewals: 0.9."""
    s = partner_renewal_rate(partner_table([True] * 9 + [False]))
    assert (s.customers, s.n, s.rate) == (9, 10, 0.9)
    with pytest.raises(TransactionLogError, match="partners: missing column"):
        partner_renewal_rate(partner_table([True]).drop(columns="renewed"))


def test_adoption_r2_by_hand():
    """Observed 1, 2, 3, 4 (SS_tot = 5), fitted 1, 2, 3, 5 (SS_res = 1): R² = 0.8."""
    assert adoption_r2([1, 2, 3, 4], [1, 2, 3, 5]) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="two equally long series"):
        adoption_r2([1, 2], [1])


def test_registry_is_the_one_list_and_targets_read_right():
    assert len(set(PATTERN_KEYS)) == len(PATTERNS) == 9
    by_key = {p.key: p for p in PATTERNS}
    assert by_key["one_time_buyers"].target == "35%-65%"
    assert by_key["recency_effect"].passes(math.inf) and not by_key["recency_effect"].passes(4.9)
    assert by_key["referral_premium"].passes(0.18) and not by_key["referral_premium"].passes(0.4)
    assert not by_key["partner_renewal"].passes(float("nan"))
    assert all(p.source and p.method and p.label for p in PATTERNS)


def test_scorecard_measures_what_it_can_and_says_what_it_needs():
    """On the first-year log: one-time buyers 2/3 (fails 35-65%), repeat 1/3 (passes 30-55%).
    Without the daily series, the partner table or the adoption fit, those rows are not
    measured (passed None) and say what they need; with them they are."""
    log = first_year_log()
    card = scorecard(log, 729).set_index("key")
    assert card.index.tolist() == list(PATTERN_KEYS)
    assert card.loc["one_time_buyers", "measured"] == pytest.approx(2 / 3)
    assert card.loc["one_time_buyers", "passed"] is False
    assert card.loc["repeat_within_year", "passed"]
    assert card.loc["one_time_buyers", "counts"] == "2 of 3 customers"
    for key, need in [
        ("subsidy_cut_fall", "daily, subsidy_cut_day"),
        ("partner_renewal", "partners"),
        ("adoption_fit", "adoption"),
    ]:
        assert card.loc[key, "passed"] is None
        assert card.loc[key, "counts"] == f"not measured: needs {need}"
    orders = np.r_[np.full(100, 100.0), np.full(630, 57.0)]
    daily = pd.DataFrame({"orders": orders})
    full = scorecard(
        log,
        729,
        daily=daily,
        subsidy_cut_day=100,
        partners=partner_table([True] * 9 + [False]),
        adoption=([1, 2, 3, 4], [1, 2, 3, 5]),
        keys=["subsidy_cut_fall", "partner_renewal", "adoption_fit"],
    ).set_index("key")
    assert full.index.tolist() == ["subsidy_cut_fall", "partner_renewal", "adoption_fit"]
    assert full["measured"].tolist() == pytest.approx([0.43, 0.9, 0.8])
    assert full["passed"].tolist() == [True, True, False]
    with pytest.raises(ValueError, match="keys: unknown pattern"):
        scorecard(log, 729, keys=["nps"])
