"""The Python API: ``sim.run(scenario, seed=...)`` → :class:`RunResult`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from sim.limits import LimitExceeded, check_memory
from sim.model import SocialCommerceModel
from sim.network import SocialGraph
from sim.resilience import readings
from sim.results import RunResult
from sim.scenario import Scenario, ScenarioError, load_scenario


def resolve(
    scenario: Scenario | dict | str | Path,
    *,
    days: int | None = None,
    consumers: int | None = None,
    overrides: dict[str, Any] | None = None,
) -> Scenario:
    """Load a scenario and apply ``days``, ``consumers`` and dotted-path overrides."""
    sc = load_scenario(scenario)
    extra: dict[str, Any] = dict(overrides or {})
    if days is not None:
        extra["days"] = days
    if consumers is not None:
        extra["population.consumers"] = consumers
    return sc.with_overrides(extra) if extra else sc


def run(
    scenario: Scenario | dict | str | Path,
    seed: int = 0,
    *,
    days: int | None = None,
    consumers: int | None = None,
    overrides: dict[str, Any] | None = None,
    graph: SocialGraph | None = None,
    progress: Callable[[int], None] | None = None,
    keep_model: bool = True,
    model_reporters: dict[str, Any] | None = None,
    counterfactual: bool = True,
) -> RunResult:
    """Run one scenario with one seed. ``model_reporters``: extra Mesa reporters collected
    every day into ``daily`` (a name -> function of the model, as Mesa's DataCollector takes).
    ``counterfactual``: measure each shock against the same run without it (one more run per
    shock; see :mod:`sim.resilience`); False skips it (no resilience KPIs).
    A run whose memory estimate is above the limit is refused up front with ScenarioError
    (:func:`sim.limits.check_memory`).

    >>> import sim
    >>> r = sim.run("symbiotic_partner", seed=1, days=60, consumers=500)
    >>> round(r.kpis["d30_retention"], 3) >= 0
    True
    """
    sc = resolve(scenario, days=days, consumers=consumers, overrides=overrides)
    if graph is None:  # refuse up front what would exhaust memory (sim.limits)
        try:
            check_memory(sc, counterfactual=counterfactual)
        except LimitExceeded as err:
            raise ScenarioError(str(err)) from None
    model = SocialCommerceModel(sc, seed=seed, graph=graph, model_reporters=model_reporters)
    # Each shock's counterfactual twin is this run until the shock's day (common random
    # numbers): fork it there and run it only as far as resilience reads it.
    twins: dict[str, np.ndarray] = {}
    forks = sorted(readings(sc), key=lambda r: r.day) if counterfactual else []
    for day, until, alt in forks:
        model.run(days=day - model.day, progress=progress)
        if alt.key() not in twins:
            twin = model.fork(alt)
            twin.run(days=until - day)
            twins[alt.key()] = np.asarray(twin.datacollector.model_vars["active"], np.float64)
            del twin  # at most one twin alive beside the run (sim.limits.models_held)
    model.run(days=sc.days - model.day, progress=progress)

    def counterfactual_active(alt: Scenario) -> np.ndarray:
        return twins[alt.key()]

    result = RunResult.from_model(model, counterfactual_active if counterfactual else None)
    if not keep_model:
        result.model = None
    return result
