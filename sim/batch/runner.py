"""The sweep coordinator: plan, skip finished runs, execute the rest, record each as it ends.

Resume semantics: a run is done when the database holds it with status ``ok``
and the same run key; everything else (never run, failed, or in flight when
the previous coordinator died) is run again. Records are keyed by (point,
replicate), so rerunning never duplicates a row.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.batch.backends import make_backend
from sim.batch.plan import Plan, PlannedRun, build_plan
from sim.batch.spec import SweepSpec, load_spec
from sim.batch.storage import ResultsWriter, load_runs, read_sweep
from sim.kpis import cards
from sim.limits import LimitExceeded, check_memory, workers_that_fit
from sim.paths import Cleanup

if TYPE_CHECKING:
    import pandas as pd

DEFAULT_SUMMARY_KPIS = cards()


@dataclass
class SweepSummary:
    """What a call to :func:`run_sweep` did, and mean ± 95% CI of each KPI per design point."""

    name: str
    db_path: Path
    backend: str
    total: int  # runs in the plan (points × replications)
    skipped: int  # already done before this call
    ran: int  # executed by this call
    failed_now: int  # of which failed
    ok: int  # ok runs in the database now
    failed: int  # failed runs in the database now
    elapsed: float
    points: pd.DataFrame = field(repr=False)  # per point: params, n_ok, <kpi>_mean, <kpi>_ci95
    summary_kpis: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.ok == self.total


def default_db_path(spec: SweepSpec) -> Path:
    return Path("results") / f"{spec.name}.duckdb"


def run_sweep(
    spec: SweepSpec | str | Path | dict[str, Any],
    db_path: str | Path | None = None,
    backend: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    log: str | Path | None = None,
    allow_models: Sequence[str] = (),
    max_runs: int | str | None = None,
    max_memory: int | str | None = None,
) -> SweepSummary:
    """Run (or resume) a sweep into a DuckDB file; ``progress(done, total)`` per finished run.

    ``total`` counts the runs this call executes (finished ones are skipped). Spec, flag,
    size, memory and output-path errors are raised before the database is opened, so they
    never touch results and leave no file behind. ``allow_models`` lists plug-in models
    (``module:function``) this call may run besides the registered ones.
    """
    t0 = time.perf_counter()
    spec = load_spec(spec, allow_models=allow_models)
    db = Path(db_path) if db_path is not None else default_db_path(spec)
    check_outputs(db, log)
    executor = make_backend(backend, workers, scheduler)
    plan = build_plan(spec, max_runs=max_runs)
    executor.limit_workers(plan.total)
    if plan.heaviest is not None:
        if workers is None:  # one per core by default, as many of them as the memory allows
            executor.limit_workers(
                workers_that_fit(plan.heaviest, executor.process_bytes, max_memory)
            )
        check_plan_memory(plan, executor.workers or 1, max_memory, executor.process_bytes)
    writer = ResultsWriter(db, plan)
    log_files = Cleanup()
    try:
        return _execute(spec, plan, writer, executor, progress, log, log_files, t0)
    except BaseException:
        if writer.recorded == 0:  # stopped before its first run: leave nothing behind
            log_files.undo()
        writer.discard_if_empty()
        raise


def _execute(
    spec: SweepSpec,
    plan: Plan,
    writer: ResultsWriter,
    executor: Any,
    progress: Callable[[int, int], None] | None,
    log: str | Path | None,
    log_files: Cleanup,
    t0: float,
) -> SweepSummary:
    db = writer.path
    with writer:
        finished = writer.finished()
    attempts = {k: a for k, (_, _, a) in finished.items()}
    groups: dict[str, list[PlannedRun]] = {}
    skipped = 0
    for run in plan.runs:
        key, status, _ = finished.get((run.point, run.replicate), ("", "", 0))
        if key == run.run_key and status == "ok":
            skipped += 1
        else:
            groups.setdefault(run.run_key, []).append(run)
    total = len(groups)
    done = failed_now = ran = 0
    if progress and not groups:
        progress(0, 0)
    if groups:
        executor.limit_workers(total)  # a resumed sweep may have a few runs left
        logf = None
        if log:
            log_path = Path(log)
            log_files.make_parents(log_path)
            if not log_path.exists():
                log_files.created(log_path)
            logf = open(log_path, "a", encoding="utf-8")  # noqa: SIM115
        try:
            # workers start first: forked before the database is reopened and before any
            # progress-bar thread exists, they inherit neither
            with executor, writer:
                if progress:
                    progress(0, total)
                tasks = (plan.task(runs[0]) for runs in groups.values())
                for task, outcome in executor.run(tasks):
                    runs = groups[task.run_key]
                    writer.record(runs, outcome, attempts)
                    done += 1
                    ran += len(runs)
                    failed_now += len(runs) if outcome["status"] != "ok" else 0
                    if logf:
                        for r in runs:
                            logf.write(_log_line(r, outcome) + "\n")
                        logf.flush()
                    if progress:
                        progress(done, total)
        finally:
            if logf:
                logf.close()
    runs_df = load_runs(db)
    points = summarize(runs_df, spec.names)
    return SweepSummary(
        name=spec.name,
        db_path=db,
        backend=executor.name,
        total=plan.total,
        skipped=skipped,
        ran=ran,
        failed_now=failed_now,
        ok=int((runs_df["status"] == "ok").sum()),
        failed=int((runs_df["status"] != "ok").sum()),
        elapsed=time.perf_counter() - t0,
        points=points,
        summary_kpis=summary_kpis(spec, points),
    )


def check_outputs(db: Path, log: str | Path | None) -> None:
    """The results file and the log can be written (checked before anything is created)."""
    from sim.batch.storage import StorageError
    from sim.paths import OutputPathError, check_output_file

    try:
        check_output_file(db, "--out")
        if log is not None:
            check_output_file(Path(log), "--log")
    except OutputPathError as err:
        raise StorageError(str(err)) from None


def check_plan_memory(
    plan: Plan, concurrent: int, limit: int | str | None = None, process_bytes: int = 0
) -> None:
    """The heaviest design point, times the runs held at once, plus the worker processes
    holding them (``process_bytes`` each), fits the memory limit."""
    from sim.batch.spec import SpecError

    try:
        check_memory(
            plan.heaviest,
            concurrent=concurrent,
            limit=limit,
            process_bytes=process_bytes,
            workers_flag="--workers",
        )
    except LimitExceeded as err:
        raise SpecError(f"parameters: the largest design point: {err}") from None


def _log_line(run: PlannedRun, outcome: dict[str, Any]) -> str:
    return json.dumps(
        {
            "point": run.point,
            "replicate": run.replicate,
            "run_key": run.run_key,
            "status": outcome["status"],
            "duration": outcome.get("duration"),
            "time": time.time(),
        }
    )


def kpi_columns(runs: pd.DataFrame, params: Sequence[str]) -> list[str]:
    """KPI columns of a :func:`load_runs` frame (everything after the parameters)."""
    from sim.batch.storage import PUBLIC_COLUMNS

    return [c for c in runs.columns if c not in PUBLIC_COLUMNS and c not in params]


def summarize(runs: pd.DataFrame, params: Sequence[str]) -> pd.DataFrame:
    """Per design point: parameter values, n_ok, n_failed, ``<kpi>_mean`` and ``<kpi>_ci95``
    (half-width of the 95% t-interval over replicates, :func:`sim.compare.mean_ci`)."""
    import pandas as pd

    from sim.compare import mean_ci

    kpis = kpi_columns(runs, params)
    if runs.empty:
        return pd.DataFrame(columns=["point", *params, "n_ok", "n_failed"])
    ok = runs[runs["status"] == "ok"]
    first = runs.drop_duplicates("point").set_index("point")[list(params)]
    out = first.copy()
    out["n_ok"] = ok.groupby("point").size().reindex(out.index, fill_value=0)
    out["n_failed"] = runs.groupby("point").size().reindex(out.index, fill_value=0) - out["n_ok"]
    stats: dict[str, list[float]] = {}
    grouped = ok.groupby("point")
    for k in kpis:
        means, cis = [], []
        series = grouped[k]
        per_point = {p: s.to_numpy() for p, s in series}
        for p in out.index:
            m, c = mean_ci(per_point.get(p, []))
            means.append(m)
            cis.append(c)
        stats[f"{k}_mean"] = means
        stats[f"{k}_ci95"] = cis
    out = pd.concat([out, pd.DataFrame(stats, index=out.index)], axis=1)
    return out.reset_index()


def summary_kpis(spec: SweepSpec, points: pd.DataFrame) -> list[str]:
    """The KPIs shown in the end-of-sweep table (spec.summary_kpis or a default set)."""
    available = [c[: -len("_mean")] for c in points.columns if c.endswith("_mean")]
    wanted = list(spec.summary_kpis or DEFAULT_SUMMARY_KPIS)
    chosen = [k for k in wanted if k in available]
    return chosen or available[:4]


def summarize_db(db_path: str | Path) -> pd.DataFrame:
    """:func:`summarize` of a results database."""
    meta = read_sweep(db_path)
    return summarize(load_runs(db_path), meta["parameters"])
