"""The command line under hostile input: every class of issue 12 ends in exit status 2 and
one line naming the field, flag or file, before any work, with no file left behind."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()
TINY = ["--days", "5", "--consumers", "40"]
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{chr(ord(c) - 1)}'] * 10)}]\n" for c in "bcdefghi"
)


def refused(res, needle: str) -> str:
    """Exit 2, one line on stderr naming the thing, no traceback; returns the line."""
    assert res.exit_code == 2, (res.exit_code, res.output)
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.output
    line = lines[0]
    assert line.startswith("error: ") and needle in line, line
    return line


def files_under(p: Path) -> list[Path]:
    return sorted(p.rglob("*")) if p.exists() else []


# --------------------------------------------------------------------------- unbounded parsing
def test_alias_bombs_and_deep_nesting_are_refused_fast(tmp_path):
    (tmp_path / "bomb.yaml").write_text(BOMB)
    (tmp_path / "deep.yaml").write_text("population: " + "[" * 5000 + "]" * 5000)
    t0 = time.perf_counter()
    refused(runner.invoke(app, ["validate", str(tmp_path / "bomb.yaml")]), "bomb.yaml line")
    refused(runner.invoke(app, ["run", str(tmp_path / "deep.yaml")]), "nested deeper than 40")
    line = refused(
        runner.invoke(app, ["run", "baseline", "--set", "description=" + "[" * 5000]),
        "--set description",
    )
    assert "nested deeper" in line
    bomb_set = "{" + BOMB.replace("\n", ", ").rstrip(", ") + "}"
    refused(runner.invoke(app, ["run", "baseline", "--set", f"description={bomb_set}"]), "aliases")
    assert time.perf_counter() - t0 < 30  # a bomb used to run for minutes


# --------------------------------------------------------------------------- meaningless values
def test_empty_scenarios_and_non_finite_values(tmp_path):
    (tmp_path / "empty.yaml").write_text("")
    (tmp_path / "map.yaml").write_text("{}\n")
    refused(runner.invoke(app, ["run", str(tmp_path / "empty.yaml")]), "empty.yaml is empty")
    refused(runner.invoke(app, ["validate", str(tmp_path / "map.yaml")]), "map.yaml is empty")
    for path, value in (
        ("network.mean_degree", ".inf"),
        ("brands.list_price", ".inf"),
        ("platform.outside_utility", "-.inf"),
        ("behaviour.trust_weight", ".nan"),
    ):
        refused(runner.invoke(app, ["run", "baseline", "--set", f"{path}={value}"]), path)


def test_a_later_set_cannot_hide_an_earlier_invalid_one(tmp_path):
    res = runner.invoke(
        app,
        ["run", "baseline", *TINY, "--set", "days=-1", "--set", "days=10", "--out", str(tmp_path)],
    )
    refused(res, "--set days: given twice")


def test_validate_checks_the_graph_file(tmp_path):
    sc = tmp_path / "g.yaml"
    sc.write_text(f"name: g\nnetwork: {{kind: file, path: {tmp_path / 'nope.csv'}}}\n")
    refused(runner.invoke(app, ["validate", str(sc)]), "network.path: file not found")
    (tmp_path / "ring.csv").write_text("".join(f"{i},{(i + 1) % 30}\n" for i in range(30)))
    sc.write_text(f"name: g\nnetwork: {{kind: file, path: {tmp_path / 'ring.csv'}}}\n")
    refused(runner.invoke(app, ["validate", str(sc)]), "the file has 30 nodes")
    sc.write_text(
        f"name: g\npopulation: {{consumers: 30}}\nnetwork: {{kind: file, path: {tmp_path / 'ring.csv'}}}\n"
    )
    assert runner.invoke(app, ["validate", str(sc)]).exit_code == 0


# --------------------------------------------------------------------------- resources
def test_consumers_at_the_schema_maximum_are_refused_up_front(tmp_path, monkeypatch, no_model):
    monkeypatch.setenv("SYMBIOSIM_MAX_MEMORY", "8GB")
    t0 = time.perf_counter()
    for cmd in (
        ["run", "baseline"],
        ["compare", "baseline", "symbiotic_partner", "--seeds", "1"],
        ["calibrate", "baseline", "--data", str(tmp_path / "x.csv"), "--param", "days=1:2"],
        ["patterns", "baseline", "--seeds", "1"],
    ):
        size = ["--set", "population.consumers=20000000"] if cmd[0] == "patterns" else []
        size = size or ["--consumers", "20000000"]
        res = runner.invoke(app, [*cmd, *size, "--out", str(tmp_path / "o")])
        line = refused(res, "population.consumers: 20,000,000 consumers")
        assert "above the memory limit of 8.0 GB" in line and "--max-memory" in line
    assert time.perf_counter() - t0 < 30 and not (tmp_path / "o").exists()


def test_max_memory_flag_lowers_and_raises_the_limit(tmp_path, monkeypatch):
    monkeypatch.delenv("SYMBIOSIM_MAX_MEMORY", raising=False)
    res = runner.invoke(
        app, ["run", "baseline", *TINY, "--max-memory", "1kB", "--out", str(tmp_path / "a")]
    )
    refused(res, "above the memory limit of 1.0 kB")
    monkeypatch.setenv("SYMBIOSIM_MAX_MEMORY", "1kB")
    res = runner.invoke(
        app, ["run", "baseline", *TINY, "--max-memory", "1GB", "--out", str(tmp_path / "b")]
    )
    assert res.exit_code == 0, res.output
    assert os.environ["SYMBIOSIM_MAX_MEMORY"] == "1kB"  # the flag lasts one command
    refused(
        runner.invoke(app, ["run", "baseline", "--max-memory", "lots"]), "--max-memory: must be"
    )


def test_more_jobs_than_fit_are_refused_naming_jobs(tmp_path, monkeypatch, no_model):
    """Each --jobs worker is a process of its own (sim.limits.WORKER_PROCESS_BYTES) besides
    the run it holds; a pool started by fork starts all of them at once."""
    monkeypatch.setenv("SYMBIOSIM_MAX_MEMORY", "2GB")
    (tmp_path / "obs.csv").write_text("day,value\n1,0.0\n2,0.01\n")
    calibrate = ["calibrate", "baseline", "--data", str(tmp_path / "obs.csv"), *TINY]
    calibrate += ["--param", "policy.partner.share=0:0.1", "--max-evals", "30"]
    for cmd, workers in (
        ([*calibrate, "--seeds", "3", "--jobs", "64"], 64),
        (["patterns", "--seeds", "3", "--jobs", "64"], 15),  # 5 scenarios x 3 seeds
    ):
        line = refused(runner.invoke(app, cmd), f"{workers:,} worker processes × 250.0 MB")
        assert f"fewer --jobs ({workers:,} now)" in line and "--max-memory" in line


def test_jobs_beyond_the_runs_start_no_idle_workers():
    """A calibration never starts more workers than it could have runs at once."""
    from sim.calibration import pool_size

    assert pool_size(256, 10, 1) == 10
    assert pool_size(4, 48, 3) == 4
    assert pool_size(1, 1, 1) == 1


def write_spec(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "spec.yaml"
    p.write_text(text)
    return p


def test_a_ten_million_run_sweep_is_refused_before_allocating(tmp_path):
    for body in (
        "parameters:\n  policy.partner.share: {low: 0, high: 0.2, num: 100000}\n"
        "  policy.partner.referral_rate: {low: 0, high: 0.2, num: 100}\n",
        "parameters:\n  policy.partner.share: [0.1, 0.2]\nreplications: 100000\n",
        "parameters:\n  policy.partner.share: {low: 0, high: 0.2}\n"
        "design: {kind: lhs, samples: 10000000}\n",
    ):
        spec = write_spec(tmp_path, "name: big\nbase: baseline\n" + body.rstrip() + "\n")
        t0 = time.perf_counter()
        res = runner.invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "big.duckdb")])
        line = refused(res, "more than the sweep limit of 100,000 runs")
        assert "--max-runs" in line and time.perf_counter() - t0 < 30  # not minutes
    assert not (tmp_path / "big.duckdb").exists()


def test_max_runs_flag(tmp_path):
    spec = write_spec(
        tmp_path,
        "name: few\nbase: baseline\noverrides: {days: 3, population.consumers: 30}\n"
        "parameters:\n  policy.partner.share: [0.0, 0.1, 0.2]\n",
    )
    db = tmp_path / "few.duckdb"
    res = runner.invoke(
        app, ["sweep", str(spec), "--backend", "serial", "--max-runs", "2", "--out", str(db)]
    )
    refused(res, "3 runs")
    assert not db.exists()
    res = runner.invoke(
        app, ["sweep", str(spec), "--backend", "serial", "--max-runs", "3", "--out", str(db)]
    )
    assert res.exit_code == 0, res.output


# --------------------------------------------------------------------------- output paths
@pytest.fixture
def no_model(monkeypatch):
    """Building a model fails the test: a refusal must come before any run."""
    import sim.api
    import sim.model

    def built(*_a, **_k):
        raise AssertionError("a model was built before the refusal")

    monkeypatch.setattr(sim.model, "SocialCommerceModel", built)
    monkeypatch.setattr(sim.api, "SocialCommerceModel", built)


@pytest.mark.parametrize("target", ["/dev/null", "/proc", "/proc/self/x", "FILE"])
def test_out_that_is_not_a_folder(tmp_path, target, no_model):
    if target == "FILE":
        target = str(tmp_path / "file.txt")
        Path(target).write_text("x")
    cmds = [
        ["run", "baseline", *TINY],
        ["compare", "baseline", "symbiotic_partner", "--seeds", "1", *TINY],
        [
            "calibrate",
            "baseline",
            "--data",
            str(tmp_path / "obs.csv"),
            "--param",
            "policy.partner.share=0:0.1",
            *TINY,
        ],
        ["patterns", "baseline", "--seeds", "1"],
    ]
    (tmp_path / "obs.csv").write_text("day,value\n1,0.0\n2,0.01\n")
    for cmd in cmds:
        refused(runner.invoke(app, [*cmd, "--out", target]), "--out: ")


def test_analyze_out_and_sweep_log(tmp_path, sweep_db):
    f = tmp_path / "file.txt"
    f.write_text("x")
    refused(runner.invoke(app, ["analyze", str(sweep_db), "--out", str(f)]), "--out: ")
    refused(runner.invoke(app, ["analyze", str(sweep_db), "--out", "/proc/x"]), "system folder")
    spec = sweep_db.with_suffix(".yaml")
    before = files_under(tmp_path)
    refused(
        runner.invoke(
            app, ["sweep", str(spec), "--out", str(tmp_path / "n.duckdb"), "--log", str(tmp_path)]
        ),
        "--log: ",
    )
    refused(runner.invoke(app, ["sweep", str(spec), "--out", str(tmp_path)]), "is a folder")
    refused(runner.invoke(app, ["sweep", str(spec), "--out", "/dev/null"]), "system folder")
    assert files_under(tmp_path) == before  # no empty results file left behind


@pytest.fixture
def sweep_db(tmp_path) -> Path:
    spec = write_spec(
        tmp_path,
        "name: tiny\nbase: baseline\noverrides: {days: 3, population.consumers: 30}\n"
        "parameters:\n  policy.partner.share: [0.0, 0.1]\n",
    )
    db = spec.with_suffix(".duckdb")
    assert (
        runner.invoke(app, ["sweep", str(spec), "--backend", "serial", "--out", str(db)]).exit_code
        == 0
    )
    return db


def test_scenario_names_cannot_escape_results(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sc = tmp_path / "evil.yaml"
    sc.write_text("name: ../../escaped\nbase: baseline\n")
    res = runner.invoke(app, ["run", str(sc), *TINY])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "results" / "escaped-seed0" / "kpis.json").is_file()
    assert not (tmp_path.parent / "escaped-seed0").exists()
    assert [p.name for p in (tmp_path / "results").iterdir()] == ["escaped-seed0"]


# --------------------------------------------------------------------------- messages
def test_unknown_shock_lists_the_shipped_shocks():
    line = refused(runner.invoke(app, ["run", "baseline", "--shock", "meteor"]), "--shock meteor")
    for name in ("subsidy_end", "competitor_entry", "downturn", "quality_scandal", "leader_exodus"):
        assert name in line


def test_a_shock_file_without_shocks_is_refused(tmp_path):
    f = tmp_path / "noshock.yaml"
    f.write_text("name: x\ndays: 10\n")
    refused(runner.invoke(app, ["run", "baseline", "--shock", str(f)]), "holds no shocks")


def test_a_base_that_is_not_a_scenario_is_named(tmp_path):
    (tmp_path / "spec.yaml").write_text("parameters: {days: [3]}\n")
    (tmp_path / "s.yaml").write_text("name: s\nbase: spec.yaml\n")
    line = refused(runner.invoke(app, ["validate", str(tmp_path / "s.yaml")]), "base: spec.yaml")
    assert re.search(r"not a scenario file \(unknown fields: parameters", line)
