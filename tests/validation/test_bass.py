"""The Bass limit: on the complete graph the model is the Bass (1969) diffusion model.

Configuration (``sim.validation.diffusion_scenario``, derivation in docs/odd.md §7): one
segment that buys on the day it becomes aware and never lapses, so adopters = customers and
an unaware consumer's daily hazard is pΔ + qΔ·F (F: share of customers yesterday). One day
is Δ = 1/30 Bass period; 20 periods = 600 days; N = 20,000; mean of 5 seeds. The closed form
F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}) must be matched within 0.02 (maximum
absolute error over the run). The deterministic part of the gap, the daily recursion's lag,
is 0.0037 for (0.03, 0.38) and 0.0014 for (0.0577, 0.21) (``test_discretisation_error``).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.scenario import load_scenario
from sim.validation import (
    adoption_curves,
    bass_cdf,
    bass_discrete,
    bass_max_error,
    diffusion_scenario,
)

N = 20_000
SEEDS = range(5)
DT = 1.0 / 30.0
PERIODS = 20.0
TOLERANCE = 0.02

# (p, q) per Bass period. Sultan, Farley & Lehmann (1990): meta-analytic means over 213
# published applications. Turntables: Van den Bulte's compilation of published Bass
# estimates (innovation-heavy, q/p = 3.6, against 12.7 for the meta-analytic means).
PAIRS = {
    "sultan_farley_lehmann_1990": (0.03, 0.38),
    "turntables_van_den_bulte": (0.0577, 0.21),
}


@pytest.mark.parametrize(("p", "q"), [(0.03, 0.38), (0.0577, 0.21)])
def test_discretisation_error_is_small_and_first_order(p: float, q: float) -> None:
    """The daily recursion's distance to the closed form halves when the day halves."""
    steps = int(PERIODS / DT)
    t = np.arange(steps + 1) * DT
    err = np.max(np.abs(bass_discrete(p, q, DT, steps) - bass_cdf(t, p, q)))
    t2 = np.arange(2 * steps + 1) * DT / 2
    err_half = np.max(np.abs(bass_discrete(p, q, DT / 2, 2 * steps) - bass_cdf(t2, p, q)))
    assert err < 0.005
    assert 1.8 < err / err_half < 2.2


def test_diffusion_scenario_maps_rates_per_day() -> None:
    sc = load_scenario(diffusion_scenario(N, 0.03, 0.38, dt=DT, periods=PERIODS))
    assert sc.days == 600
    assert sc.platform.ad_awareness_rate == pytest.approx(0.001)
    assert sc.platform.word_of_mouth_rate == pytest.approx(0.38 / 30)
    assert sc.network.kind == "complete"
    assert sc.population.churn_window > sc.days


@pytest.mark.slow
@pytest.mark.parametrize("name", list(PAIRS))
def test_bass_limit_matches_closed_form(name: str) -> None:
    p, q = PAIRS[name]
    curves = adoption_curves(diffusion_scenario(N, p, q, dt=DT, periods=PERIODS), SEEDS)
    err = bass_max_error(curves, p, q, DT)
    assert err < TOLERANCE, f"{name}: max |F_model - F_Bass| = {err:.4f}"
    # the run covers the whole S-curve, not only its start
    assert curves.mean(axis=0)[-1] > 0.95


@pytest.mark.slow
def test_broken_word_of_mouth_fails_the_tolerance() -> None:
    """The check has power: with q scaled by 0.7 the model misses the Bass curve for (p, q)."""
    p, q = PAIRS["sultan_farley_lehmann_1990"]
    curves = adoption_curves(
        diffusion_scenario(N, p, 0.7 * q, dt=DT, periods=PERIODS), seeds=range(2)
    )
    err = bass_max_error(curves, p, q, DT)
    assert err > TOLERANCE
    assert err > 0.1  # the deterministic gap is 0.16
