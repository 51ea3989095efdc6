"""``symbiosim dashboard``: start the Streamlit app."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import fail


def dashboard_cmd(
    port: Annotated[int, typer.Option("--port", min=1024, max=65535)] = 8501,
) -> None:
    """Start the Streamlit dashboard."""
    import subprocess

    app_path = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
    if not app_path.is_file():
        fail("dashboard: dashboard/app.py not found (run from a source checkout)")
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
