"""Executing one run on a worker: never raises, always returns an outcome.

Workers only compute; the coordinating process is the single writer of the
results database. Any exception inside a run becomes a ``failed`` outcome with
its error text, so one bad run cannot stop a sweep.
"""

from __future__ import annotations

import math
import os
import socket
import time
import traceback
from typing import Any

from sim.batch.models import SIM_MODEL, load_model
from sim.batch.plan import RunTask


def execute(task: RunTask) -> dict[str, Any]:
    """Run one task; return ``{run_key, status, duration, error, kpis, daily, worker}``."""
    t0 = time.perf_counter()
    out: dict[str, Any] = {
        "run_key": task.run_key,
        "status": "ok",
        "error": None,
        "kpis": {},
        "daily": None,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
    }
    try:
        if task.model == SIM_MODEL:
            from sim.api import run
            from sim.scenario import validate_scenario

            result = run(validate_scenario(task.payload), seed=task.seed, keep_model=False)
            kpis: dict[str, Any] = result.kpis
            if task.daily:
                daily = result.daily
                if task.daily_columns:
                    daily = daily[[c for c in daily.columns if c in task.daily_columns]]
                daily = daily.reset_index(drop=True)
                if "day" not in daily.columns:
                    daily.insert(0, "day", range(len(daily)))
                out["daily"] = daily
        else:
            kpis = load_model(task.model)(dict(task.payload), task.seed)
            if not isinstance(kpis, dict):
                raise TypeError(f"model {task.model} returned {type(kpis).__name__}, not a dict")
        out["kpis"] = {
            str(k): v for k, v in ((k, _number(v)) for k, v in kpis.items()) if v is not None
        }
    except Exception as err:  # recorded, never propagated: the sweep goes on
        out["status"] = "failed"
        out["error"] = _error_text(err)
        out["kpis"] = {}
        out["daily"] = None
    out["duration"] = time.perf_counter() - t0
    return out


def failed_outcome(task: RunTask, error: str, duration: float = float("nan")) -> dict[str, Any]:
    """Outcome of a run lost with its worker (crash, killed worker, lost connection)."""
    return {
        "run_key": task.run_key,
        "status": "failed",
        "error": error,
        "kpis": {},
        "daily": None,
        "worker": None,
        "duration": duration,
    }


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else float("nan")


def _error_text(err: BaseException, limit: int = 4000) -> str:
    text = f"{type(err).__name__}: {err}\n" + "".join(
        traceback.format_exception(type(err), err, err.__traceback__)[-6:]
    )
    return text[:limit]
