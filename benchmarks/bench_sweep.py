"""Sweep throughput: 1 vs 2 local workers, and Dask's per-run overhead.

    .venv/bin/python benchmarks/bench_sweep.py                 # 200 runs, 2,000 × 365 (minutes)
    .venv/bin/python benchmarks/bench_sweep.py --runs 40 --consumers 500   # a quick look

For each configuration a fresh results database receives the same sweep (20 partner
shares × 10 replications; the seed of replicate r is the same at every share). Reported per configuration:

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


def spec(runs: int, consumers: int, days: int, chunk: int = 0, chunks: int = 1) -> dict[str, Any]:
    """The benchmark sweep (20 partner shares × runs/20 replications), or one chunk of it."""
    points = 20 if runs >= 20 else runs
    reps = max(1, runs // points)
    shares = [round(0.01 * i, 2) for i in range(points)]
    per = len(shares) // chunks
    return {
        "name": f"bench{chunk}",
        "base": "symbiotic_partner",
        "overrides": {"days": days, "population.consumers": consumers},
        "parameters": {"policy.partner.share": shares[chunk * per : (chunk + 1) * per]},
        "replications": reps,
        "seed": 1,
        # seeds by replicate only, so a chunk's runs are exactly the full sweep's runs
        "common_random_numbers": True,
    }


def measure_abba(args: argparse.Namespace, folder: Path, chunks: int) -> list[dict[str, Any]]:
    """1 vs 2 local processes over the same runs, in chunks ordered 1,2,2,1,1,2,2,1,…

    Alternating the order cancels a drifting background load (other jobs on the machine)
    to first order; every configuration still runs all the runs.
    """
    import pandas as pd

    parts: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for c in range(chunks):
        order = (1, 2) if c % 2 == 0 else (2, 1)
        for w in order:
            sp = spec(args.runs, args.consumers, args.days, c, chunks)
            r = measure(sp, folder, f"processes x{w} chunk{c}", backend="processes", workers=w)
            parts[w].append(r)
            print(_line(r), flush=True)
    out = []
    for w, rs in parts.items():
        n = sum(r["runs"] for r in rs)
        wall = sum(r["wall_s"] for r in rs)
        busy = sum(r["run_s"] * r["runs"] for r in rs)
        out.append(
            {
                "config": f"processes x{w}",
                "workers": w,
                "runs": n,
                "wall_s": round(wall, 2),
                "run_s": round(busy / n, 3),
                "overhead_per_run_s": round((wall * w - busy) / n, 4),
                "overhead_share": round((wall * w - busy) / busy, 4),
                "kpis": pd.concat([r["kpis"] for r in rs], ignore_index=True),
            }
        )
    return out


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
    ap.add_argument(
        "--chunks", type=int, default=4, help="Chunks of the 1-vs-2 comparison (order 1,2,2,1,…)."
    )
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
        results += measure_abba(args, folder, args.chunks)
        for r in results:
            print(_line(r), flush=True)
        cold = None
        if not args.no_dask:
            r, cold = dask_warm(sp, folder, 2)
            results.append(r)
            print(_line(r), flush=True)
    base = results[0]["wall_s"]
    identical = all(_same(r["kpis"], results[0]["kpis"]) for r in results[1:])
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


def _same(a: Any, b: Any) -> bool:
    """Same KPIs for the same (partner share, replicate), whatever the chunking."""
    key = ["policy.partner.share", "replicate"]
    a = a.drop(columns="point").sort_values(key).reset_index(drop=True)
    b = b.drop(columns="point").sort_values(key).reset_index(drop=True)
    return a.equals(b)


def _line(r: dict[str, Any]) -> str:
    return (
        f"{r['config']:<14} runs={r['runs']} wall={r['wall_s']:.1f}s run={r['run_s']:.3f}s "
        f"overhead/run={r['overhead_per_run_s']:.4f}s ({100 * r['overhead_share']:.2f}% of a run)"
    )


if __name__ == "__main__":
    main()
