"""``symbiosim calibrate``: fit scenario parameters to an observed series (see sim.calibration).

Heavy imports (SciPy, the model) stay inside the command.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import (
    Consumers,
    InputError,
    MaxMemory,
    check_memory,
    console,
    input_errors,
    memory_limit,
    parse_sets,
    progress_bar,
)

# The fit's own wording: overrides here are held fixed while the fit searches.
FixedSets = Annotated[
    list[str] | None,
    typer.Option("--set", help="Fix a field during the fit: key.path=value (repeatable)."),
]

TARGET_HELP = (
    "What the data measure: customers_share (ever bought by day x), active_share (active on "
    "day x), buyers_share (bought within --window days ending on day x), retention (survival "
    "at age x: no 30-day gap without a purchase since the first)."
)


@contextmanager
def _calibration_errors() -> Iterator[None]:
    """Calibration input errors become the CLI's one-line message and exit status 2."""
    from sim.calibration import CalibrationError

    try:
        yield
    except CalibrationError as err:
        raise InputError(str(err)) from None


def _fmt(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "—"
    return f"{x:.4g}"


def calibrate_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file or shipped name.")],
    data: Annotated[
        Path, typer.Option("--data", help="CSV with the observed series (# lines are comments).")
    ],
    param: Annotated[
        list[str],
        typer.Option(
            "--param",
            help="Parameter to fit: PATH=LO:HI, or PATH=LO:HI:log to search on a log scale "
            "(repeatable).",
        ),
    ],
    target: Annotated[str, typer.Option("--target", help=TARGET_HELP)] = "customers_share",
    window: Annotated[
        int | None,
        typer.Option("--window", min=1, max=20000, help="Days counted by buyers_share (e.g. 365)."),
    ] = None,
    x_col: Annotated[
        str | None,
        typer.Option("--x-col", help="Time column: days, ages or dates (default: day/age/date)."),
    ] = None,
    y_col: Annotated[str, typer.Option("--y-col", help="Value column.")] = "value",
    origin: Annotated[
        str | None, typer.Option("--origin", help="Date of model day 0 when --x-col holds dates.")
    ] = None,
    scale: Annotated[
        float,
        typer.Option("--scale", help="Divide values by this (e.g. market size) to get shares."),
    ] = 1.0,
    seeds: Annotated[
        int, typer.Option("--seeds", min=1, max=1000, help="Seeds averaged per evaluation.")
    ] = 3,
    days: Annotated[
        int | None,
        typer.Option("--days", min=1, max=20000, help="Days to simulate (retention target)."),
    ] = None,
    consumers: Consumers = None,
    set_: FixedSets = None,
    max_evals: Annotated[
        int, typer.Option("--max-evals", min=1, max=100000, help="Parameter values simulated.")
    ] = 48,
    method: Annotated[
        str, typer.Option("--method", help="emulator (default) or nelder-mead.")
    ] = "emulator",
    rounds: Annotated[
        int, typer.Option("--rounds", min=1, max=20, help="Emulator rounds (zooming in).")
    ] = 3,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", min=0, max=100, help="Refits on fresh seed sets.")
    ] = 0,
    jobs: Annotated[
        int,
        typer.Option("--jobs", min=1, max=256, help="Processes running simulations in parallel."),
    ] = 1,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for calibration.json, fit.csv and fit.png."),
    ] = None,
    max_memory: MaxMemory = None,
) -> None:
    """Fit scenario parameters to an observed series (CSV) by simulating over seeds.

    Reports the fitted values, their standard errors and 95% intervals, and the fit error (RMSE, max |error|, R²) of the model's mean series against the data.
    """
    from rich.table import Table

    from sim.api import resolve
    from sim.calibration import calibrate, load_observed, parse_param, pool_size
    from sim.paths import check_output_dir

    with input_errors(), _calibration_errors(), memory_limit(max_memory):
        if out is not None:  # before anything is simulated
            check_output_dir(out, "--out")
        sc = resolve(scenario, days=days, consumers=consumers, overrides=parse_sets(set_))
        # the worker processes each hold one run (no counterfactual twin: no KPIs are read)
        check_memory(sc, concurrent=pool_size(jobs, max_evals, seeds), counterfactual=False)
        obs = load_observed(data, x_col=x_col, y_col=y_col, origin=origin, scale=scale)
        specs = [parse_param(p, sc) for p in param]
        total = max_evals * (1 + bootstrap)
        with progress_bar(total, f"calibrating {sc.name}") as advance:
            result = calibrate(
                sc,
                obs,
                specs,
                target=target,
                seeds=seeds,
                window=window,
                max_evals=max_evals,
                method=method,
                rounds=rounds,
                bootstrap=bootstrap,
                jobs=jobs,
                on_eval=lambda *_: advance(1),
            )
    t = Table()
    t.add_column("parameter", no_wrap=True)
    for name in ("estimate", "std. error", "95% interval", "bootstrap sd", "range"):
        t.add_column(name)
    for row in result.table().itertuples(index=False):
        t.add_row(
            row.parameter,
            _fmt(row.estimate),
            _fmt(row.std_error),
            f"{_fmt(row.ci95_low)} .. {_fmt(row.ci95_high)}",
            _fmt(row.bootstrap_sd),
            row.range,
        )
    console.print(t)
    console.print(
        f"fit of {result.target} ({len(result.x)} points, {len(result.seeds)} seeds, "
        f"{result.evaluations} evaluations): RMSE {result.rmse:.4f}, "
        f"max |error| {result.max_abs_error:.4f}, R² {_fmt(result.r2)}; {result.message}"
    )
    if out is not None:
        result.save(out)
        console.print(f"Wrote {out}/calibration.json, fit.csv, fit.png")
