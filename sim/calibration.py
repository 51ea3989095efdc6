"""Calibration: fit scenario parameters to an observed series by simulating the model.

The observed series is a set of points (x, y): x a model day (or a customer age for
``retention``), y a share of the population (or of a cohort) in [0, 1]. Targets:

* ``customers_share`` — consumers who have bought at least once by the end of day x;
* ``active_share`` — consumers active at the end of day x (bought within the churn window);
* ``buyers_share`` — consumers who bought within the ``window`` days ending on day x
  (e.g. ``window=365``: "annual active buyers");
* ``retention`` — survival at age x (no gap of a churn window without a purchase since
  the first), pooled over the customers observed at x (``sim.analytics``).

Shares of the population are over the households in the market on the last observation
day.

Method (why each choice):

* **Loss**: mean squared error between y and the *mean over K seeds* of the simulated
  series. The same K seeds are used at every parameter value (common random numbers), so
  the loss surface is not re-drawn at each evaluation and a simplex search can settle.
  (They do not make it smooth: a different parameter value changes how many draws each
  stage takes, so the random streams diverge; the simulated series is a noisy function of
  the parameters, with noise of the size of the seed-to-seed spread / √K.)
* **Search** (default ``emulator``): parameters are mapped to [0, 1], linearly or on a
  log scale (rates that span orders of magnitude). In each of a few rounds the model is
  run at a Latin-hypercube design inside a box; every observed point's simulated value is
  regressed on a quadratic in the parameters (a response-surface emulator, which averages
  the simulation noise out); the emulator's least-squares fit to the data (L-BFGS-B) is
  the round's estimate and the centre of the next, smaller box. A derivative-free
  ``nelder-mead`` search on the noisy loss is available for comparison; it tends to stop
  on noise.
* **Uncertainty**: (a) asymptotic standard errors Cov = s² (JᵀJ)⁻¹, with J the emulator's
  Jacobian of the series at the estimate (natural units) and s² = SSE / (n − k) from the
  simulated mean at the estimate; this is the uncertainty the misfit to the data implies.
  (b) optionally a seed bootstrap: refit with B further disjoint seed sets; their spread is
  the uncertainty that simulation noise adds.
* **Fit error**: RMSE, maximum absolute error and R² of the fitted mean series.

Parameter ranges are validated through the scenario schema (a range outside a field's
allowed values is an error naming the field), never clamped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from sim.analytics.transactions import format_cell
from sim.limits import CSV_MAX_BYTES, CSV_MAX_ROWS, format_bytes
from sim.parallel import process_pool
from sim.scenario import Scenario, ScenarioError, get_path, load_scenario

TARGETS = ("customers_share", "active_share", "buyers_share", "retention")
MAX_DAY = 20_000


class CalibrationError(ValueError):
    """Bad calibration input; the message names the flag or field and what it accepts."""


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class ParamSpec:
    """A parameter to fit: dotted scenario path, bounds, and the scale searched on."""

    path: str
    lo: float
    hi: float
    log: bool = False
    integer: bool = False

    def to_unit(self, value: float) -> float:
        if self.log:
            return (math.log(value) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        return (value - self.lo) / (self.hi - self.lo)

    def from_unit(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            v = math.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))
        else:
            v = self.lo + u * (self.hi - self.lo)
        v = min(max(v, self.lo), self.hi)  # no round-off outside the validated range
        return float(round(v)) if self.integer else v


def parse_param(text: str, scenario: Scenario) -> ParamSpec:
    """Parse ``PATH=LO:HI`` or ``PATH=LO:HI:log`` and check both bounds against the schema."""
    if "=" not in text:
        raise CalibrationError(f"--param: expected PATH=LO:HI or PATH=LO:HI:log, got '{text}'")
    path, rng = (s.strip() for s in text.split("=", 1))
    parts = [s.strip() for s in rng.split(":")]
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("log", "lin")):
        raise CalibrationError(f"--param {path}: expected a range LO:HI or LO:HI:log, got '{rng}'")
    try:
        lo, hi = float(parts[0]), float(parts[1])
    except ValueError:
        raise CalibrationError(f"--param {path}: bounds must be numbers, got '{rng}'") from None
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise CalibrationError(f"--param {path}: need LO < HI, got {parts[0]}:{parts[1]}")
    log = len(parts) == 3 and parts[2] == "log"
    if log and lo <= 0:
        raise CalibrationError(f"--param {path}: a log range needs LO > 0, got {parts[0]}")
    data = scenario.to_dict()
    current = get_path(data, path)  # ScenarioError names an unknown path
    if isinstance(current, bool) or not (current is None or isinstance(current, int | float)):
        raise CalibrationError(
            f"--param {path}: not a numeric parameter (its value is {current!r})"
        )
    integer = isinstance(current, int) and not isinstance(current, bool)
    for bound in (lo, hi):
        scenario.with_overrides({path: int(round(bound)) if integer else bound})
    return ParamSpec(path, lo, hi, log, integer)


@dataclass
class Observed:
    """The series to fit: x (model days or ages), y (shares) and where it came from."""

    x: np.ndarray
    y: np.ndarray
    source: str = ""
    labels: list[str] = field(default_factory=list)


def load_observed(
    path: str | Path,
    *,
    x_col: str | None = None,
    y_col: str = "value",
    origin: str | None = None,
    scale: float = 1.0,
) -> Observed:
    """Read the observed series from CSV (``#`` lines are comments).

    ``x_col`` holds model days (integers), ages, or dates (then ``origin`` is day 0 and x is
    days since it). ``y`` is divided by ``scale`` (e.g. market size, so counts become shares)
    and must then lie in [0, 1].
    """
    p = Path(path)
    if not p.is_file():
        if p.exists():
            raise CalibrationError(f"--data: {str(p)!r} is not a regular file (a folder or device)")
        raise CalibrationError(f"--data: file not found: {str(p)!r}")
    size, cap = p.stat().st_size, CSV_MAX_BYTES.value()
    if size > cap:
        raise CalibrationError(
            f"--data: {p.name} is {format_bytes(size)}, above the {format_bytes(cap)} limit for "
            f"an observed-series CSV; {CSV_MAX_BYTES.how_to_raise()}"
        )
    max_rows = CSV_MAX_ROWS.value()
    try:
        df = pd.read_csv(p, comment="#", skipinitialspace=True, nrows=max_rows + 1)
    except pd.errors.EmptyDataError:
        raise CalibrationError(f"--data: {p.name} is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as err:
        raise CalibrationError(f"--data: cannot read {p.name} as CSV ({err})") from None
    cols = [str(c) for c in df.columns]
    if x_col is None:
        x_col = next((c for c in ("day", "age", "date") if c in cols), None)
        if x_col is None:
            raise CalibrationError(
                f"--x-col: {p.name} has no 'day', 'age' or 'date' column; name the time column "
                f"(columns: {', '.join(cols)})"
            )
    for flag, col in (("--x-col", x_col), ("--y-col", y_col)):
        if col not in cols:
            raise CalibrationError(
                f"{flag}: no column '{col}' in {p.name} (columns: {', '.join(cols)})"
            )
    if len(df) == 0:
        raise CalibrationError(f"--data: {p.name} has no rows")
    if len(df) > max_rows:
        raise CalibrationError(
            f"--data: {p.name} has more than {max_rows:,} rows, the limit for an observed "
            f"series (one row per day); {CSV_MAX_ROWS.how_to_raise()}"
        )
    y = pd.to_numeric(df[y_col], errors="coerce")
    if y.isna().any():
        row = int(np.flatnonzero(y.isna().to_numpy())[0])
        raise CalibrationError(
            f"--y-col: column '{y_col}' must hold numbers (row {row + 1}: {format_cell(df[y_col].iloc[row])})"
        )
    if not (scale > 0 and math.isfinite(scale)):
        raise CalibrationError(f"--scale: must be a positive number, got {scale}")
    yv = y.to_numpy(float) / scale
    xs = df[x_col]
    xnum = pd.to_numeric(xs, errors="coerce")
    if xnum.notna().all():
        if origin is not None:
            raise CalibrationError(f"--origin: column '{x_col}' holds numbers, not dates")
        xv = xnum.to_numpy(float)
        if np.any(xv != np.round(xv)):
            raise CalibrationError(f"--x-col: column '{x_col}' must hold whole days")
    else:
        dates = pd.to_datetime(xs, errors="coerce")
        if dates.isna().any():
            row = int(np.flatnonzero(dates.isna().to_numpy())[0])
            raise CalibrationError(
                f"--x-col: column '{x_col}' must hold day numbers or dates (row {row + 1}: "
                f"{format_cell(xs.iloc[row])})"
            )
        if origin is None:
            raise CalibrationError(
                f"--origin: column '{x_col}' holds dates; give the date of model day 0 "
                "(e.g. --origin 2015-09-01)"
            )
        try:
            t0 = pd.Timestamp(origin)
        except (ValueError, TypeError):
            raise CalibrationError(f"--origin: not a date: {origin!r}") from None
        xv = (dates - t0).dt.days.to_numpy(float)
    if np.any(xv < 0) or np.any(xv >= MAX_DAY):
        raise CalibrationError(
            f"--x-col: days must be in 0..{MAX_DAY - 1} (got {xv.min():g}..{xv.max():g})"
        )
    if len(np.unique(xv)) != len(xv):
        raise CalibrationError(f"--x-col: column '{x_col}' has repeated days")
    if np.any(yv < 0) or np.any(yv > 1):
        raise CalibrationError(
            f"--y-col: values must be shares in [0, 1] after dividing by --scale {scale:g} "
            f"(got {yv.min():.4g}..{yv.max():.4g})"
        )
    order = np.argsort(xv)
    return Observed(
        x=xv[order].astype(np.int64),
        y=yv[order],
        source=str(p),
        labels=[str(v) for v in np.asarray(xs)[order]],
    )


# --------------------------------------------------------------------------- simulation
def run_days(target: str, x: np.ndarray, scenario: Scenario) -> int:
    """Days a run must last: up to the last observation (targets on days) or the scenario's."""
    if target == "retention":
        return scenario.days
    return int(x.max()) + 1


def simulate(
    scenario: Scenario, target: str, x: np.ndarray, seed: int, window: int | None = None
) -> np.ndarray:
    """The target series of one run at the observation points ``x``.

    Shares of the population are taken over the households in the market on the last
    observation day (in an open market the population grows; the data's scale is the
    market at its last point too, e.g. China's internet users in the last year)."""
    from sim.model import SocialCommerceModel

    m = SocialCommerceModel(scenario, seed=seed)
    days = run_days(target, x, scenario)
    if target == "retention":
        from sim.analytics import retention_curve

        m.run(days)
        log = m.transactions.frame(m.pop)
        curve = retention_curve(log, days - 1, "survival", scenario.population.churn_window)
        return curve["rate"].reindex(x).to_numpy(float)
    at = {int(d): i for i, d in enumerate(x)}
    out = np.full(len(x), np.nan)
    pop = m.pop
    for d in range(days):
        m.step()
        i = at.get(d)
        if i is None:
            continue
        if target == "customers_share":
            out[i] = m.index.n_customers_present
        elif target == "active_share":
            out[i] = m.today["active"]
        else:  # buyers_share
            assert window is not None
            out[i] = np.count_nonzero(
                (pop.purchases > 0) & (pop.last_purchase > d - window) & pop.present
            )
    return out / max(m.index.n_present, 1)


def _simulate_job(args: tuple[dict[str, Any], str, np.ndarray, int, int | None]) -> np.ndarray:
    sc, target, x, seed, window = args
    return simulate(load_scenario(sc), target, x, seed, window)


# --------------------------------------------------------------------------- the fit
@dataclass
class CalibrationResult:
    """Fitted values, their uncertainty and the fit error (see the module docstring)."""

    scenario: str
    target: str
    window: int | None
    params: list[ParamSpec]
    seeds: list[int]
    estimate: dict[str, float]
    std_error: dict[str, float]
    x: np.ndarray
    observed: np.ndarray
    fitted: np.ndarray
    fitted_by_seed: np.ndarray
    rmse: float
    max_abs_error: float
    r2: float
    evaluations: int
    converged: bool
    message: str
    bootstrap: dict[str, list[float]] | None = None
    history: list[tuple[list[float], float]] = field(default_factory=list)
    method: str = "emulator"

    def ci95(self, path: str) -> tuple[float, float]:
        """Wald 95% interval from the asymptotic standard error, cut to the search range."""
        spec = next(p for p in self.params if p.path == path)
        est, se = self.estimate[path], self.std_error[path]
        if not math.isfinite(se):
            return float("nan"), float("nan")
        return max(spec.lo, est - 1.96 * se), min(spec.hi, est + 1.96 * se)

    def bootstrap_sd(self, path: str) -> float:
        if not self.bootstrap or len(self.bootstrap[path]) < 2:
            return float("nan")
        return float(np.std(self.bootstrap[path], ddof=1))

    def table(self) -> pd.DataFrame:
        rows = []
        for p in self.params:
            lo, hi = self.ci95(p.path)
            rows.append(
                {
                    "parameter": p.path,
                    "estimate": self.estimate[p.path],
                    "std_error": self.std_error[p.path],
                    "ci95_low": lo,
                    "ci95_high": hi,
                    "bootstrap_sd": self.bootstrap_sd(p.path),
                    "range": f"{p.lo:g}..{p.hi:g}{' (log)' if p.log else ''}",
                }
            )
        return pd.DataFrame(rows)

    def fit_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "x": self.x,
                "observed": self.observed,
                "fitted": self.fitted,
                "fitted_sd_over_seeds": self.fitted_by_seed.std(axis=0, ddof=1)
                if len(self.seeds) > 1
                else np.nan,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        from sim.results import clean_json

        return clean_json(
            {
                "scenario": self.scenario,
                "target": self.target,
                "window": self.window,
                "seeds": self.seeds,
                "parameters": self.table().to_dict(orient="records"),
                "fit": {
                    "rmse": self.rmse,
                    "max_abs_error": self.max_abs_error,
                    "r2": self.r2,
                    "evaluations": self.evaluations,
                    "method": self.method,
                    "converged": self.converged,
                    "message": self.message,
                },
                "series": self.fit_frame().to_dict(orient="list"),
                "bootstrap": self.bootstrap,
            }
        )

    def save(self, out: str | Path) -> Path:
        """Write calibration.json, fit.csv and fit.png into ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "calibration.json").write_text(json.dumps(self.to_dict(), indent=2))
        self.fit_frame().to_csv(out / "fit.csv", index=False)
        fig = fit_figure(self)
        fig.savefig(out / "fit.png", dpi=120)
        import matplotlib.pyplot as plt

        plt.close(fig)
        return out


class _Objective:
    """Mean-over-seeds simulation at a parameter vector, memoised (Nelder–Mead revisits)."""

    def __init__(
        self,
        base: Scenario,
        params: list[ParamSpec],
        target: str,
        x: np.ndarray,
        y: np.ndarray,
        seeds: list[int],
        window: int | None,
        executor: Executor | None,
        on_eval: Callable[[int, float], None] | None,
    ) -> None:
        self.base, self.params, self.target = base, params, target
        self.x, self.y, self.seeds, self.window = x, y, seeds, window
        self.executor, self.on_eval = executor, on_eval
        self.cache: dict[tuple[float, ...], np.ndarray] = {}
        self.history: list[tuple[list[float], float]] = []
        days = run_days(target, x, base)
        self.base_dict = base.with_overrides({"days": max(days, 1)}).to_dict()

    def values(self, u: np.ndarray) -> dict[str, float]:
        return {p.path: p.from_unit(ui) for p, ui in zip(self.params, u, strict=True)}

    def _key(self, u: np.ndarray, seeds: list[int]) -> tuple[float, ...]:
        return (*(round(v, 12) for v in self.values(u).values()), *seeds)

    def series(self, u: np.ndarray, seeds: list[int] | None = None) -> np.ndarray:
        """Simulated series per seed (seeds x points) at unit-scale parameters ``u``."""
        return self.series_many([u], seeds)[0]

    def series_many(
        self, us: Sequence[np.ndarray], seeds: list[int] | None = None
    ) -> list[np.ndarray]:
        """:meth:`series` for several parameter vectors; all their runs go to the process
        pool at once (a design's points are independent)."""
        seeds = self.seeds if seeds is None else seeds
        todo: list[tuple[tuple[float, ...], int]] = []
        jobs = []
        for u in us:
            key = self._key(u, seeds)
            if key in self.cache or any(k == key for k, _ in todo):
                continue
            vals = self.values(u)
            sc = Scenario.model_validate(self.base_dict).with_overrides(
                {
                    k: (int(v) if p.integer else v)
                    for (k, v), p in zip(vals.items(), self.params, strict=True)
                }
            )
            todo.append((key, len(seeds)))
            jobs += [(sc.to_dict(), self.target, self.x, s, self.window) for s in seeds]
        if self.executor is not None and len(jobs) > 1:
            sims = list(self.executor.map(_simulate_job, jobs))
        else:
            sims = [_simulate_job(j) for j in jobs]
        i = 0
        for key, k in todo:
            self.cache[key] = np.array(sims[i : i + k])
            i += k
        return [self.cache[self._key(u, seeds)] for u in us]

    def residuals(self, u: np.ndarray, seeds: list[int] | None = None) -> np.ndarray:
        return np.nanmean(self.series(u, seeds), axis=0) - self.y

    def record(self, u: np.ndarray, mean_series: np.ndarray) -> float:
        """Log one evaluation (parameter values, loss) and report progress."""
        r = mean_series - self.y
        value = float(np.mean(r**2)) if np.all(np.isfinite(r)) else 1e6
        self.history.append(([*self.values(u).values()], value))
        if self.on_eval is not None:
            self.on_eval(len(self.history), value)
        return value

    def loss(self, u: np.ndarray) -> float:
        return self.record(u, np.nanmean(self.series(u), axis=0))


METHODS = ("emulator", "nelder-mead")


def quadratic_features(u: np.ndarray) -> np.ndarray:
    """Design matrix of a full quadratic in the columns of ``u`` (1, u_i, u_i u_j for i <= j)."""
    u = np.atleast_2d(u)
    n, k = u.shape
    cols = [np.ones(n)] + [u[:, i] for i in range(k)]
    cols += [u[:, i] * u[:, j] for i in range(k) for j in range(i, k)]
    return np.column_stack(cols)


def _quadratic_gradient(coef: np.ndarray, u: np.ndarray) -> np.ndarray:
    """d(emulated series)/du at ``u``: array (points, k)."""
    k = len(u)
    grad = np.zeros((coef.shape[1], k))
    for i in range(k):
        grad[:, i] = coef[1 + i]
    idx = 1 + k
    for i in range(k):
        for j in range(i, k):
            c = coef[idx]
            if i == j:
                grad[:, i] += 2 * c * u[i]
            else:
                grad[:, i] += c * u[j]
                grad[:, j] += c * u[i]
            idx += 1
    return grad


@dataclass
class _Search:
    """What a search returns: the estimate (unit scale), its emulator and how it stopped."""

    u: np.ndarray
    coef: np.ndarray | None
    converged: bool
    message: str


def _emulator_search(obj: _Objective, u0: np.ndarray, max_evals: int, rounds: int) -> _Search:
    from scipy.stats import qmc

    k = len(u0)
    n_terms = 1 + k + k * (k + 1) // 2
    per_round = max(max_evals // rounds, n_terms + 2)
    centre, half = np.full(k, 0.5), 0.5
    us: list[np.ndarray] = []
    sims: list[np.ndarray] = []
    coef: np.ndarray | None = None
    u_hat = u0.copy()
    for r in range(rounds):
        lo, hi = np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
        design = qmc.scale(qmc.LatinHypercube(d=k, seed=1000 + r).random(per_round), lo, hi)
        if r == 0:
            design[0] = u0  # the scenario's own values are always among the points
        for u, runs in zip(design, obj.series_many(list(design)), strict=True):
            us.append(u)
            sims.append(np.nanmean(runs, axis=0))
            obj.record(u, sims[-1])
        ua, sa = np.array(us), np.array(sims)
        if np.isnan(sa).any():
            bad = obj.x[np.isnan(sa).any(axis=0)]
            raise CalibrationError(
                f"--x-col: the model has no value at {', '.join(str(int(b)) for b in bad[:5])} "
                "(e.g. no customers of that age yet); drop those points or run longer (--days)"
            )
        inside = np.all((ua >= lo - 1e-12) & (ua <= hi + 1e-12), axis=1)
        if inside.sum() < n_terms + 2:
            inside[:] = True
        x_design = quadratic_features(ua[inside])
        coef, *_ = np.linalg.lstsq(x_design, sa[inside], rcond=None)

        def loss(u: np.ndarray, coef: np.ndarray = coef) -> float:
            return float(np.mean((quadratic_features(u) @ coef - obj.y) ** 2))

        best_point = ua[inside][np.argmin(np.mean((sa[inside] - obj.y) ** 2, axis=1))]
        best = None
        for start in (best_point, (lo + hi) / 2, u_hat):
            res = optimize.minimize(
                loss,
                np.clip(start, lo, hi),
                method="L-BFGS-B",
                bounds=list(zip(lo, hi, strict=True)),
            )
            if best is None or res.fun < best.fun:
                best = res
        assert best is not None
        u_hat = np.clip(best.x, 0.0, 1.0)
        centre, half = u_hat, max(half * 0.6, 0.15)
    at_edge = [
        p.path for p, ui in zip(obj.params, u_hat, strict=True) if ui < 1e-6 or ui > 1 - 1e-6
    ]
    msg = f"emulator: {rounds} rounds of {per_round} runs"
    if at_edge:
        msg += f"; estimate at the edge of the range for {', '.join(at_edge)} (widen it)"
    return _Search(u_hat, coef, not at_edge, msg)


def _nelder_mead_search(obj: _Objective, u0: np.ndarray, max_evals: int) -> _Search:
    k = len(u0)
    simplex = [u0]
    for i in range(k):
        v = u0.copy()
        v[i] = v[i] + 0.25 if v[i] + 0.25 <= 1.0 else v[i] - 0.25
        simplex.append(v)
    res = optimize.minimize(
        obj.loss,
        u0,
        method="Nelder-Mead",
        bounds=[(0.0, 1.0)] * k,
        options={
            "maxfev": max_evals,
            "initial_simplex": np.array(simplex),
            "xatol": 2e-3,
            "fatol": 1e-9,
        },
    )
    return _Search(np.clip(res.x, 0.0, 1.0), None, bool(res.success), f"nelder-mead: {res.message}")


def _unit_slope(p: ParamSpec, u: float) -> float:
    """du/dθ at the value θ = p.from_unit(u) (to turn unit-scale slopes into natural units)."""
    if p.log:
        return 1.0 / (p.from_unit(u) * (math.log(p.hi) - math.log(p.lo)))
    return 1.0 / (p.hi - p.lo)


def _standard_errors(
    obj: _Objective, search: _Search, residuals: np.ndarray, h: float = 0.05
) -> dict[str, float]:
    """Asymptotic standard errors (natural units) from the series' Jacobian at the estimate.

    The emulator's analytic gradient when there is one; otherwise central differences of the
    simulated mean with a step of ``h`` in unit scale (noisier).
    """
    params, u = obj.params, search.u
    n, k = len(residuals), len(params)
    if search.coef is not None:
        jac_u = _quadratic_gradient(search.coef, u)
    else:
        jac_u = np.zeros((n, k))
        for i in range(k):
            a, b = u.copy(), u.copy()
            a[i], b[i] = max(u[i] - h, 0.0), min(u[i] + h, 1.0)
            jac_u[:, i] = (obj.residuals(b) - obj.residuals(a)) / (b[i] - a[i])
    jac = jac_u * np.array([_unit_slope(p, ui) for p, ui in zip(params, u, strict=True)])
    out = dict.fromkeys((p.path for p in params), float("nan"))
    if n <= k or not np.all(np.isfinite(jac)):
        return out
    s2 = float(np.sum(residuals**2) / (n - k))
    jtj = jac.T @ jac
    if np.linalg.matrix_rank(jtj) < k:
        return out
    cov = s2 * np.linalg.inv(jtj)
    for i, p in enumerate(params):
        out[p.path] = float(np.sqrt(cov[i, i])) if cov[i, i] >= 0 else float("nan")
    return out


def pool_size(jobs: int, max_evals: int, seeds: int) -> int:
    """Worker processes a calibration starts for ``jobs``: no more than the runs it could
    ever have at once (every parameter value over every seed), since a forked pool starts
    all its workers on first use whether or not there is work for them."""
    return max(1, min(int(jobs), int(max_evals) * int(seeds)))


def calibrate(
    scenario: Scenario | dict[str, Any] | str,
    observed: Observed,
    params: Sequence[ParamSpec],
    *,
    target: str = "customers_share",
    seeds: int | Sequence[int] = 3,
    window: int | None = None,
    max_evals: int = 48,
    method: str = "emulator",
    rounds: int = 3,
    bootstrap: int = 0,
    jobs: int = 1,
    start: dict[str, float] | None = None,
    on_eval: Callable[[int, float], None] | None = None,
) -> CalibrationResult:
    """Fit ``params`` of ``scenario`` to ``observed`` (see the module docstring).

    ``seeds``: a count (seeds 0..K-1) or explicit seeds; ``max_evals``: parameter values
    simulated (each over every seed); ``bootstrap``: further fits with the seed sets
    K..2K-1, 2K..3K-1, ...; ``start``: initial values (default: the scenario's value where
    it lies in the range, else the middle of the range).
    """
    base = load_scenario(scenario)
    if target not in TARGETS:
        raise CalibrationError(f"--target: must be one of {', '.join(TARGETS)} (got {target!r})")
    if method not in METHODS:
        raise CalibrationError(f"--method: must be one of {', '.join(METHODS)} (got {method!r})")
    if target == "buyers_share" and (window is None or window < 1):
        raise CalibrationError("--window: buyers_share needs a window of days >= 1 (e.g. 365)")
    if target == "retention" and int(observed.x.max()) >= base.days:
        raise CalibrationError(
            f"--days: retention at age {int(observed.x.max())} needs a longer run "
            f"(the scenario runs {base.days} days)"
        )
    params = list(params)
    if not params:
        raise CalibrationError("--param: give at least one parameter to fit (PATH=LO:HI)")
    if len({p.path for p in params}) != len(params):
        raise CalibrationError("--param: each parameter may be given once")
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seed_list:
        raise CalibrationError("--seeds: at least one seed is needed")
    k = len(params)
    min_evals = (1 + k + k * (k + 1) // 2 + 2) * (rounds if method == "emulator" else 1)
    if max_evals < min_evals:
        raise CalibrationError(
            f"--max-evals: at least {min_evals} for {k} parameter(s) with --method {method}"
        )
    if rounds < 1:
        raise CalibrationError("--rounds: at least 1")
    data = base.to_dict()
    u0 = []
    for p in params:
        v = (start or {}).get(p.path, get_path(data, p.path))
        u0.append(p.to_unit(v) if v is not None and p.lo <= v <= p.hi else 0.5)
    u0_arr = np.clip(np.array(u0, float), 0.0, 1.0)
    workers = pool_size(jobs, max_evals, len(seed_list))
    executor = process_pool(workers) if workers > 1 else None

    def search(obj: _Objective, u_start: np.ndarray) -> _Search:
        if method == "emulator":
            return _emulator_search(obj, u_start, max_evals, rounds)
        return _nelder_mead_search(obj, u_start, max_evals)

    try:
        obj = _Objective(
            base, params, target, observed.x, observed.y, seed_list, window, executor, on_eval
        )
        found = search(obj, u0_arr)
        evaluations = len(obj.history)
        sims = obj.series(found.u)
        fitted = np.nanmean(sims, axis=0)
        resid = fitted - observed.y
        se = _standard_errors(obj, found, resid)
        boot: dict[str, list[float]] | None = None
        if bootstrap > 0:
            boot = {p.path: [] for p in params}
            kk = len(seed_list)
            for b in range(1, bootstrap + 1):
                alt = [max(seed_list) + 1 + (b - 1) * kk + i for i in range(kk)]
                alt_obj = _Objective(
                    base, params, target, observed.x, observed.y, alt, window, executor, None
                )
                rb = search(alt_obj, found.u.copy())
                for p, ui in zip(params, rb.u, strict=True):
                    boot[p.path].append(p.from_unit(ui))
    finally:
        if executor is not None:
            executor.shutdown()
    ss_tot = float(np.sum((observed.y - observed.y.mean()) ** 2))
    message = found.message
    loose = [p.path for p in params if se[p.path] > p.hi - p.lo]
    if loose:
        message += (
            f"; not identified by these data (std. error wider than the range): {', '.join(loose)}"
        )
    return CalibrationResult(
        scenario=base.name,
        target=target,
        window=window,
        params=params,
        seeds=seed_list,
        estimate=obj.values(found.u),
        std_error=se,
        x=observed.x,
        observed=observed.y,
        fitted=fitted,
        fitted_by_seed=sims,
        rmse=float(np.sqrt(np.mean(resid**2))),
        max_abs_error=float(np.max(np.abs(resid))),
        r2=float(1 - np.sum(resid**2) / ss_tot) if ss_tot > 0 else float("nan"),
        evaluations=evaluations,
        converged=found.converged,
        message=message,
        bootstrap=boot,
        history=obj.history,
        method=method,
    )


def fit_figure(result: CalibrationResult, labels: Sequence[str] | None = None) -> Any:
    """Observed points, the fitted mean and the per-seed runs."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for i, s in enumerate(result.fitted_by_seed):
        ax.plot(result.x, s, color="tab:blue", alpha=0.25, lw=1, label="seeds" if i == 0 else None)
    ax.plot(result.x, result.fitted, "o-", color="tab:blue", label="model (mean over seeds)")
    ax.plot(result.x, result.observed, "s", color="tab:red", label="observed")
    xlabel = "customer age (days)" if result.target == "retention" else "model day"
    ax.set(xlabel=xlabel, ylabel=result.target.replace("_", " "))
    ax.set_title(
        f"Calibration of {result.scenario}: RMSE {result.rmse:.3f}, max |error| "
        f"{result.max_abs_error:.3f}",
        fontsize=10,
    )
    ax.set_ylim(
        0, max(1e-9, float(np.nanmax([result.observed.max(), np.nanmax(result.fitted)]))) * 1.1
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


__all__ = [
    "TARGETS",
    "CalibrationError",
    "CalibrationResult",
    "Observed",
    "ParamSpec",
    "ScenarioError",
    "calibrate",
    "fit_figure",
    "load_observed",
    "parse_param",
    "simulate",
]
