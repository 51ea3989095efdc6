"""`symbiosim sweep` / `symbiosim analyze`: bad input → one message, exit 2, results untouched."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.batch import load_runs
from sim.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parent.parent

GOOD = {
    "name": "good",
    "base": "symbiotic_partner",
    "overrides": {"days": 30, "population.consumers": 150},
    "parameters": {"policy.partner.share": [0.0, 0.1]},
    "replications": 2,
    "seed": 1,
}

BAD = {
    "unknown path": (
        {"parameters": {"policy.partner.shar": [0.1]}},
        "parameters.policy.partner.shar: unknown parameter path",
    ),
    "empty range": (
        {"parameters": {"policy.partner.share": {"low": 0.3, "high": 0.1, "num": 3}}},
        "parameters.policy.partner.share: empty range",
    ),
    "empty values": (
        {"parameters": {"policy.partner.share": []}},
        "parameters.policy.partner.share.values: empty list",
    ),
    "wrong value type": (
        {"parameters": {"policy.partner.share": ["high"]}},
        "parameters.policy.partner.share: value 'high' is invalid",
    ),
    "wrong field type": ({"replications": "many"}, "replications: Input should be a valid integer"),
    "unknown design": ({"design": "grid"}, "design.kind: must be one of"),
    "other sweep in db": (
        {"parameters": {"policy.partner.share": [0.0, 0.3]}},
        "holds sweep 'good' run with a different spec (parameters differ)",
    ),
}


def write(path: Path, spec: dict) -> Path:
    path.write_text(yaml.safe_dump(spec))
    return path


def squeeze(text: str) -> str:
    """Drop all whitespace: the console wraps long lines, even inside long paths."""
    return "".join(text.split())


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def good_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    spec = write(folder.parent / "good.yaml", GOOD)
    res = runner.invoke(
        app, ["sweep", str(spec), "--backend", "serial", "--out", str(folder / "good.duckdb")]
    )
    assert res.exit_code == 0, res.output
    assert squeeze("mean ± 95% CI per point") in squeeze(res.output)
    assert squeeze("4 ok and 0 failed") in squeeze(res.output)
    return folder / "good.duckdb"


@pytest.mark.parametrize("case", list(BAD))
def test_bad_spec_one_message_exit_2_results_untouched(tmp_path, good_db, case):
    patch, message = BAD[case]
    spec = write(tmp_path / "bad.yaml", {**GOOD, **patch})
    before = digest(good_db.parent)
    res = runner.invoke(app, ["sweep", str(spec), "--backend", "serial", "--out", str(good_db)])
    assert res.exit_code == 2, res.output
    assert squeeze(message) in squeeze(res.output), res.output
    assert res.output.count("error:") == 1 and "Traceback" not in res.output
    assert digest(good_db.parent) == before
    assert len(load_runs(good_db)) == 4


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--backend", "processes", "--scheduler", "tcp://127.0.0.1:1"],
            "--scheduler: only used with --backend dask",
        ),
        (["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "--workers"),
        (["--backend", "gpu"], "--backend"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_bad_flags_exit_2(tmp_path, good_db, flags, message):
    spec = write(tmp_path / "good.yaml", GOOD)
    before = digest(good_db.parent)
    res = runner.invoke(app, ["sweep", str(spec), "--out", str(good_db), *flags])
    assert res.exit_code == 2, res.output
    assert squeeze(message) in squeeze(res.output) and "Traceback" not in res.output
    assert digest(good_db.parent) == before


def test_missing_spec_file(tmp_path):
    res = runner.invoke(
        app, ["sweep", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "x.duckdb")]
    )
    assert res.exit_code == 2 and "spec: file" in res.output
    assert not (tmp_path / "x.duckdb").exists()


def test_rerun_resumes_and_analyze_writes_files(tmp_path, good_db):
    spec = write(tmp_path / "good.yaml", GOOD)
    res = runner.invoke(app, ["sweep", str(spec), "--backend", "serial", "--out", str(good_db)])
    assert res.exit_code == 0, res.output
    assert squeeze("ran 0 (0 failed), skipped 4") in squeeze(res.output)
    out = tmp_path / "analysis"
    res = runner.invoke(
        app,
        ["analyze", str(good_db), "--kpi", "platform_profit", "--out", str(out), "--format", "csv"],
    )
    assert res.exit_code == 0, res.output
    for name in (
        "response_platform_profit.csv",
        "response_platform_profit.png",
        "summary.csv",
        "runs.csv",
    ):
        assert (out / name).is_file(), name
    assert len(pd.read_csv(out / "runs.csv")) == 4
    summary = pd.read_csv(out / "summary.csv")
    assert {"platform_profit_mean", "platform_profit_ci95", "n_ok"} <= set(summary.columns)


def test_analyze_bad_input_exit_2(tmp_path, good_db):
    res = runner.invoke(
        app, ["analyze", str(good_db), "--kpi", "happiness", "--out", str(tmp_path)]
    )
    assert res.exit_code == 2 and squeeze("kpi: unknown KPI 'happiness'") in squeeze(res.output)
    res = runner.invoke(app, ["analyze", str(tmp_path / "missing.duckdb")])
    assert res.exit_code == 2 and "missing.duckdbnotfound" in squeeze(res.output)
    assert "Traceback" not in res.output


def test_failed_runs_exit_1(tmp_path, monkeypatch):
    spec = write(
        tmp_path / "lin.yaml",
        {
            "model": "sweep_models:noisy_linear",
            "parameters": {"a": [0.0, 1.0]},
            "seed": 1,
        },
    )
    monkeypatch.setenv("SYMBIOSIM_FAIL_ABOVE", "0.5")
    res = runner.invoke(
        app, ["sweep", str(spec), "--backend", "serial", "--out", str(tmp_path / "l.duckdb")]
    )
    assert res.exit_code == 1, res.output
    text = squeeze(res.output)
    assert squeeze("1 run(s) failed") in text and squeeze("Run the same command again") in text


@pytest.mark.slow
def test_bad_spec_in_a_real_process(tmp_path, good_db):
    spec = write(tmp_path / "bad.yaml", {**GOOD, "parameters": {"policy.partner.shar": [0.1]}})
    before = digest(good_db.parent)
    p = subprocess.run(
        [sys.executable, "-m", "sim.cli", "sweep", str(spec), "--out", str(good_db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 2
    assert p.stdout == "" and "Traceback" not in p.stderr
    assert squeeze("parameters.policy.partner.shar: unknown parameter path") in squeeze(p.stderr)
    assert digest(good_db.parent) == before
