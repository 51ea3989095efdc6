"""``symbiosim validate``: check a scenario file against the schema (no model import)."""

from __future__ import annotations

from typing import Annotated

import typer

from sim.cli.common import console, input_errors


def validate_cmd(file: Annotated[str, typer.Argument(help="Scenario file to check.")]) -> None:
    """Check a scenario file and the graph file it names; print the first problem, if any.

    Exits with status 2 when the file is invalid (no model is built)."""
    from sim.scenario import load_scenario

    with input_errors():
        sc = load_scenario(file)
        if sc.network.kind == "file":  # loads the graph as a run would (numpy, only then)
            from sim.network import check_graph_reference

            check_graph_reference(sc)
    console.print(
        f"{file}: valid scenario '{sc.name}' ({sc.population.consumers:,} consumers, "
        f"{sc.days} days, {len(sc.shocks)} shocks)"
    )
