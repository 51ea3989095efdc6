"""Experiments page logic: find and read sweep databases, response surfaces, small sweeps.

Relies on :mod:`sim.batch` (DuckDB storage, SALib analysis) through its public API:
``load_runs``, ``read_sweep``, ``analyze``, ``load_spec``, ``build_plan``, ``run_sweep``.
Databases are opened by the page only from known result folders or from an upload
saved to a private temporary file: a user never types a server path.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from sim.dashboard.core import CLASSROOM_MAX_CONSUMERS, load_shipped
from sim.scenario import ScenarioError

MAX_DB_UPLOAD_BYTES = 200_000_000
MAX_SMALL_RUNS = 120  # a "small" sweep: a couple of minutes on a laptop at 2,000 consumers
MAX_SMALL_CONSUMERS = CLASSROOM_MAX_CONSUMERS
MAX_SMALL_DAYS = 730
DUCKDB_MAGIC = b"DUCK"


def batch_available() -> str | None:
    """None when sim.batch can be used, else the reason (shown on the page)."""
    try:
        import duckdb  # noqa: F401

        import sim.batch  # noqa: F401
    except ImportError as err:
        return (
            f"The sweep tools are not installed ({err.name or err}). Install them with "
            "`pip install -e '.[batch]'` (or `make venv`)."
        )
    return None


# --------------------------------------------------------------------------- databases
def sweep_dir() -> Path:
    """Where sweeps started from the page are written: results/dashboard-sweeps of the
    working directory (as the CLI writes to results/), not beside the code, which may be
    an installed package."""
    env = os.environ.get("SYMBIOSIM_DASHBOARD_SWEEPS")
    return Path(env) if env else Path.cwd() / "results" / "dashboard-sweeps"


def result_roots() -> list[Path]:
    """Folders searched for sweep databases: results/ and out/ of the working directory,
    the page's own sweep folder, and SYMBIOSIM_RESULTS (os.pathsep list)."""
    roots = [sweep_dir(), Path.cwd() / "results", Path.cwd() / "out"]
    roots += [Path(p) for p in os.environ.get("SYMBIOSIM_RESULTS", "").split(os.pathsep) if p]
    seen, out = set(), []
    for r in roots:
        key = str(r.resolve()) if r.exists() else str(r)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def find_databases(roots: list[Path] | None = None, limit: int = 200) -> list[Path]:
    """Sweep databases (``*.duckdb``) under the result folders, newest first (the folder
    scan is reused for a few seconds: every widget change reruns the page)."""
    chosen = tuple(str(r) for r in (roots or result_roots()))
    return list(_scan(chosen, limit, int(time.monotonic() // SCAN_SECONDS)))


SCAN_SECONDS = 3


@lru_cache(maxsize=8)
def _scan(roots: tuple[str, ...], limit: int, _tick: int) -> tuple[Path, ...]:
    found: dict[str, Path] = {}
    for root in map(Path, roots):
        if not root.is_dir():
            continue
        for p in root.rglob("*.duckdb"):
            if p.is_file() and len(p.relative_to(root).parts) <= 4:
                found.setdefault(str(p.resolve()), p)

    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:  # removed since the scan
            return 0.0

    return tuple(sorted(found.values(), key=mtime, reverse=True)[:limit])


def label(path: Path) -> str:
    """A short display name: the path relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def save_upload(data: bytes, filename: str) -> Path:
    """Store an uploaded results database in a private temporary file and return it."""
    name = Path(filename).name
    if len(data) > MAX_DB_UPLOAD_BYTES:
        raise ScenarioError(
            f"upload: {name} is {len(data) / 1e6:,.0f} MB; the limit is "
            f"{MAX_DB_UPLOAD_BYTES // 1_000_000} MB — open large databases from the results "
            "folder instead"
        )
    if len(data) < 16 or data[8:12] != DUCKDB_MAGIC:
        raise ScenarioError(f"upload: {name} is not a DuckDB database (a sweep's .duckdb file)")
    folder = Path(tempfile.gettempdir()) / "symbiosim-dashboard-uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(suffix=".duckdb", dir=folder)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return Path(tmp)


@dataclass(frozen=True)
class SweepData:
    path: Path
    meta: dict[str, Any]
    runs: pd.DataFrame
    params: list[str]
    kpis: list[str]

    @property
    def design(self) -> str:
        return str(self.meta.get("spec", {}).get("design", {}).get("kind", "factorial"))

    @property
    def name(self) -> str:
        return str(self.meta.get("name", self.path.stem))

    @property
    def n_ok(self) -> int:
        return int((self.runs["status"] == "ok").sum())

    @property
    def ok_runs(self) -> pd.DataFrame:
        return self.runs[self.runs["status"] == "ok"]


@lru_cache(maxsize=16)
def _load(path: str, mtime: float, size: int) -> SweepData:
    from sim.batch import load_runs, read_sweep
    from sim.batch.runner import kpi_columns

    meta = read_sweep(path)
    runs = load_runs(path)
    params = list(meta["parameters"])
    kpis = [
        k
        for k in kpi_columns(runs, params)
        if pd.api.types.is_numeric_dtype(runs[k]) and runs[k].notna().any()
    ]
    return SweepData(Path(path), meta, runs, params, kpis)


def load_sweep(path: Path) -> SweepData:
    """A sweep database's runs and metadata (re-read only when the file changes)."""
    st = path.stat()
    return _load(str(path), st.st_mtime, st.st_size)


@lru_cache(maxsize=64)
def _analyze(path: str, mtime: float, size: int, kpi: str) -> dict[str, Any]:
    from sim.batch import analyze as batch_analyze

    return batch_analyze(path, kpi)


def analyze(path: Path, kpi: str) -> dict[str, Any]:
    """``sim.batch.analyze`` cached per database version and KPI."""
    st = path.stat()
    return _analyze(str(path), st.st_mtime, st.st_size, kpi)


def kpi_label(key: str) -> str:
    """A KPI column in words with its unit (the registry's label; the column name if the
    registry does not know it, e.g. a KPI of an older sweep)."""
    from sim.dashboard.kpiview import kpi_title

    try:
        return kpi_title(key)
    except KeyError:
        return key


def param_label(path: str) -> str:
    """A swept parameter in words: its lever's label and unit, else the dotted path."""
    from sim.dashboard.core import LEVER_BY_PATH

    lv = LEVER_BY_PATH.get(path)
    return f"{lv.label} · {path}" if lv else path


def param_unit(path: str) -> str:
    """The unit a swept parameter's axis is formatted in ("share" for a lever in %)."""
    from sim.dashboard.core import LEVER_BY_PATH

    lv = LEVER_BY_PATH.get(path)
    return {"%": "share", "yuan": "yuan"}.get(lv.unit, "count") if lv else "count"


def numeric_params(data: SweepData) -> list[str]:
    ok = data.ok_runs
    return [p for p in data.params if pd.api.types.is_numeric_dtype(ok[p]) and ok[p].nunique() > 1]


def surface(runs: pd.DataFrame, px: str, py: str, kpi: str, bins: int = 8) -> pd.DataFrame:
    """Mean KPI over a grid of two parameters (exact levels when few, else quantile bins)."""
    df = runs[[px, py, kpi]].dropna()
    cols = {}
    for p in (px, py):
        col = df[p].astype(float)
        if col.nunique() <= 12:
            cols[p] = col.map(lambda v: f"{v:.4g}")
            order = sorted(col.unique())
            cols[p] = pd.Categorical(cols[p], [f"{v:.4g}" for v in order], ordered=True)
        else:
            b = pd.qcut(col, bins, duplicates="drop")
            cols[p] = b.map(lambda iv: f"{(iv.left + iv.right) / 2:.4g}")
    grid = (
        pd.DataFrame({f"{px}_bin": cols[px], f"{py}_bin": cols[py], "y": df[kpi]})
        .groupby([f"{px}_bin", f"{py}_bin"], observed=True)["y"]
        .agg(["mean", "count"])
        .rename(columns={"count": "n"})
        .reset_index()
    )
    for c in (f"{px}_bin", f"{py}_bin"):
        grid[c] = grid[c].astype(str)
    return grid


def runs_for_curve(runs: pd.DataFrame, param: str, kpi: str, limit: int = 3000) -> pd.DataFrame:
    pts = runs[[param, kpi]].dropna()
    return pts.sample(limit, random_state=0) if len(pts) > limit else pts


# --------------------------------------------------------------------------- small sweeps
SWEEPABLE: dict[str, tuple[float, float]] = {
    # dotted path: default range on the page
    "policy.partner.share": (0.0, 0.2),
    "policy.partner.reward_pool_share": (0.0, 0.05),
    "policy.group_buying.discount": (0.05, 0.5),
    "policy.group_buying.subsidy_share": (0.0, 1.0),
    "policy.leaders.commission": (0.02, 0.2),
    "platform.commission_rate": (0.02, 0.2),
    "platform.recommendation_accuracy": (0.0, 1.0),
    "network.mean_degree": (4.0, 24.0),
    "behaviour.attachment_weight": (0.0, 4.0),
}
DESIGNS = ("factorial", "lhs", "sobol", "morris")


def small_spec(
    *,
    name: str,
    base: str,
    ranges: dict[str, tuple[float, float]],
    design: str,
    size: int,
    replications: int,
    consumers: int,
    days: int,
    seed: int = 0,
) -> dict[str, Any]:
    """A sweep spec dict for the page's small sweep (validated by :func:`plan_small`).

    ``size`` means levels per parameter (factorial), points (lhs), base samples N
    (sobol, a power of two) or trajectories (morris)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,60}", name or ""):
        raise ScenarioError(
            "name: use letters, digits, '_', '-' or '.', starting with a letter or digit "
            f"(at most 61 characters; got {name!r})"
        )
    load_shipped(base)  # only shipped scenarios; raises with the list of names
    if not ranges:
        raise ScenarioError("parameters: choose at least one parameter to vary")
    if consumers > MAX_SMALL_CONSUMERS or consumers < 2:
        raise ScenarioError(
            f"population.consumers: a sweep started here runs 2..{MAX_SMALL_CONSUMERS:,} "
            f"consumers (got {consumers:,}); larger sweeps run from the command line: "
            "`symbiosim sweep spec.yaml`"
        )
    if not 1 <= days <= MAX_SMALL_DAYS:
        raise ScenarioError(f"days: 1..{MAX_SMALL_DAYS} for a sweep started here (got {days})")
    params: dict[str, Any] = {}
    for path, (low, high) in ranges.items():
        p: dict[str, Any] = {"low": float(low), "high": float(high)}
        if design == "factorial":
            p["num"] = int(size)
        params[path] = p
    spec: dict[str, Any] = {
        "name": name,
        "base": base,
        "overrides": {"population.consumers": int(consumers), "days": int(days)},
        "parameters": params,
        "replications": int(replications),
        "seed": int(seed),
    }
    if design == "factorial":
        spec["design"] = {"kind": "factorial"}
    elif design == "morris":
        spec["design"] = {"kind": "morris", "samples": int(size), "levels": 4}
    else:
        spec["design"] = {"kind": design, "samples": int(size)}
    return spec


def plan_small(spec: dict[str, Any]) -> int:
    """Validate a small sweep and return its number of runs (refused above the cap).

    The size comes from the spec alone (:func:`sim.limits.sweep_runs`) and is checked
    before the plan is built, so a huge size is refused at once instead of allocated."""
    from sim.batch import build_plan, load_spec
    from sim.limits import sweep_runs

    loaded = load_spec(spec)  # a spec built by this page: no plug-in model is ever allowed
    total = sweep_runs(loaded)
    if total <= MAX_SMALL_RUNS:
        total = build_plan(loaded, max_runs=MAX_SMALL_RUNS).total
    if total > MAX_SMALL_RUNS:
        raise ScenarioError(
            f"sweep: {total:,} runs is more than the {MAX_SMALL_RUNS} a sweep started here may "
            "have; reduce the size or replications, or run it from the command line "
            "(`symbiosim sweep spec.yaml`, which can use every core or a cluster)"
        )
    return total


def run_small(spec: dict[str, Any], progress: Callable[[int, int], None] | None = None) -> Path:
    """Run a small sweep serially into a new database under :func:`sweep_dir`."""
    from sim.batch import run_sweep

    folder = sweep_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    db = folder / f"{spec['name']}-{stamp}.duckdb"
    run_sweep(spec, db, backend="serial", progress=progress)
    _scan.cache_clear()  # list the new database right away
    return db


def spec_yaml(spec: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
