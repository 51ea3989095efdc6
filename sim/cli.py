"""The ``symbiosim`` command line.

Bad input of any kind (scenario file, ``--set`` value, flag) ends with one line
naming the field and the allowed values, exit status 2, and no traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from sim.network import NetworkError
from sim.scenario import (
    ScenarioError,
    load_scenario,
    parse_value,
    read_scenario_dict,
    resolve_scenario_path,
    shipped_scenarios,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="symbiosim: agent-based simulation of subsidy group buying vs. symbiotic social commerce.",
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

INPUT_ERRORS: tuple[type[Exception], ...] = (ScenarioError, NetworkError)


class InputError(ValueError):
    """Bad command-line input; the message names the flag and what it accepts."""


def fail(message: str) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


@contextmanager
def input_errors() -> Iterator[None]:
    """Turn any input error into one message and exit status 2."""
    try:
        yield
    except (*INPUT_ERRORS, InputError) as err:
        fail(str(err))


def parse_sets(items: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items or []:
        if "=" not in item:
            raise InputError(f"--set: expected key.path=value, got '{item}'")
        key, value = item.split("=", 1)
        out[key.strip()] = parse_value(value)
    return out


def load_with_shocks(path: str, shocks: list[str] | None) -> dict[str, Any]:
    """Read a scenario and append the shocks of each ``--shock`` file (or shipped shock name)."""
    data = read_scenario_dict(path)
    for ref in shocks or []:
        p = Path(ref)
        if not p.is_file():
            p = resolve_scenario_path(f"shocks/{ref}.yaml") if "/" not in ref else p
        extra = read_scenario_dict(p)
        data.setdefault("shocks", [])
        data["shocks"] = list(data["shocks"]) + list(extra.get("shocks", []))
    return data


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar that appears only for work that takes more than a second."""
    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.update(task, advance=n)


Seed = Annotated[int, typer.Option("--seed", min=0, help="Random seed (same seed → same run).")]
Days = Annotated[int | None, typer.Option("--days", min=1, max=20000, help="Days to simulate.")]
Consumers = Annotated[
    int | None,
    typer.Option("--consumers", min=2, max=20_000_000, help="Number of consumers."),
]
Sets = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a field: key.path=value (repeatable)."),
]
Shocks = Annotated[
    list[str] | None,
    typer.Option("--shock", help="Add a shock file or shipped shock name (repeatable)."),
]


@app.command("run")
def run_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file or shipped name.")],
    seed: Seed = 0,
    days: Days = None,
    consumers: Consumers = None,
    set_: Sets = None,
    shock: Shocks = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
) -> None:
    """Run one scenario and write its series, KPIs and figures."""
    from sim.api import resolve, run

    with input_errors():
        sc = resolve(
            load_with_shocks(scenario, shock),
            days=days,
            consumers=consumers,
            overrides=parse_sets(set_),
        )
        out = out or Path("results") / f"{sc.name}-seed{seed}"
        with progress_bar(sc.days, f"{sc.name} (seed {seed})") as advance:
            result = run(sc, seed=seed, progress=lambda _d: advance(1))
    result.save(out)
    _print_kpis({sc.name: {k: (v, float("nan")) for k, v in result.kpis.items()}})
    console.print(f"Wrote {out}/ (daily.parquet, kpis.json, consumers.parquet, figures)")


@app.command("compare")
def compare_cmd(
    scenarios: Annotated[list[str], typer.Argument(help="Two or more scenario files or names.")],
    seeds: Annotated[int, typer.Option("--seeds", min=1, max=1000, help="Seeds per scenario.")] = 5,
    days: Days = None,
    consumers: Consumers = None,
    set_: Sets = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("results/compare"),
) -> None:
    """Run scenarios over K seeds; print mean ± 95% CI of the KPIs; write a report and figures."""
    from sim.compare import compare

    with input_errors():
        loaded = [read_scenario_dict(s) for s in scenarios]
        sets = parse_sets(set_)
        with progress_bar(len(scenarios) * seeds, "runs") as advance:
            comp = compare(
                loaded,
                seeds,
                days=days,
                consumers=consumers,
                overrides=sets,
                on_run=lambda *_: advance(1),
            )
    comp.save(out)
    _print_kpis(comp.table().to_dict())
    console.print(f"Wrote {out}/report.md, comparison_active.png, kpis_by_seed.csv")


@app.command("scenarios")
def scenarios_cmd() -> None:
    """List the shipped scenarios and shocks."""
    table = Table("scenario", "description")
    for name, desc in shipped_scenarios().items():
        table.add_row(name, desc)
    console.print(table)
    from sim.shocks import SHOCKS

    console.print(f"Shocks (add with --shock NAME): {', '.join(SHOCKS.names())}")


@app.command("validate")
def validate_cmd(file: Annotated[str, typer.Argument(help="Scenario file to check.")]) -> None:
    """Check a scenario file; print the first problem and exit 2 if it is invalid."""
    with input_errors():
        sc = load_scenario(file)
    console.print(
        f"{file}: valid scenario '{sc.name}' ({sc.population.consumers:,} consumers, "
        f"{sc.days} days, {len(sc.shocks)} shocks)"
    )


@app.command("params")
def params_cmd() -> None:
    """Print every scenario parameter with its default and source."""
    from sim.docs import parameter_table

    console.print(parameter_table())


@app.command("dashboard")
def dashboard_cmd(
    port: Annotated[int, typer.Option("--port", min=1024, max=65535)] = 8501,
) -> None:
    """Start the Streamlit dashboard."""
    import subprocess

    app_path = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
    if not app_path.is_file():
        fail("dashboard: dashboard/app.py not found (run from a source checkout)")
    raise typer.Exit(
        subprocess.call(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(app_path),
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",  # offline machines: no telemetry calls
            ]
        )
    )


def _print_kpis(table: dict[str, dict[str, tuple[float, float]]]) -> None:
    from sim.kpis import headline, kpi

    names = list(table)
    t = Table("KPI", *names)
    first = table[names[0]]
    keys = [k for k in headline() if k in first] + sorted(
        k for k in first if k.startswith("resilience_")
    )
    for k in keys:
        spec = kpi(k)
        t.add_row(
            spec.label, *(spec.format_ci(*table[n][k]) if k in table[n] else "—" for n in names)
        )
    console.print(t)


# Batch experiments (sim/batch): `sweep` and `analyze`; heavy imports stay inside the commands.
from sim.batch.cli import register as _register_batch  # noqa: E402

_register_batch(app)


# Calibration (sim/calibration.py): `calibrate`; heavy imports stay inside the command.
from sim.calibration_cli import register as _register_calibrate  # noqa: E402

_register_calibrate(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
