"""Which levers matter here: each lever one step down and one step up, from cached runs.

For the scenario on screen, at a small fixed size (:data:`CONSUMERS` consumers, at most
:data:`MAX_DAYS` days, :data:`SEEDS`), every lever of the registry (``sim.mechanisms.levers``)
is moved by one step — a tenth of its offered range, or a switch flipped — and run with the
same seeds as the unchanged scenario (common random numbers), so each effect is a paired
difference with its 95% t interval (``sim.analytics.intervals``). An effect whose interval
includes zero is *within noise*; runs that come out identical mean the lever does nothing
here (a partner share while the partner program is off, say). The panel shows what the
model does, including a lever that moves only money.

The neighbours run in the background worker, and only their KPIs are kept (a few hundred
bytes a run), so the panel fills in while the user reads and costs nothing on a return.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.analytics.intervals import t_interval
from sim.dashboard.core import LEVERS, TOWN, TOWN_TEXT, Lever, _get, to_widget
from sim.dashboard.runs import WORKER, Job
from sim.kpis import format_delta_ci, kpi
from sim.levers import MARKET
from sim.scenario import Scenario

CONSUMERS = 1_000
MAX_DAYS = 365
SEEDS: tuple[int, ...] = (0, 1, 2)
RANGE_STEPS = 10  # one step = a tenth of the lever's offered range
DOWN, UP = "one step down", "one step up"


@dataclass(frozen=True)
class Neighbour:
    """One lever moved one step from the scenario's setting."""

    lever: Lever
    step: str  # DOWN or UP
    old: Any
    new: Any
    scenario: Scenario

    @property
    def change(self) -> str:
        return f"{show(self.lever, self.old)} → {show(self.lever, self.new)}"


def show(lv: Lever, value: Any) -> str:
    """A lever's value as the controls show it (percent, yuan, on/off)."""
    if lv.kind == "bool":
        return "on" if value else "off"
    v = to_widget(lv, value)
    if lv.unit == "%":
        return f"{v:.3g}%"
    if lv.unit == "yuan":
        return f"¥{v:,.4g}"
    return f"{v:,.4g}"


def reach(days: int) -> int:
    """How far the panel follows its cohort: 180 days on a year's run, half a shorter one."""
    return 180 if days >= 365 else days // 2


def panel_scenario(sc: Scenario) -> Scenario:
    """The scenario at the panel's size. Its horizon is shorter than a full run's, so its
    stated cohort ends :func:`reach` days before the end (D30…D180 stay defined) and LTV
    counts that many days: :func:`panel_terms` says so on the page."""
    days = min(int(sc.days), MAX_DAYS)
    o = sc.observation
    ahead = reach(days)
    cohort_end = max(o.cohort_start + 1, min(o.cohort_end, days - ahead))
    return sc.with_overrides(
        {
            **TOWN,  # the dashboard's town: the launch market would leave the panel empty
            "population.consumers": CONSUMERS,
            "days": days,
            "observation.cohort_end": cohort_end,
            "observation.ltv_horizon": min(o.ltv_horizon, max(1, ahead)),
        }
    )


def panel_terms(sc: Scenario) -> str:
    """What the panel rests on, in words (seeds, size, horizon, cohort, LTV's horizon)."""
    p = panel_scenario(sc)
    o = p.observation
    return (
        f"Rests on {len(SEEDS)} seeds × {CONSUMERS:,} consumers × {p.days} days in "
        f"{TOWN_TEXT}, paired by "
        f"seed; its cohort: customers acquired on days {o.cohort_start}–{o.cohort_end - 1}, "
        f"LTV over {o.ltv_horizon} days."
    )


def step_of(lv: Lever) -> float:
    """One step: a tenth of the offered range, in whole multiples of the control's step."""
    lo, hi = float(lv.lo or 0.0), float(lv.hi or 0.0)
    raw = (hi - lo) / RANGE_STEPS
    grain = float(lv.step or 0.0)
    if grain > 0:
        raw = max(grain, round(raw / grain) * grain)
    return int(round(raw)) if lv.kind == "int" else raw


def movable(lv: Lever) -> bool:
    """Levers the panel moves: not the size and horizon it fixes, not a choice of kind."""
    if lv.group == MARKET or lv.kind == "choice":
        return False
    return lv.kind == "bool" or (lv.lo is not None and lv.hi is not None)


