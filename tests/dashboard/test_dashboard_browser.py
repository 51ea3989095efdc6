"""The dashboard in a real browser: Debian's Chromium driven by Playwright.

Starts ``streamlit run dashboard/app.py`` on a free port and checks, at 1280×720 (a laptop,
a projector) and 1920×1080, that the key elements of Explore, Compare and the Classroom lie
inside the viewport where the design puts them and that no KPI card or legend is wider than
its box; plays, steps, clicks and acts on the Classroom; runs a small sweep from the
Experiments page. Screenshots go to ``test-artifacts/`` (and to ``docs/img/`` when
``SYMBIOSIM_SCREENSHOTS_TO_DOCS=1``). Skipped only when ``/usr/bin/chromium`` is absent
(``make browser-deps`` installs it).
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
LAPTOP, FULL_HD = (1280, 720), (1920, 1080)
#: the docs' screenshots are taken at this size
DOCS_VIEWPORT = (1440, 900)

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(tmp: Path, warm_up: bool) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    log_path = tmp / f"streamlit-{port}.log"
    env = {
        **os.environ,
        "SYMBIOSIM_DASHBOARD_SWEEPS": str(tmp / "sweeps"),
        "SYMBIOSIM_DASHBOARD_WARM_UP": "1" if warm_up else "0",
        **(
            {}
            if os.environ.get("SYMBIOSIM_SCREENSHOTS_TO_DOCS") == "1"
            else {"SYMBIOSIM_DASHBOARD_FLAGSHIP": "seeds=2"}
        ),
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
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, url, log_path
        except OSError:
            pass
        if time.monotonic() > deadline:
            stop_server(proc, log_path)
            pytest.fail(f"streamlit did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.3)


def stop_server(proc: subprocess.Popen, log_path: Path) -> None:
    """Stop the server we started (its whole process group) and keep its log."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / log_path.name).write_bytes(log_path.read_bytes())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh server for this module, its warm-up on (as a user gets it); the flagship
    comparison over 2 seeds unless the docs' screenshots are being refreshed."""
    proc, url, log_path = start_server(tmp_path_factory.mktemp("browser"), warm_up=True)
    try:
        yield url
    finally:
        stop_server(proc, log_path)


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


