"""The ``symbiosim`` command line: one typer app, one module per command.

``common`` holds what the commands share (consoles, the one-line error exit, option
types); each command module imports the model, pandas, SciPy and the batch machinery
inside its function, so listing, validating and ``--help`` answer at once. Bad input
of any kind ends with one line naming the field and the allowed values, exit status 2.
"""

from __future__ import annotations

import typer

from sim.cli import (
    analyze,
    calibrate,
    compare,
    dashboard,
    params,
    patterns,
    run,
    scenarios,
    sweep,
    validate,
)

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="symbiosim: agent-based simulation of subsidy group buying vs. symbiotic social commerce.",
    pretty_exceptions_enable=False,
)

# The order of `symbiosim --help`.
app.command("run")(run.run_cmd)
app.command("compare")(compare.compare_cmd)
app.command("scenarios")(scenarios.scenarios_cmd)
app.command("validate")(validate.validate_cmd)
app.command("params")(params.params_cmd)
app.command("dashboard")(dashboard.dashboard_cmd)
app.command("sweep")(sweep.sweep_cmd)
app.command("analyze")(analyze.analyze_cmd)
app.command("calibrate")(calibrate.calibrate_cmd)
app.command("patterns")(patterns.patterns_cmd)


def main() -> None:
    """The ``symbiosim`` console script."""
    app()
