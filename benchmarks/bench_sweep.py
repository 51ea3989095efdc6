"""Sweep throughput: 1 vs 2 local workers, and Dask's per-run overhead.

    .venv/bin/python benchmarks/bench_sweep.py                 # 200 runs, 2,000 × 365 (minutes)
    .venv/bin/python benchmarks/bench_sweep.py --runs 40 --consumers 500   # a quick look

For each configuration a fresh results database receives the same sweep (20 partner
shares × replications, independent seeds). Reported per configuration:

* wall: seconds from ``run_sweep`` call to return (pool/cluster start included);
* run: mean duration of one run as measured inside the worker;
* overhead/run: (wall × workers − Σ run durations) / runs, as a share of a run — the time
  a worker slot spends not simulating (scheduling, serialisation, result writes, tail);
* speedup: wall of 1 worker / wall of this configuration (same backend).

The Dask configuration runs on a local cluster that is started and warmed up (the model
imported on every worker) before timing, so its overhead is the steady per-run cost; its
cold start is reported separately.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any


def spec(runs: int, consumers: int, days: int) -> dict[str, Any]:
    points = 20 if runs >= 20 else runs
    reps = max(1, runs // points)
    return {
        "name": "bench",
        "base": "symbiotic_partner",
        "overrides": {"days": days, "population.consumers": consumers},
        "parameters": {
            "policy.partner.share": [round(0.01 * i, 2) for i in range(points)],
        },
        "replications": reps,
        "seed": 1,
        "common_random_numbers": False,
    }


def measure(sp: dict[str, Any], folder: Path, label: str, **kwargs: Any) -> dict[str, Any]:
    from sim.batch import load_runs, run_sweep

    db = folder / f"{label}.duckdb"
    t0 = time.perf_counter()
    summary = run_sweep(sp, db, **kwargs)
    wall = time.perf_counter() - t0
    runs = load_runs(db)
    assert summary.ok == summary.total, f"{label}: {summary.failed} runs failed"
    workers = kwargs.get("workers") or 1
    busy = float(runs["duration"].sum())
    n = len(runs)
    return {
        "config": label,
        "workers": workers,
        "runs": n,
        "wall_s": round(wall, 2),
        "run_s": round(busy / n, 3),
        "overhead_per_run_s": round((wall * workers - busy) / n, 4),
        "overhead_share": round((wall * workers - busy) / busy, 4),
        "kpis": runs.drop(columns=["duration", "run_key"]).round(12),
    }


def dask_warm(sp: dict[str, Any], folder: Path, workers: int) -> tuple[dict[str, Any], float]:
    from dask.distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_port=0,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: __import__("sim.batch.worker") and None)  # import the model
        cold = time.perf_counter() - t0
        res = measure(
            sp,
            folder,
            f"dask x{workers}",
            backend="dask",
            scheduler=cluster.scheduler_address,
        )
    res["workers"] = workers
    # measure() assumed 1 worker for a scheduler address: recompute with the real count
    busy = res["run_s"] * res["runs"]
    res["overhead_per_run_s"] = round((res["wall_s"] * workers - busy) / res["runs"], 4)
    res["overhead_share"] = round((res["wall_s"] * workers - busy) / busy, 4)
    return res, cold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--consumers", type=int, default=2000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--no-dask", action="store_true", help="Skip the Dask configuration.")
    ap.add_argument("--json", type=Path, help="Also write the figures as JSON here.")
    args = ap.parse_args()

    # import everything the coordinator needs first, so no configuration pays for it
    import duckdb  # noqa: F401
    import SALib.sample.latin  # noqa: F401
    import scipy.stats  # noqa: F401

    import sim.batch  # noqa: F401
    import sim.compare  # noqa: F401

    sp = spec(args.runs, args.consumers, args.days)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for workers in (1, 2):
            r = measure(sp, folder, f"processes x{workers}", backend="processes", workers=workers)
            results.append(r)
            print(_line(r), flush=True)
        cold = None
        if not args.no_dask:
            r, cold = dask_warm(sp, folder, 2)
            results.append(r)
            print(_line(r), flush=True)
    base = results[0]["wall_s"]
    identical = all(r["kpis"].equals(results[0]["kpis"]) for r in results[1:])
    figures = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_avg_1m_at_end": round(os.getloadavg()[0], 2),
        },
        "sweep": {"runs": args.runs, "consumers": args.consumers, "days": args.days},
        "configs": [
            {k: v for k, v in r.items() if k != "kpis"} | {"speedup": round(base / r["wall_s"], 3)}
            for r in results
        ],
        "speedup_2_vs_1_processes": round(base / results[1]["wall_s"], 3),
        "dask_overhead_share_per_run": None if args.no_dask else results[2]["overhead_share"],
        "dask_cluster_cold_start_s": None if cold is None else round(cold, 2),
        "identical_kpis_across_configs": identical,
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


def _line(r: dict[str, Any]) -> str:
    return (
        f"{r['config']:<14} runs={r['runs']} wall={r['wall_s']:.1f}s run={r['run_s']:.3f}s "
        f"overhead/run={r['overhead_per_run_s']:.4f}s ({100 * r['overhead_share']:.2f}% of a run)"
    )


if __name__ == "__main__":
    main()
