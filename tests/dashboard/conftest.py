"""Fixtures for the dashboard tests: a private sweep folder, small background work, and
AppTest helpers that open a page with small runs so the suite stays fast."""

from __future__ import annotations

import json
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
# Small runs in a town where some households already know the platform (the shipped launch
# market starts with 2.4 per 1,000 aware, too few for 600 consumers in 150 days).
SMALL = {
    "population.consumers": 600,
    "days": 150,
    "observation.cohort_end": 30,
    "population.initial_aware": 0.05,
}
#: Explore's small run of subsidy_group_buying stops its subsidy on day 90 (the classroom's
#: clock; the shipped scenario stops it on day 1095), so its shock shows within 150 days.
EARLY_SUBSIDY_END = {"shocks": [{"kind": "subsidy_end", "day": 90}]}


@pytest.fixture(autouse=True)
def _private_sweeps(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Sweeps started by a test land in a temporary folder, never in results/."""
    folder = tmp_path_factory.mktemp("sweeps")
    monkeypatch.setenv("SYMBIOSIM_DASHBOARD_SWEEPS", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _small_background(monkeypatch: pytest.MonkeyPatch) -> None:
    """No server warm-up, and the background work pages start (the flagship comparison,
    the lever panel) at a size that takes a second, not a minute."""
    from sim.dashboard import effects, flagship

    monkeypatch.setenv("SYMBIOSIM_DASHBOARD_WARM_UP", "0")
    monkeypatch.setattr(
        flagship,
        "SIZE",
        flagship.Size(
            seeds=2,
            consumers=300,
            days=150,
            overrides={"observation.cohort_end": 30, "population.initial_aware": 0.05},
        ),
    )
    monkeypatch.setattr(effects, "CONSUMERS", 150)
    monkeypatch.setattr(effects, "MAX_DAYS", 60)
    monkeypatch.setattr(effects, "SEEDS", (0, 1))
    # the panel's logic is the same for every lever: a few of each kind keep it quick
    keep = {
        "policy.partner.enabled",
        "policy.partner.share",
        "policy.group_buying.discount",
        "network.mean_degree",
        "network.community_size",
        "platform.ad_spend_per_day",
        "population.consumers",
        "network.kind",
    }
    monkeypatch.setattr(effects, "LEVERS", tuple(lv for lv in effects.LEVERS if lv.path in keep))


def small_query(**extra: Any) -> dict[str, str]:
    """Explore's URL parameters for a small run (600 consumers × 150 days)."""
    from sim.dashboard import core

    return {"set": core.pack({**SMALL, **EARLY_SUBSIDY_END, **extra})}


@pytest.fixture
def explore_query() -> Callable[..., dict[str, str]]:
    return small_query


@pytest.fixture
def open_page() -> Callable[..., Any]:
    """``open_page(page, query)`` → an AppTest that has run that page once.

    The entry page (Start) runs first; its comparison is queued in the background at the
    small test size, so opening another page costs little."""
    from streamlit.testing.v1 import AppTest

    def _open(page: str = "explore", query: dict[str, str] | None = None, timeout: float = 240):
        at = AppTest.from_file(str(APP), default_timeout=timeout)
        at.run()
        if page == "start":
            return at
        at.switch_page(f"views/{page}.py")
        default = small_query() if page == "explore" else {}
        at.query_params = dict(query if query is not None else default)
        return at.run()

    return _open


@pytest.fixture
def no_exceptions() -> Callable[[Any], None]:
    def check(at: Any) -> None:
        assert not at.exception, [e.value for e in at.exception]

    return check


def chart_specs(at: Any) -> list[dict[str, Any]]:
    """The Vega-Lite specs of every chart the page drew."""
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
