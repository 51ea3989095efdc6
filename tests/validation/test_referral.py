"""Where the referral premium comes from (docs/validation.md §3): match quality in whom a
partner refers (``policy.partner.referral_targeting``). Referring any non-customer friend
("random", the analytic limit) reaches households that had known the platform for a while
without buying (they need it less): against the customers acquired in the same month they
survive worse, and only against everyone (an artefact of acquisition timing) do they look
better. A referrer who knows their friends' needs ("matched", the default) picks friends in
proportion to their need and skips those who bought elsewhere: the same-month premium turns
positive (the scorecard's row), and the referred need the platform as much as their month's
others.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim import validation as v

pytestmark = pytest.mark.slow


def _evidence(targeting: str) -> dict:
    return v.referral_matching(
        "symbiotic_partner",
        seeds=range(3),
        jobs=2,
        overrides={"policy.partner.referral_targeting": targeting},
    )


@pytest.fixture(scope="module")
def matched():
    return _evidence("matched")


@pytest.fixture(scope="module")
def random_targets():
    return _evidence("random")


def _mean(evidence: dict, key: str) -> dict[str, float]:
    return {k: float(np.mean(x)) for k, x in evidence[key].items()}


def test_random_referrals_show_a_premium_only_against_other_months(random_targets):
    premium = _mean(random_targets, "premium")
    assert set(premium) == set(v.MATCHINGS)
    assert premium["none"] > 0.05, premium  # against everyone: acquisition timing
    assert premium["month"] < -0.05, premium  # against the same month's customers: a deficit
    assert abs(premium["segment, month, awareness"]) < 0.15, premium  # time known explains it
    ratios = _mean(random_targets, "ratios")
    assert ratios["need_rate"] < 0.85, ratios  # they need the platform less
    assert ratios["known_30_days"] > 1.3, ratios


def test_match_quality_turns_the_same_month_premium_positive(matched, random_targets):
    m, r = _mean(matched, "premium"), _mean(random_targets, "premium")
    assert m["month"] > 0.0, m
    assert m["month"] > r["month"] + 0.15, (m, r)
    assert m["segment, month"] > 0.0, m
    ratios = _mean(matched, "ratios")
    assert 0.85 < ratios["need_rate"] < 1.2, ratios  # they need it as much as their month
    assert min(matched["referred"]) > 500  # enough referred customers to compare
