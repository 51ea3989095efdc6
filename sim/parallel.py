"""Independent seeded runs over processes: one pool recipe for calibration, validation and
the scorecard."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def process_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool for independent seeded runs. Fork when it is safe (Linux, no other threads):
    workers start instantly with the model already imported; otherwise forkserver or spawn
    (importing Mesa in every fresh worker takes seconds)."""
    import multiprocessing as mp
    import sys
    import threading

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        ctx = mp.get_context("fork")
    elif "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.model"])
    else:
        ctx = mp.get_context("spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)


def parallel_map(fn: Callable[[Any], Any], items: Sequence[Any], jobs: int = 1) -> list[Any]:
    """``map`` over processes when ``jobs`` > 1 (each run is independent and seeded)."""
    if jobs <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with process_pool(min(jobs, len(items))) as ex:
        return list(ex.map(fn, items))
