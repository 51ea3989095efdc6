"""Design points and run seeds, derived deterministically from the spec alone.

Sampled designs (lhs, sobol, morris) are drawn in the unit hypercube with SALib
and mapped onto each parameter (a range, log range, whole numbers, or a list of
values picked by index), so the analysis can reuse the same unit matrix. Run
seeds come from one root ``numpy.random.SeedSequence`` keyed by (replicate) or
(point, replicate) — never by completion order — so every backend runs the
same (scenario, seed) pairs.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.batch.spec import ParamSpec, SweepSpec


@dataclass(frozen=True)
class Design:
    """``points[i]`` maps parameter path → value; ``unit`` is the sampled [0, 1] matrix."""

    kind: str
    names: list[str]
    points: list[dict[str, Any]]
    unit: np.ndarray | None  # (n_points, n_params); None for factorial

    def __len__(self) -> int:
        return len(self.points)


def salib_problem(spec: SweepSpec) -> dict[str, Any]:
    """SALib problem in unit coordinates (each parameter mapped from [0, 1])."""
    names = spec.names
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def unit_sample(spec: SweepSpec) -> np.ndarray | None:
    """The design's unit-hypercube sample (None for a factorial design)."""
    d = spec.design
    seed = spec.seed if d.seed is None else d.seed
    seed = seed % (2**32)
    problem = salib_problem(spec)
    if d.kind == "factorial":
        return None
    if d.kind == "lhs":
        from SALib.sample import latin

        return np.asarray(latin.sample(problem, int(d.samples or 1), seed=seed), dtype=float)
    if d.kind == "sobol":
        from SALib.sample import sobol

        return np.asarray(
            sobol.sample(problem, int(d.samples or 2), calc_second_order=d.second_order, seed=seed),
            dtype=float,
        )
    if d.kind == "morris":
        from SALib.sample import morris

        return np.asarray(
            morris.sample(problem, int(d.samples or 2), num_levels=d.levels, seed=seed),
            dtype=float,
        )
    raise ValueError(f"design.kind: unknown design {d.kind!r}")


def from_unit(p: ParamSpec, u: np.ndarray) -> list[Any]:
    """Map unit coordinates onto a parameter's values."""
    u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
    if p.values is not None:
        idx = np.minimum((u * len(p.values)).astype(int), len(p.values) - 1)
        return [p.values[i] for i in idx]
    assert p.low is not None and p.high is not None
    if p.integer:
        lo, hi = math.ceil(p.low - 1e-9), math.floor(p.high + 1e-9)
        ints = np.minimum(np.floor(lo + u * (hi - lo + 1)), hi).astype(np.int64)
        return [int(v) for v in ints]
    if p.log:
        x = np.exp(np.log(p.low) + u * (np.log(p.high) - np.log(p.low)))
    else:
        x = p.low + u * (p.high - p.low)
    return [float(v) for v in x]


def build_design(spec: SweepSpec) -> Design:
    """All design points of the spec, in a fixed order (point ids are indices)."""
    names = spec.names
    unit = unit_sample(spec)
    if unit is None:
        levels = [spec.parameters[n].levels() for n in names]
        points = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*levels)]
    else:
        columns = [from_unit(spec.parameters[n], unit[:, j]) for j, n in enumerate(names)]
        points = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    return Design(kind=spec.design.kind, names=names, points=points, unit=unit)


def run_seed(root: int, point: int, replicate: int, common: bool) -> int:
    """The seed of run (point, replicate): a child of the root SeedSequence.

    With common random numbers every design point reuses replicate r's seed, so
    differences between points are not blurred by different random draws.
    """
    key = (replicate,) if common else (point, replicate)
    ss = np.random.SeedSequence(entropy=root, spawn_key=key)
    return int(ss.generate_state(1, np.uint32)[0])
