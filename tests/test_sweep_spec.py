"""Sweep specs: validation messages, deterministic designs and seeds, run keys."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.batch import SpecError, build_design, build_plan, load_spec, run_seed

ROOT = Path(__file__).resolve().parent.parent


def tiny(**changes):
    spec = {
        "name": "tiny",
        "base": "symbiotic_partner",
        "overrides": {"days": 60, "population.consumers": 300},
        "parameters": {"policy.partner.share": [0.0, 0.1], "shocks.0.day": [20, 40]},
        "replications": 2,
        "seed": 11,
    }
    spec.update(changes)
    return spec


def test_shipped_sweeps_are_valid():
    a = build_plan(load_spec(ROOT / "sweeps" / "subsidy_vs_symbiotic.yaml"))
    assert (len(a.design), a.total) == (27, 135)
    names = set(a.spec.names)
    assert {"policy.group_buying.discount", "policy.partner.share", "shocks.0.day"} <= names
    b = build_plan(load_spec(ROOT / "sweeps" / "sensitivity.yaml"))
    assert b.spec.design.kind == "sobol"
    assert b.total == 64 * (len(b.spec.names) + 2) * b.spec.replications


@pytest.mark.parametrize(
    ("patch", "field", "words"),
    [
        (
            {"parameters": {"policy.partner.shar": [0.1]}},
            "parameters.policy.partner.shar",
            "unknown parameter path",
        ),
        (
            {"parameters": {"policy.parter.share": [0.1]}},
            "parameters.policy.parter.share",
            "allowed: cocreation",
        ),
        (
            {"parameters": {"shocks.4.day": [10]}},
            "parameters.shocks.4.day",
            "unknown parameter path",
        ),
        (
            {"parameters": {"policy.partner": [1]}},
            "parameters.policy.partner",
            "not a single parameter",
        ),
        (
            {"parameters": {"policy.partner.share": []}},
            "parameters.policy.partner.share.values",
            "empty",
        ),
        (
            {"parameters": {"policy.partner.share": {"low": 0.2, "high": 0.2, "num": 3}}},
            "parameters.policy.partner.share",
            "empty range",
        ),
        (
            {"parameters": {"policy.partner.share": ["lots"]}},
            "parameters.policy.partner.share",
            "valid number",
        ),
        (
            {"parameters": {"policy.partner.share": {"low": 0, "high": 2, "num": 2}}},
            "parameters.policy.partner.share",
            "less than or equal to 1",
        ),
        ({"parameters": {"shocks.0.day": [10.5]}}, "parameters.shocks.0.day", "integer"),
        (
            {"parameters": {"policy.partner.share": {"low": 0, "high": 0.2}}},
            "parameters.policy.partner.share",
            "needs num",
        ),
        ({"parameters": {}}, "parameters", "at least one"),
        ({"replications": "three"}, "replications", "valid integer"),
        ({"replications": 0}, "replications", "greater than or equal to 1"),
        ({"design": "grid"}, "design.kind", "'factorial', 'lhs', 'sobol' or 'morris'"),
        ({"design": {"kind": "sobol", "samples": 100}}, "design.samples", "power of 2"),
        ({"design": {"kind": "lhs"}}, "design.samples", "required"),
        ({"replicates": 3}, "replicates", "unknown field (allowed: name"),
        ({"base": "no_such_scenario"}, "base", "not found"),
        ({"overrides": {"days": 0}}, "overrides", "days"),
        ({"model": "no_such_pkg.mod:fn", "base": None}, "model", "not a registered model"),
        (
            {"record": {"daily": True, "daily_columns": ["activ"]}},
            "record.daily_columns",
            "allowed: day, active",
        ),
    ],
)
def test_bad_spec_names_the_field(patch, field, words):
    with pytest.raises(SpecError) as err:
        load_spec(tiny(**patch))
    msg = str(err.value)
    assert msg.startswith(f"{field}:") or f"{field}:" in msg, msg
    assert words in msg, msg
    assert "\n" not in msg


def test_bad_yaml_file(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("parameters: [unclosed\n")
    with pytest.raises(SpecError, match=r"^spec: s.yaml line \d+ is not valid YAML"):
        load_spec(p)
    with pytest.raises(SpecError, match="not found"):
        load_spec(tmp_path / "missing.yaml")


def test_spec_file_base_is_relative_to_the_spec(tmp_path):
    (tmp_path / "mine.yaml").write_text("name: mine\ndays: 30\npopulation: {consumers: 200}\n")
    (tmp_path / "sweep.yaml").write_text(
        "base: mine.yaml\nparameters:\n  policy.partner.share: [0.0, 0.2]\n"
    )
    spec = load_spec(tmp_path / "sweep.yaml")
    assert spec.name == "sweep"  # from the file name
    assert spec.base_scenario().days == 30
    assert spec.to_record()["base"]["population"]["consumers"] == 200


def test_factorial_levels_and_types():
    spec = load_spec(
        tiny(
            parameters={
                "policy.partner.share": {"low": 0.0, "high": 0.2, "num": 3},
                "shocks.0.day": {"low": 30, "high": 90, "step": 30},
                "policy.partner.enabled": [False, True],
                "network.kind": ["sbm", "small_world"],
            }
        )
    )
    d = build_design(spec)
    assert len(d) == 3 * 3 * 2 * 2
    assert sorted({p["policy.partner.share"] for p in d.points}) == [0.0, 0.1, 0.2]
    assert sorted({p["shocks.0.day"] for p in d.points}) == [30, 60, 90]
    assert all(isinstance(p["shocks.0.day"], int) for p in d.points)


@pytest.mark.parametrize("kind", ["lhs", "sobol", "morris"])
def test_sampled_designs_are_deterministic_and_in_range(kind):
    params = {
        "policy.partner.share": {"low": 0.0, "high": 0.2},
        "platform.word_of_mouth_rate": {"low": 0.01, "high": 0.1, "log": True},
        "policy.group_buying.end_day": {"low": 30, "high": 120, "integer": True},
        "policy.leaders.operator_mode": [False, True],
    }
    spec = load_spec(tiny(parameters=params, design={"kind": kind, "samples": 8}))
    a, b = build_design(spec), build_design(spec)
    assert a.points == b.points and np.array_equal(a.unit, b.unit)
    expected = {"lhs": 8, "sobol": 8 * (4 + 2), "morris": 8 * (4 + 1)}[kind]
    assert len(a) == expected
    for p in a.points:
        assert 0.0 <= p["policy.partner.share"] <= 0.2
        assert 0.01 <= p["platform.word_of_mouth_rate"] <= 0.1 + 1e-12
        assert isinstance(p["policy.group_buying.end_day"], int)
        assert 30 <= p["policy.group_buying.end_day"] <= 120
        assert p["policy.leaders.operator_mode"] in (False, True)
    other = build_design(
        load_spec(tiny(parameters=params, design={"kind": kind, "samples": 8}, seed=12))
    )
    assert other.points != a.points  # the root seed drives the sampling


def test_run_seeds_come_from_the_root_seed_sequence():
    root = 2024
    children = np.random.SeedSequence(root).spawn(3)
    for r, child in enumerate(children):
        expected = int(child.generate_state(1, np.uint32)[0])
        assert run_seed(root, 0, r, common=True) == expected
        assert run_seed(root, 5, r, common=True) == expected  # common random numbers
    assert run_seed(root, 0, 0, common=False) != run_seed(root, 1, 0, common=False)
    assert len({run_seed(root, p, r, False) for p in range(20) for r in range(20)}) == 400


def test_run_key_is_the_resolved_scenario_hash():
    spec = load_spec(tiny())
    plan = build_plan(spec)
    assert plan.total == 4 * 2
    for run in plan.runs:
        sc = spec.base_scenario().with_overrides(plan.design.points[run.point])
        assert run.run_key == sc.key(run.seed)
    assert len({r.run_key for r in plan.runs}) == plan.total
    assert build_plan(load_spec(tiny())).runs == plan.runs


def test_plan_hash_ignores_replications_but_not_parameters():
    a = load_spec(tiny())
    assert a.plan_hash() == load_spec(tiny(replications=5, description="x")).plan_hash()
    assert a.plan_hash() != load_spec(tiny(seed=12)).plan_hash()
    changed = tiny(parameters={"policy.partner.share": [0.0, 0.2], "shocks.0.day": [20, 40]})
    assert a.plan_hash() != load_spec(changed).plan_hash()


def test_test_models_resolve_in_a_fresh_interpreter():
    """A sweep worker started afresh (spawn, a Dask worker, `python -m sim.cli sweep`)
    finds the plug-in models that live under tests/ (see tests/conftest.py)."""
    code = "from sim.batch.models import load_model; print(load_model('sweep_models:ishigami'))"
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "function ishigami" in p.stdout, p.stderr


def test_plugin_model_spec():
    spec = load_spec(
        {
            "model": "sweep_models:ishigami",
            "parameters": {f"x{i}": {"low": -math.pi, "high": math.pi} for i in (1, 2, 3)},
            "design": {"kind": "sobol", "samples": 4},
        }
    )
    plan = build_plan(spec)
    assert plan.total == 4 * 5
    assert set(plan.payloads[0]) == {"x1", "x2", "x3"}
    with pytest.raises(SpecError, match="^base: only used with model 'symbiosim'"):
        load_spec(
            {
                "model": "sweep_models:ishigami",
                "base": "baseline",
                "parameters": {"x1": [1]},
            }
        )
