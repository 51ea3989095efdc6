"""Limits checked before work: a run's memory estimate before its population and network are
built, a sweep's size from its spec before any design is allocated."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from sim.batch import SpecError, build_design, build_plan, load_spec, run_sweep
from sim.limits import (
    LIMITS,
    MAX_MEMORY,
    WORKER_PROCESS_BYTES,
    LimitError,
    LimitExceeded,
    check_memory,
    check_sweep_size,
    design_points,
    estimate_memory,
    format_bytes,
    markdown_table,
    parse_amount,
    sweep_runs,
)
from sim.scenario import Scenario, ScenarioError


def test_parse_amount():
    assert parse_amount("4GB", "x", "bytes") == 4 * 10**9
    assert parse_amount("512 mb", "x", "bytes") == 512 * 10**6
    assert parse_amount("1.5G", "x", "bytes") == 1_500_000_000
    assert parse_amount("2GiB", "x", "bytes") == 2 * 1024**3
    assert parse_amount("1000", "x") == 1000
    for bad, unit in (("lots", "bytes"), ("-1", "count"), ("0", "count"), ("10GB", "count")):
        with pytest.raises(LimitError, match="^x: must be"):
            parse_amount(bad, "x", unit)


def test_limit_values_come_from_flag_then_environment_then_default(monkeypatch):
    monkeypatch.delenv("SYMBIOSIM_MAX_MEMORY", raising=False)
    assert MAX_MEMORY.value() == MAX_MEMORY.default
    monkeypatch.setenv("SYMBIOSIM_MAX_MEMORY", "3GB")
    assert MAX_MEMORY.value() == 3 * 10**9
    assert MAX_MEMORY.value("1GB") == 10**9
    monkeypatch.setenv("SYMBIOSIM_MAX_MEMORY", "a lot")
    with pytest.raises(LimitError, match="SYMBIOSIM_MAX_MEMORY: must be a size"):
        MAX_MEMORY.value()


def test_every_limit_is_documented():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "limits.md").read_text("utf-8")
    assert (
        markdown_table() in doc
    )  # regenerate with: python -c "import sim.limits as l; print(l.markdown_table())"
    assert len(LIMITS) == len({lim.name for lim in LIMITS}) == markdown_table().count("\n") - 2


# --------------------------------------------------------------------------- memory
def test_estimate_grows_with_consumers_days_and_edges():
    base = Scenario().with_overrides({"days": 365})
    small = estimate_memory(base)
    assert estimate_memory(base.with_overrides({"population.consumers": 50_000})) > 9 * small
    assert estimate_memory(base.with_overrides({"days": 730})) > 1.5 * small  # the log grows
    dense = base.with_overrides({"network.mean_degree": 1000.0})
    extra_edges = 5000 * (1000 - 12) / 2
    # at least the CSR arrays of the extra edges: an int32 index in each direction
    assert estimate_memory(dense) - small >= 8 * extra_edges
    # a complete graph above 5,000 nodes is implicit (no edge arrays); below, 8M edges
    implicit = base.with_overrides({"network.kind": "complete", "population.consumers": 6000})
    explicit = implicit.with_overrides({"population.consumers": 4000})
    assert estimate_memory(explicit) > 4 * estimate_memory(implicit)


def test_the_schema_maximum_is_refused_up_front(monkeypatch):
    monkeypatch.setenv("SYMBIOSIM_MAX_MEMORY", "8GB")
    sc = Scenario().with_overrides({"population.consumers": 20_000_000})
    from sim.api import run  # the model's libraries load here, not in the timed call

    t0 = time.perf_counter()
    with pytest.raises(ScenarioError) as err:
        run(sc)  # refused before the population is built: no time, no memory
    assert time.perf_counter() - t0 < 1.0
    msg = str(err.value)
    assert msg.startswith("population.consumers: 20,000,000 consumers") and "\n" not in msg
    assert (
        f"need about {format_bytes(estimate_memory(sc))}, above the memory limit of 8.0 GB" in msg
    )
    assert "--max-memory SIZE or SYMBIOSIM_MAX_MEMORY=SIZE" in msg


def test_memory_check_counts_runs_held_at_once(monkeypatch):
    monkeypatch.delenv("SYMBIOSIM_MAX_MEMORY", raising=False)
    sc = Scenario().with_overrides({"population.consumers": 100_000})
    one = estimate_memory(sc)
    assert check_memory(sc, limit=2 * one) == one
    with pytest.raises(LimitExceeded, match=r"× 3 models at once"):
        check_memory(sc, concurrent=3, limit=2 * one)
    with pytest.raises(LimitExceeded, match="--max-memory: must be a size"):
        check_memory(sc, limit="plenty")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("scenario", "kind", "n", "k", "days", "aware"),
    [
        ("symbiotic_partner", "sbm", 150_000, 12.0, 10, 0.05),  # consumers dominate
        ("symbiotic_partner", "erdos_renyi", 6_000, 600.0, 10, 0.05),  # edges dominate
        # the transaction log dominates: everyone aware from day 0, the busiest log the
        # estimate must bound (the shipped launch market buys far less in a year)
        ("subsidy_group_buying", "sbm", 20_000, 12.0, 365, 1.0),
    ],
)
def test_estimate_is_an_upper_bound_of_the_measured_peak(scenario, kind, n, k, days, aware):
    # VmHWM (peak RSS of this process's memory map) rather than ru_maxrss, which a child
    # inherits from a large parent (the pytest worker) across fork and exec
    code = f"""
