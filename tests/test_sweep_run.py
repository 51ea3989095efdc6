"""Running sweeps: storage contract, resume without duplicates, failures recorded and retried."""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pandas as pd
import pytest

from sim.batch import (
    StorageError,
    build_plan,
    export,
    load_daily,
    load_runs,
    load_spec,
    read_sweep,
    run_sweep,
)
from sim.compare import mean_ci

CONTRACT = ["run_key", "point", "replicate", "seed", "status", "duration", "error"]


def tiny(**changes):
    spec = {
        "name": "tiny",
        "base": "symbiotic_partner",
        "overrides": {"days": 45, "population.consumers": 300},
        "parameters": {"policy.partner.share": [0.0, 0.1], "shocks.0.day": [15, 30]},
        "replications": 2,
        "seed": 5,
    }
    spec.update(changes)
    return spec


def linear(**changes):
    spec = {
        "name": "lin",
        "model": "sweep_models:noisy_linear",
        "parameters": {"a": [0.0, 0.25, 0.5, 0.75, 1.0], "b": [1.0, 2.0]},
        "replications": 3,
        "seed": 3,
    }
    spec.update(changes)
    return spec


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("sweep") / "tiny.duckdb"
    calls = []
    summary = run_sweep(
        load_spec(tiny()), db, backend="serial", progress=lambda d, t: calls.append((d, t))
    )
    return db, summary, calls


def test_load_runs_contract(tiny_db):
    db, summary, calls = tiny_db
    runs = load_runs(db)
    assert list(runs.columns[:7]) == CONTRACT
    assert list(runs.columns[7:9]) == ["policy.partner.share", "shocks.0.day"]
    kpis = list(runs.columns[9:])
    assert {"d30_retention", "platform_profit", "final_active", "ltv_cac"} <= set(kpis)
    assert len(runs) == 8 and (runs["status"] == "ok").all() and runs["error"].isna().all()
    assert runs[["point", "replicate"]].drop_duplicates().shape[0] == 8
    assert (runs["duration"] > 0).all()
    assert runs["d90_retention"].isna().all()  # undefined in a 45-day run: NaN, not 0
    # the per-point summary is mean ± CI from sim.compare.mean_ci
    assert summary.total == 8 and summary.ran == 8 and summary.ok == 8 and summary.failed == 0
    pts = summary.points
    assert list(pts["point"]) == [0, 1, 2, 3]
    for p in range(4):
        m, c = mean_ci(runs.loc[runs["point"] == p, "platform_profit"])
        row = pts[pts["point"] == p].iloc[0]
        assert row["platform_profit_mean"] == pytest.approx(m)
        assert row["platform_profit_ci95"] == pytest.approx(c)
    # progress(done, total) as runs finish
    assert calls[0] == (0, 8) and calls[-1] == (8, 8)
    assert [d for d, _ in calls] == list(range(9))


def test_kpis_match_a_direct_run(tiny_db):
    import sim

    db, _, _ = tiny_db
    runs = load_runs(db)
    row = runs.iloc[5]
    point = {
        "policy.partner.share": row["policy.partner.share"],
        "shocks.0.day": int(row["shocks.0.day"]),
    }
    spec = load_spec(tiny())
    sc = spec.base_scenario().with_overrides(point)
    direct = sim.run(sc, seed=int(row["seed"]), keep_model=False)
    assert sc.key(int(row["seed"])) == row["run_key"]
    for k, v in direct.kpis.items():
        assert (np.isnan(v) and np.isnan(row[k])) or row[k] == pytest.approx(v, rel=1e-12), k


def test_metadata_table_holds_the_spec(tiny_db):
    db, _, _ = tiny_db
    meta = read_sweep(db)
    assert meta["name"] == "tiny" and meta["design"] == "factorial"
    assert meta["parameters"] == ["policy.partner.share", "shocks.0.day"]
    assert meta["total_runs"] == 8
    assert meta["spec"]["base"]["population"]["consumers"] == 300  # self-contained
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM sweep").fetchone()[0] == 1


