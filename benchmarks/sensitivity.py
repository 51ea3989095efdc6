"""Does the partner share move retention? The Sobol analysis of sweeps/sensitivity.yaml.

    .venv/bin/python benchmarks/sensitivity.py            # 896 runs, about 14 minutes on 2 cores
    .venv/bin/python benchmarks/sensitivity.py --db results/sensitivity.duckdb   # reuse a sweep

Runs (or resumes) the sweep, prints the first- and total-order Sobol indices of retention
(the first-year repeat rate) and platform profit with their 95% bootstrap half-widths, and
exits with status 1 unless the partner share's total index on retention is clearly above
zero (its 95% interval excludes 0). In the first version of the model it was 0 (S1 = ST = 0
for D90 retention): the share moved money and nothing else. Not a timed test; the figures
go in the README.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "sweeps" / "sensitivity.yaml"
LEVER = "policy.partner.share"
RETENTION = "first_year_repeat_rate"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=ROOT / "results" / "sensitivity.duckdb")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)

    from sim.batch.analysis import analyze
    from sim.batch.runner import run_sweep

    t0 = time.perf_counter()
    run_sweep(SPEC, args.db, workers=args.workers)
    print(f"sweep: {time.perf_counter() - t0:.0f} s ({args.db})")
    verdict = 0
    for kpi in (RETENTION, "platform_profit"):
        table = analyze(args.db, kpi)["sobol"]
        print(f"\n{kpi}")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        if kpi == RETENTION:
            row = table[table["parameter"] == LEVER].iloc[0]
            clear = row["ST"] - row["ST_conf"] > 0
            print(
                f"\n{LEVER}: ST = {row['ST']:.3f} ± {row['ST_conf']:.3f} on {kpi}: "
                + ("clearly non-zero" if clear else "NOT clearly non-zero")
            )
            verdict = 0 if clear else 1
    return verdict


if __name__ == "__main__":
    sys.exit(main())
