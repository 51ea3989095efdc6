"""How fast the command line answers: ``symbiosim --help``, ``symbiosim scenarios`` and
``symbiosim validate scenarios/baseline.yaml``, plus ``import sim`` for reference.

Usage::

    python benchmarks/cli_startup.py              # 7 runs of each, after one warm-up
    python benchmarks/cli_startup.py --runs 15

Every run is a fresh process (start-up is what is measured, so nothing may be cached in
the interpreter); the first run of each command warms the disk cache and is not counted.
Reported: the median wall time and the median CPU time (user + system of the child, from
``wait4``). CPU time is printed next to wall time because the benchmark machine is shared:
under load wall time stretches, CPU time much less. This is a benchmark, not a test: the
figures go into docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def symbiosim() -> list[str]:
    """The console script next to this interpreter (what a user runs), else ``-m sim.cli``."""
    script = Path(sys.executable).parent / "symbiosim"
    if script.is_file():
        return [str(script)]
    found = shutil.which("symbiosim")
    return [found] if found else [sys.executable, "-m", "sim.cli"]


def commands() -> dict[str, list[str]]:
    cli = symbiosim()
    return {
        "symbiosim --help": [*cli, "--help"],
        "symbiosim scenarios": [*cli, "scenarios"],
        "symbiosim validate scenarios/baseline.yaml": [
            *cli,
            "validate",
            str(ROOT / "scenarios" / "baseline.yaml"),
        ],
        "python -c 'import sim'": [sys.executable, "-c", "import sim"],
    }


def time_once(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh process; fails loudly if the command fails."""
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage, not all children's
        wall = time.perf_counter() - t0
        proc.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            raise SystemExit(f"{' '.join(cmd)} exited {code}: {err.read().decode().strip()}")
    return wall, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="counted runs per command")
    args = ap.parse_args(argv)
    rows = []
    for label, cmd in commands().items():
        time_once(cmd)  # warm-up: disk cache, .pyc files
        samples = [time_once(cmd) for _ in range(args.runs)]
        rows.append(
            (
                label,
                statistics.median(w for w, _ in samples),
                statistics.median(c for _, c in samples),
                max(w for w, _ in samples),
            )
        )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"median of {args.runs} fresh processes; Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs, load {load:.1f}"
    )
    print()
    print("| command | wall s (median) | CPU s (median) | wall s (max) |")
    print("|---|--:|--:|--:|")
    for label, wall, cpu, worst in rows:
        print(f"| `{label}` | {wall:.2f} | {cpu:.2f} | {worst:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
