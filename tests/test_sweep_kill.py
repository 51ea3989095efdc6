"""Resume after a real kill: SIGKILL the sweep process midway, rerun, compare with an
uninterrupted sweep. Nothing finished is lost, nothing is duplicated."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sim.batch import load_runs, load_spec, run_sweep

ROOT = Path(__file__).resolve().parent.parent

SPEC = """\
name: killme
base: symbiotic_partner
overrides: {days: 60, population.consumers: 300}
parameters:
  policy.partner.share: [0.0, 0.05, 0.1, 0.2]
  policy.group_buying.discount: {low: 0.1, high: 0.3, num: 3}
replications: 3
seed: 4242
"""
TOTAL = 4 * 3 * 3


def lines(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def sweep_cmd(spec: Path, db: Path, log: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "sim.cli",
        "sweep",
        str(spec),
        "--out",
        str(db),
        "--workers",
        "2",
        "--log",
        str(log),
    ]


def stop_group(proc: subprocess.Popen) -> None:
    """Kill what is left of the process group this test started (its own session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
def test_sigkill_midway_then_rerun_equals_uninterrupted(tmp_path):
    spec_file = tmp_path / "killme.yaml"
    spec_file.write_text(SPEC)
    db, log1, log2 = tmp_path / "k.duckdb", tmp_path / "first.log", tmp_path / "second.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        sweep_cmd(spec_file, db, log1),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so the test can clean up after it
    )
    try:
        deadline = time.monotonic() + 240
        while lines(log1) < 6:  # some runs are committed (the log is written after commit)
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep made no progress"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)  # the coordinator dies mid-sweep
        proc.wait(timeout=30)
        logged = lines(log1)
        assert proc.returncode == -signal.SIGKILL
        # its worker processes notice and exit on their own
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            pytest.fail("worker processes outlived the killed coordinator")
    finally:
        stop_group(proc)

    with duckdb.connect(str(db), read_only=True) as con:  # the write-ahead log replays
        survived = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    assert logged <= survived < TOTAL, (logged, survived)  # only in-flight runs were lost
    print(f"killed after {logged} logged runs; {survived} of {TOTAL} survived in the database")

    rerun = subprocess.run(
        sweep_cmd(spec_file, db, log2),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert lines(log2) == TOTAL - survived  # finished runs were skipped, the rest ran once
    rerun_points = {
        (r["point"], r["replicate"]) for r in map(json.loads, log2.read_text().splitlines())
    }
    assert len(rerun_points) == TOTAL - survived

    resumed = load_runs(db)
    assert len(resumed) == TOTAL
    assert not resumed.duplicated(["point", "replicate"]).any()
    assert not resumed["run_key"].duplicated().any()
    assert (resumed["status"] == "ok").all()

    clean = tmp_path / "clean.duckdb"
    run_sweep(load_spec(spec_file), clean, backend="serial")
    reference = load_runs(clean)
    pd.testing.assert_frame_equal(
        resumed.drop(columns="duration"), reference.drop(columns="duration"), check_exact=True
    )
