"""Word of mouth and referrals on networks: analytic limits (derivations in docs/odd.md §7).

* Ring of degree 2: the adoption share is known exactly (``ring_discrete``; its continuous
  limit is Fibich & Gibori's 2010 one-dimensional Bass model), and it lies below the Bass
  curve with the same p and q: an unaware consumer's neighbours are less likely to have
  adopted than the population at large, because adoption spreads along the network.
* Small world (Watts-Strogatz, mean degree 4, rewiring 0.1): no closed form, but the same
  argument puts it below the Bass curve.
* Partner referrals on the complete graph: a push channel, dF/dt = (1 - F)(p + qF) + rΠ,
  which, unlike word of mouth, does not slow down as the market saturates and reaches
  every consumer in finite time.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.validation import (
    adoption_curves,
    bass_cdf,
    diffusion_scenario,
    referral_mean_field,
    ring_cdf,
    ring_discrete,
)

P, Q = 0.03, 0.38  # Sultan, Farley & Lehmann (1990)
DT = 1.0 / 30.0
PERIODS = 20.0
STEPS = int(PERIODS / DT)


def _bass_days() -> np.ndarray:
    return bass_cdf((np.arange(STEPS) + 1) * DT, P, Q)


def test_ring_formula_limits() -> None:
    """Discrete ring → Fibich-Gibori as Δ → 0; ring below Bass; q = 0 gives 1 - e^{-pt}."""
    t = np.arange(STEPS + 1) * DT
    ring = ring_discrete(P, Q, DT, STEPS)
    assert np.max(np.abs(ring - ring_cdf(t, P, Q))) < 0.002
    assert np.all(ring_cdf(t[1:], P, Q) < bass_cdf(t[1:], P, Q))
    assert np.allclose(ring_discrete(P, 0.0, DT, STEPS), 1 - np.exp(-P * t))


def test_referral_mean_field_without_referrals_is_bass() -> None:
    from sim.validation import bass_discrete

    f, _ = referral_mean_field(P, Q, 0.0, 0.5, DT, STEPS)
    assert np.allclose(f, bass_discrete(P, Q, DT, STEPS))


@pytest.mark.slow
def test_ring_matches_exact_formula_and_lies_below_bass() -> None:
    sc = diffusion_scenario(10_000, P, Q, dt=DT, periods=PERIODS, network="ring", mean_degree=2)
    curves = adoption_curves(sc, range(3))
    mean = curves.mean(axis=0)
    exact = ring_discrete(P, Q, DT, STEPS)[1:]
    assert np.max(np.abs(mean - exact)) < 0.02
    gap = _bass_days() - mean
    assert gap.min() > -0.01  # never above the Bass curve beyond noise
    assert gap.max() > 0.2  # and well below it mid-diffusion (exact gap: 0.26)


@pytest.mark.slow
def test_small_world_lies_below_bass() -> None:
    sc = diffusion_scenario(
        10_000, P, Q, dt=DT, periods=PERIODS, network="small_world", mean_degree=4, rewire=0.1
    )
    mean = adoption_curves(sc, range(2)).mean(axis=0)
    gap = _bass_days() - mean
    assert gap.min() > -0.01
    assert gap.max() > 0.05


@pytest.mark.slow
def test_referrals_follow_their_mean_field_limit() -> None:
    """q = 0: ads plus partner referrals only (every buyer joins with probability 0.5)."""
    r, periods = 0.5, 10.0
    sc = diffusion_scenario(10_000, P, 0.0, dt=DT, periods=periods, referral_rate=r)
    curves = adoption_curves(sc, range(3))
    f, _ = referral_mean_field(P, 0.0, r, 0.5, DT, int(periods / DT))
    assert np.max(np.abs(curves.mean(axis=0) - f[1:])) < 0.02
    # a push channel empties the market in finite time; ads alone would leave e^{-pt} = 74%
    assert np.all(curves[:, -1] == 1.0)
