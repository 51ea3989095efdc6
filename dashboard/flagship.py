"""The flagship comparison the Start page opens with, and the server's warm-up.

Subsidy-driven group buying (拼团) against the symbiotic partner program (共生), the
shipped scenarios at their shipped size over :data:`SIZE` seeds, as ``make demo`` and the
README run them. It is computed in the background worker (queued when the server starts,
or when a page first asks), so the Start page answers at once and fills in.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from sim.dashboard.core import DEFAULT_SCENARIO, baseline_reference, load_shipped
from sim.dashboard.runs import RUNS, WORKER, Compared, Job, compare_cached, warm_up_enabled
from sim.scenario import Scenario

SCENARIOS = ("subsidy_group_buying", "symbiotic_partner")


@dataclass
class Size:
    """What the comparison rests on (None: the shipped scenario's own size)."""

    seeds: int = 5
    consumers: int | None = None
    days: int | None = None
    overrides: dict[str, object] = field(default_factory=dict)


def size_from_env(text: str | None) -> Size:
    """``SYMBIOSIM_DASHBOARD_FLAGSHIP="seeds=2,consumers=2000"``: a smaller comparison for a
    slow machine (or a test server); unset, the shipped size over 5 seeds."""
    size = Size()
    for part in (text or "").split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if not name:
            continue
        if name not in ("seeds", "consumers", "days") or not value.strip().isdigit():
            raise ValueError(
                "SYMBIOSIM_DASHBOARD_FLAGSHIP: expected seeds=K,consumers=N,days=D (whole "
                f"numbers), got {part!r}"
            )
        setattr(size, name, int(value))
    return size


SIZE = size_from_env(os.environ.get("SYMBIOSIM_DASHBOARD_FLAGSHIP"))


def scenarios() -> list[Scenario]:
    out = []
    for name in SCENARIOS:
        sc = load_shipped(name)
        over: dict[str, object] = dict(SIZE.overrides)
        if SIZE.consumers is not None:
            over["population.consumers"] = SIZE.consumers
        if SIZE.days is not None:
            over["days"] = SIZE.days
        out.append(sc.with_overrides(over) if over else sc)
    return out


def job() -> Job:
    """The flagship comparison's job (queued once; its result is a :class:`Compared`)."""
    scs = scenarios()
    seeds = list(range(SIZE.seeds))

    def work(j: Job) -> Compared:
        return compare_cached(scs, seeds, progress=lambda done, total, name: j.step())

    key = ("flagship", tuple(s.key() for s in scs), SIZE.seeds)
    return WORKER.submit(key, "the flagship comparison", len(scs) * len(seeds), work)


_warmed = threading.Event()


def warm_up() -> None:
    """Queue the flagship comparison and the default Explore view (its run is one of the
    comparison's; its no-program reference is queued after), once per server process."""
    if _warmed.is_set() or not warm_up_enabled():
        return
    _warmed.set()
    job()
    reference = baseline_reference(load_shipped(DEFAULT_SCENARIO))
    WORKER.submit(
        ("warm-up", reference.key(0)),
        "the default Explore view",
        1,
        lambda j: RUNS.get(reference, 0),
    )
