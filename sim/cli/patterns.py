"""``symbiosim patterns``: the realism scorecard of the shipped defaults (or given scenarios)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import (
    MaxMemory,
    Sets,
    check_memory,
    console,
    fail,
    input_errors,
    memory_limit,
    parse_sets,
)


def patterns_cmd(
    scenarios: Annotated[
        list[str] | None,
        typer.Argument(help="Shipped scenario names (default: every shipped scenario)."),
    ] = None,
    seeds: Annotated[int, typer.Option("--seeds", min=1, max=100, help="Seeds per scenario.")] = 3,
    jobs: Annotated[int, typer.Option("--jobs", min=1, max=64, help="Parallel processes.")] = 1,
    set_: Sets = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for scorecard.md and scorecard.csv.")
    ] = None,
    max_memory: MaxMemory = None,
) -> None:
    """Score the runs against real customer-base patterns (pattern-oriented modelling).

    Each pattern is measured from the transaction log and printed beside its target range
    and source, with pass or fail."""
    from rich.table import Table

    from sim.api import resolve
    from sim.paths import check_output_dir
    from sim.scenario import shipped_scenarios
    from sim.scorecard import SHIPPED, format_scorecard, run_scorecard
    from sim.scorecard import _fmt as fmt

    with input_errors(), memory_limit(max_memory):
        if out is not None:  # before anything is simulated
            check_output_dir(out, "--out")
        names = list(scenarios or SHIPPED)
        known = shipped_scenarios()
        unknown = [s for s in names if s not in known]
        if unknown:
            fail(
                f"SCENARIO: {', '.join(unknown)} is not a shipped scenario "
                f"(shipped: {', '.join(known)})"
            )
        sets = parse_sets(set_)
        workers = min(jobs, len(names) * seeds)  # sim.parallel: no more workers than runs
        for name in names:  # every run fits, with the runs beside it, before the first
            check_memory(resolve(name, overrides=sets), workers, counterfactual=False)
        table = run_scorecard(names, range(seeds), overrides=sets, jobs=jobs)
    t = Table("pattern", "scenario", "measured", "target", "", "source")
    for r in table.itertuples():
        label = r.label + (f" ({r.detail})" if r.detail else "")
        mark = (
            "reported"
            if r.passed is None
            else "[green]pass[/]"
            if r.passed
            else "[bold red]fail[/]" + (" (known gap)" if r.gap else "")
        )
        t.add_row(label, r.scenario, fmt(r.pattern, r.measured), r.target, mark, r.source)
    console.print(t)
    targets = table[table["passed"].notna()]
    passed = int(targets["passed"].astype(bool).sum())
    console.print(
        f"{passed} of {len(targets)} targets pass ({seeds} seeds each, pooled); "
        f"{len(table) - len(targets)} rows reported only."
    )
    gaps = targets[~targets["passed"].astype(bool) & (targets["gap"] != "")]
    for r in gaps.itertuples():
        console.print(f"Known gap, {r.pattern} in {r.scenario}: {r.gap}.")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "scorecard.md").write_text(format_scorecard(table) + "\n", encoding="utf-8")
        seeds_text = table["per_seed"].map(lambda v: " ".join(f"{x:.4g}" for x in v))
        table.assign(per_seed=seeds_text).to_csv(out / "scorecard.csv", index=False)
        console.print(f"Wrote {out}/scorecard.md, scorecard.csv")
