"""``symbiosim sweep``: a parameter sweep with replications, resumable.

Heavy imports (duckdb, dask, the model) happen inside the command. Bad input (spec,
flag, database) ends with one message naming the field, exit status 2, and no result
touched; a failing cluster exits 1, an interrupt 130.
"""

from __future__ import annotations

from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from sim.cli.common import (
    MaxMemory,
    console,
    err_console,
    fail,
    memory_limit,
    progress_bar,
    require_extra,
)

if TYPE_CHECKING:
    from sim.batch.runner import SweepSummary

MAX_SUMMARY_ROWS = 30


class BackendName(StrEnum):
    serial = "serial"
    processes = "processes"
    dask = "dask"


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
    allow_model: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-model",
            help="Allow this plug-in model (module:function) for this command only; a spec "
            "alone may name only symbiosim or models registered through the "
            "'symbiosim.models' entry point (repeatable).",
        ),
    ] = None,
    max_runs: Annotated[
        int | None,
        typer.Option(
            "--max-runs",
            min=1,
            help="Most runs this sweep may have (default 100,000, or $SYMBIOSIM_MAX_RUNS); "
            "checked from the spec before any design is built.",
            show_default=False,
        ),
    ] = None,
    max_memory: MaxMemory = None,
) -> None:
    """Run a parameter sweep with replications; rerun the same command to resume it."""
    require_extra("batch", "sweep")
    from sim.batch import BATCH_ERRORS, ClusterError, load_spec, run_sweep
    from sim.cli.common import input_error_types

    chosen = backend.value if backend is not None else ("dask" if scheduler else "processes")
    allow = list(allow_model or [])
    summary = None
    try:
        with memory_limit(max_memory):
            sp = load_spec(spec, allow_models=allow)  # plug-ins: registered or allowed only
            with ExitStack() as stack:
                state: dict[str, Any] = {"done": 0}

                def on_progress(done: int, total: int) -> None:
                    if "advance" not in state and total:
                        label = f"{sp.name} [{chosen}]"
                        state["advance"] = stack.enter_context(progress_bar(total, label))
                    if "advance" in state and done > state["done"]:
                        state["advance"](done - state["done"])
                        state["done"] = done

                summary = run_sweep(
                    sp,
                    out,
                    backend=chosen,
                    workers=workers,
                    scheduler=scheduler,
                    progress=on_progress,
                    log=log,
                    allow_models=allow,
                    max_runs=max_runs,
                )
    except (*BATCH_ERRORS, *input_error_types()) as err:
        fail(str(err))
    except ClusterError as err:  # not bad input: the cluster failed under us
        err_console.print(f"[bold red]error:[/] {err}", highlight=False)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        fail_interrupted(out)
    assert summary is not None
    print_summary(summary)
    if summary.failed:
        console.print(
            f"[yellow]{summary.failed} run(s) failed[/]; their errors are in the runs table "
            "(status = 'failed'). Run the same command again to retry them."
        )
        raise typer.Exit(1)


def fail_interrupted(out: Path | None) -> NoReturn:
    """Ctrl-C: say that nothing finished is lost, and exit 130 (the shell's SIGINT code)."""
    where = f" in {out}" if out else ""
    err_console.print(
        f"interrupted: every finished run is saved{where}; run the same command to resume."
    )
    raise typer.Exit(130)


def print_summary(summary: SweepSummary) -> None:
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
