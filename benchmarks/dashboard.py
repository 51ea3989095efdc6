"""Dashboard benchmark: the Classroom's frames per second, and Explore's time from a lever
change to updated charts, measured in Debian's Chromium against a real ``streamlit run``.

Usage::

    python benchmarks/dashboard.py                 # both, printed as a table
    python benchmarks/dashboard.py --json out.json # also write the raw numbers

A benchmark, not a test: the figures depend on the machine (and its load, printed with
them). docs/dashboard.md quotes a run of it.

* **Classroom**: the default lesson (1,500 households, 365 days) played at 10 and 30 days a
  second for a few seconds each; frames drawn per second, the gaps between frames (median,
  95th percentile, largest) and the time to draw one frame — all read from the view's own
  counters (``window.__symbiosimClassroom``).
* **Explore**: at 1280×720, the default scenario (5,000 consumers × 730 days); a click on
  a lever that needs new runs (*Subsidies end* switched off: the run, and its no-program
  reference) and the click back (both runs cached). Timed from the click to the KPI cards
  showing the new values with both charts drawn, and to the page idle with the reference's
  differences in.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "dashboard" / "app.py"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve() -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "SYMBIOSIM_DASHBOARD_WARM_UP": "0", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP), "--server.headless", "true"]
        + ["--server.port", str(port), "--browser.gatherUsageStats", "false"]
        + ["--server.fileWatcherType", "none"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGTERM)
    raise SystemExit("error: streamlit did not start")


IDLE = (
    "() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
    " && !document.querySelector('[data-testid=\"stSpinner\"]')"
)
CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(c => c.querySelector('canvas, svg')).length >= 2"""


def classroom(page: Any, url: str, seconds: float) -> list[dict[str, Any]]:
    page.goto(url + "/classroom", wait_until="domcontentloaded")
    page.get_by_test_id("classroom-view").wait_for(timeout=180_000)
    page.wait_for_function(IDLE, timeout=180_000)
    out = []
    for speed in (10, 30):
        page.get_by_test_id("classroom-play").wait_for()
        page.evaluate(
            "() => { const s = window.__symbiosimClassroom; s.frames = 0; s.gaps = []; s.full = 0; }"
        )
        page.locator("select.cl-speed").select_option(str(speed))
        page.get_by_test_id("classroom-play").click()
        page.wait_for_timeout(int(seconds * 1000))
        s = page.evaluate(
            "() => { const s = window.__symbiosimClassroom; return {frames: s.frames, first: "
            "s.first, last: s.last, gaps: s.gaps.slice(1), full: s.full, drawMs: s.drawMs}; }"
        )
        page.get_by_test_id("classroom-play").click()  # pause
        gaps = sorted(s["gaps"])
        span = (s["last"] - s["first"]) / 1000
        out.append(
            {
                "days_per_second": speed,
                "frames": s["frames"],
                "fps": (s["frames"] - 1) / span if span > 0 else float("nan"),
                "gap_median_ms": statistics.median(gaps),
                "gap_p95_ms": gaps[int(0.95 * (len(gaps) - 1))],
                "gap_max_ms": gaps[-1],
                "last_frame_draw_ms": s["drawMs"],
                "full_redraws": s["full"],
            }
        )
        page.get_by_test_id("classroom-step").click()  # leaves the played part behind
        page.get_by_test_id("classroom-view").locator("button", has_text="Reset").click()
    return out


def kpi(page: Any, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=label)
    )
    return card.locator('[data-testid="stMetricValue"]').first.inner_text()


def explore(page: Any, url: str) -> list[dict[str, Any]]:
    page.goto(url + "/explore", wait_until="domcontentloaded")
    page.get_by_text("D30 retention", exact=True).wait_for(timeout=300_000)
    page.wait_for_function(IDLE, timeout=300_000)
    page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
    out = []
    toggle = page.locator('[data-testid="stSidebar"]').get_by_text("Subsidies end", exact=True)
    for what in ("new runs (run and reference)", "cached runs (the click back)"):
        before = kpi(page, "Platform profit")
        t0 = time.perf_counter()
        toggle.click()
        page.wait_for_function(
            """(before) => { const m = [...document.querySelectorAll('[data-testid="stMetric"]')]
                .find(e => e.innerText.startsWith('Platform profit'));
                return m && !m.innerText.includes(before); }""",
            arg=before,
            timeout=300_000,
        )
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        charts = time.perf_counter() - t0
        page.wait_for_timeout(300)
        page.wait_for_function(IDLE, timeout=300_000)
        idle = time.perf_counter() - t0
        out.append({"lever_change": what, "charts_s": charts, "idle_s": idle})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", type=Path, help="also write the raw numbers here")
    ap.add_argument("--seconds", type=float, default=5.0, help="play time per speed")
    args = ap.parse_args()
    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"error: {CHROMIUM} is not installed (make browser-deps)")
    from playwright.sync_api import sync_playwright

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    proc, url = serve()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.set_default_timeout(120_000)
            frames = classroom(page, url, args.seconds)
            levers = explore(page, url)
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average {load:.1f}")
    print("\nClassroom (1,500 households × 365 days, 1280×720)")
    print(
        "| days/s | frames/s | gap median | gap p95 | gap max | draw (last frame) | full redraws |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for r in frames:
        print(
            f"| {r['days_per_second']} | {r['fps']:.1f} | {r['gap_median_ms']:.0f} ms | "
            f"{r['gap_p95_ms']:.0f} ms | {r['gap_max_ms']:.0f} ms | "
            f"{r['last_frame_draw_ms']:.1f} ms | {r['full_redraws']} |"
        )
    print("\nExplore (5,000 consumers × 730 days, 1280×720): lever change → updated charts")
    print("| lever change | cards and charts updated | page idle (differences in) |")
    print("|---|---:|---:|")
    for r in levers:
        print(f"| {r['lever_change']} | {r['charts_s']:.2f} s | {r['idle_s']:.2f} s |")
    if args.json:
        args.json.write_text(
            json.dumps({"load": load, "classroom": frames, "explore": levers}, indent=2)
        )


if __name__ == "__main__":
    main()
