"""Fixtures for the dashboard tests: a private sweep folder, and AppTest helpers that
open a page with small runs so the suite stays fast."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

try:  # the dashboard extra (streamlit, altair); `make venv` installs it
    import streamlit  # noqa: F401
except ImportError:
    collect_ignore_glob = ["test_*.py"]

APP = ROOT / "dashboard" / "app.py"
SMALL = {"population.consumers": 600, "days": 150, "observation.cohort_end": 30}


@pytest.fixture(autouse=True)
def _private_sweeps(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Sweeps started by a test land in a temporary folder, never in results/."""
    folder = tmp_path_factory.mktemp("sweeps")
    monkeypatch.setenv("SYMBIOSIM_DASHBOARD_SWEEPS", str(folder))
    return folder


def small_query(**extra: Any) -> dict[str, str]:
    """Explore's URL parameters for a small run (600 consumers × 150 days)."""
    from sim.dashboard import core

    return {"set": core.pack({**SMALL, **extra})}


@pytest.fixture
def explore_query() -> Callable[..., dict[str, str]]:
    return small_query


@pytest.fixture
def open_page() -> Callable[..., Any]:
    """``open_page(page, query)`` → an AppTest that has run that page once.

    The entry page (Explore) runs first with a small scenario, so opening another page
    does not pay for the full default run."""
    from streamlit.testing.v1 import AppTest

    def _open(page: str = "explore", query: dict[str, str] | None = None, timeout: float = 240):
        at = AppTest.from_file(str(APP), default_timeout=timeout)
        if page == "explore":
            at.query_params = dict(query if query is not None else small_query())
            return at.run()
        at.query_params = small_query()
        at.run()
        at.switch_page(f"pages/{page}.py")
        at.query_params = dict(query or {})
        return at.run()

    return _open


@pytest.fixture
def no_exceptions() -> Callable[[Any], None]:
    def check(at: Any) -> None:
        assert not at.exception, [e.value for e in at.exception]

    return check
