"""The dashboard in a real browser: Debian's Chromium driven by Playwright.

Starts ``streamlit run dashboard/app.py`` on a free port, runs the default scenario,
checks that the KPI cards and charts render, steps and plays the classroom view, runs a
small sweep from the Experiments page, and saves screenshots to ``test-artifacts/``
(and to ``docs/img/`` when ``SYMBIOSIM_SCREENSHOTS_TO_DOCS=1``).
Skipped only when ``/usr/bin/chromium`` is absent (``make browser-deps`` installs it).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dashboard" / "app.py"
ARTIFACTS = ROOT / "test-artifacts"
DOCS_IMG = ROOT / "docs" / "img"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOAD_TIMEOUT_MS = 180_000  # the first default run on a busy 2-core CI machine

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Streamlit server for this module; always stopped (its whole process group)."""
    port = free_port()
    tmp = tmp_path_factory.mktemp("browser")
    log_path = tmp / "streamlit.log"
    env = {
        **os.environ,
        "SYMBIOSIM_DASHBOARD_SWEEPS": str(tmp / "sweeps"),
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited early:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"streamlit-{port}.log").write_bytes(log_path.read_bytes())


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} is not installed (run `make browser-deps`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        context.close()


def shot(page: Any, name: str) -> Path:
    """Save a screenshot as a test artifact (and as a docs image on request)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"dashboard-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if os.environ.get("SYMBIOSIM_SCREENSHOTS_TO_DOCS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        (DOCS_IMG / f"dashboard-{name}.png").write_bytes(path.read_bytes())
    return path


def wait_idle(page: Any, timeout: float = LOAD_TIMEOUT_MS) -> None:
    """Wait until the script has finished (Streamlit's running indicator is gone)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
        " && !document.querySelector('[data-testid=\"stSpinner\"]')",
        timeout=timeout,
    )


def metric_value(page: Any, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{label}$"))
    )
    return card.locator('[data-testid="stMetricValue"]').first.inner_text().strip()


def rendered_charts(page: Any) -> int:
    """Vega-Lite charts that have drawn something (a canvas or an svg with marks)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
            .filter(c => c.querySelector('canvas, svg .mark-line, svg .mark-rect, svg path'))
            .length"""
    )


def record_timing(name: str, seconds: float) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "dashboard-timings.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = round(seconds, 3)
    path.write_text(json.dumps(data, indent=2))


def no_exception(page: Any) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]'
    ).first.inner_text()


def test_explore_default_scenario_renders_cards_and_charts(server: str, page: Any) -> None:
    t0 = time.perf_counter()
    page.goto(server + "/", wait_until="domcontentloaded")
    page.get_by_text("D30 retention", exact=True).wait_for(timeout=LOAD_TIMEOUT_MS)
    wait_idle(page)
    record_timing("explore_first_load", time.perf_counter() - t0)
    no_exception(page)
    for label in ("D30 retention", "D90 retention", "LTV / CAC", "Platform profit"):
        assert re.search(r"\d", metric_value(page, label)), label
    assert page.get_by_text(re.compile(r"^Resilience: subsidy end")).count() >= 1
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
            .filter(c => c.querySelector('canvas, svg')).length >= 2""",
        timeout=60_000,
    )
    assert rendered_charts(page) >= 2
    assert "scenario=" in page.url  # the view is encoded in the URL
    shot(page, "explore")

    # the same view again is served from the cache
    t0 = time.perf_counter()
    page.reload(wait_until="domcontentloaded")
    page.get_by_text("D30 retention", exact=True).wait_for(timeout=60_000)
    wait_idle(page)
    record_timing("explore_cached_reload", time.perf_counter() - t0)
    assert page.get_by_text("from the cache").count() >= 1

    # a click on a lever: a new run, on screen
    before = metric_value(page, "D90 retention")
    toggle = page.locator('[data-testid="stSidebar"]').get_by_text("Subsidies end", exact=True)
    t0 = time.perf_counter()
    toggle.click()
    page.wait_for_function(
        "() => !document.body.innerText.includes('Resilience: subsidy end')", timeout=120_000
    )
    wait_idle(page)
    record_timing("explore_lever_click", time.perf_counter() - t0)
    assert metric_value(page, "D90 retention") != before
    no_exception(page)

    page.get_by_role("tab", name="Money").click()
    page.get_by_text("Over the whole run").wait_for()
    shot(page, "explore-money")


def test_classroom_steps_and_plays(server: str, page: Any) -> None:
    page.goto(server + "/classroom?n=1500&speed=5", wait_until="domcontentloaded")
    page.locator('[data-testid="stImage"] img').first.wait_for(timeout=LOAD_TIMEOUT_MS)
    wait_idle(page)
    no_exception(page)
    assert metric_value(page, "Day") == "0"
    src0 = page.locator('[data-testid="stImage"] img').first.get_attribute("src")
    page.get_by_role("button", name=re.compile(r"Step$")).click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetric"]')].some(m =>
            m.innerText.startsWith('Day') && m.querySelector('[data-testid="stMetricValue"]')
            .innerText.trim() === '5')""",
        timeout=60_000,
    )
    src1 = page.locator('[data-testid="stImage"] img').first.get_attribute("src")
    assert src1 != src0  # a new frame was drawn
    shot(page, "classroom-step")

    page.get_by_role("button", name=re.compile(r"Play$")).click()
    t0 = time.perf_counter()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stMetric"]')].some(m =>
            m.innerText.startsWith('Day') && parseInt(m.querySelector(
            '[data-testid="stMetricValue"]').innerText) >= 60)""",
        timeout=120_000,
    )
    record_timing("classroom_play_to_day_60_at_5_days_per_tick", time.perf_counter() - t0)
    page.get_by_role("button", name=re.compile(r"Pause$")).click()
    page.get_by_role("button", name=re.compile(r"Play$")).wait_for()  # the pause took effect
    wait_idle(page)
    page.wait_for_timeout(1000)  # a tick already in flight may still land
    paused = metric_value(page, "Day")
    page.wait_for_timeout(1500)
    assert metric_value(page, "Day") == paused  # pause holds
    no_exception(page)
    shot(page, "classroom")

    page.goto(server + "/classroom?mode=partners&chapter=4", wait_until="domcontentloaded")
    page.get_by_text("A competitor attacks", exact=False).first.wait_for(timeout=LOAD_TIMEOUT_MS)
    wait_idle(page)
    assert metric_value(page, "Day") == "250"
    shot(page, "classroom-story")


def test_compare_and_experiments_pages(server: str, page: Any) -> None:
    page.goto(server + "/compare?consumers=1000&days=365&seeds=3", wait_until="domcontentloaded")
    page.locator('[data-testid="stDataFrame"]').first.wait_for(timeout=LOAD_TIMEOUT_MS)
    wait_idle(page)
    no_exception(page)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
            .filter(c => c.querySelector('canvas, svg')).length >= 2""",
        timeout=60_000,
    )
    shot(page, "compare")

    page.goto(server + "/experiments", wait_until="domcontentloaded")
    page.get_by_role("button", name=re.compile(r"Run sweep$")).wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_role("button", name=re.compile(r"Run sweep$")).click()
    page.get_by_text("Which parameters matter").wait_for(timeout=LOAD_TIMEOUT_MS)
    wait_idle(page)
    no_exception(page)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
            .filter(c => c.querySelector('canvas, svg')).length >= 1""",
        timeout=60_000,
    )
    shot(page, "experiments")
