"""``symbiosim dashboard``: start the Streamlit app that ships inside the package."""

from __future__ import annotations

import sys
from importlib.resources import files
from typing import Annotated

import typer

from sim.cli.common import require_extra


def dashboard_cmd(
    port: Annotated[int, typer.Option("--port", min=1024, max=65535)] = 8501,
) -> None:
    """Start the Streamlit dashboard."""
    import subprocess

    require_extra("dashboard", "dashboard")
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
