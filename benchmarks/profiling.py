"""Profile one symbiosim run with pyinstrument (the profile in docs/performance.md).

python benchmarks/profiling.py --n 100000 --days 365
python benchmarks/profiling.py --n 5000 --cprofile      # cProfile, sorted by own time
python benchmarks/profiling.py --default --by-year      # the default run's cost per day, by year
python benchmarks/profiling.py --by-size 1000 2500 5000 10000  # the default run at other sizes
python benchmarks/profiling.py --instructions 1400 200  # instructions a busy day (valgrind)
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="consumers")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--scenario", default="symbiotic_partner")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cprofile", action="store_true", help="use cProfile instead")
    ap.add_argument("--default", action="store_true", help="the scenario's own size and days")
    ap.add_argument("--by-year", action="store_true", help="time each day; print ms/day by year")
    ap.add_argument(
        "--by-size",
        type=int,
        nargs="+",
        metavar="N",
        help="the default run's model at N households",
    )
    ap.add_argument(
        "--instructions",
        nargs=2,
        type=int,
        metavar=("FROM_DAY", "DAYS"),
        help="CPU instructions per day of the default run, days FROM_DAY.. (callgrind): "
        "exact where timings on a shared VM vary by 20%%, e.g. --instructions 1400 200",
    )
    ap.add_argument("--replay", nargs=2, metavar=("SNAPSHOT", "DAYS"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.replay:
        return _replay(a.replay[0], int(a.replay[1]))
    if a.instructions:
        return _instructions(a.scenario, a.seed, *a.instructions)
    if a.by_size:
        return _by_size(a.scenario, a.seed, a.by_size)

    import sim
    from sim.model import SocialCommerceModel

    if a.default:
        sc = sim.resolve(a.scenario)
    else:
        sc = sim.resolve(a.scenario, consumers=a.n, days=a.days)
    t0 = time.perf_counter()
    model = SocialCommerceModel(sc, seed=a.seed)
    print(f"construction: {time.perf_counter() - t0:.3f} s")
    if a.by_year:
        return _by_year(model)
    if a.cprofile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.runcall(model.run)
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        return 0
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    model.run()
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))
    return 0


def _by_year(model) -> int:  # noqa: ANN001 - a SocialCommerceModel
    """CPU ms per simulated day, year by year, beside the day's needs and orders: what a day
    costs grows with what happens in it, not with the number of households."""
    import numpy as np

    cost = []
    for _ in range(model.scenario.days):
        t = time.process_time()
        model.step()
        cost.append(time.process_time() - t)
    ms = np.asarray(cost) * 1e3
    vars_ = model.datacollector.model_vars
    needs, orders = np.asarray(vars_["needs"]), np.asarray(vars_["orders"])
    print(f"total {ms.sum() / 1e3:.2f} s CPU for {len(ms)} days ({ms.mean():.2f} ms/day)")
    print("year  ms/day  needs/day  orders/day")
    for y in range(0, len(ms), 365):
        s = slice(y, y + 365)
        print(
            f"{y // 365 + 1:>4}  {ms[s].mean():6.2f}  {needs[s].mean():9.0f}  {orders[s].mean():10.0f}"
        )
    return 0


def _by_size(scenario: str, seed: int, sizes: list[int]) -> int:
    """The default run's model (its days, every stage) at other population sizes, best of 3
    CPU times: how the cost splits into a per-day floor and a per-household part."""
    import numpy as np

    import sim
    from sim.model import SocialCommerceModel

    sim.run(scenario, days=5, consumers=200)  # imports and first-call costs out of the way
    rows = []
    for n in sizes:
        sc = sim.resolve(scenario, consumers=n)
        best = float("inf")
        for _ in range(3):
            model = SocialCommerceModel(sc, seed=seed)
            t = time.process_time()
            model.run()
            best = min(best, time.process_time() - t)
        rows.append((n, best))
        print(
            f"{n:>8,} households x {sc.days} days: {best:.2f} s CPU ({1e3 * best / sc.days:.2f} ms/day)"
        )
    if len(rows) >= 2:
        n, t = np.array(rows, float).T
        slope, floor = np.polyfit(n, t, 1)
        print(
            f"least squares: {floor:.2f} s + {1e3 * slope:.2f} s per 1,000 households "
            f"(a floor of {1e3 * floor / sc.days:.2f} ms/day)"
        )
    return 0


def _instructions(scenario: str, seed: int, from_day: int, days: int) -> int:
    """Instructions per simulated day, counted by valgrind's callgrind: the model is run to
    ``from_day`` and pickled, then replayed for 0 and for ``days`` days under callgrind; the
    difference over ``days`` is the cost of a day without start-up. Deterministic (same
    code, same count), so it compares two versions of the code on a noisy machine."""
    if shutil.which("valgrind") is None:
        print("--instructions needs valgrind (apt install valgrind)", file=sys.stderr)
        return 2
    import sim
    from sim.model import SocialCommerceModel

    model = SocialCommerceModel(sim.resolve(scenario), seed=seed)
    model.run(from_day)
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        snap = os.path.join(tmp, "model.pkl")
        with open(snap, "wb") as f:
            pickle.dump(model, f)
        for n in (0, days):
            out = subprocess.run(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/cg.{n}"]
                + [sys.executable, __file__, "--replay", snap, str(n)],
                capture_output=True,
                text=True,
                env={**os.environ, "PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"},
                check=True,
            )
            counts.append(int(re.search(r"Collected : (\d+)", out.stderr).group(1)))
    per_day = (counts[1] - counts[0]) / days
    print(
        f"{scenario}, seed {seed}, days {from_day}-{from_day + days - 1}: "
        f"{per_day / 1e6:.2f} M instructions a day"
    )
    return 0


def _replay(snapshot: str, days: int) -> int:
    with open(snapshot, "rb") as f:
        model = pickle.load(f)
    model.run(days)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
