"""Plug-in models with known answers, for checking the batch and analysis machinery.

Use one in a test's spec with ``model: sweep_models:ishigami``; a plug-in model takes
``(params: dict, seed: int)`` and returns a dict of KPIs. Test scaffolding (a failure
switch, a worker that kills itself), so it lives with the tests, not in the package:
pytest puts tests/ on sys.path, worker processes inherit it and tests/conftest.py puts
it on PYTHONPATH for any other interpreter a test starts.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

ISHIGAMI_A = 7.0
ISHIGAMI_B = 0.1


def ishigami(params: dict[str, Any], seed: int) -> dict[str, float]:
    """Ishigami function of x1, x2, x3 in [-π, π] (a standard sensitivity benchmark)."""
    x1, x2, x3 = (float(params[k]) for k in ("x1", "x2", "x3"))
    y = math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3**4 * math.sin(x1)
    return {"y": y}


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> dict[str, list[float]]:
    """Analytical first- and total-order Sobol indices of the Ishigami function."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    return {"S1": [v1 / var, v2 / var, 0.0], "ST": [(v1 + v13) / var, v2 / var, v13 / var]}


def noisy_linear(params: dict[str, Any], seed: int) -> dict[str, float]:
    """y = Σ coefficient·x + seeded noise; fails on purpose where ``$SYMBIOSIM_FAIL_ABOVE`` < x1.

    The failure switch lets tests check that a raising run is recorded and later
    retried; it reads the environment at call time.
    """
    threshold = os.environ.get("SYMBIOSIM_FAIL_ABOVE")
    x = [float(params[k]) for k in sorted(params)]
    if threshold is not None and x and x[0] > float(threshold):
        raise RuntimeError(f"deliberate failure: {sorted(params)[0]}={x[0]} > {threshold}")
    noise = np.random.default_rng(seed).normal(0.0, 0.1)
    y = sum((i + 1) * v for i, v in enumerate(x)) + noise
    return {"y": float(y), "y2": float(y * y)}


def crash_at(params: dict[str, Any], seed: int) -> dict[str, float]:
    """y = x, except that x equal to the number in the file named by the ``crash_file``
    parameter kills the worker process outright.

    Simulates a run that takes its worker down (segfault, out-of-memory kill). The target
    lives in a file named by a parameter, not in an environment variable: pooled workers
    (forkserver, spawn) keep the environment they started with, but every worker sees the
    file disappear when a test removes it.
    """
    x = float(params["x"])
    flag = params.get("crash_file")
    if flag and os.path.exists(flag):
        with open(flag) as fh:
            if x == float(fh.read().strip()):
                os._exit(3)
    return {"y": x}
