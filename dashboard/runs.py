"""Runs for the pages: the library's results, cached once per server process.

A run is ``sim.run``'s :class:`~sim.results.RunResult` (its Mesa model dropped to save
memory) plus the leaders' table the pages read from the model before it goes. A shock's
resilience is the library's (``sim.resilience``: the run against the same scenario and
seed without that shock), its counterfactual runs taken from this cache too, so the
Shocks view can draw them and a later visit to one of them costs nothing.
Comparisons go through ``sim.compare.compare`` with this cache as its runner, so a page
never repeats a run and never computes a statistic its own way: intervals come from
``sim.analytics.intervals``, formats and labels from ``sim.kpis``.

Work a page should not wait for (the flagship comparison, the lever-effects panel) runs in
one background worker thread, one job after another: it never takes more than one core
from the interactive runs, and pages poll its progress.
"""

from __future__ import annotations

import io
import logging
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim.analytics.intervals import t_band, t_interval
from sim.resilience import resilience_kpis, resilience_table, without_shock
from sim.results import RunResult
from sim.scenario import Scenario

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- one run
@dataclass(frozen=True)
class Run:
    """One cached run: the library's result and what the pages need of its model."""

    result: RunResult
    key: str  # Scenario.key(seed): the cache key
    leaders: pd.DataFrame  # one row per leader: node, active, quit_day, income
    seconds: float

    @property
    def name(self) -> str:
        return self.result.scenario.name

    @property
    def scenario(self) -> Scenario:
        return self.result.scenario

    @property
    def seed(self) -> int:
        return self.result.seed

    @property
    def nbytes(self) -> int:
        """Memory the run's tables hold (what the cache's budget counts)."""
        r = self.result
        frames = [r.daily, r.transactions, r.customer_costs, r.accounts, self.leaders]
        return int(sum(f.memory_usage(index=True).sum() for f in frames if f is not None))


def simulate(scenario: Scenario, seed: int) -> Run:
    """Run once (no cache for this run; its shocks' counterfactuals come from :data:`RUNS`)."""
    t0 = time.perf_counter()
    result = sim.run(scenario, seed=seed, counterfactual=False)
    model = result.model
    assert model is not None
    lb = model.leaders
    days = max(model.day, 1)
    leaders = pd.DataFrame(
        {
            "leader": np.arange(lb.n),
            "node": lb.node,
            "active": lb.active.copy(),
            "quit_day": lb.quit_day.copy(),
            "income_total": lb.income_total.copy(),
            "income_per_day": lb.income_total / days,
        }
    )
    result.model = None  # the model holds the population and the graph: megabytes per run
    if scenario.shocks:  # the library's counterfactual resilience, its twins from the cache
        table = resilience_table(
            scenario,
            result.daily["active"].to_numpy(),
            lambda alt: RUNS.get(alt, seed).result.daily["active"].to_numpy(np.float64),
        )
        result.resilience = table
        result.kpis.update(resilience_kpis(table))
    return Run(result, scenario.key(seed), leaders, time.perf_counter() - t0)


def counterfactual(run: Run, index: int) -> Run:
    """The run of the same scenario and seed without shock ``index`` (cached)."""
    return RUNS.get(without_shock(run.scenario, index), run.seed)


class RunCache:
    """A thread-safe LRU of runs keyed by the resolved scenario and seed.

    One key is computed at most once even when two sessions (or the background worker) ask
    for it at the same time; ``computed`` counts real simulations, which the tests use to
    prove that an unrelated widget recomputes nothing.
    """

    def __init__(self, max_entries: int = 256, max_bytes: int = 800_000_000) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes  # a 730-day run of 5,000 consumers holds ~15 MB (its log)
        self._bytes = 0
        self._data: OrderedDict[str, Run] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self.computed = 0
        self.hits = 0

    def __contains__(self, item: tuple[Scenario, int]) -> bool:
        sc, seed = item
        with self._lock:
            return sc.key(seed) in self._data

    def peek(self, scenario: Scenario, seed: int) -> Run | None:
        """The cached run, or None (never computes)."""
        with self._lock:
            return self._data.get(scenario.key(seed))

    def get(self, scenario: Scenario, seed: int) -> Run:
        key = scenario.key(seed)
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._data:
                    self.hits += 1
                    return self._data[key]
            run = simulate(scenario, seed)
            with self._lock:
                self._data[key] = run
                self._bytes += run.nbytes
                self.computed += 1
                while len(self._data) > 1 and (
                    len(self._data) > self.max_entries or self._bytes > self.max_bytes
                ):
                    _, old = self._data.popitem(last=False)
                    self._bytes -= old.nbytes
                self._key_locks.pop(key, None)
        return run

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._bytes = 0
            self.computed = 0
            self.hits = 0