def test_rerun_skips_finished_runs_and_changes_nothing(tmp_path):
    db = tmp_path / "r.duckdb"
    spec = load_spec(linear())
    first = run_sweep(spec, db, backend="serial")
    before = load_runs(db)
    again = run_sweep(spec, db, backend="serial")
    assert (again.skipped, again.ran) == (first.total, 0)
    pd.testing.assert_frame_equal(load_runs(db), before)


def test_failed_runs_are_recorded_then_retried(tmp_path, monkeypatch):
    db = tmp_path / "f.duckdb"
    spec = load_spec(linear())
    monkeypatch.setenv("SYMBIOSIM_FAIL_ABOVE", "0.6")  # a in {0.75, 1.0} raises
    first = run_sweep(spec, db, backend="serial")
    runs = load_runs(db)
    bad = runs["a"] > 0.6
    assert first.total == 30 and first.ran == 30  # the sweep went on past failures
    assert (runs.loc[bad, "status"] == "failed").all() and bad.sum() == 12
    assert runs.loc[bad, "error"].str.contains("RuntimeError: deliberate failure").all()
    assert runs.loc[bad, "y"].isna().all()
    assert (runs.loc[~bad, "status"] == "ok").all()
    with duckdb.connect(str(db), read_only=True) as con:
        finished_at = dict(con.execute("SELECT run_key, finished_at FROM runs").fetchall())

    monkeypatch.delenv("SYMBIOSIM_FAIL_ABOVE")
    second = run_sweep(spec, db, backend="serial")
    assert (second.skipped, second.ran, second.failed) == (18, 12, 0)
    after = load_runs(db)
    assert len(after) == 30 and (after["status"] == "ok").all()
    assert after[["point", "replicate"]].duplicated().sum() == 0
    pd.testing.assert_frame_equal(after[~bad], runs[~bad])  # finished runs untouched
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT run_key, attempts, finished_at FROM runs").fetchall()
    for key, attempts, at in rows:
        retried = key in set(runs.loc[bad, "run_key"])
        assert attempts == (2 if retried else 1)
        assert (at != finished_at[key]) == retried


def test_a_failing_simulation_run_is_recorded(tmp_path):
    spec = load_spec(
        tiny(
            overrides={
                "days": 20,
                "population.consumers": 100,
                "network.path": str(tmp_path / "none.csv"),
            },
            parameters={"network.kind": ["sbm", "file"]},
            replications=1,
        )
    )
    summary = run_sweep(spec, tmp_path / "s.duckdb", backend="serial")
    runs = load_runs(tmp_path / "s.duckdb").set_index("network.kind")
    assert runs.loc["sbm", "status"] == "ok"
    assert runs.loc["file", "status"] == "failed"
    assert "NetworkError" in runs.loc["file", "error"] and "none.csv" in runs.loc["file", "error"]
    assert summary.failed == 1 and summary.ok == 1


def test_identical_design_points_run_once(tmp_path):
    spec = load_spec(linear(parameters={"a": [0.5, 0.5], "b": [1.0]}, replications=2))
    plan = build_plan(spec)
    assert plan.runs[0].run_key == plan.runs[2].run_key  # same params, same seed (CRN)
    calls = []
    summary = run_sweep(
        spec, tmp_path / "d.duckdb", backend="serial", progress=lambda d, t: calls.append(t)
    )
    assert calls[-1] == 2 and summary.ran == 4
    runs = load_runs(tmp_path / "d.duckdb")
    assert len(runs) == 4 and runs.groupby("replicate")["y"].nunique().eq(1).all()


