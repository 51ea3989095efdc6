"""Counterfactual resilience: each shock measured against the same run without it.

Dividing active customers after a shock by those before it mixes the shock with whatever
the market was doing anyway (a growing market looks resilient to anything). Here each
shock i is compared with a second run of the same scenario and seed with shock i removed:
because every stage, mechanism and shock draws from its own random stream, that run is the
same market until the shock's day (common random numbers), so the difference after it is
the shock's effect alone. So :func:`sim.run` does not re-simulate those days: it forks
the twin from the run itself on the shock's day (:meth:`SocialCommerceModel.fork`) and runs
it only until the reading (:func:`readings`).

* ``resilience_<kind>_<i>`` = active customers ``h`` days after the shock / the same in the
  counterfactual (1.0: no lasting effect; a shock of magnitude 0 gives exactly 1.0);
* ``resilience_gap_<kind>_<i>`` = customer-days of activity lost over those ``h`` days,
  Σ_{t = day}^{day + h - 1} (counterfactual_t − active_t).

``h`` is ``observation.resilience_horizon`` (default 60 days). Undefined (NaN) when the run
ends before ``day + h``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.scenario import Scenario


def without_shock(scenario: Scenario, index: int) -> Scenario:
    """The same scenario with shock ``index`` removed (the counterfactual)."""
    data = scenario.to_dict()
    data["shocks"] = [s for i, s in enumerate(data["shocks"]) if i != index]
    return scenario.model_validate(data)


class Reading(NamedTuple):
    """One shock whose resilience the table reads: its day, how many days of its
    counterfactual the reading needs (through the shock's day plus the horizon; the twin's
    days do not depend on what comes after them), and that counterfactual scenario."""

    day: int
    until: int
    scenario: Scenario


def readings(scenario: Scenario) -> list[Reading]:
    """The shocks whose resilience the table reads (their day plus ``h`` falls inside the
    run), in the order of the shocks."""
    h = scenario.observation.resilience_horizon
    day = [s.day for s in scenario.shocks]
    return [
        Reading(day[i], day[i] + h + 1, without_shock(scenario, i))
        for i in scenario.resilience_shocks()
    ]


def resilience_table(
    scenario: Scenario,
    active: np.ndarray,
    counterfactual_active: Callable[[Scenario], np.ndarray],
) -> pd.DataFrame:
    """One row per shock: its day, the active customers with and without it ``h`` days
    later, the ratio and the customer-days lost. ``counterfactual_active(scenario)`` runs a
    scenario (same seed) and returns its daily active customers."""
    h = scenario.observation.resilience_horizon
    rows: list[dict[str, Any]] = []
    for i, s in enumerate(scenario.shocks):
        row: dict[str, Any] = {"shock": i, "kind": s.kind, "day": s.day, "horizon": h}
        if s.day + h >= len(active):
            row.update(active=np.nan, counterfactual=np.nan, resilience=np.nan, gap=np.nan)
        else:
            cf = counterfactual_active(without_shock(scenario, i))
            a, c = float(active[s.day + h]), float(cf[s.day + h])
            row.update(
                active=a,
                counterfactual=c,
                resilience=a / c if c else np.nan,
                gap=float((cf[s.day : s.day + h] - active[s.day : s.day + h]).sum()),
            )
        rows.append(row)
    columns = ["shock", "kind", "day", "horizon", "active", "counterfactual", "resilience", "gap"]
    return pd.DataFrame(rows, columns=columns)


def resilience_kpis(table: pd.DataFrame) -> dict[str, float]:
    out: dict[str, float] = {}
    for r in table.itertuples():
        out[f"resilience_{r.kind}_{r.shock}"] = float(r.resilience)
        out[f"resilience_gap_{r.kind}_{r.shock}"] = float(r.gap)
    return out
