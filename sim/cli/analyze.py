"""``symbiosim analyze``: Sobol / Morris indices and response plots of a stored sweep.

Heavy imports (duckdb, SALib, pandas, matplotlib) happen inside the command.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli.common import console, err_console, fail, require_extra

if TYPE_CHECKING:
    import pandas as pd


class ExportFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"


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
    require_extra("batch", "analyze")
    from sim.batch import BATCH_ERRORS, AnalysisError, analyze, export, read_sweep, summarize_db
    from sim.batch.runner import DEFAULT_SUMMARY_KPIS, kpi_columns
    from sim.batch.spec import read_stored_spec
    from sim.batch.storage import load_runs
    from sim.cli.common import input_error_types
    from sim.paths import OutputPathError, check_output_dir

    try:
        if out is not None:  # before anything is read or analysed
            check_output_dir(out, "--out")
        meta = read_sweep(results)
        spec = read_stored_spec(meta["spec"])
        runs = load_runs(results)
        available = kpi_columns(runs, spec.names)
        explicit = bool(kpi)
        if kpi:
            wanted = list(kpi)
        elif spec.is_sim:
            wanted = [k for k in (spec.summary_kpis or DEFAULT_SUMMARY_KPIS) if k in available]
        else:
            wanted = available
        folder = out or results.parent / f"{results.stem}_analysis"
        check_output_dir(folder, "--out")
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
            _print_indices(res, k)
        if not done:
            raise AnalysisError(
                f"kpi: nothing to analyse (available: {', '.join(available) or 'none'})"
            )
        folder.mkdir(parents=True, exist_ok=True)
        summarize_db(results).to_csv(folder / "summary.csv", index=False)
        files = export(results, folder, fmt.value)
    except (*BATCH_ERRORS, OutputPathError, *input_error_types()) as err:
        fail(str(err))
    console.print(
        f"Wrote {folder}/ (indices and response tables as CSV, figures as PNG, summary.csv, "
        f"{', '.join(p.name for p in files)})",
        highlight=False,
    )


def _print_indices(res: dict[str, pd.DataFrame], kpi: str) -> None:
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
