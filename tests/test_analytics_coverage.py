"""Pooled retention curves on simulated customers whose true curve is known.

Customers follow ``sim.analytics.synthetic``: acquired with a purchase, then each day they
drop out for good with probability h and, while alive, buy with probability p. The true
survival and activity curves come from a Markov chain (``exact_retention``), so the curve's
intervals can be checked for coverage.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.analytics.cohorts import retention_curve
from sim.analytics.synthetic import exact_retention, simulate_purchases
from sim.analytics.transactions import validate_transactions

P_BUY, P_CHURN, WINDOW, DAYS = 0.08, 0.01, 30, 400


def test_exact_retention_by_hand():
    """With p = 1 a customer buys every day while alive, so it survives to age a iff it is
    alive on day a - w + 1: S(a) = (1 - h)^(a - w + 1) for a >= w, 1 before. Activity is the
    same (no return after dropping out)."""
    ex = exact_retention(1.0, 0.1, window=5, max_age=12)
    ages = np.arange(13)
    expected = np.where(ages < 5, 1.0, 0.9 ** np.maximum(ages - 4, 0))
    np.testing.assert_allclose(ex["survival"], expected, rtol=1e-12)
    np.testing.assert_allclose(ex["activity"], expected, rtol=1e-12)


def test_simulated_log_is_valid_and_follows_its_process():
    log = simulate_purchases(400, 120, P_BUY, P_CHURN, seed=5)
    validate_transactions(log, observation_end=119)
    assert log.groupby("consumer")["first"].sum().eq(1).all()
    per_customer = log.groupby("consumer").size()
    assert per_customer.index.tolist() == list(range(400))
    # customers with a churn probability of 1 never buy again
    once = simulate_purchases(50, 60, 0.9, 1.0, seed=1)
    assert len(once) == 50


def test_pooled_curve_starts_at_one_and_respects_the_minimum():
    """One simulated base: the curve is 1 at age 0, every point rests on >= min_customers
    customers, and the next age (the first one not shown) has fewer."""
    e = DAYS - 1
    log = simulate_purchases(3000, DAYS, P_BUY, P_CHURN, seed=11)
    acquired = log.loc[log["first"], "day"].to_numpy()
    for kind in ("survival", "activity"):
        for minimum in (100, 1000, 2500):
            curve = retention_curve(log, e, kind, WINDOW, min_customers=minimum)
            assert curve.loc[0, "rate"] == 1.0
            assert (curve["n"] >= minimum).all()
            first_hidden = curve.index[-1] + 1
            assert (acquired + first_hidden <= e).sum() < minimum
            assert (curve["n"] == [(acquired + a <= e).sum() for a in curve.index]).all()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["survival", "activity"])
def test_pooled_curve_intervals_cover_the_true_rate(kind):
    """300 simulated bases of 2,000 customers acquired over days 0..299 of a 400-day run (so
    right-censoring thins the older ages: about 1,470 customers are observed at age 180):
    the 95% Wilson interval at ages 30, 60, 120 and 180 covers the true rate in about 95% of
    replicates (binomial s.d. of a coverage over 300 replicates: 1.3 points)."""
    ages = [30, 60, 120, 180]
    truth = exact_retention(P_BUY, P_CHURN, WINDOW, max(ages))[kind].to_numpy()[ages]
    rng = np.random.default_rng(2024)
    replicates = 300
    covered = np.zeros((replicates, len(ages)), dtype=bool)
    for r in range(replicates):
        acquired = rng.integers(0, 300, 2000)
        log = simulate_purchases(2000, DAYS, P_BUY, P_CHURN, acquired, seed=rng)
        curve = retention_curve(log, DAYS - 1, kind, WINDOW, min_customers=100).loc[ages]
        covered[r] = (curve["lo"].to_numpy() <= truth) & (truth <= curve["hi"].to_numpy())
    per_age = covered.mean(axis=0)
    assert np.all((per_age > 0.91) & (per_age < 0.99)), per_age
    assert 0.93 < covered.mean() < 0.97, covered.mean()
