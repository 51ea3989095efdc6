"""Profile one symbiosim run with pyinstrument (the profile in docs/performance.md).

python benchmarks/profile.py --n 100000 --days 365
python benchmarks/profile.py --n 5000 --cprofile      # cProfile, sorted by own time
"""

from __future__ import annotations

import argparse
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000, help="consumers")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--scenario", default="symbiotic_partner")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cprofile", action="store_true", help="use cProfile instead")
    a = ap.parse_args(argv)

    import sim
    from sim.model import SocialCommerceModel

    sc = sim.resolve(a.scenario, consumers=a.n, days=a.days)
    t0 = time.perf_counter()
    model = SocialCommerceModel(sc, seed=a.seed)
    print(f"construction: {time.perf_counter() - t0:.3f} s")
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


if __name__ == "__main__":
    raise SystemExit(main())
