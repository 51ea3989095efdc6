"""``symbiosim sweep`` and ``symbiosim analyze``, registered on the main typer app.

Heavy imports (duckdb, dask, SALib) happen inside the commands so that
``symbiosim --help`` stays fast. Bad input (spec, flag, database) ends with one
message naming the field, exit status 2, and no result touched.
"""

from __future__ import annotations

import math
from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import pandas as pd

    from sim.batch.runner import SweepSummary

MAX_SUMMARY_ROWS = 30


class BackendName(StrEnum):
    serial = "serial"
    processes = "processes"
    dask = "dask"


class ExportFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


def sweep_cmd(
    spec: Annotated[Path, typer.Argument(help="Sweep spec (YAML), e.g. sweeps/sensitivity.yaml.")],
    backend: Annotated[
        BackendName | None,
        typer.Option(
            "--backend",
            help="serial, processes (default) or dask (--scheduler implies dask).",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=4096,
            help="Local worker processes (processes/dask; default: one per core).",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Address of a running Dask scheduler, tcp://HOST:PORT."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="DuckDB results file (default results/<sweep name>.duckdb)."),
    ] = None,
    log: Annotated[
        Path | None,
        typer.Option("--log", help="Append one JSON line per finished run to this file."),
    ] = None,
) -> None:
    """Run a parameter sweep with replications; rerun the same command to resume it."""
    from sim.batch import BATCH_ERRORS, ClusterError, load_spec, run_sweep
    from sim.cli import console, err_console, fail, progress_bar
    from sim.scenario import ScenarioError

    name = backend.value if backend is not None else None
    summary = None
    try:
        sp = load_spec(spec)
        with ExitStack() as stack:
            state: dict[str, Any] = {"done": 0}

            def on_progress(done: int, total: int) -> None:
                if "advance" not in state and total:
                    label = f"{sp.name} [{name or ('dask' if scheduler else 'processes')}]"
                    state["advance"] = stack.enter_context(progress_bar(total, label))
                if "advance" in state and done > state["done"]:
                    state["advance"](done - state["done"])
                    state["done"] = done

            summary = run_sweep(
                sp,
                out,
                backend=name or ("dask" if scheduler else "processes"),
                workers=workers,
                scheduler=scheduler,
                progress=on_progress,
                log=log,
            )
    except (*BATCH_ERRORS, ScenarioError) as err:
        fail(str(err))
    except ClusterError as err:  # not bad input: the cluster failed under us
        err_console.print(f"[bold red]error:[/] {err}", highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        fail_interrupted(out)
    assert summary is not None
    print_summary(summary, console)
    if summary.failed:
        console.print(
            f"[yellow]{summary.failed} run(s) failed[/]; their errors are in the runs table "
            "(status = 'failed'). Run the same command again to retry them."
        )
        raise typer.Exit(1)


def fail_interrupted(out: Path | None) -> None:
    from sim.cli import err_console

    where = f" in {out}" if out else ""
    err_console.print(
        f"interrupted: every finished run is saved{where}; run the same command to resume."
    )
    raise typer.Exit(130)


def print_summary(summary: SweepSummary, console: Any) -> None:
    """Counts, then mean ± 95% CI of the summary KPIs per design point."""
    from rich.table import Column, Table

    pts = summary.points
    console.print(
        f"sweep [bold]{summary.name}[/]: {summary.total} runs ({len(pts)} design points); "
        f"this call ran {summary.ran} ({summary.failed_now} failed), skipped {summary.skipped} "
        f"already done; {summary.ok} ok and {summary.failed} failed in {summary.db_path} "
        f"[{summary.backend}, {summary.elapsed:.1f} s]",
        highlight=False,
    )
    if pts.empty:
        return
    params = [
        c
        for c in pts.columns
        if c not in ("point", "n_ok", "n_failed") and not c.endswith(("_mean", "_ci95"))
    ]
    headers = ["point", *params, "n", *summary.summary_kpis]
    table = Table(*(Column(h, overflow="fold") for h in headers), title="mean ± 95% CI per point")
    for _, row in pts.head(MAX_SUMMARY_ROWS).iterrows():
        cells = [str(int(row["point"]))] + [_fmt_value(row[p]) for p in params]
        cells.append(str(int(row["n_ok"])))
        cells += [_fmt_ci(row[f"{k}_mean"], row[f"{k}_ci95"], k) for k in summary.summary_kpis]
        table.add_row(*cells)
    console.print(table)
    if len(pts) > MAX_SUMMARY_ROWS:
        console.print(
            f"… {len(pts) - MAX_SUMMARY_ROWS} more points: `symbiosim analyze {summary.db_path}` "
            "writes the full table (summary.csv)."
        )


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def _fmt_ci(mean: float, ci: float, key: str = "") -> str:
    from sim.kpis import KPIS, format_ci, kpi

    unit = kpi(key).unit if key in KPIS or key.startswith("resilience_") else "ratio"
    return format_ci(float(mean), float(ci), unit)


def analyze_cmd(
    results: Annotated[Path, typer.Argument(help="Sweep results (DuckDB file).")],
    kpi: Annotated[
        list[str] | None,
        typer.Option("--kpi", help="KPI to analyse (repeatable; default: the summary KPIs)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Output folder (default results/<name>_analysis)."),
    ] = None,
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="Format of the exported runs table.")
    ] = ExportFormat.parquet,
) -> None:
    """Sobol / Morris indices and response plots of a sweep; export its runs table."""
    from sim.batch import BATCH_ERRORS, AnalysisError, analyze, export, read_sweep, summarize_db
    from sim.batch.runner import DEFAULT_SUMMARY_KPIS
    from sim.batch.spec import read_stored_spec
    from sim.batch.storage import load_runs
    from sim.cli import console, err_console, fail

    try:
        meta = read_sweep(results)
        spec = read_stored_spec(meta["spec"])
        runs = load_runs(results)
        from sim.batch.runner import kpi_columns

        available = kpi_columns(runs, spec.names)
        explicit = bool(kpi)
        if kpi:
            wanted = list(kpi)
        elif spec.is_sim:
            wanted = [k for k in (spec.summary_kpis or DEFAULT_SUMMARY_KPIS) if k in available]
        else:
            wanted = available
        folder = out or results.parent / f"{results.stem}_analysis"
        done = []
        for k in wanted:
            try:
                res = analyze(results, k, folder)
            except AnalysisError as err:
                if explicit:
                    raise
                err_console.print(f"[yellow]skipped[/] {err}", highlight=False)
                continue
            done.append(k)
            _print_indices(res, k, console)
        if not done:
            raise AnalysisError(
                f"kpi: nothing to analyse (available: {', '.join(available) or 'none'})"
            )
        folder.mkdir(parents=True, exist_ok=True)
        summarize_db(results).to_csv(folder / "summary.csv", index=False)
        files = export(results, folder, fmt.value)
    except BATCH_ERRORS as err:
        fail(str(err))
    console.print(
        f"Wrote {folder}/ (indices and response tables as CSV, figures as PNG, summary.csv, "
        f"{', '.join(p.name for p in files)})",
        highlight=False,
    )


def _print_indices(res: dict[str, pd.DataFrame], kpi: str, console: Any) -> None:
    from rich.table import Table

    for name, cols in (
        ("sobol", ("S1", "S1_conf", "ST", "ST_conf")),
        ("morris", ("mu_star", "mu_star_conf", "sigma")),
    ):
        if name not in res:
            continue
        table = Table("parameter", *cols, title=f"{name} indices of {kpi}")
        for _, row in res[name].iterrows():
            table.add_row(row["parameter"], *(_num(row[c]) for c in cols))
        console.print(table)
    if "sobol" not in res and "morris" not in res:
        console.print(f"{kpi}: response by parameter value written (factorial/lhs design)")


def _num(x: float) -> str:
    return "—" if not math.isfinite(x) else f"{x:.3g}"


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` and ``analyze`` commands to the main CLI."""
    app.command("sweep")(sweep_cmd)
    app.command("analyze")(analyze_cmd)
