"""Where runs execute: in-process (serial), local processes, or a Dask cluster.

Every backend yields ``(task, outcome)`` pairs as runs finish, with a bounded
number of runs in flight; outcomes never depend on which backend or worker ran
them (each run is a pure function of its scenario and seed). Infrastructure
failures (a crashed worker, a lost Dask worker) become ``failed`` outcomes for
the runs they took down, and the sweep carries on.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sim.batch.plan import RunTask
from sim.batch.worker import execute, failed_outcome
from sim.limits import WORKER_PROCESS_BYTES

BACKENDS = ("serial", "processes", "dask")

Outcome = tuple[RunTask, dict[str, Any]]


class BackendError(ValueError):
    """Bad backend options (message names the flag), or a cluster that cannot be reached."""


class ClusterError(RuntimeError):
    """The execution backend stopped working mid-sweep (e.g. every Dask worker is gone)."""


class Backend:
    """A context manager that executes tasks and yields outcomes as they finish."""

    name = "base"
    workers: int | None = 1
    #: memory each worker process takes beyond the runs it holds (0: runs in this process)
    process_bytes = 0

    def limit_workers(self, runs: int) -> None:
        """Start no more local workers than there are runs to execute."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def run(self, tasks: Iterable[RunTask]) -> Iterator[Outcome]:
        raise NotImplementedError


class SerialBackend(Backend):
    """Runs in the calling process, one after another (debugging, tiny sweeps)."""

    name = "serial"

    def run(self, tasks: Iterable[RunTask]) -> Iterator[Outcome]:
        for task in tasks:
            yield task, execute(task)


def _watch_parent() -> None:
    """Worker initializer: exit when the parent dies (e.g. kill -9), never linger."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True, name="symbiosim-parent-watch").start()


def _noop() -> int:
    return os.getpid()


class ProcessBackend(Backend):
    """A local pool of worker processes (the default): one run per process at a time."""

    name = "processes"
    process_bytes = WORKER_PROCESS_BYTES

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: Any = None

    def limit_workers(self, runs: int) -> None:
        # a pool starts all its processes at once: 4,096 of them for 2 runs took minutes
        self.workers = max(1, min(self.workers, runs))

    def _context(self) -> Any:
        # fork is instant (the parent has already imported the model) and safe while the
        # process has no other threads; otherwise forkserver (spawn where unavailable).
        methods = mp.get_all_start_methods()
        if sys.platform.startswith("linux") and threading.active_count() == 1:
            return mp.get_context("fork")
        if "forkserver" in methods:
            ctx = mp.get_context("forkserver")
            ctx.set_forkserver_preload(["sim.batch.worker", "sim.api"])
            return ctx
        return mp.get_context("spawn")

    def _start(self) -> None:
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=self._context(),
            initializer=_watch_parent,
        )
        # launch every worker now (fork happens before the coordinator opens the database)
        self._pool.submit(_noop).result()

    def __enter__(self) -> ProcessBackend:
        self._start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def run(self, tasks: Iterable[RunTask]) -> Iterator[Outcome]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        it = iter(tasks)
        window = 2 * self.workers
        inflight: dict[Any, tuple[RunTask, float]] = {}
        carry: RunTask | None = None  # a task the broken pool refused: resubmitted later
        while True:
            broken = False
            while len(inflight) < window:
                task, carry = (carry or next(it, None)), None
                if task is None:
                    break
                try:
                    fut = self._pool.submit(execute, task)
                except BrokenProcessPool:
                    carry, broken = task, True
                    break
                inflight[fut] = (task, time.perf_counter())
            if not inflight and not broken:
                return
            if inflight:
                done, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                if broken:  # the pool fails every pending future: collect them all
                    done, _ = wait(list(inflight))
                for fut in done:
                    task, t0 = inflight.pop(fut)
                    outcome, crashed = _pool_outcome(fut, task, t0)
                    broken = broken or crashed
                    yield task, outcome
            if broken:
                for fut in wait(list(inflight))[0]:
                    task, t0 = inflight.pop(fut)
                    yield task, _pool_outcome(fut, task, t0)[0]
                # a run took its worker down (crash, out-of-memory kill): start a fresh pool
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._start()


def _pool_outcome(fut: Any, task: RunTask, t0: float) -> tuple[dict[str, Any], bool]:
    """(outcome, pool broke) of a finished process-pool future."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return fut.result(), False
    except BrokenProcessPool as err:
        text = (
            "worker process died while this run was executing or queued "
            f"(a run crashed its worker or it was killed: {err})"
        )
        return failed_outcome(task, text, time.perf_counter() - t0), True
    except Exception as err:  # e.g. a result that cannot be pickled
        return failed_outcome(task, f"{type(err).__name__}: {err}"), False


