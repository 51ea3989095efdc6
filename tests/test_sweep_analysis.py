"""Analysis: Sobol recovers the Ishigami indices, Morris ranks known effects, response tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sweep_models import ishigami, ishigami_indices, noisy_linear

from sim.batch import (
    AnalysisError,
    analyze,
    analyze_runs,
    build_plan,
    load_runs,
    load_spec,
    run_sweep,
)


def ishigami_spec(n: int) -> dict:
    return {
        "name": "ishigami",
        "model": "sweep_models:ishigami",
        "parameters": {f"x{i}": {"low": -math.pi, "high": math.pi} for i in (1, 2, 3)},
        "design": {"kind": "sobol", "samples": n},
        "seed": 1,
    }


def evaluate(spec, model) -> pd.DataFrame:
    """A runs frame shaped like load_runs(), computed in memory."""
    plan = build_plan(spec)
    rows = []
    for r in plan.runs:
        params = plan.payloads[r.point]
        rows.append(
            {
                "run_key": r.run_key,
                "point": r.point,
                "replicate": r.replicate,
                "seed": r.seed,
                "status": "ok",
                "duration": 0.0,
                "error": None,
                **params,
                **model(params, r.seed),
            }
        )
    return pd.DataFrame(rows)


def check_ishigami(table: pd.DataFrame, tol: float) -> None:
    exact = ishigami_indices()
    assert list(table.columns) == ["parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(table["parameter"]) == ["x1", "x2", "x3"]
    np.testing.assert_allclose(table["S1"], exact["S1"], atol=tol)
    np.testing.assert_allclose(table["ST"], exact["ST"], atol=tol)
    assert (table["S1_conf"] > 0).all() and (table["ST_conf"] > 0).all()


def test_sobol_recovers_ishigami_indices():
    spec = load_spec(ishigami_spec(4096))
    result = analyze_runs(spec, evaluate(spec, ishigami), "y")
    check_ishigami(result["sobol"], tol=0.02)
    # the exact values are textbook (Ishigami & Homma 1990; A=7, B=0.1)
    exact = ishigami_indices()
    assert exact["S1"][0] == pytest.approx(0.3139, abs=1e-4)
    assert exact["ST"][2] == pytest.approx(0.2437, abs=1e-4)


@pytest.mark.slow
def test_sobol_on_ishigami_through_a_sweep_database(tmp_path):
    db = tmp_path / "ishigami.duckdb"
    spec = load_spec(ishigami_spec(128))
    summary = run_sweep(spec, db, backend="serial")
    assert summary.ok == 128 * 5
    result = analyze(db, "y", out_dir=tmp_path / "out")
    check_ishigami(result["sobol"], tol=0.1)
    # exactly what the in-memory path gives for the same design
    pd.testing.assert_frame_equal(
        result["sobol"], analyze_runs(spec, evaluate(spec, ishigami), "y")["sobol"]
    )
    for name in ("sobol_y.csv", "sobol_y.png", "response_y.csv", "response_y.png"):
        assert (tmp_path / "out" / name).is_file(), name


def test_morris_ranks_known_effects():
    spec = load_spec(
        {
            "model": "sweep_models:noisy_linear",
            "parameters": {k: {"low": 0.0, "high": 1.0} for k in ("a", "b", "c")},
            "design": {"kind": "morris", "samples": 20, "levels": 4},
            "seed": 5,
        }
    )
    result = analyze_runs(spec, evaluate(spec, noisy_linear), "y")
    m = result["morris"].set_index("parameter")
    assert list(result["morris"].columns) == ["parameter", "mu_star", "mu_star_conf", "sigma", "mu"]
    # y = 1a + 2b + 3c + noise: μ* ≈ coefficient × full range, σ ≈ noise only
    np.testing.assert_allclose(m["mu_star"], [1.0, 2.0, 3.0], atol=0.15)
    assert (m["sigma"] < 0.3).all()


def test_response_table_for_a_factorial_sweep():
    spec = load_spec(
        {
            "model": "sweep_models:noisy_linear",
            "parameters": {"a": [0.0, 1.0, 2.0], "b": [10.0, 20.0]},
            "replications": 4,
            "seed": 2,
        }
    )
    result = analyze_runs(spec, evaluate(spec, noisy_linear), "y")
    assert set(result) == {"response"}
    resp = result["response"]
    a = resp[resp["parameter"] == "a"]
    assert list(a["value"]) == [0.0, 1.0, 2.0] and list(a["n"]) == [8, 8, 8]
    assert np.all(np.diff(a["mean"]) == pytest.approx(1.0, abs=0.15))
    b = resp[resp["parameter"] == "b"]
    assert b["mean"].iloc[1] - b["mean"].iloc[0] == pytest.approx(20.0, abs=0.2)
    assert (resp["ci95"] > 0).all()


def test_sobol_needs_every_point():
    spec = load_spec(ishigami_spec(16))
    runs = evaluate(spec, ishigami)
    runs.loc[runs["point"] == 3, "status"] = "failed"
    with pytest.raises(AnalysisError, match="missing or undefined .* at 1 of 80 design points"):
        analyze_runs(spec, runs, "y")
    with pytest.raises(AnalysisError, match="kpi: unknown KPI 'z' \\(available: y\\)"):
        analyze_runs(spec, evaluate(spec, ishigami), "z")


@pytest.mark.slow
def test_simulation_sobol_sweep_analyses(tmp_path):
    spec = load_spec(
        {
            "name": "simsobol",
            "base": "symbiotic_partner",
            "overrides": {"days": 40, "population.consumers": 150},
            "parameters": {
                "policy.partner.share": {"low": 0.0, "high": 0.2},
                "policy.group_buying.discount": {"low": 0.0, "high": 0.4},
            },
            "design": {"kind": "sobol", "samples": 4},
            "seed": 3,
        }
    )
    db = tmp_path / "s.duckdb"
    run_sweep(spec, db, backend="serial")
    assert len(load_runs(db)) == 4 * 4
    result = analyze(db, "platform_profit", out_dir=tmp_path / "a")
    assert list(result["sobol"]["parameter"]) == spec.names
    assert {"sobol", "response"} == set(result)
    assert (tmp_path / "a" / "sobol_platform_profit.png").is_file()
