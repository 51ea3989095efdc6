"""``symbiosim run``: one scenario, one seed; its series, KPIs and figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.common import (
    Consumers,
    Days,
    Seed,
    Sets,
    Shocks,
    console,
    input_errors,
    parse_sets,
    print_kpis,
    progress_bar,
)


def load_with_shocks(path: str, shocks: list[str] | None) -> dict[str, Any]:
    """Read a scenario and append the shocks of each ``--shock`` file (or shipped shock name)."""
    from sim.scenario import read_scenario_dict, resolve_scenario_path

    data = read_scenario_dict(path)
    for ref in shocks or []:
        p = Path(ref)
        if not p.is_file():
            p = resolve_scenario_path(f"shocks/{ref}.yaml") if "/" not in ref else p
        extra = read_scenario_dict(p)
        data.setdefault("shocks", [])
        data["shocks"] = list(data["shocks"]) + list(extra.get("shocks", []))
    return data


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
    print_kpis({sc.name: {k: (v, float("nan")) for k, v in result.kpis.items()}})
    console.print(f"Wrote {out}/ (daily.parquet, kpis.json, consumers.parquet, figures)")
