"""Pinned results: speed work must not change what the model computes.

Each case is a fixed (scenario, seed, size) run. Its fingerprint (the full KPI dict, two
checksums of every daily column, checksums of the final consumer state, brand and leader
state, and the contribution ledger's head hash) is stored in ``tests/data/pinned_kpis.json``.
It was first recorded before the performance work (commit dfd40ad) and re-recorded when the
customer-realism work (issue 11) changed what the model computes: dropout, the open market,
decisions with intensity; and again when partners' referrals became matched to their
friends' needs (``policy.partner.referral_targeting: matched``, the default). Each case
runs in a town where one household in twenty knows the platform on day 0, so every
mechanism acts within its short horizon.

The optimisations keep the order of every random draw and every arithmetic operation that
feeds a decision, so results are bit-identical; the tolerance below (relative 1e-9) only
absorbs the last-bit differences of float sums whose summation order numpy may change
(e.g. pairwise vs. sequential sums over a subset instead of the full array). The ledger hash
covers every payout's exact bits, so it is compared exactly.

Re-record (only with a documented reason, e.g. a behaviour fix):
``.venv/bin/python -m tests.test_pinned_kpis --record``.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sim
from sim.metrics import DAILY_COLUMNS

DATA = Path(__file__).resolve().parent / "data" / "pinned_kpis.json"
REL = 1e-9
ABS = 1e-9

#: name -> (scenario, seed, overrides). Together they exercise every mechanism: partner
#: program, pool, co-creation, transparent ledger, operator leaders, private-domain win-back,
#: subsidised groups with invite-to-unlock, a subsidy budget that runs out mid-day, every
#: shock kind, the small-world generator and the implicit (mean-field) complete graph.
CASES: dict[str, tuple[str, int, dict[str, Any]]] = {
    "symbiotic_sbm": (
        "symbiotic_partner",
        7,
        {"population.consumers": 2000, "days": 200, "population.initial_aware": 0.05},
    ),
    "subsidy_budget_shocks": (
        "subsidy_group_buying",
        3,
        {
            "population.consumers": 2000,
            "days": 200,
            "population.initial_aware": 0.05,
            "policy.group_buying.budget": 5000.0,
            "shocks": [
                {"kind": "subsidy_end", "day": 150},
                {"kind": "quality_scandal", "day": 60, "magnitude": 0.3, "brand": 1},
                {"kind": "competitor_entry", "day": 100, "duration": 40, "magnitude": 1.0},
            ],
        },
    ),
    "hybrid_small_world_shocks": (
        "hybrid",
        5,
        {
            "population.consumers": 2000,
            "days": 200,
            "population.initial_aware": 0.05,
            "policy.partner.start_day": 90,  # the switch on the day the subsidy ends
            "policy.cocreation.start_day": 90,
            "policy.leaders.recruit_at": 0.0,  # leaders from day 0: their pay and the exodus
            "network.kind": "small_world",
            "shocks": [
                {"kind": "subsidy_end", "day": 90},
                {"kind": "downturn", "day": 110, "duration": 50, "magnitude": 0.25},
                {"kind": "leader_exodus", "day": 130, "magnitude": 0.5},
            ],
        },
    ),
    "symbiotic_complete_mean_field": (
        "symbiotic_partner",
        2,
        {
            "population.consumers": 6000,
            "days": 80,
            "population.initial_aware": 0.05,
            "network.kind": "complete",
        },
    ),
}

POP_FLOAT = (
    "trust",
    "satisfaction",
    "attachment",
    "match",
    "reference_price",
    "reward_balance",
    "spend",
    "contribution",
    "acquisition_cost",
    "dropout",
)
POP_INT = (
    "aware",
    "aware_day",
    "aware_channel",
    "content_source",
    "acq_day",
    "acq_channel",
    "referrer",
    "purchases",
    "subsidised_purchases",
    "last_purchase",
    "partner",
    "partner_day",
    "referrals",
    "posts",
    "winback_until",
    "alive",
    "present",
    "dropout_day",
)


def _num(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def fingerprint(r: sim.RunResult) -> dict[str, Any]:
    """Everything a behaviour change would move, as plain JSON numbers."""
    m = r.model
    d = r.daily
    w = np.arange(1, len(d) + 1, dtype=np.float64)
    daily = {}
    for c in DAILY_COLUMNS:
        x = d[c].to_numpy(np.float64)
        ok = ~np.isnan(x)
        daily[c] = [float(x[ok].sum()), float((x[ok] * w[ok]).sum()), int((~ok).sum())]
    pop = m.pop
    idx = np.arange(1, m.n + 1, dtype=np.float64)
    state = {}
    for name in POP_FLOAT + POP_INT:
        a = getattr(pop, name).astype(np.float64)
        state[name] = [float(a.sum()), float((a * idx).sum())]
    state["month_mask"] = int(
        np.bitwise_xor.reduce(pop.month_mask * np.arange(1, m.n + 1, dtype=np.uint64))
    )
    return {
        "kpis": {k: _num(v) for k, v in r.kpis.items()},
        "daily": daily,
        "state": state,
        "brands": {
            "quality": [float(q) for q in m.brands.quality],
            "active": [bool(a) for a in m.brands.active],
            "cumulative_profit": float(m.brands.cumulative_profit.sum()),
        },
        "leaders": {
            "active": int(m.leaders.active.sum()),
            "income_total": float(m.leaders.income_total.sum()),
        },
        "transactions": len(r.transactions),
        "transactions_margin": float(r.transactions["margin"].sum()),
        "ledger_entries": len(m.ledger),
        "ledger_head": m.ledger.head,
    }


def run_case(name: str) -> sim.RunResult:
    scenario, seed, overrides = CASES[name]
    return sim.run(scenario, seed=seed, overrides=overrides)


#: sections where a run may report more keys than were pinned: a new mechanism adds its
#: daily columns and KPIs; every pinned key must still be there and match
GROWABLE = ("daily", "kpis")


def _close(a: Any, b: Any, path: str) -> None:
    if isinstance(b, dict):
        if path.rsplit(".", 1)[-1] in GROWABLE:
            missing = b.keys() - a.keys()
            assert not missing, f"{path}: pinned keys missing: {sorted(missing)}"
        else:
            assert a.keys() == b.keys(), f"{path}: keys differ"
        for k in b:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(b, list):
        assert len(a) == len(b), f"{path}: length differs"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(b, str | bool) or b is None:
        assert a == b, f"{path}: {a!r} != pinned {b!r}"
    else:
        assert a == pytest.approx(b, rel=REL, abs=ABS), f"{path}: {a!r} != pinned {b!r}"


@pytest.fixture(scope="module")
def pinned() -> dict[str, Any]:
    return json.loads(DATA.read_text())


@pytest.mark.parametrize("name", list(CASES))
def test_results_match_pinned(name: str, pinned: dict[str, Any]) -> None:
    got = json.loads(json.dumps(fingerprint(run_case(name))))
    _close(got, pinned[name], name)


def test_pinned_cases_are_not_trivial(pinned: dict[str, Any]) -> None:
    """The pins must cover the mechanisms they are meant to guard."""
    sym = pinned["symbiotic_sbm"]
    assert sym["kpis"]["rewards_paid"] > 0 and sym["ledger_entries"] > 0
    assert sym["daily"]["winback_contacts"][0] > 0 and sym["daily"]["group_orders"][0] > 0
    sub = pinned["subsidy_budget_shocks"]
    assert sub["kpis"]["subsidy_spend"] == pytest.approx(5000.0)  # the budget ran out
    assert pinned["hybrid_small_world_shocks"]["leaders"]["income_total"] > 0
    assert sym["daily"]["dropouts"][0] > 0  # buy-till-you-die dropout acts within the pin


def record() -> None:
    out = {name: fingerprint(run_case(name)) for name in CASES}
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"recorded {len(out)} cases to {DATA}")


if __name__ == "__main__":
    if "--record" in sys.argv:
        record()
    else:
        print(__doc__)
