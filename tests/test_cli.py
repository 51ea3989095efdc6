"""The command line: outputs, exit codes, messages without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()


def test_run_writes_outputs(tmp_path):
    out = tmp_path / "r"
    res = runner.invoke(
        app,
        [
            "run",
            "symbiotic_partner",
            "--seed",
            "3",
            "--days",
            "60",
            "--consumers",
            "400",
            "--set",
            "policy.partner.share=0.1",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    for f in (
        "daily.parquet",
        "kpis.json",
        "provenance.json",
        "consumers.parquet",
        "cohorts.parquet",
        "retention.parquet",
        "ledger.parquet",
        "active.png",
        "retention.png",
        "cohorts.png",
        "money.png",
        "scenario.yaml",
    ):
        assert (out / f).is_file(), f
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["seed"] == 3 and prov["scenario"]["policy"]["partner"]["share"] == 0.1
    assert prov["version"]
    daily = pd.read_parquet(out / "daily.parquet")
    assert len(daily) == 60 and "active" in daily
    assert len(pd.read_parquet(out / "consumers.parquet")) == 400


def test_run_with_added_shock(tmp_path):
    res = runner.invoke(
        app,
        [
            "run",
            "baseline",
            "--days",
            "250",
            "--consumers",
            "300",
            "--shock",
            "competitor_entry",
            "--out",
            str(tmp_path / "s"),
        ],
    )
    assert res.exit_code == 0, res.output
    kpis = json.loads((tmp_path / "s" / "kpis.json").read_text())
    assert "resilience_competitor_entry_0" in kpis


def test_compare_prints_table_and_writes_report(tmp_path):
    res = runner.invoke(
        app,
        [
            "compare",
            "baseline",
            "symbiotic_partner",
            "--seeds",
            "2",
            "--days",
            "60",
            "--consumers",
            "300",
            "--out",
            str(tmp_path / "c"),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "D30 retention" in res.output and "±" in res.output
    assert (tmp_path / "c" / "report.md").is_file()
    assert (tmp_path / "c" / "comparison_active.png").is_file()
    assert len(pd.read_csv(tmp_path / "c" / "kpis_by_seed.csv")) == 4


def test_scenarios_lists_shipped():
    res = runner.invoke(app, ["scenarios"])
    assert res.exit_code == 0
    for name in ("baseline", "subsidy_group_buying", "symbiotic_partner", "hybrid"):
        assert name in res.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "nope.yaml"], "not found"),
        (["run", "baseline", "--set", "policy.partner.share=7"], "policy.partner.share"),
        (["run", "baseline", "--set", "policy.partnr.share=0.1"], "policy.partnr"),
        (["run", "baseline", "--set", "oops"], "--set"),
        (["run", "baseline", "--shock", "meteor"], "no such shock"),
        (["validate", "nope.yaml"], "not found"),
    ],
)
def test_bad_input_exits_2_with_one_message(args, needle):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert needle in res.output
    assert "Traceback" not in res.output


def test_bad_flag_in_a_real_process_has_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("days: -1\n")
    for args in (["validate", str(bad)], ["run", "baseline", "--days", "0"], ["run", "--bogus"]):
        p = subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True)
        assert p.returncode == 2, (args, p.stderr)
        assert "Traceback" not in p.stderr + p.stdout


def test_validate_ok(tmp_path):
    res = runner.invoke(app, ["validate", "hybrid"])
    assert res.exit_code == 0 and "valid" in res.output


def test_patterns_prints_the_scorecard_and_writes_each_seed(tmp_path):
    res = runner.invoke(
        app,
        [
            "patterns",
            "baseline",
            "--seeds",
            "2",
            "--set",
            "population.consumers=1500",
            "--set",
            "population.initial_aware=0.05",
            "--set",
            "days=500",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "targets pass" in " ".join(res.output.split())  # the table, then its verdict
    table = pd.read_csv(tmp_path / "scorecard.csv")
    assert set(table["scenario"]) == {"baseline"}
    assert {"one_time_buyers", "recency_effect"} <= set(table["pattern"])
    assert table["per_seed"].str.split().map(len).eq(2).all()  # one value per seed
    assert (tmp_path / "scorecard.md").read_text().startswith("| pattern |")


def test_patterns_refuses_an_unknown_scenario():
    res = runner.invoke(app, ["patterns", "no_such_scenario"])
    assert res.exit_code == 2
    assert "SCENARIO: no_such_scenario is not a shipped scenario" in res.output
