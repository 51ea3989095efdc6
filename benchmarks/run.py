"""Benchmark suite: symbiosim at 1,000 / 10,000 / 100,000 / 1,000,000 consumers x 365 days,
side by side with Mesa's bundled ``virus_on_network`` example at the same sizes.

Usage (``make bench`` runs the default)::

    python benchmarks/run.py                      # full table, a few minutes
    python benchmarks/run.py --sizes 1000 10000   # a subset
    python benchmarks/run.py --quick              # 1k and 10k only, fewer repetitions
    python benchmarks/run.py --json out.json      # also write the raw numbers
    python benchmarks/run.py --root ../old        # benchmark another checkout (before/after)

Every measurement runs in a fresh subprocess, so peak memory (``ru_maxrss``) belongs to
that size alone and nothing is cached between sizes. Reported per size: model construction
time, run time (wall and CPU), consumer-days per second, peak RSS (and the part above the
interpreter with its imports). Repeated runs report the median. CPU time is printed next to
wall time because the benchmark machine is shared: under load wall time stretches, CPU time
much less.

Mesa's ``virus_on_network`` builds its graph with ``nx.erdos_renyi_graph``, which draws all
n(n-1)/2 pairs (hours at 10^5 nodes); for the benchmark it gets the same G(n, p) graph from
``nx.fast_gnp_random_graph`` (O(n + m)). Its steps are timed as shipped. Where 365 steps
would take longer than ``--mesa-budget`` seconds, fewer steps are run and the per
agent-step rate is extrapolated to 365 steps (marked ``*``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(os.environ.get("SYMBIOSIM_BENCH_ROOT") or Path(__file__).resolve().parent.parent)
DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
DAYS = 365
SCENARIO = "symbiotic_partner"
#: The sized runs start in a market where one household in twenty knows the platform: the
#: shipped launch market (2.4 per 1,000 aware) is nearly idle in its first year and would
#: flatter the per-agent rate. The default run below is the shipped one, as users run it.
SIZED = {"population.initial_aware": 0.05}


# ----------------------------------------------------------------------------- children
def _rss_mb() -> float:
    """Current resident set size (MB), from /proc where available."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def child_model(n: int, days: int, seed: int) -> dict[str, Any]:
    """Build and run one symbiosim model; report timings and memory."""
    sys.path.insert(0, str(ROOT))
    import sim
    from sim.model import SocialCommerceModel

    base = _rss_mb()
    sc = sim.resolve(SCENARIO, consumers=n, days=days, overrides=SIZED)
    w0, c0 = time.perf_counter(), time.process_time()
    model = SocialCommerceModel(sc, seed=seed)
    w1, c1 = time.perf_counter(), time.process_time()
    model.run()
    w2, c2 = time.perf_counter(), time.process_time()
    active = model.today["active"]
    return {
        "n": n,
        "days": days,
        "build_wall": w1 - w0,
        "build_cpu": c1 - c0,
        "run_wall": w2 - w1,
        "run_cpu": c2 - c1,
        "peak_mb": _peak_mb(),
        "base_mb": base,
        "final_active": active,
    }


def child_default(seed: int) -> dict[str, Any]:
    """The default run: ``sim.run(scenario, seed)`` (5,000 households x 2,400 days), end to end."""
    sys.path.insert(0, str(ROOT))
    import sim

    sim.run(SCENARIO, seed=seed, days=5, consumers=200)  # warm imports and caches
    w0, c0 = time.perf_counter(), time.process_time()
    r = sim.run(SCENARIO, seed=seed)
    w1, c1 = time.perf_counter(), time.process_time()
    return {
        "n": r.scenario.population.consumers,
        "days": r.scenario.days,
        "wall": w1 - w0,
        "cpu": c1 - c0,
    }


def child_mesa(n: int, steps: int, budget: float, seed: int) -> dict[str, Any]:
    """Mesa's virus_on_network at n nodes: construction, then up to ``steps`` steps within
    ``budget`` seconds."""
    import networkx as nx
    from mesa.examples.basic.virus_on_network import model as vmodel

    # same G(n, p) distribution, O(n + m) instead of O(n^2) pair draws
    vmodel.nx.erdos_renyi_graph = lambda n, p, seed=None: nx.fast_gnp_random_graph(n, p, seed)
    base = _rss_mb()
    w0, c0 = time.perf_counter(), time.process_time()
    m = vmodel.VirusOnNetwork(num_nodes=n, seed=seed)
    w1, c1 = time.perf_counter(), time.process_time()
    done = 0
    while done < steps:
        m.step()
        done += 1
        if time.perf_counter() - w1 > budget:
            break
    w2, c2 = time.perf_counter(), time.process_time()
    return {
        "n": n,
        "steps": done,
        "build_wall": w1 - w0,
        "build_cpu": c1 - c0,
        "run_wall": w2 - w1,
        "run_cpu": c2 - c1,
        "peak_mb": _peak_mb(),
        "base_mb": base,
    }