import json, re, sim
def hwm():
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
sim.run("symbiotic_partner", seed=1, days=3, consumers=50)  # the libraries a run loads
before = hwm()
sc = sim.resolve("{scenario}", days={days}, consumers={n},
                 overrides={{"network.kind": "{kind}", "network.mean_degree": {k},
                            "population.initial_aware": {aware}}})
sim.run(sc, seed=1)
held = sim.limits.models_held(sc)  # with shocks, the counterfactual twin runs alongside
estimate = sim.limits.estimate_memory(sc) * held
print(json.dumps({{"measured": (hwm() - before) * 1024, "estimate": estimate}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    assert res["measured"] <= res["estimate"] <= 4 * res["measured"], res


@pytest.mark.slow
def test_a_worker_process_fits_its_allowance():
    # a worker started afresh (what forkserver, spawn and local Dask workers are), once it
    # has imported what a run needs and run one: its resident memory, all of it its own
    code = """
import re, sim.api, sim.batch.worker
sim.api.run("symbiotic_partner", seed=1, days=20, consumers=200)
print(int(re.search(r"VmRSS:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) * 1024)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    rss = int(out.stdout.strip().splitlines()[-1])
    assert rss <= WORKER_PROCESS_BYTES <= 4 * rss, rss


# --------------------------------------------------------------------------- sweeps
def spec(**over):
    base = {
        "name": "size",
        "base": "baseline",
        "overrides": {"days": 5, "population.consumers": 50},
        "parameters": {"policy.partner.share": {"low": 0.0, "high": 0.2, "num": 3}},
    }
    return load_spec({**base, **over})


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"replications": 100_000, "parameters": {"days": [5, 6]}}, "replications"),
        (
            {
                "parameters": {
                    "policy.partner.share": {"low": 0.0, "high": 0.2, "num": 100_000},
                    "policy.partner.referral_rate": {"low": 0.0, "high": 0.2, "num": 100_000},
                }
            },
            "parameters",
        ),
        ({"design": {"kind": "lhs", "samples": 10_000_000}}, "design.samples"),
        ({"design": {"kind": "sobol", "samples": 2**23}}, "design.samples"),
    ],
)
def test_a_ten_million_run_sweep_is_refused_before_allocating(over, field):
    s = spec(**over)
    assert sweep_runs(s) >= 200_000
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(SpecError) as err:
            build_plan(s)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 1.0 and peak < 5_000_000  # nothing was allocated
    msg = str(err.value)
    assert msg.startswith(f"{field}: ") and "more than the sweep limit of 100,000 runs" in msg
    assert "--max-runs N or SYMBIOSIM_MAX_RUNS=N" in msg


def test_the_run_limit_can_be_raised_or_lowered(monkeypatch):
    s = spec(replications=4)
    assert check_sweep_size(s) == 12
    with pytest.raises(LimitExceeded, match="12 runs .* more than the sweep limit of 10 runs"):
        check_sweep_size(s, limit=10)
    monkeypatch.setenv("SYMBIOSIM_MAX_RUNS", "11")
    with pytest.raises(SpecError, match="limit of 11 runs"):
        build_plan(s)
    assert len(build_plan(s, max_runs=12).runs) == 12


def test_the_plan_memory_is_checked_too(monkeypatch):
    monkeypatch.setenv("SYMBIOSIM_MAX_MEMORY", "5MB")
    with pytest.raises(
        LimitExceeded, match=r"planning 3,000 runs .* above the memory limit of 5.0 MB"
    ):
        check_sweep_size(spec(replications=1000))


@pytest.mark.parametrize(
    "over",
    [
        {},
        {"parameters": {"days": {"low": 3, "high": 9, "step": 2}}},
        {"parameters": {"days": {"low": 3.2, "high": 5.9, "num": 40}}},  # integer levels dedup
        {"design": {"kind": "lhs", "samples": 7}},
        {"design": {"kind": "sobol", "samples": 4}},
        {"design": {"kind": "sobol", "samples": 4, "second_order": True}},
        {"design": {"kind": "morris", "samples": 3}},
    ],
)
def test_size_from_the_spec_equals_the_built_design(over):
    s = spec(**over, replications=2)
    assert design_points(s) == len(build_design(s))
    assert sweep_runs(s) == build_plan(s).total


def test_a_sweep_whose_runs_would_exhaust_memory_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("SYMBIOSIM_MAX_MEMORY", "200MB")
    s = load_spec(
        {
            "name": "heavy",
            "base": "baseline",
            "overrides": {"days": 5},
            "parameters": {"population.consumers": [100, 400_000]},
        }
    )
    db = tmp_path / "out" / "heavy.duckdb"
    with pytest.raises(SpecError, match=r"parameters: the largest design point: population"):
        run_sweep(s, db, backend="serial")
    assert not (tmp_path / "out").exists()  # refused before anything was created


def test_a_sweep_with_more_workers_than_memory_for_them_is_refused(tmp_path, monkeypatch):
    # each worker process costs memory besides its runs (sim.limits.WORKER_PROCESS_BYTES):
    # 200 workers for 200 small runs are 50 GB of processes before any run
    monkeypatch.setenv("SYMBIOSIM_MAX_MEMORY", "2GB")
    s = load_spec(
        {
            "name": "many",
            "base": "baseline",
            "overrides": {"days": 5, "population.consumers": 100},
            "parameters": {"platform.commission_rate": {"low": 0.02, "high": 0.2, "num": 200}},
        }
    )
    db = tmp_path / "out" / "many.duckdb"
    with pytest.raises(SpecError, match=r"200 worker processes × .* fewer --workers \(200 now\)"):
        run_sweep(s, db, backend="processes", workers=4096)
    assert not (tmp_path / "out").exists()  # refused before anything was created


# --------------------------------------------------------------------------- the dashboard
@pytest.mark.parametrize(
    ("design", "size", "reps"), [("lhs", 10_000_000, 1), ("factorial", 100_000, 100_000)]
)
def test_the_dashboards_small_sweep_refuses_a_huge_size_at_once(design, size, reps):
    from sim.dashboard import core, experiments

    spec = experiments.small_spec(
        name="huge",
        base="baseline",
        ranges={"policy.partner.share": (0.0, 0.2), "platform.commission_rate": (0.02, 0.2)},
        design=design,
        size=size,
        replications=reps,
        consumers=100,
        days=10,
    )
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with pytest.raises(core.InputError, match=r"runs is more than the 120 a sweep started"):
            experiments.plan_small(spec)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 2.0 and peak < 20_000_000


def test_the_dashboard_refuses_a_network_that_would_exhaust_memory(monkeypatch):
    from sim.dashboard import core

    monkeypatch.setenv("SYMBIOSIM_MAX_MEMORY", "16GB")  # 1.25 billion edges need ~125 GB
    dense = Scenario().with_overrides(
        {
            "population.consumers": 50_000,
            "network.kind": "erdos_renyi",
            "network.mean_degree": 49_999.0,
        }
    )
    with pytest.raises(
        core.InputError, match=r"^network.mean_degree: 50,000 consumers .* need about"
    ):
        core.check_limits(dense)
    core.check_limits(Scenario().with_overrides({"population.consumers": 50_000}))