@contextlib.contextmanager
def new_page(browser: Any, viewport: tuple[int, int]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        context.close()


def shot(page: Any, name: str, docs: bool = False) -> Path:
    """Save a screenshot as a test artifact (and as a docs image on request)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"dashboard-{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if docs and os.environ.get("SYMBIOSIM_SCREENSHOTS_TO_DOCS") == "1":
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


def wait_charts(page: Any, n: int, timeout: float = 90_000) -> None:
    page.wait_for_function(
        f"""() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
            .filter(c => c.querySelector('canvas, svg')).length >= {n}""",
        timeout=timeout,
    )


def metric_value(page: Any, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=re.compile(f"^{label}$"))
    )
    return card.locator('[data-testid="stMetricValue"]').first.inner_text().strip()


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


def inside(page: Any, locator: Any, what: str) -> dict[str, float]:
    """The element's box lies wholly inside the viewport (no scrolling needed to see it)."""
    box = locator.bounding_box()
    assert box is not None, f"{what}: not drawn"
    vw, vh = page.viewport_size["width"], page.viewport_size["height"]
    assert box["x"] >= -1 and box["y"] >= -1, f"{what}: starts outside the viewport {box}"
    assert box["x"] + box["width"] <= vw + 1, f"{what}: runs past the right edge {box}"
    assert box["y"] + box["height"] <= vh + 1, f"{what}: below the fold at {vw}×{vh} {box}"
    return box


def overflowing(page: Any, selector: str) -> list[str]:
    """Elements (and their descendants) whose content is wider than their box."""
    return page.evaluate(
        """(sel) => {
            const roots = [];
            const find = (node) => {
                node.querySelectorAll(sel).forEach((e) => roots.push(e));
                node.querySelectorAll('*').forEach((e) => e.shadowRoot && find(e.shadowRoot));
            };
            find(document);
            const bad = [];
            for (const r of roots) for (const e of [r, ...r.querySelectorAll('*')]) {
                if (e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
                    bad.push(`${e.className || e.tagName}: ${e.scrollWidth} > ${e.clientWidth}: ${
                        (e.innerText || '').slice(0, 40)}`);
            }
            return bad;
        }""",
        selector,
    )


# --------------------------------------------------------------------------- routes
def test_no_pages_folder_so_deep_links_open_their_page() -> None:
    """A folder named pages/ beside app.py makes Streamlit start in its old multipage mode
    until the entry script has run once: a fresh server then answered a first visit to
    /explore with "Page not found". The pages live in views/ (the Explore test below opens
    /explore as its first request)."""
    assert not (ROOT / "dashboard" / "pages").exists()
    assert {p.stem for p in (ROOT / "dashboard" / "views").glob("*.py")} >= {
        "start",
        "explore",
        "compare",
        "experiments",
        "classroom",
    }


def small_set() -> str:
    from sim.dashboard import core

    # a quick run whose D30/D90 are observable (the stated cohort ends on day 199), in a
    # town where 5% know the platform on day 0 (the launch market would leave it empty),
    # its subsidy ending within the run (the shipped day 1095 would be after its end)
    return core.pack(
        {
            "population.consumers": 1500,
            "days": 400,
            "observation.cohort_end": 200,
            "population.initial_aware": 0.05,
            "shocks": [{"kind": "subsidy_end", "day": 90}],
        }
    )


# --------------------------------------------------------------------------- Explore
@pytest.mark.parametrize("viewport", [LAPTOP, FULL_HD], ids=["1280x720", "1920x1080"])
def test_explore_fits_the_screen(server: str, browser: Any, viewport: tuple[int, int]) -> None:
    with new_page(browser, viewport) as page:
        t0 = time.perf_counter()
        page.goto(server + "/explore?set=" + small_set(), wait_until="domcontentloaded")
        page.get_by_text("D30 retention", exact=True).wait_for(timeout=LOAD_TIMEOUT_MS)
        wait_idle(page)
        wait_charts(page, 2)
        record_timing(f"explore_first_load_{viewport[0]}", time.perf_counter() - t0)
        no_exception(page)
        assert page.get_by_text("Page not found").count() == 0
        nav = page.locator('[data-testid="stTopNavLink"], [data-testid="stNavLink"]')
        titles = {t.strip().splitlines()[-1].strip() for t in nav.all_inner_texts()}
        assert {"Start here", "Explore", "Compare", "Experiments", "Classroom"} <= titles
        for label in ("D30 retention", "D90 retention", "LTV / CAC", "Platform profit"):
            assert re.search(r"\d", metric_value(page, label)), label
        cards = page.locator('[data-testid="stMetric"]')
        assert cards.count() >= 5  # four KPIs and the subsidy end's resilience
        for i in range(cards.count()):
            inside(page, cards.nth(i), f"KPI card {i}")
        assert overflowing(page, '[data-testid="stMetric"]') == []
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        for i in range(2):  # active customers and retention, above the fold
            box = inside(page, charts.nth(i), f"chart {i}")
            assert box["height"] >= 200, box
        assert "scenario=" in page.url  # the view is encoded in the URL
        shot(page, f"explore-{viewport[0]}", docs=False)


def test_explore_lever_money_and_docs_shot(server: str, browser: Any) -> None:
    with new_page(browser, DOCS_VIEWPORT) as page:
        page.goto(server + "/explore", wait_until="domcontentloaded")
        page.get_by_text("D30 retention", exact=True).wait_for(timeout=LOAD_TIMEOUT_MS)
        wait_idle(page)
        wait_charts(page, 2)
        shot(page, "explore", docs=True)
        # the same view again is served from the cache
        page.reload(wait_until="domcontentloaded")
        page.get_by_text("D30 retention", exact=True).wait_for(timeout=60_000)
        wait_idle(page)
        assert page.get_by_text("from the cache").count() >= 1
        # a click on a lever: a new run, on screen (the subsidy ends in year three, so the
        # launch-year cohort's D90 cannot move; the platform's profit over the run does)
        before = metric_value(page, "Platform profit")
        toggle = page.locator('[data-testid="stSidebar"]').get_by_text("Subsidies end", exact=True)
        t0 = time.perf_counter()
        toggle.click()
        page.wait_for_function(
            "() => !document.body.innerText.includes('Resilience: subsidy end')", timeout=120_000
        )
        wait_idle(page)
        wait_charts(page, 2)
        record_timing("explore_lever_click", time.perf_counter() - t0)
        assert metric_value(page, "Platform profit") != before
        no_exception(page)
        page.get_by_role("tab", name="Money").click()
        page.get_by_text("Who pays and who earns").wait_for()
        wait_charts(page, 3)
        shot(page, "explore-money", docs=True)


# --------------------------------------------------------------------------- Compare
@pytest.mark.parametrize("viewport", [LAPTOP, FULL_HD], ids=["1280x720", "1920x1080"])
def test_compare_fits_the_screen(server: str, browser: Any, viewport: tuple[int, int]) -> None:
    with new_page(browser, viewport) as page:
        page.goto(server + "/compare?consumers=500&days=400&seeds=2", wait_until="domcontentloaded")
        page.locator('[data-testid="stTable"]').first.wait_for(timeout=LOAD_TIMEOUT_MS)
        wait_idle(page)
        wait_charts(page, 4)
        no_exception(page)
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        for i in range(2):  # the bands and the paired difference, above the fold
            inside(page, charts.nth(i), f"compare chart {i}")
        inside(page, page.get_by_role("button", name=re.compile("Compare$")), "Compare button")
        table = page.locator('[data-testid="stTable"]').first
        assert "D90 retention" in table.inner_text() and "d90_retention" not in table.inner_text()
        # every row is on the page: no inner scrollbar hides any
        assert page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stTable"] *')]
                .every(e => e.scrollHeight <= e.clientHeight + 1 || e.clientHeight === 0
                            || getComputedStyle(e).overflowY === 'visible')"""
        )
        full_hd = viewport == FULL_HD
        shot(page, "compare" if full_hd else f"compare-{viewport[0]}", docs=full_hd)


# --------------------------------------------------------------------------- Classroom
def stats(page: Any) -> dict[str, Any]:
    return page.evaluate("() => ({...window.__symbiosimClassroom, gaps: undefined})")


@pytest.mark.parametrize("viewport", [LAPTOP, FULL_HD], ids=["1280x720", "1920x1080"])
def test_classroom_fits_a_projector_and_plays_in_the_browser(
    server: str, browser: Any, viewport: tuple[int, int]
) -> None:
    with new_page(browser, viewport) as page:
        page.goto(server + "/classroom", wait_until="domcontentloaded")
        view = page.get_by_test_id("classroom-view")
        view.wait_for(timeout=LOAD_TIMEOUT_MS)
        wait_idle(page)
        page.wait_for_timeout(500)  # the view sizes itself to the window
        no_exception(page)
        for part in ("network", "counts", "chart", "text", "legend", "actions", "tunes", "play"):
            inside(page, page.get_by_test_id(f"classroom-{part}"), part)
        assert overflowing(page, ".cl-counts") == []
        assert overflowing(page, ".cl-legend") == []
        text_fits = page.evaluate(
            """() => { const host = [...document.querySelectorAll('*')].find(e => e.shadowRoot
                && e.shadowRoot.querySelector('.cl-text-body'));
                const b = host.shadowRoot.querySelector('.cl-text-body');
                return b.scrollHeight <= b.clientHeight + 1; }"""
        )
        assert text_fits, "the day's text is cut"
        net = page.get_by_test_id("classroom-network").bounding_box()
        assert net["height"] >= 0.6 * (viewport[1] - 200), net  # the picture fills the screen
        # play: the browser animates; only changed households are repainted, no reruns
        page.get_by_test_id("classroom-play").click()
        page.wait_for_function("() => window.__symbiosimClassroom.day >= 20", timeout=60_000)
        running = page.locator('[data-testid="stStatusWidget"]')
        assert running.count() == 0 or not running.first.is_visible()
        page.get_by_test_id("classroom-play").click()  # pause
        s = stats(page)
        assert s["full"] == 1 and s["frames"] >= 20 and not s["playing"]
        paused = s["day"]
        page.wait_for_timeout(800)
        assert stats(page)["day"] == paused  # pause holds
        page.get_by_test_id("classroom-step").click()
        assert stats(page)["day"] == paused + 1
        count = page.get_by_test_id("classroom-count-day").inner_text()
        assert f"{paused + 1} /" in count
        # a click on a household shows its state and history
        page.mouse.click(net["x"] + net["width"] * 0.5, net["y"] + net["height"] * 0.5)
        card = page.get_by_test_id("classroom-household")
        if not card.is_visible():  # between two communities: try a denser spot
            page.mouse.click(net["x"] + net["width"] * 0.3, net["y"] + net["height"] * 0.3)
        card.wait_for(state="visible", timeout=5_000)
        assert "Household" in card.inner_text() and "day 0" in card.inner_text()
        bought = page.get_by_test_id("classroom-household-purchases").inner_text()
        assert "purchase" in bought  # its purchases, from the run's transaction log
        shot(page, f"classroom-{viewport[0]}")
        # act mid-run: the edited run arrives and the picture goes on from the same day
        day = stats(page)["day"]
        page.get_by_test_id("classroom-act-stop_subsidy").click()
        page.wait_for_function(
            "() => { const h = [...document.querySelectorAll('*')].find(e => e.shadowRoot"
            " && e.shadowRoot.querySelector('.cl-busy')); return h.shadowRoot"
            ".querySelector('.cl-busy').hidden; }",
            timeout=60_000,
        )
        page.get_by_text(f"stop the subsidy on day {day}").wait_for(timeout=30_000)
        assert stats(page)["day"] == day
        # a policy slider acts mid-run too: the discount from today on
        page.get_by_test_id("classroom-step").click()
        page.get_by_test_id("classroom-tune-policy.group_buying.discount").fill("10")
        page.get_by_text(f"group discount (depth) 10% from day {day + 1}").wait_for(timeout=30_000)
        assert stats(page)["day"] == day + 1
        for part in ("legend", "actions", "tunes", "text"):  # still all on screen
            inside(page, page.get_by_test_id(f"classroom-{part}"), part)
        no_exception(page)


def test_classroom_story_and_docs_shots(server: str, browser: Any) -> None:
    with new_page(browser, DOCS_VIEWPORT) as page:
        page.goto(server + "/classroom", wait_until="domcontentloaded")
        page.get_by_test_id("classroom-view").wait_for(timeout=LOAD_TIMEOUT_MS)
        wait_idle(page)
        page.get_by_test_id("classroom-play").click()
        page.wait_for_function("() => window.__symbiosimClassroom.day >= 70", timeout=60_000)
        page.get_by_test_id("classroom-play").click()
        shot(page, "classroom", docs=True)
        page.goto(server + "/classroom?mode=subsidy&chapter=3", wait_until="domcontentloaded")
        page.get_by_test_id("classroom-view").wait_for(timeout=LOAD_TIMEOUT_MS)
        wait_idle(page)
        page.get_by_text("The peak").first.wait_for(timeout=30_000)
        assert stats(page)["day"] == 89
        page.get_by_test_id("classroom-next").click()  # plays on to the next chapter, stops
        page.wait_for_function(
            "() => window.__symbiosimClassroom.day === 130 && !window.__symbiosimClassroom.playing",
            timeout=60_000,
        )
        page.get_by_text("The subsidy stops").first.wait_for()
        assert overflowing(page, ".cl-counts") == []  # 1440×900 as well: never cut
        shot(page, "classroom-story", docs=True)
        no_exception(page)


# --------------------------------------------------------------------------- Start, Experiments
def test_start_page_and_experiments(server: str, browser: Any) -> None:
    with new_page(browser, DOCS_VIEWPORT) as page:
        page.goto(server + "/", wait_until="domcontentloaded")
        page.get_by_text("What it says").wait_for(timeout=LOAD_TIMEOUT_MS)
        wait_idle(page)
        wait_charts(page, 1)
        no_exception(page)
        assert page.get_by_text("does better on").count() >= 1
        assert overflowing(page, '[data-testid="stMetric"]') == []
        shot(page, "start", docs=True)
        page.goto(server + "/experiments", wait_until="domcontentloaded")
        page.get_by_role("button", name=re.compile(r"Run sweep$")).wait_for(timeout=60_000)
        wait_idle(page)
        page.get_by_role("button", name=re.compile(r"Run sweep$")).click()
        page.get_by_text("Which parameters matter").wait_for(timeout=LOAD_TIMEOUT_MS)
        wait_idle(page)
        no_exception(page)
        wait_charts(page, 1)
        shot(page, "experiments", docs=True)
