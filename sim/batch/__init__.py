"""Batch experiments: parameter sweeps with replications, resumable DuckDB storage,
serial / local-process / Dask backends, and Sobol / Morris sensitivity analysis.

>>> from sim.batch import load_spec, run_sweep, load_runs, analyze     # doctest: +SKIP
>>> summary = run_sweep(load_spec("sweeps/sensitivity.yaml"), "results/s.duckdb")  # doctest: +SKIP
>>> runs = load_runs("results/s.duckdb")                               # doctest: +SKIP

Heavy dependencies (duckdb, dask, SALib) are imported only when used.
"""

from __future__ import annotations

from sim.batch.analysis import AnalysisError, analyze, analyze_runs
from sim.batch.backends import BACKENDS, BackendError, ClusterError
from sim.batch.design import Design, build_design, run_seed
from sim.batch.plan import Plan, build_plan
from sim.batch.runner import SweepSummary, run_sweep, summarize, summarize_db
from sim.batch.spec import SpecError, SweepSpec, load_spec
from sim.batch.storage import StorageError, export, load_daily, load_runs, read_sweep

BATCH_ERRORS: tuple[type[Exception], ...] = (
    SpecError,
    BackendError,
    StorageError,
    AnalysisError,
)

__all__ = [
    "BACKENDS",
    "BATCH_ERRORS",
    "AnalysisError",
    "BackendError",
    "ClusterError",
    "Design",
    "Plan",
    "SpecError",
    "StorageError",
    "SweepSpec",
    "SweepSummary",
    "analyze",
    "analyze_runs",
    "build_design",
    "build_plan",
    "export",
    "load_daily",
    "load_runs",
    "load_spec",
    "read_sweep",
    "run_seed",
    "run_sweep",
    "summarize",
    "summarize_db",
]