class DaskBackend(Backend):
    """Dask distributed: an existing cluster (``scheduler``) or a local one (``workers``)."""

    name = "dask"

    def __init__(
        self,
        workers: int | None = None,
        scheduler: str | None = None,
        connect_timeout: float = 20.0,
        no_worker_timeout: float | None = None,
    ) -> None:
        self.workers = workers or (None if scheduler else os.cpu_count() or 1)
        self.scheduler = scheduler
        self.connect_timeout = connect_timeout
        # an existing (e.g. SLURM) cluster may wait in a queue for its workers: no limit;
        # a local cluster without workers is broken after two minutes
        self.no_worker_timeout = no_worker_timeout or (None if scheduler else 120.0)
        self.client: Any = None
        self.cluster: Any = None
        # a local cluster's workers are fresh interpreters; a remote cluster's are not ours
        self.process_bytes = 0 if scheduler else WORKER_PROCESS_BYTES

    def limit_workers(self, runs: int) -> None:
        if self.workers is not None:
            self.workers = max(1, min(self.workers, runs))

    def __enter__(self) -> DaskBackend:
        from dask.distributed import Client, LocalCluster

        if self.scheduler:
            try:
                self.client = Client(self.scheduler, timeout=self.connect_timeout)
            except (OSError, TimeoutError, ValueError) as err:  # ValueError: a bad address
                raise BackendError(
                    f"--scheduler: cannot connect to {self.scheduler} ({type(err).__name__}: {err})"
                ) from None
        else:
            self.cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            self.client = Client(self.cluster)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.client is not None:
            self.client.close()
            self.client = None
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def _window(self) -> int:
        try:
            threads = sum(self.client.nthreads().values())
        except Exception:
            threads = 0
        return max(2 * threads, 8)

    def run(self, tasks: Iterable[RunTask]) -> Iterator[Outcome]:
        from dask.distributed import wait

        it = iter(tasks)
        inflight: dict[Any, RunTask] = {}
        no_workers_since: float | None = None

        def fill() -> None:
            window = self._window()
            while len(inflight) < window:
                task = next(it, None)
                if task is None:
                    return
                key = f"symbiosim-{task.run_key}"
                inflight[self.client.submit(execute, task, key=key, pure=False)] = task

        fill()
        while inflight:
            try:
                done = wait(list(inflight), timeout=5, return_when="FIRST_COMPLETED").done
            except TimeoutError:
                done = set()
            if not done:  # nothing finished for a while: are there still workers?
                if self.client.scheduler_info().get("workers"):
                    no_workers_since = None
                else:
                    no_workers_since = no_workers_since or time.monotonic()
                    waited = time.monotonic() - no_workers_since
                    if self.no_worker_timeout is not None and waited > self.no_worker_timeout:
                        raise ClusterError(
                            f"dask: no workers for {waited:.0f} s (they died or were never "
                            "started); finished runs are saved, rerun to resume"
                        )
                continue
            for fut in done:
                task = inflight.pop(fut)
                try:
                    outcome = fut.result()
                except Exception as err:  # KilledWorker, lost connection, …
                    outcome = failed_outcome(task, f"dask: {type(err).__name__}: {err}")
                fut.release()
                yield task, outcome
            fill()


#: the address schemes a Dask scheduler listens on (distributed.comm's registry)
SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")


def check_scheduler_address(address: str) -> None:
    """A Dask scheduler address, SCHEME://HOST:PORT: checked before anything starts, since
    Dask itself reports a malformed one with a traceback."""
    scheme, sep, location = address.partition("://")
    host, colon, port = location.rpartition(":")
    bracketed = host.startswith("[") == host.endswith("]")  # an IPv6 host is [::1]
    ok = (
        sep
        and scheme in SCHEDULER_SCHEMES
        and colon
        and host.strip("[]")
        and bracketed
        and port.isdigit()
        and 0 < int(port) < 65536
    )
    if not ok:
        raise BackendError(
            f"--scheduler: expected an address like tcp://HOST:PORT (schemes: "
            f"{', '.join(SCHEDULER_SCHEMES)}; a port from 1 to 65535; an IPv6 host in "
            f"brackets, [::1]), got {address!r}"
        )


def make_backend(
    backend: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Backend:
    """Check the backend flags together; raise :class:`BackendError` naming the flag."""
    if backend is None:
        backend = "dask" if scheduler else "processes"
    if backend not in BACKENDS:
        raise BackendError(f"--backend: must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise BackendError(f"--workers: must be a whole number ≥ 1, got {workers!r}")
    if scheduler is not None and backend != "dask":
        raise BackendError(f"--scheduler: only used with --backend dask (backend is {backend})")
    if scheduler is not None and workers is not None:
        raise BackendError(
            "--workers: starts a local cluster; with --scheduler the cluster's own workers run"
        )
    if scheduler is not None:
        check_scheduler_address(scheduler)
    if backend == "serial":
        if workers not in (None, 1):
            raise BackendError("--workers: the serial backend runs one run at a time")
        return SerialBackend()
    if backend == "processes":
        return ProcessBackend(workers)
    return DaskBackend(workers, scheduler)


ProgressFn = Callable[[int, int], None]
