"""The realism scorecard of the shipped defaults (issue 11): one parameter set reproduces
every real customer-base pattern at once (pattern-oriented modelling, Grimm et al. 2005).

One scorecard over every shipped scenario and four seeds, pooled per scenario (a share of
all the seeds' customers; see sim.scorecard.pool), then one test per pattern: every
(pattern, scenario) row it applies to must pass, and it must apply where it should; a row
listed in sim.scorecard.KNOWN_GAPS must fail (the gap is documented until it closes).
Which patterns were fitted by the calibration and which emerged is in docs/validation.md.
"""

from __future__ import annotations

import pytest

from sim.analytics import PATTERN_KEYS
from sim.scorecard import CALIBRATED, CUSTOMER_BASE, KNOWN_GAPS, SHIPPED, run_scorecard

SEEDS = (0, 1, 2, 3)

#: where each pattern must at least be measured
MUST_APPLY = {
    **{k: SHIPPED for k in CUSTOMER_BASE},
    "activity_falls_with_age": SHIPPED,
    "subsidy_cut_fall": (CALIBRATED,),
    "referral_premium": ("symbiotic_partner",),
    "partner_renewal": ("symbiotic_partner", "hybrid"),
    "adoption_fit": (CALIBRATED,),
}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def card():
    return run_scorecard(SHIPPED, SEEDS, jobs=2)


def test_every_pattern_has_its_applicability_stated():
    assert set(MUST_APPLY) == set(PATTERN_KEYS)


@pytest.mark.parametrize("key", PATTERN_KEYS)
def test_pattern_reproduced(card, key):
    rows = card[card["pattern"] == key]
    assert set(MUST_APPLY[key]) <= set(rows["scenario"]), f"{key}: not measured everywhere"
    targets = rows[rows["passed"].notna()]
    assert set(MUST_APPLY[key]) <= set(targets["scenario"]), f"{key}: not a target everywhere"
    gap = targets["scenario"].map(lambda s: (key, s) in KNOWN_GAPS)
    closed = targets[gap & targets["passed"].astype(bool)]
    assert closed.empty, f"{key}: the known gap is closed in {list(closed['scenario'])}: " + (
        "remove it from sim.scorecard.KNOWN_GAPS and say so in docs/validation.md"
    )
    failed = targets[~gap & ~targets["passed"].astype(bool)]
    assert failed.empty, "\n".join(
        f"{r.scenario}: {r.measured:.3g} not in {r.target} (per seed {r.per_seed}; {r.counts})"
        for r in failed.itertuples()
    )
