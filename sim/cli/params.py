"""``symbiosim params``: every scenario parameter with its default and source."""

from __future__ import annotations

from sim.cli.common import console


def params_cmd() -> None:
    """Print every scenario parameter with its default and source."""
    from sim.docs import parameter_table

    console.print(parameter_table())
