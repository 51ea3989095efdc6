"""Sensitivity analysis of a finished sweep: Sobol indices, Morris screening, response curves.

The same code path serves simulation sweeps and plug-in test functions (the
Ishigami test checks it against known indices): the design is regenerated from
the spec stored in the database, each design point's KPI is averaged over its
replicates, and SALib does the estimation.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.batch.design import build_design, salib_problem
from sim.batch.spec import SweepSpec, read_stored_spec
from sim.batch.storage import load_runs, read_sweep

if TYPE_CHECKING:
    import pandas as pd

RESPONSE_BINS = 8
MAX_EXACT_LEVELS = 12


class AnalysisError(ValueError):
    """The requested analysis cannot be done (unknown KPI, missing design points)."""


def analyze(db_path: str | Path, kpi: str, out_dir: str | Path | None = None) -> dict[str, Any]:
    """Analyse one KPI of a sweep database.

    Returns ``{"sobol": DataFrame(parameter, S1, S1_conf, ST, ST_conf)}`` for a sobol
    design, ``{"morris": DataFrame(parameter, mu_star, mu_star_conf, sigma, mu)}`` for
    morris, and always ``"response"`` (mean KPI ± 95% CI by parameter value). With
    ``out_dir``, tables (CSV) and figures (PNG) are written there too.
    """
    meta = read_sweep(db_path)
    spec = read_stored_spec(meta["spec"])
    return analyze_runs(spec, load_runs(db_path), kpi, out_dir)


def analyze_runs(
    spec: SweepSpec, runs: pd.DataFrame, kpi: str, out_dir: str | Path | None = None
) -> dict[str, Any]:
    """:func:`analyze` on a runs frame (as returned by :func:`load_runs`)."""
    from sim.batch.runner import kpi_columns

    available = kpi_columns(runs, spec.names)
    if kpi not in available:
        raise AnalysisError(
            f"kpi: unknown KPI {kpi!r} (available: {', '.join(available) or 'none — no run finished'})"
        )
    out: dict[str, Any] = {}
    if spec.design.kind == "sobol":
        out["sobol"] = sobol_indices(spec, runs, kpi)
    elif spec.design.kind == "morris":
        out["morris"] = morris_indices(spec, runs, kpi)
    out["response"] = response_table(spec, runs, kpi)
    if out_dir is not None:
        save_analysis(out, kpi, Path(out_dir))
    return out


def point_means(spec: SweepSpec, runs: pd.DataFrame, kpi: str, n_points: int) -> np.ndarray:
    """The KPI per design point, averaged over its ok replicates (NaN where none)."""
    ok = runs[(runs["status"] == "ok") & runs[kpi].notna()]
    means = ok.groupby("point")[kpi].mean()
    y = np.full(n_points, np.nan)
    idx = means.index.to_numpy(dtype=int)
    keep = idx < n_points
    y[idx[keep]] = means.to_numpy(dtype=float)[keep]
    return y


def _complete_y(spec: SweepSpec, runs: pd.DataFrame, kpi: str, n_points: int) -> np.ndarray:
    y = point_means(spec, runs, kpi, n_points)
    missing = int(np.isnan(y).sum())
    if missing:
        raise AnalysisError(
            f"kpi: {kpi!r} is missing or undefined (NaN) at {missing} of {n_points} design "
            f"points; {spec.design.kind} indices need every point — rerun the sweep to retry "
            "failed runs, or analyse another KPI"
        )
    return y


def sobol_indices(spec: SweepSpec, runs: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """First- and total-order Sobol indices with 95% bootstrap confidence half-widths."""
    import pandas as pd
    from SALib.analyze import sobol

    design = build_design(spec)
    y = _complete_y(spec, runs, kpi, len(design))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        si = sobol.analyze(
            salib_problem(spec),
            y,
            calc_second_order=spec.design.second_order,
            conf_level=0.95,
            seed=_seed(spec),
        )
    return pd.DataFrame(
        {
            "parameter": spec.names,
            "S1": np.asarray(si["S1"], float),
            "S1_conf": np.asarray(si["S1_conf"], float),
            "ST": np.asarray(si["ST"], float),
            "ST_conf": np.asarray(si["ST_conf"], float),
        }
    )


def morris_indices(spec: SweepSpec, runs: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Morris elementary effects: μ* (with 95% CI half-width), σ and μ, per unit range."""
    import pandas as pd
    from SALib.analyze import morris

    design = build_design(spec)
    assert design.unit is not None
    y = _complete_y(spec, runs, kpi, len(design))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        si = morris.analyze(
            salib_problem(spec),
            design.unit,
            y,
            conf_level=0.95,
            num_levels=spec.design.levels,
            seed=_seed(spec),
        )
    return pd.DataFrame(
        {
            "parameter": spec.names,
            "mu_star": np.asarray(si["mu_star"], float),
            "mu_star_conf": np.asarray(si["mu_star_conf"], float),
            "sigma": np.asarray(si["sigma"], float),
            "mu": np.asarray(si["mu"], float),
        }
    )


