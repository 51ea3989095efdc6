"""``symbiosim compare``: scenarios over K seeds, mean ± 95% CI, a report and figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import (
    Consumers,
    Days,
    MaxMemory,
    Sets,
    check_memory,
    console,
    input_errors,
    memory_limit,
    parse_sets,
    print_kpis,
    progress_bar,
)


def compare_cmd(
    scenarios: Annotated[list[str], typer.Argument(help="Two or more scenario files or names.")],
    seeds: Annotated[int, typer.Option("--seeds", min=1, max=1000, help="Seeds per scenario.")] = 5,
    days: Days = None,
    consumers: Consumers = None,
    set_: Sets = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("results/compare"),
    max_memory: MaxMemory = None,
) -> None:
    """Run scenarios over K seeds; print mean ± 95% CI of the KPIs; write a report and figures."""
    from sim.api import resolve
    from sim.compare import compare
    from sim.paths import check_output_dir
    from sim.scenario import read_scenario_dict

    with input_errors(), memory_limit(max_memory):
        check_output_dir(out, "--out")
        loaded = [read_scenario_dict(s) for s in scenarios]
        sets = parse_sets(set_)
        for data in loaded:  # every scenario fits in memory, before the first run
            check_memory(resolve(data, days=days, consumers=consumers, overrides=sets))
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
    print_kpis(comp.table().to_dict())
    console.print(f"Wrote {out}/report.md, comparison_active.png, kpis_by_seed.csv")