def neighbours(sc: Scenario) -> list[Neighbour]:
    """Every movable lever one step down and up from ``sc`` (within the offered range)."""
    data = sc.to_dict()
    out = []
    for lv in LEVERS:
        if not movable(lv):
            continue
        cur = _get(data, lv.path)
        if lv.kind == "bool":
            moves = [(UP if not cur else DOWN, not cur)]
        else:
            step = step_of(lv)
            lo, hi = float(lv.lo), float(lv.hi)  # type: ignore[arg-type]
            down, up = max(lo, cur - step), min(hi, cur + step)
            if lv.kind == "int":
                down, up = int(round(down)), int(round(up))
            else:
                down, up = round(down, 12), round(up, 12)
            moves = [(DOWN, down), (UP, up)]
        for step_name, value in moves:
            if value == cur:
                continue  # at the end of its range
            out.append(Neighbour(lv, step_name, cur, value, sc.with_overrides({lv.path: value})))
    return out


class KpiCache:
    """KPIs of small runs by Scenario.key(seed): all the panel keeps of a run."""

    def __init__(self, max_entries: int = 20_000) -> None:
        self._data: OrderedDict[str, dict[str, float]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.computed = 0

    def peek(self, sc: Scenario, seed: int) -> dict[str, float] | None:
        with self._lock:
            return self._data.get(sc.key(seed))

    def get(self, sc: Scenario, seed: int) -> dict[str, float]:
        got = self.peek(sc, seed)
        if got is not None:
            return got
        # no counterfactual runs: the panel's KPIs do not include a shock's resilience
        kpis = dict(sim.run(sc, seed=seed, keep_model=False, counterfactual=False).kpis)
        with self._lock:
            self._data[sc.key(seed)] = kpis
            self.computed += 1
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
        return kpis


KPIS = KpiCache()


def start(sc: Scenario) -> Job:
    """Queue (once) the runs the panel of ``sc`` rests on; the job's progress counts runs."""
    base = panel_scenario(sc)
    todo = [base] + [n.scenario for n in neighbours(base)]

    def work(job: Job) -> None:
        for scenario in todo:
            for seed in SEEDS:
                KPIS.get(scenario, seed)
                job.step()

    return WORKER.submit(("effects", base.key()), "the lever panel", len(todo) * len(SEEDS), work)


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def _paired(base: list[dict], other: list[dict], key: str) -> tuple[float, float, bool]:
    """Mean paired difference, its 95% half-width, and whether the runs agree exactly."""
    pairs = [
        (float(b.get(key, math.nan)), float(o.get(key, math.nan)))
        for b, o in zip(base, other, strict=True)
    ]
    defined = [(b, o) for b, o in pairs if not (math.isnan(b) or math.isnan(o))]
    identical = bool(defined) and all(_same(b, o) for b, o in pairs)
    mean, half = t_interval([o - b for b, o in defined])
    return mean, half, identical


def effects_table(sc: Scenario, keys: Iterable[str]) -> pd.DataFrame:
    """The effects computed so far: one row per (lever, step, KPI) with the paired mean
    difference, its 95% half-width, whether it is clear of zero, and the lever's intent."""
    base = panel_scenario(sc)
    base_kpis = [KPIS.peek(base, s) for s in SEEDS]
    cols = ["lever", "group", "step", "change", "kpi", "effect", "ci95", "clear", "identical"]
    cols += ["text", "moves"]
    if any(b is None for b in base_kpis):
        return pd.DataFrame(columns=cols)
    rows = []
    for n in neighbours(base):
        got = [KPIS.peek(n.scenario, s) for s in SEEDS]
        if any(g is None for g in got):
            continue
        for key in keys:
            mean, half, same = _paired(base_kpis, got, key)  # type: ignore[arg-type]
            clear = bool(np.isfinite(mean) and np.isfinite(half) and abs(mean) > half)
            if same:
                text = "identical runs"
            elif not np.isfinite(mean):
                text = "— (undefined at this horizon)"
            else:
                text = format_delta_ci(mean, half, kpi(key).unit)
            rows.append(
                (n.lever.label, n.lever.group, n.step, n.change, key, mean, half, clear, same)
                + (text, n.lever.moves)
            )
    return pd.DataFrame(rows, columns=cols)


def quiet_levers(table: pd.DataFrame, keys: Iterable[str]) -> list[str]:
    """Levers with no clear effect on any of ``keys`` in either direction."""
    if table.empty:
        return []
    sub = table[table["kpi"].isin(list(keys))]
    loud = set(sub.loc[sub["clear"], "lever"])
    return [lv for lv in dict.fromkeys(sub["lever"]) if lv not in loud]
