"""What every ``symbiosim`` command shares: the consoles, the one-line error exit, the
``--set`` parser, the progress bar and the common option types.

Bad input of any kind (scenario file, ``--set`` value, flag) ends with one line naming
the field and the allowed values, exit status 2, and no traceback. This module and the
command modules import only typer and rich at the top: each command imports what it
needs inside its function (the scenario schema costs pydantic, a third of a second; the
model costs Mesa, pandas and SciPy, seconds), so ``symbiosim --help`` answers at once.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


class InputError(ValueError):
    """Bad command-line input; the message names the flag and what it accepts."""


def one_line(message: str) -> str:
    """The message on one line: line breaks become spaces and other control characters (from
    a hostile file or flag) are shown escaped, so one error is always one line."""
    text = " ".join(message.splitlines())
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def installed(distribution: str) -> bool:
    """Whether a distribution (a name as pip knows it, e.g. SALib) is installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        version(distribution)
    except PackageNotFoundError:
        return False
    return True


def require_extra(extra: str, command: str) -> None:
    """Exit 2 naming what is missing when ``command`` needs an optional extra of symbiosim
    that is not installed (a wheel installed without ``[batch]`` has no DuckDB). The lists
    are the package's own metadata, i.e. pyproject.toml's optional dependencies."""
    import re
    from importlib.metadata import PackageNotFoundError, requires

    try:
        wanted = requires("symbiosim") or []
    except PackageNotFoundError:  # not installed (sys.path onto a checkout): nothing to check
        return
    marker = re.compile(rf"extra\s*==\s*['\"]{re.escape(extra)}['\"]")
    names = [re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0] for r in wanted if marker.search(r)]
    missing = [name for name in names if not installed(name)]
    if missing:
        listed = " and ".join([", ".join(missing[:-1]), missing[-1]] if missing[:-1] else missing)
        fail(
            f"{command}: {listed} not installed; install the {extra} extra: "
            f"pip install 'symbiosim[{extra}]'"
        )


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on one line (however long) and exit with status 2.

    The message is plain text: brackets in it (``symbiosim[dashboard]``, a user's value)
    are printed, not read as rich markup."""
    from rich.markup import escape

    err_console.print(
        f"[bold red]error:[/] {escape(one_line(message))}", highlight=False, soft_wrap=True
    )
    raise typer.Exit(2)


# Exceptions that mean bad input, by the module that defines them.
_INPUT_ERRORS = (
    ("sim.scenario", "ScenarioError"),
    ("sim.network", "NetworkError"),
    ("sim.limits", "LimitExceeded"),  # above a limit (memory, sweep size), checked up front
    ("sim.limits", "LimitError"),  # a limit's own setting (--max-memory, $SYMBIOSIM_MAX_...)
    ("sim.paths", "OutputPathError"),  # --out / --log that cannot be written
)


def input_error_types() -> tuple[type[Exception], ...]:
    """The exceptions that mean bad input.

    Each is looked up only if its module has been imported: a command that never loaded
    a scenario or built a network cannot have raised their errors, and importing those
    modules for nothing would cost pydantic, networkx and SciPy."""
    types: list[type[Exception]] = [InputError]
    for module_name, class_name in _INPUT_ERRORS:
        module = sys.modules.get(module_name)
        if module is not None:
            types.append(getattr(module, class_name))
    return tuple(types)


@contextmanager
def input_errors() -> Iterator[None]:
    """Turn any input error into one message and exit status 2."""
    try:
        yield
    except input_error_types() as err:  # evaluated only once something was raised
        fail(str(err))


def parse_sets(items: list[str] | None) -> dict[str, Any]:
    """``--set key.path=value`` items → overrides, each value parsed by the bounded YAML
    reader; a path given twice (or inside another) is refused, so none hides another."""
    from sim.scenario import parse_overrides

    return parse_overrides(items, "--set")


@contextmanager
def memory_limit(value: str | None) -> Iterator[None]:
    """``--max-memory`` for one command: the limit every run of it checks (here and in the
    worker processes it starts, which inherit the environment), restored afterwards."""
    if value is None:
        yield
        return
    from sim.limits import MAX_MEMORY

    MAX_MEMORY.value(value)  # LimitError naming --max-memory when it is not a size
    old = os.environ.get(MAX_MEMORY.env or "")
    os.environ[MAX_MEMORY.env or ""] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(MAX_MEMORY.env or "", None)
        else:
            os.environ[MAX_MEMORY.env or ""] = old


def check_memory(
    scenario: Any, concurrent: int = 1, *, counterfactual: bool = True, flag: str = "--jobs"
) -> None:
    """Refuse, before anything is built, a run whose memory estimate (times the runs held at
    once) is above the limit (sim.limits: the message gives the estimate and the limit).
    ``concurrent`` > 1: that many worker processes (set by ``flag``), each holding one run
    and its own interpreter with the model's libraries (sim.limits.WORKER_PROCESS_BYTES);
    ``counterfactual``: whether a run with a shock also builds its twin."""
    from sim.limits import WORKER_PROCESS_BYTES
    from sim.limits import check_memory as check

    check(
        scenario,
        concurrent=concurrent,
        counterfactual=counterfactual,
        process_bytes=WORKER_PROCESS_BYTES if concurrent > 1 else 0,
        workers_flag=flag,
    )


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar that appears only for work that takes more than a second."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = [
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.update(task, advance=n)


def print_kpis(table: dict[str, dict[str, tuple[float, float]]]) -> None:
    """The headline KPIs (and any resilience KPIs), one column per scenario: mean ± CI."""
    from rich.table import Table

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
MaxMemory = Annotated[
    str | None,
    typer.Option(
        "--max-memory",
        help="Memory limit for this command, e.g. 16GB (default: half the RAM, or "
        "$SYMBIOSIM_MAX_MEMORY); runs estimated above it are refused before they start.",
        show_default=False,
    ),
]
