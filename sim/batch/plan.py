"""The run plan: every (design point, replicate) with its seed, run key and payload.

Built in the coordinating process before any result is touched, so an invalid
combination of values is reported as a spec error, not as thousands of failed
runs. The run key is :meth:`Scenario.key` of the resolved scenario and seed:
identical runs share it, and a resumed sweep recognises finished work by it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sim.batch.design import Design, build_design, run_seed
from sim.batch.spec import SpecError, SweepSpec


@dataclass(frozen=True)
class PlannedRun:
    point: int
    replicate: int
    seed: int
    run_key: str


@dataclass(frozen=True)
class RunTask:
    """What a worker needs to execute one run (picklable, small)."""

    run_key: str
    model: str
    payload: dict[str, Any]  # resolved scenario dict, or parameter values for a plug-in model
    seed: int
    daily: bool = False
    daily_columns: tuple[str, ...] | None = None


@dataclass
class Plan:
    spec: SweepSpec
    design: Design
    runs: list[PlannedRun]
    payloads: list[dict[str, Any]] = field(repr=False)  # per design point
    heaviest: Any = field(default=None, repr=False)  # the point needing the most memory

    @property
    def total(self) -> int:
        return len(self.runs)

    def task(self, run: PlannedRun) -> RunTask:
        rec = self.spec.record
        return RunTask(
            run_key=run.run_key,
            model=self.spec.model_target,
            payload=self.payloads[run.point],
            seed=run.seed,
            daily=rec.daily,
            daily_columns=tuple(rec.daily_columns) if rec.daily_columns else None,
        )


def build_plan(spec: SweepSpec, max_runs: int | str | None = None) -> Plan:
    """Resolve every design point and derive every run's seed and key.

    The sweep's size is computed from the spec and refused above the run limit
    (:func:`sim.limits.check_sweep_size`) before any design is sampled or allocated.
    """
    from sim.limits import LimitExceeded, check_sweep_size, estimate_memory

    try:
        check_sweep_size(spec, max_runs)
    except LimitExceeded as err:
        raise SpecError(str(err)) from None
    design = build_design(spec)
    payloads: list[dict[str, Any]] = []
    scenarios: list[Any] = []
    heaviest, most = None, -1
    if spec.is_sim:
        from sim.scenario import ScenarioError

        base = spec.base_scenario()
        for i, point in enumerate(design.points):
            try:
                sc = base.with_overrides(point)
            except ScenarioError as err:
                values = ", ".join(f"{k}={v!r}" for k, v in point.items())
                raise SpecError(
                    f"parameters: design point {i} ({values}) is invalid: {err}"
                ) from None
            scenarios.append(sc)
            payloads.append(sc.to_dict())
            need = estimate_memory(sc)
            if need > most:
                heaviest, most = sc, need
    else:
        payloads = [dict(p) for p in design.points]
    runs: list[PlannedRun] = []
    crn = spec.common_random_numbers
    for i in range(len(design)):
        for r in range(spec.replications):
            seed = run_seed(spec.seed, i, r, crn)
            if spec.is_sim:
                key = scenarios[i].key(seed)
            else:
                blob = json.dumps(
                    {"model": spec.model, "params": payloads[i], "seed": seed},
                    sort_keys=True,
                    default=str,
                )
                key = hashlib.sha256(blob.encode()).hexdigest()[:16]
            runs.append(PlannedRun(point=i, replicate=r, seed=seed, run_key=key))
    return Plan(spec=spec, design=design, runs=runs, payloads=payloads, heaviest=heaviest)
