"""Interval helpers: the t-interval over seeds and the binomial interval for shares."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.analytics.intervals import Share, binomial_interval, t_interval
from sim.compare import mean_ci


@pytest.mark.parametrize(
    "values",
    [[1.0, 2.0, 3.0, 4.0], [0.5, float("nan"), 0.7], [3.0], [], [None, 2.0, 2.5], [1e6, -1e6]],
)
def test_t_interval_gives_the_numbers_of_compare_mean_ci(values):
    """The lead will make ``compare.mean_ci`` call ``t_interval``: same numbers, NaNs too."""
    ours, theirs = t_interval(values), mean_ci(values)
    np.testing.assert_allclose(ours, theirs, equal_nan=True, rtol=0, atol=0)


def test_t_interval_by_hand():
    """[1, 2, 3, 4]: mean 2.5, sd sqrt(5/3), t(0.975, 3) = 3.182446 -> half 2.054246."""
    mean, half = t_interval([1, 2, 3, 4])
    assert mean == 2.5
    assert half == pytest.approx(3.182446305 * math.sqrt(5 / 3) / 2, rel=1e-9)
    assert math.isnan(t_interval([7.0])[1])


def test_wilson_interval_matches_published_values():
    """Wilson 95%: 5/10 -> (0.2366, 0.7634); 0/10 -> (0, z²/(n+z²)) = (0, 0.2775)."""
    rate, lo, hi = binomial_interval([5, 0], [10, 10])
    np.testing.assert_allclose(rate, [0.5, 0.0])
    np.testing.assert_allclose(lo, [0.236593, 0.0], atol=1e-6)
    z2 = 1.959963985**2
    np.testing.assert_allclose(hi, [0.763407, z2 / (10 + z2)], atol=1e-6)


def test_clopper_pearson_and_normal_intervals():
    """Exact 0/10: hi = 1 - 0.025^(1/10) = 0.30850; Wald 5/10: 0.5 ± 1.96·sqrt(0.025)."""
    _, lo, hi = binomial_interval(0, 10, method="clopper-pearson")
    assert float(lo) == 0.0
    assert float(hi) == pytest.approx(1 - 0.025 ** (1 / 10), rel=1e-9)
    _, lo, hi = binomial_interval(5, 10, method="normal")
    half = 1.959963985 * math.sqrt(0.025)
    assert (float(lo), float(hi)) == pytest.approx((0.5 - half, 0.5 + half), rel=1e-8)


def test_binomial_interval_is_vectorized_and_nan_without_customers():
    k = np.array([[0, 1], [2, 0]])
    n = np.array([[4, 4], [4, 0]])
    rate, lo, hi = binomial_interval(k, n)
    assert rate.shape == lo.shape == hi.shape == (2, 2)
    assert np.isnan(rate[1, 1]) and np.isnan(lo[1, 1]) and np.isnan(hi[1, 1])
    assert np.all(lo[~np.isnan(lo)] <= rate[~np.isnan(rate)])
    # narrower at a lower level
    _, lo90, hi90 = binomial_interval(k, n, level=0.90)
    assert np.all((hi90 - lo90)[:, 0] < (hi - lo)[:, 0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "jeffreys"}, "method: must be one of wilson"),
        ({"level": 1.5}, "level: must be in (0, 1)"),
    ],
)
def test_binomial_interval_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        binomial_interval(1, 2, **kwargs)
    with pytest.raises(ValueError, match="0 <= k <= n"):
        binomial_interval(3, 2)


def test_share_carries_counts_and_says_why_it_is_undefined():
    s = Share.from_counts(3, 4)
    assert (s.rate, s.customers, s.n) == (0.75, 3, 4)
    assert s.lo < 0.75 < s.hi
    empty = Share.from_counts(0, 0)
    assert math.isnan(empty.rate) and empty.note == "no customers qualify"
    assert empty.as_dict()["n"] == 0
