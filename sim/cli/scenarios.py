"""``symbiosim scenarios``: the shipped scenarios and shocks (the schema and YAML, no model)."""

from __future__ import annotations

from rich.table import Table

from sim.cli.common import console


def scenarios_cmd() -> None:
    """List the shipped scenarios and shocks."""
    from sim.scenario import shipped_scenarios
    from sim.shocks import SHOCKS

    table = Table("scenario", "description")
    for name, desc in shipped_scenarios().items():
        table.add_row(name, desc)
    console.print(table)
    console.print(f"Shocks (add with --shock NAME): {', '.join(SHOCKS.names())}")
