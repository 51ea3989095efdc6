"""``symbiosim run``: one scenario, one seed; its series, KPIs and figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sim.cli.common import (
    Consumers,
    Days,
    InputError,
    MaxMemory,
    Seed,
    Sets,
    Shocks,
    check_memory,
    console,
    input_errors,
    memory_limit,
    parse_sets,
    print_kpis,
    progress_bar,
)


def shipped_shocks() -> list[str]:
    """The shipped shock files, by the name ``--shock NAME`` takes."""
    from sim.scenario import SCENARIO_DIR

    return sorted(p.stem for p in (SCENARIO_DIR / "shocks").glob("*.yaml"))


def load_with_shocks(path: str, shocks: list[str] | None) -> dict[str, Any]:
    """Read a scenario and append the shocks of each ``--shock`` file (or shipped shock name)."""
    from sim.scenario import SCENARIO_DIR, read_scenario_dict

    data = read_scenario_dict(path)
    for ref in shocks or []:
        p = Path(ref)
        if not p.is_file():
            if ref not in shipped_shocks():
                raise InputError(
                    f"--shock {ref}: no such shock file or shipped shock (shipped shocks: "
                    f"{', '.join(shipped_shocks())})"
                )
            p = SCENARIO_DIR / "shocks" / f"{ref}.yaml"
        extra = read_scenario_dict(p)
        if not extra.get("shocks"):
            raise InputError(f"--shock {ref}: {p.name} holds no shocks (a 'shocks:' list)")
        data.setdefault("shocks", [])
        data["shocks"] = list(data["shocks"]) + list(extra["shocks"])
    return data


def run_cmd(
    scenario: Annotated[str, typer.Argument(help="Scenario file or shipped name.")],
    seed: Seed = 0,
    days: Days = None,
    consumers: Consumers = None,
    set_: Sets = None,
    shock: Shocks = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder.")] = None,
    max_memory: MaxMemory = None,
) -> None:
    """Run one scenario and write its series, KPIs and figures."""
    from sim.api import resolve, run
    from sim.paths import check_output_dir, inside, safe_name

    with input_errors(), memory_limit(max_memory):
        if out is not None:  # before anything runs
            check_output_dir(out, "--out")
        sc = resolve(
            load_with_shocks(scenario, shock),
            days=days,
            consumers=consumers,
            overrides=parse_sets(set_),
        )
        if out is None:  # the scenario's name as a safe file name, inside results/
            out = inside("results", Path("results") / f"{safe_name(sc.name)}-seed{seed}")
            check_output_dir(out, "--out")
        check_memory(sc)
        with progress_bar(sc.days, f"{sc.name} (seed {seed})") as advance:
            result = run(sc, seed=seed, progress=lambda _d: advance(1))
    result.save(out)
    print_kpis({sc.name: {k: (v, float("nan")) for k, v in result.kpis.items()}})
    console.print(f"Wrote {out}/ (daily.parquet, kpis.json, consumers.parquet, figures)")