RUNS = RunCache()


def run_cached(scenario: Scenario, seed: int) -> Run:
    return RUNS.get(scenario, seed)


# --------------------------------------------------------------------------- background work
@dataclass
class Job:
    """Work done by the background worker; pages read ``done``/``total`` and ``result``."""

    key: Hashable
    title: str
    total: int
    work: Callable[[Job], Any]
    done: int = 0
    result: Any = None
    error: str | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def step(self, n: int = 1) -> None:
        self.done += n

    @property
    def ready(self) -> bool:
        return self.finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)


class Worker:
    """One daemon thread running queued jobs in order; a job is queued once per key."""

    def __init__(self, max_jobs: int = 64) -> None:
        self._queue: queue.Queue[Job] = queue.Queue()
        self._jobs: OrderedDict[Hashable, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.max_jobs = max_jobs

    def submit(self, key: Hashable, title: str, total: int, work: Callable[[Job], Any]) -> Job:
        """The job for ``key``: the one already queued, running or done, else a new one."""
        with self._lock:
            job = self._jobs.get(key)
            if job is not None and job.error is None:
                self._jobs.move_to_end(key)
                return job
            job = Job(key, title, total, work)
            self._jobs[key] = job
            while len(self._jobs) > self.max_jobs:
                old_key = next(iter(self._jobs))
                if not self._jobs[old_key].ready:
                    break
                self._jobs.pop(old_key)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="symbiosim-background", daemon=True
                )
                self._thread.start()
        self._queue.put(job)
        return job

    def get(self, key: Hashable) -> Job | None:
        with self._lock:
            return self._jobs.get(key)

    def ahead_of(self, job: Job) -> list[str]:
        """Titles of the unfinished jobs queued before ``job`` (what it waits for)."""
        with self._lock:
            out = []
            for other in self._jobs.values():
                if other is job:
                    break
                if not other.ready:
                    out.append(other.title)
            return out

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job.ready:
                continue
            try:
                job.result = job.work(job)
            except Exception as err:  # shown on the page; never kills the server
                log.exception("background job %s failed", job.title)
                job.error = f"{type(err).__name__}: {err}"
            finally:
                job.finished.set()


WORKER = Worker()


# --------------------------------------------------------------------------- comparisons
@dataclass
class Compared:
    """A library comparison and the cached runs it rests on (by scenario, in seed order)."""

    comparison: Any  # sim.compare.Comparison
    runs: dict[str, list[Run]]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.comparison.scenarios]

    @property
    def seeds(self) -> list[int]:
        return list(self.comparison.seeds)


def compare_cached(
    scenarios: Sequence[Scenario],
    seeds: Iterable[int],
    progress: Callable[[int, int, str], None] | None = None,
) -> Compared:
    """``sim.compare.compare`` over the same seeds (common random numbers), every run taken
    from (or added to) the cache."""
    from sim.compare import compare

    seed_list = list(seeds)
    runs: dict[str, list[Run]] = {}
    total = len(scenarios) * len(seed_list)
    count = [0]

    def runner(sc: Scenario, seed: int) -> RunResult:
        run = RUNS.get(sc, seed)
        runs.setdefault(sc.name, []).append(run)
        return run.result

    def on_run(name: str, seed: int) -> None:
        count[0] += 1
        if progress:
            progress(count[0], total, name)

    comp = compare(list(scenarios), seed_list, runner=runner, on_run=on_run)
    return Compared(comp, runs)


def _band_frame(frame: pd.DataFrame) -> pd.DataFrame:
    mean, half = t_band(frame)
    return pd.DataFrame(
        {"day": frame.index, "mean": mean, "lo": mean - half, "hi": mean + half}
    ).reset_index(drop=True)


def series_bands(compared: Compared, column: str = "active") -> pd.DataFrame:
    """Per scenario and day: mean over seeds with its 95% t band (long form)."""
    parts = []
    for name, rs in compared.runs.items():
        frame = pd.DataFrame({r.seed: r.result.daily[column].to_numpy() for r in rs})
        b = _band_frame(frame)
        b["scenario"] = name
        parts.append(b)
    return pd.concat(parts, ignore_index=True)