# ----------------------------------------------------------------------------- parent
def _spawn(args: list[str], timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark child {args} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _median_runs(args: list[str], reps: int, timeout: float) -> dict[str, Any]:
    runs = [_spawn(args, timeout) for _ in range(reps)]
    keys = [k for k, v in runs[0].items() if isinstance(v, float)]
    out = dict(runs[0])
    for k in keys:
        out[k] = statistics.median(r[k] for r in runs)
    out["reps"] = reps
    return out


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import mesa
    import numpy

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "mesa": mesa.__version__,
        "load": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def _fmt_s(x: float) -> str:
    return f"{x:.3f}" if x < 10 else f"{x:.1f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    ap.add_argument("--days", type=int, default=DAYS)
    ap.add_argument("--reps", type=int, default=3, help="runs per size up to 100,000 (median)")
    ap.add_argument("--mesa-budget", type=float, default=30.0, help="seconds of Mesa steps")
    ap.add_argument("--no-mesa", action="store_true")
    ap.add_argument("--quick", action="store_true", help="1k and 10k, one repetition")
    ap.add_argument("--json", type=Path, help="write the raw results here")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--root", type=Path, help="import sim from this checkout instead")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)

    if a.child:
        kind, *rest = a.child
        if kind == "model":
            res = child_model(int(rest[0]), int(rest[1]), int(rest[2]))
        elif kind == "default":
            res = child_default(int(rest[0]))
        else:
            res = child_mesa(int(rest[0]), int(rest[1]), float(rest[2]), int(rest[3]))
        print(json.dumps(res))
        return 0

    if a.root:
        os.environ["SYMBIOSIM_BENCH_ROOT"] = str(a.root.resolve())
    if a.quick:
        a.sizes, a.reps = [1_000, 10_000], 1
    info = machine()
    where = f" (code from {a.root})" if a.root else ""
    print(f"symbiosim benchmark: scenario {SCENARIO}, {a.days} days, seed {a.seed}{where}")
    print(
        f"machine: {info['cpu']}, {info['cores']} cores; Python {info['python']}, "
        f"numpy {info['numpy']}, Mesa {info['mesa']}; load average at start "
        f"{', '.join(f'{x:.1f}' for x in info['load'] or [])}"
    )
    print("(each size in a fresh process; median of reps; CPU = process time)\n")

    results: dict[str, Any] = {"machine": info, "days": a.days, "model": [], "mesa": []}
    default = _median_runs(["default", str(a.seed)], 5 if not a.quick else 1, 600)
    results["default"] = default

    hdr = (
        f"{'consumers':>10} {'build s':>8} {'run s wall':>10} {'run s CPU':>9} "
        f"{'M consumer-days/s wall':>22} {'(CPU)':>6} {'peak RSS MB':>11} {'(model)':>7}"
    )
    print(hdr)
    print("-" * len(hdr))
    for n in a.sizes:
        reps = a.reps if n <= 100_000 else 1
        r = _median_runs(["model", str(n), str(a.days), str(a.seed)], reps, 3600)
        results["model"].append(r)
        cd = n * a.days / 1e6
        print(
            f"{n:>10,} {_fmt_s(r['build_wall']):>8} {_fmt_s(r['run_wall']):>10} "
            f"{_fmt_s(r['run_cpu']):>9} {cd / r['run_wall']:>22.2f} {cd / r['run_cpu']:>6.2f} "
            f"{r['peak_mb']:>11.0f} {r['peak_mb'] - r['base_mb']:>7.0f}",
            flush=True,
        )
    print(
        f"\ndefault run, sim.run('{SCENARIO}', seed={a.seed}) = "
        f"{default['n']:,} x {default['days']} days end to end: "
        f"{default['wall']:.3f} s wall, {default['cpu']:.3f} s CPU (median of "
        f"{default['reps']})"
    )

    if not a.no_mesa:
        print(
            "\nside by side: Mesa's mesa.examples.basic.virus_on_network, same N, same steps "
            "(ratio = symbiosim consumer-days/s over Mesa agent-steps/s)"
        )
        hdr = (
            f"{'agents':>10} {'Mesa build s':>12} {'steps':>5} {'Mesa agent-steps/s wall':>23} "
            f"{'(CPU)':>8} {'Mesa 365 steps s':>16} {'ratio wall':>10} {'(CPU)':>6}"
        )
        print(hdr)
        print("-" * len(hdr))
        for r in results["model"]:
            n = r["n"]
            m = _spawn(["mesa", str(n), str(a.days), str(a.mesa_budget), str(a.seed)], 7200)
            results["mesa"].append(m)
            mesa_wall = n * m["steps"] / m["run_wall"]
            mesa_cpu = n * m["steps"] / max(m["run_cpu"], 1e-9)
            ours_wall = n * a.days / r["run_wall"]
            ours_cpu = n * a.days / r["run_cpu"]
            full = m["run_wall"] / m["steps"] * a.days
            mark = "*" if m["steps"] < a.days else ""
            print(
                f"{n:>10,} {_fmt_s(m['build_wall']):>12} {m['steps']:>5} {mesa_wall:>23,.0f} "
                f"{mesa_cpu:>8,.0f} {_fmt_s(full) + mark:>16} {ours_wall / mesa_wall:>9.0f}x "
                f"{ours_cpu / mesa_cpu:>5.0f}x",
                flush=True,
            )
        print(
            "* extrapolated: fewer steps were run (time budget --mesa-budget); 365 x the "
            "measured seconds per step. Mesa's graph: nx.fast_gnp_random_graph (see docstring)."
        )
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
        print(f"\nraw results: {a.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