def response_table(spec: SweepSpec, runs: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Mean KPI ± 95% CI by value of each parameter (marginal over the others).

    Parameters with many distinct values (sampled designs) are grouped into
    quantile bins; ``value`` is then the bin's mean parameter value.
    """
    import pandas as pd

    from sim.compare import mean_ci

    ok = runs[runs["status"] == "ok"]
    rows: list[dict[str, Any]] = []
    for name in spec.names:
        col = ok[name]
        if col.nunique(dropna=False) <= MAX_EXACT_LEVELS:
            keys = col.astype(object).where(col.notna(), None)
            groups = ok.groupby(keys, sort=True, dropna=False)
            for value, g in groups:
                m, c = mean_ci(g[kpi].to_numpy(dtype=float))
                rows.append(_row(name, value, m, c, len(g)))
        else:
            bins = pd.qcut(col.astype(float), RESPONSE_BINS, duplicates="drop")
            for _, g in ok.groupby(bins, observed=True):
                m, c = mean_ci(g[kpi].to_numpy(dtype=float))
                rows.append(_row(name, float(g[name].astype(float).mean()), m, c, len(g)))
    return pd.DataFrame(rows, columns=["parameter", "value", "mean", "ci95", "n"])


def _row(name: str, value: Any, mean: float, ci: float, n: int) -> dict[str, Any]:
    if isinstance(value, np.generic):
        value = value.item()
    return {"parameter": name, "value": value, "mean": mean, "ci95": ci, "n": n}


def _seed(spec: SweepSpec) -> int:
    return int((spec.seed if spec.design.seed is None else spec.design.seed) % (2**32))


# --------------------------------------------------------------------------- output
def save_analysis(result: dict[str, Any], kpi: str, out: Path) -> list[Path]:
    """Write each table as CSV and its figure as PNG; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, df in result.items():
        path = out / f"{name}_{kpi}.csv"
        df.to_csv(path, index=False)
        written.append(path)
    if "sobol" in result:
        written.append(_save(_sobol_figure(result["sobol"], kpi), out / f"sobol_{kpi}.png"))
    if "morris" in result:
        written.append(_save(_morris_figure(result["morris"], kpi), out / f"morris_{kpi}.png"))
    written.append(_save(_response_figure(result["response"], kpi), out / f"response_{kpi}.png"))
    return written


def _save(fig: Any, path: Path) -> Path:
    fig.savefig(path, dpi=110)
    return path


def _sobol_figure(df: pd.DataFrame, kpi: str) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 0.5 * len(df) + 2), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(df))
    ax.barh(y - 0.2, df["S1"], 0.4, xerr=df["S1_conf"], label="first order S1", capsize=3)
    ax.barh(y + 0.2, df["ST"], 0.4, xerr=df["ST_conf"], label="total order ST", capsize=3)
    ax.set_yticks(y, df["parameter"])
    ax.invert_yaxis()
    ax.set_xlabel("Sobol index (95% CI)")
    ax.set_title(f"Sobol indices of {kpi}")
    ax.legend(loc="lower right")
    return fig


def _morris_figure(df: pd.DataFrame, kpi: str) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 5), layout="constrained")
    ax = fig.subplots()
    ax.errorbar(df["mu_star"], df["sigma"], xerr=df["mu_star_conf"], fmt="o", capsize=3)
    for _, r in df.iterrows():
        ax.annotate(
            r["parameter"],
            (r["mu_star"], r["sigma"]),
            fontsize=8,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_xlabel("μ* (mean |elementary effect|, per full range)")
    ax.set_ylabel("σ (interactions / non-linearity)")
    ax.set_title(f"Morris screening of {kpi}")
    return fig


def _response_figure(df: pd.DataFrame, kpi: str) -> Any:
    from matplotlib.figure import Figure

    params = list(dict.fromkeys(df["parameter"]))
    n = max(len(params), 1)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(4.2 * cols, 3.2 * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, name in zip(axes, params, strict=False):
        d = df[df["parameter"] == name]
        values = list(d["value"])
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        x = np.asarray(values, float) if numeric else np.arange(len(values))
        ci = np.nan_to_num(d["ci95"].to_numpy(float))
        ax.errorbar(x, d["mean"], yerr=ci, fmt="o-", capsize=3)
        if not numeric:
            ax.set_xticks(x, [str(v) for v in values])
        ax.set_xlabel(name)
        ax.set_ylabel(kpi)
    for ax in axes[len(params) :]:
        ax.set_visible(False)
    fig.suptitle(f"{kpi} by parameter value (mean ± 95% CI)")
    return fig