def diff_band(compared: Compared, first: str, other: str, column: str = "active") -> pd.DataFrame:
    """``other − first`` per day, paired by seed, with its 95% t band."""
    a = {r.seed: r.result.daily[column].to_numpy() for r in compared.runs[first]}
    b = {r.seed: r.result.daily[column].to_numpy() for r in compared.runs[other]}
    seeds = [s for s in a if s in b]
    days = min(min(len(a[s]) for s in seeds), min(len(b[s]) for s in seeds))
    out = _band_frame(pd.DataFrame({s: b[s][:days] - a[s][:days] for s in seeds}))
    out["pair"] = f"{other} − {first}"
    return out


def retention_bands(compared: Compared, max_age: int = 730) -> pd.DataFrame:
    """Survival by customer age (the library's pooled curve) per scenario: the mean over
    seeds with its 95% t band (ages observed on enough customers in every seed)."""
    parts = []
    for name, rs in compared.runs.items():
        frame = pd.DataFrame({r.seed: r.result.retention["rate"] for r in rs})
        frame = frame.dropna().iloc[: max_age + 1]
        b = _band_frame(frame).rename(columns={"day": "age"})
        b["scenario"] = name
        parts.append(b)
    return pd.concat(parts, ignore_index=True).dropna(subset=["mean"])


def paired(compared: Compared, key: str, first: str, other: str) -> tuple[float, float]:
    """Mean of ``other − first`` over the shared seeds and its 95% t half-width."""
    k = compared.comparison.kpis
    a = k[k["scenario"] == first].set_index("seed")[key]
    b = k[k["scenario"] == other].set_index("seed")[key]
    common = a.index.intersection(b.index)
    return t_interval((b.loc[common] - a.loc[common]).tolist())


def comparison_long(compared: Compared, keys: Iterable[str]) -> pd.DataFrame:
    """Mean and 95% half-width per KPI and scenario, and the paired difference to the first
    scenario (the numbers behind the table; for downloads and the dot chart)."""
    names = compared.names
    table = compared.comparison.table(list(keys))
    rows = []
    for key in table.index:
        for name in names:
            mean, half = table.loc[key, name]
            row = {"kpi": key, "scenario": name, "mean": mean, "ci95": half}
            if name == names[0]:
                row["diff_vs_first"], row["diff_ci95"] = 0.0, float("nan")
            else:
                row["diff_vs_first"], row["diff_ci95"] = paired(compared, key, names[0], name)
            rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- downloads
def daily_csv(run: Run) -> bytes:
    return run.result.daily.to_csv().encode()


def _parquet(frame: pd.DataFrame, index: bool = True) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=index)
    return buf.getvalue()


def daily_parquet(run: Run) -> bytes:
    return _parquet(run.result.daily)


def transactions_parquet(run: Run) -> bytes:
    return _parquet(run.result.transactions, index=False)


def kpis_frame(run: Run) -> pd.DataFrame:
    return pd.DataFrame(
        [{"scenario": run.name, "seed": run.seed, "scenario_key": run.key, **run.result.kpis}]
    )


def kpis_csv(run: Run) -> bytes:
    return kpis_frame(run).to_csv(index=False).encode()


def kpis_parquet(run: Run) -> bytes:
    return _parquet(kpis_frame(run), index=False)


FIGURES = ("active", "retention", "cohorts", "money")


def figure_png(run: Run, which: str) -> bytes:
    """A matplotlib figure of the run as PNG (the same figures the CLI writes)."""
    from sim import plots

    makers = {
        "active": lambda: plots.active_figure(run.result),
        "retention": lambda: plots.retention_figure([run.result]),
        "cohorts": lambda: plots.cohort_figure(run.result),
        "money": lambda: plots.money_figure(run.result),
    }
    fig = makers[which]()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plots.plt.close(fig)
    return buf.getvalue()


def comparison_png(compared: Compared) -> bytes:
    """The CLI's comparison figure (active customers, mean and 95% band) as PNG."""
    from sim import plots

    comp = compared.comparison
    fig = plots.comparison_figure(comp.active, {s.name: s.shocks for s in comp.scenarios})
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plots.plt.close(fig)
    return buf.getvalue()


def warm_up_enabled() -> bool:
    """Background warm-up at server start (off in the tests: SYMBIOSIM_DASHBOARD_WARM_UP=0)."""
    return os.environ.get("SYMBIOSIM_DASHBOARD_WARM_UP", "1") != "0"
