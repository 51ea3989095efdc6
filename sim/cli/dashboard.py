"""``symbiosim dashboard``: start the Streamlit app that ships inside the package."""

from __future__ import annotations

import sys
from importlib.resources import files
from importlib.util import find_spec
from typing import Annotated

import typer

from sim.cli.common import fail

# The dashboard extra: what the app imports beyond the core dependencies.
DASHBOARD_EXTRA = ("streamlit", "altair")


def dashboard_cmd(
    port: Annotated[int, typer.Option("--port", min=1024, max=65535)] = 8501,
) -> None:
    """Start the Streamlit dashboard."""
    import subprocess

    missing = [name for name in DASHBOARD_EXTRA if find_spec(name) is None]
    if missing:
        fail(
            f"dashboard: {' and '.join(missing)} not installed; install the dashboard extra: "
            "pip install 'symbiosim[dashboard]'"
        )
    app_path = files("sim.dashboard") / "app.py"
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