def test_more_replications_extend_a_finished_sweep(tmp_path):
    db = tmp_path / "x.duckdb"
    run_sweep(load_spec(linear(replications=1)), db, backend="serial")
    first = load_runs(db)
    more = run_sweep(load_spec(linear(replications=3)), db, backend="serial")
    assert (more.skipped, more.ran, more.total) == (10, 20, 30)
    runs = load_runs(db)
    pd.testing.assert_frame_equal(runs[runs["replicate"] == 0].reset_index(drop=True), first)
    assert read_sweep(db)["total_runs"] == 30


def test_a_database_of_another_sweep_is_refused_untouched(tmp_path):
    db = tmp_path / "x.duckdb"
    run_sweep(load_spec(linear()), db, backend="serial")
    before = digest(db)
    with pytest.raises(StorageError, match="different spec .*parameters"):
        run_sweep(load_spec(linear(parameters={"a": [0.0, 2.0]})), db, backend="serial")
    other = tmp_path / "other.duckdb"
    with duckdb.connect(str(other)) as con:
        con.execute("CREATE TABLE t (x INT)")
    with pytest.raises(StorageError, match="not a symbiosim sweep"):
        run_sweep(load_spec(linear()), other, backend="serial")
    assert digest(db) == before


def test_daily_series_and_export(tmp_path):
    db = tmp_path / "d.duckdb"
    spec = load_spec(
        tiny(
            overrides={"days": 30, "population.consumers": 200},
            parameters={"policy.partner.share": [0.0, 0.1]},
            replications=1,
            record={"daily": True, "daily_columns": ["active", "gmv"]},
        )
    )
    run_sweep(spec, db, backend="serial")
    daily = load_daily(db)
    assert list(daily.columns) == ["run_key", "day", "active", "gmv"]
    assert len(daily) == 2 * 30
    runs = load_runs(db)
    last = daily[daily["day"] == 29].set_index("run_key")["active"]
    assert (last.loc[runs["run_key"]].to_numpy() == runs["final_active"].to_numpy()).all()
    files = export(db, tmp_path / "out", "parquet")
    assert {p.name for p in files} == {"runs.parquet", "daily.parquet"}
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "runs.parquet"), runs)
    export(db, tmp_path / "csv", "csv")
    assert len(pd.read_csv(tmp_path / "csv" / "runs.csv")) == 2
    assert len(load_daily(db, runs["run_key"][:1])) == 30


def test_load_runs_errors_are_clear(tmp_path):
    with pytest.raises(StorageError, match="not found"):
        load_runs(tmp_path / "missing.duckdb")
    (tmp_path / "junk.duckdb").write_text("not a database")
    with pytest.raises(StorageError, match="is not a DuckDB database"):
        load_runs(tmp_path / "junk.duckdb")


def test_integers_beyond_64_bits_are_stored_exactly(tmp_path):
    # found by tests/test_properties.py: a float field given 2**63 ran, then its row
    # could not be written (DuckDB binds it as UINT64 and a BIGINT column refused it)
    big = {"a": [2**63, -(2**63) - 1], "b": [10**40]}
    db = tmp_path / "big.duckdb"
    summary = run_sweep(load_spec(linear(parameters=big, replications=1)), db, backend="serial")
    assert summary.ok == 2
    with duckdb.connect(str(db), read_only=True) as con:
        types = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE runs)").fetchall())
        stored = con.execute("SELECT a, b FROM runs ORDER BY point").fetchall()
    assert (types["a"], types["b"]) == ("HUGEINT", "VARCHAR")
    assert stored == [(2**63, str(10**40)), (-(2**63) - 1, str(10**40))]


def test_a_scenario_float_given_a_huge_integer_is_run_and_stored(tmp_path):
    spec = {
        "name": "prop",
        "base": "baseline",
        "overrides": {"days": 3, "population.consumers": 30},
        "parameters": {"dropout.experience_weight": [2**63]},
        "replications": 1,
    }
    db = tmp_path / "prop.duckdb"
    assert run_sweep(load_spec(spec), db, backend="serial").ok == 1
    assert load_runs(db)["status"].tolist() == ["ok"]
