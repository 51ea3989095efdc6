"""The README's "Where the story stops" table: the flagship pair under changed conditions.

    .venv/bin/python docs/where_the_story_stops.py            # 3 seeds, about 3 minutes on 2 cores
    .venv/bin/python docs/where_the_story_stops.py --seeds 5

Each condition overrides both shipped scenarios the same way, except the subsidy's end:
that is the group-buying scenario's own shock (the symbiotic scenario keeps its small
launch coupons' end on day 90). Prints one Markdown row per condition: active customers on
the eve of the shipped cut and at the end, and the platform's profit over the run, mean
over seeds.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from sim.api import resolve, run
from sim.compare import compare
from sim.parallel import parallel_map

PAIR = ("subsidy_group_buying", "symbiotic_partner")
EVE = 1094  # the eve of the shipped subsidy cut: who leads while the subsidies run
CONDITIONS: dict[str, dict[str, Any]] = {
    "shipped: the subsidy ends after 3 years": {},
    "the subsidy ends after 1 year": {"shocks": [{"kind": "subsidy_end", "day": 365}]},
    "the subsidy never ends": {"shocks": []},
    "a sparse network (`network.mean_degree=4`)": {"network.mean_degree": 4},
    "80% price hunters (segment shares 0.8 / 0.1 / 0.1)": {
        "population.segments.price_hunter.share": 0.8,
        "population.segments.quality_seeker.share": 0.1,
        "population.segments.community_minded.share": 0.1,
    },
    "partners refer any friend (`policy.partner.referral_targeting=random`)": {
        "policy.partner.referral_targeting": "random",
    },
    "attachment does nothing (`behaviour.` and `dropout.attachment_weight=0`)": {
        "behaviour.attachment_weight": 0.0,
        "dropout.attachment_weight": 0.0,
    },
}


def _one(args: tuple[Any, int]) -> Any:
    sc, seed = args
    return run(sc, seed=seed, keep_model=False)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    print(
        "| condition | active on the eve of the shipped cut (day 1094): subsidy / symbiotic "
        "| active at the end | platform profit |"
    )
    print("|:--|--:|--:|--:|")
    for label, over in CONDITIONS.items():
        scs = []
        for name in PAIR:
            o = dict(over)
            if name != PAIR[0]:
                o.pop("shocks", None)
            scs.append(resolve(name, overrides=o))
        tasks = [(sc, s) for sc in scs for s in range(args.seeds)]
        results = parallel_map(_one, tasks, jobs=args.jobs)
        done = {(sc.name, s): r for (sc, s), r in zip(tasks, results, strict=True)}
        comp = compare(scs, seeds=args.seeds, runner=lambda sc, s, d=done: d[(sc.name, s)])
        k = comp.kpis
        means = {
            (n, kpi): float(np.nanmean(k.loc[k["scenario"] == n, kpi]))
            for n in PAIR
            for kpi in ("final_active", "platform_profit")
        }
        eve = " / ".join(f"{comp.active[n].iloc[EVE].mean():,.0f}" for n in PAIR)
        active = " / ".join(f"{means[n, 'final_active']:,.0f}" for n in PAIR)
        profit = " / ".join(f"¥{means[n, 'platform_profit'] / 1000:,.0f}k" for n in PAIR)
        print(f"| {label} | {eve} | {active} | {profit} |", flush=True)


if __name__ == "__main__":
    main()
