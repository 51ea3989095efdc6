"""Input limits: every bound the project puts on what it reads and builds, in one table.

Why: a shared scenario, sweep spec, graph file or upload must not be able to hang a
command or exhaust memory. Each limit is checked *before* the work it protects (parsing,
building a population, allocating a sweep design), and a refusal names the limit, the
value found and how to raise it. ``docs/limits.md`` lists the same table.

Limits marked with an environment variable can be raised for a session
(``SYMBIOSIM_MAX_MEMORY=32GB``); the memory and sweep-size limits can also be raised for
one command by a flag (``--max-memory``, ``--max-runs``). The others are fixed: nothing
legitimate comes near them.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.batch.spec import SweepSpec
    from sim.scenario import Scenario


class LimitError(ValueError):
    """A limit's own setting (environment variable or flag) is not a valid number or size."""


class LimitExceeded(ValueError):
    """Input above a limit. The message names the field, the amount, the limit and how to
    raise it; callers re-raise it as their own input error (ScenarioError, SpecError).

    This module imports nothing from the project, so every layer can use it."""


@dataclass(frozen=True)
class Limit:
    """One bound: its default, the variable (and flag) that raises it, what it protects."""

    name: str
    default: int
    unit: str  # "bytes" or "count"
    what: str
    env: str | None = None
    flag: str | None = None

    def value(self, override: int | str | None = None) -> int:
        """The limit in force: a flag's value, else the environment variable, else the default."""
        if override is not None:
            return parse_amount(override, self.flag or self.name, self.unit)
        raw = os.environ.get(self.env) if self.env else None
        if raw is not None and raw.strip():
            return parse_amount(raw, self.env or self.name, self.unit)
        return self.default

    def describe(self, value: int | None = None) -> str:
        v = self.default if value is None else value
        return format_bytes(v) if self.unit == "bytes" else f"{v:,}"

    def how_to_raise(self) -> str:
        v = "SIZE" if self.unit == "bytes" else "N"
        ways = [f"{self.flag} {v}" if self.flag else "", f"{self.env}={v}" if self.env else ""]
        ways = [w for w in ways if w]
        return "raise it with " + " or ".join(ways) if ways else "a fixed limit"


_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?\s*$", re.IGNORECASE)


def parse_amount(raw: int | str, where: str, unit: str = "count") -> int:
    """``4GB``, ``512MB``, ``1.5G``, ``2GiB`` or a plain number; raise LimitError naming ``where``."""
    if isinstance(raw, bool):
        raise LimitError(f"{where}: must be a positive number (got {raw!r})")
    if isinstance(raw, int):
        value = raw
    else:
        m = _SIZE_RE.match(str(raw))
        if not m or (unit != "bytes" and m.group(2)):
            example = "a size such as 8GB or 512MB" if unit == "bytes" else "a whole number"
            raise LimitError(f"{where}: must be {example} (got {raw!r})")
        suffix = (m.group(2) or "").lower()
        prefix = suffix.replace("i", "").replace("b", "")
        base = 1024 if "i" in suffix else 1000
        value = int(float(m.group(1)) * base ** "_kmgt".index(prefix or "_"))
    if value < 1:
        raise LimitError(f"{where}: must be at least 1 (got {raw!r})")
    return value


def format_bytes(n: float) -> str:
    """Bytes as a short decimal size: 512 B, 3.4 MB, 12.0 GB."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} B"


def _physical_memory() -> int:
    """Total RAM of this machine (bytes); 8 GB when the OS does not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 * 10**9


# --------------------------------------------------------------------------- the table
MAX_MEMORY = Limit(
    "max_memory",
    _physical_memory() // 2,
    "bytes",
    "estimated memory of a run's population and network (times the runs held at once)",
    env="SYMBIOSIM_MAX_MEMORY",
    flag="--max-memory",
)
MAX_RUNS = Limit(
    "max_runs",
    100_000,
    "count",
    "runs in one sweep (design points × replications), checked before the design is built",
    env="SYMBIOSIM_MAX_RUNS",
    flag="--max-runs",
)
YAML_MAX_BYTES = Limit("yaml_max_bytes", 1_000_000, "bytes", "size of a scenario or sweep file")
YAML_MAX_DEPTH = Limit("yaml_max_depth", 40, "count", "nesting depth of a YAML document")
YAML_MAX_NODES = Limit(
    "yaml_max_nodes",
    200_000,
    "count",
    "values in a YAML document after expanding aliases (*name)",
)
SET_MAX_BYTES = Limit("set_max_bytes", 100_000, "bytes", "one --set value")
UPLOAD_MAX_BYTES = Limit(
    "upload_max_bytes", 200_000, "bytes", "a scenario uploaded to the dashboard"
)
UPLOAD_MAX_NODES = Limit(
    "upload_max_nodes", 20_000, "count", "values in an uploaded scenario after expanding aliases"
)
GRAPH_MAX_BYTES = Limit(
    "graph_max_bytes",
    250_000_000,
    "bytes",
    "an edge-list graph file (network.path; loading costs ~25x its size)",
    env="SYMBIOSIM_MAX_GRAPH_BYTES",
)
GRAPH_MAX_EDGES = Limit(
    "graph_max_edges",
    5_000_000,
    "count",
    "rows (edges) of an edge-list graph file (~300 bytes each while loading)",
    env="SYMBIOSIM_MAX_GRAPH_EDGES",
)
GRAPHML_MAX_BYTES = Limit(
    "graphml_max_bytes",
    50_000_000,
    "bytes",
    "a GraphML graph file (networkx parses it in memory: ~30x its size)",
    env="SYMBIOSIM_MAX_GRAPHML_BYTES",
)
CSV_MAX_BYTES = Limit(
    "csv_max_bytes",
    20_000_000,
    "bytes",
    "an observed-series CSV (calibrate --data)",
    env="SYMBIOSIM_MAX_CSV_BYTES",
)
CSV_MAX_ROWS = Limit(
    "csv_max_rows",
    20_000,
    "count",
    "rows of an observed-series CSV (one row per day; a run lasts at most 20,000 days)",
    env="SYMBIOSIM_MAX_CSV_ROWS",
)

LIMITS: tuple[Limit, ...] = (
    MAX_MEMORY,
    MAX_RUNS,
    YAML_MAX_BYTES,
    YAML_MAX_DEPTH,
    YAML_MAX_NODES,
    SET_MAX_BYTES,
    UPLOAD_MAX_BYTES,
    UPLOAD_MAX_NODES,
    GRAPH_MAX_BYTES,
    GRAPH_MAX_EDGES,
    GRAPHML_MAX_BYTES,
    CSV_MAX_BYTES,
    CSV_MAX_ROWS,
)


# --------------------------------------------------------------------------- memory
#: Measured peak memory above the interpreter and the libraries a run loads (peak RSS;
#: sbm/small_world/scale_free/erdos_renyi/ring/complete at 4,000-1,000,000 consumers and
#: mean degree 12-1,000; shipped scenarios over 5-2,000 days; see docs/limits.md), rounded
#: up: per consumer, per consumer-day (daily series), per purchase (the transaction log,
#: ~390 bytes a row at its peak, when the log is built), per undirected edge.
BYTES_PER_CONSUMER = 320
BYTES_PER_CONSUMER_DAY = 0.5
BYTES_PER_PURCHASE = 400
BYTES_PER_EDGE = 100
#: Memory of a local sweep worker process beyond the runs it holds, rounded up from the
#: measured resident size of a worker started afresh (forkserver, spawn, a local Dask
#: worker) after importing what a run needs and running one: about 207 MB, 120-140 MB of it
#: its own heap, the rest shared libraries. A forked worker starts smaller and grows towards
#: its parent's heap as the garbage collector touches it (13 MB after one run, 50 MB after
#: five and a full collection). Counted per worker, so --workers 4096 is refused up front.
WORKER_PROCESS_BYTES = 250_000_000
#: ``kind: complete`` above this size is implicit (no edge arrays; sim.network).
_COMPLETE_IMPLICIT_ABOVE = 5_000


def expected_edges(kind: str, n: int, mean_degree: float) -> float:
    """Undirected edges a generated network of ``n`` nodes holds (what its arrays cost)."""
    pairs = n * (n - 1) / 2
    if kind == "complete":
        return 0.0 if n > _COMPLETE_IMPLICIT_ABOVE else pairs
    if kind == "file":
        return 0.0  # bounded by the graph-file limits instead
    if not math.isfinite(mean_degree) or mean_degree <= 0:
        return pairs
    return min(n * mean_degree / 2.0, pairs)


def most_purchases(scenario: Scenario) -> float:
    """An upper bound of a run's purchases: every consumer buying at their segment's need
    rate every day (real runs reach 70-90% of it in the shipped scenarios, far less when
    few consumers adopt)."""
    segments = scenario.population.segments.values()
    need = sum(float(s.share) * float(s.need_rate) for s in segments)
    return float(scenario.population.consumers) * int(scenario.days) * min(max(need, 0.0), 1.0)


def estimate_memory(scenario: Scenario) -> int:
    """Peak bytes one run of ``scenario`` needs: population, network, daily series and the
    transaction log (one row per purchase)."""
    n = int(scenario.population.consumers)
    net = scenario.network
    edges = expected_edges(net.kind, n, float(net.mean_degree))
    total = (
        BYTES_PER_CONSUMER * n
        + BYTES_PER_CONSUMER_DAY * n * int(scenario.days)
        + BYTES_PER_PURCHASE * most_purchases(scenario)
        + BYTES_PER_EDGE * edges
    )
    return int(math.ceil(total))


def models_held(scenario: Scenario, counterfactual: bool = True) -> int:
    """Models alive at once in one run: a run with a shock inside its horizon builds its
    counterfactual twin (the same run without the shock, for resilience) while it still
    holds its own."""
    return 2 if counterfactual and scenario.resilience_shocks() else 1


def check_memory(
    scenario: Scenario,
    *,
    concurrent: int = 1,
    limit: int | str | None = None,
    where: str = "population.consumers",
    advice: str | None = None,
    counterfactual: bool = True,
    process_bytes: int = 0,
    workers_flag: str | None = None,
) -> int:
    """Refuse (LimitExceeded) a run whose estimate, times the models held at once (runs in
    parallel, and a counterfactual twin per run with shocks), exceeds the memory limit;
    return the estimate of one model. Called before anything is built. ``advice`` replaces
    the "raise it with ..." hint (e.g. in the dashboard, where no flag can be given).
    ``process_bytes``: what each of the ``concurrent`` worker processes takes besides its
    runs (0: the runs share this process); ``workers_flag``: the option that set
    ``concurrent`` (e.g. ``--jobs``), suggested as a remedy when it is above 1."""
    try:
        cap = MAX_MEMORY.value(limit)
    except LimitError as err:
        raise LimitExceeded(str(err)) from None
    one = estimate_memory(scenario)
    workers = max(1, int(concurrent))
    if advice is None and workers_flag and workers > 1:
        advice = f", fewer {workers_flag} ({workers:,} now), or {MAX_MEMORY.how_to_raise()}"
    held = workers * models_held(scenario, counterfactual)
    need = one * held + workers * process_bytes
    if need > cap:
        n = scenario.population.consumers
        net = scenario.network
        times = f" × {held} models at once" if held > 1 else ""
        if process_bytes:
            times += f" + {workers:,} worker processes × {format_bytes(process_bytes)}"
        times += f" = {format_bytes(need)}" if times else ""
        raise LimitExceeded(
            f"{where}: {n:,} consumers over {scenario.days:,} days on a {net.kind} network "
            f"(mean degree {net.mean_degree:g}) need about {format_bytes(one)}{times}, above the memory "
            f"limit of {format_bytes(cap)}; use fewer consumers, fewer days or a sparser network"
            + (f", or {MAX_MEMORY.how_to_raise()}" if advice is None else advice)
        )
    return one


def workers_that_fit(scenario: Scenario, process_bytes: int, limit: int | str | None = None) -> int:
    """How many local workers, each a process of ``process_bytes`` holding one run of
    ``scenario``, fit the memory limit: at least 1 (one that does not fit, or a bad limit,
    is :func:`check_memory`'s to report)."""
    try:
        cap = MAX_MEMORY.value(limit)
    except LimitError:
        return 1
    per_worker = estimate_memory(scenario) * models_held(scenario) + process_bytes
    return max(1, int(cap // max(per_worker, 1)))


# --------------------------------------------------------------------------- sweeps
#: Measured cost of a sweep plan (build_plan at 2,000 points and at 1,000,000 runs):
#: a resolved scenario per design point, a run key and seed per run.
PLAN_BYTES_PER_POINT = 25_000
PLAN_BYTES_PER_RUN = 2_600


def design_points(spec: SweepSpec) -> int:
    """Design points of a spec, from its fields alone (no design is built or sampled)."""
    d = spec.design
    k = len(spec.parameters)
    if d.kind == "factorial":
        total = 1
        for p in spec.parameters.values():
            total *= level_count(p)
        return total
    n = int(d.samples or 0)
    if d.kind == "lhs":
        return n
    if d.kind == "sobol":
        return n * (2 * k + 2 if d.second_order else k + 2)
    return n * (k + 1)  # morris


def level_count(p: Any) -> int:
    """Levels of one factorial parameter: values, ``num``, or the step grid's length (the
    same arithmetic as numpy's ``arange``). Whole-number levels are deduplicated after
    rounding, so they are counted from the levels themselves (at most 100,000 per spec)."""
    if p.values is not None:
        return len(p.values)
    if p.integer:
        return len(p.levels())
    if p.step is not None:
        return max(int(math.ceil((p.high + p.step * 1e-9 - p.low) / p.step)), 1)
    return int(p.num or 1)


def sweep_runs(spec: SweepSpec) -> int:
    """Runs a spec asks for: design points × replications (exact, from the spec alone)."""
    return design_points(spec) * int(spec.replications)


def check_sweep_size(spec: SweepSpec, limit: int | str | None = None) -> int:
    """Refuse (LimitExceeded) a sweep above the run limit or whose plan alone would exceed
    the memory limit; return its number of runs. Nothing is allocated before this check."""
    try:
        cap = MAX_RUNS.value(limit)
        mem_cap = MAX_MEMORY.value()
    except LimitError as err:
        raise LimitExceeded(str(err)) from None
    points = design_points(spec)
    runs = points * int(spec.replications)
    detail = _size_detail(spec, points)
    if runs > cap:
        raise LimitExceeded(
            f"{detail}: {runs:,} runs ({points:,} design points × {spec.replications:,} "
            f"replication{'s' if spec.replications != 1 else ''}) is more than the sweep "
            f"limit of {cap:,} runs; reduce it, or "
            f"{MAX_RUNS.how_to_raise()}"
        )
    plan = points * PLAN_BYTES_PER_POINT + runs * PLAN_BYTES_PER_RUN
    if plan > mem_cap:
        raise LimitExceeded(
            f"{detail}: planning {runs:,} runs ({points:,} design points) needs about "
            f"{format_bytes(plan)}, above the memory limit of {format_bytes(mem_cap)}; "
            f"reduce the sweep, or {MAX_MEMORY.how_to_raise()}"
        )
    return runs


def _size_detail(spec: SweepSpec, points: int) -> str:
    """The spec field that makes the sweep large: replications, the samples or the levels."""
    if spec.replications > points:
        return "replications"
    return "parameters" if spec.design.kind == "factorial" else "design.samples"


def markdown_table(limits: Iterable[Limit] = LIMITS) -> str:
    """The table of docs/limits.md (a test keeps the page equal to it)."""
    lines = ["| limit | default | bounds | raise with |", "|---|---|---|---|"]
    for row in limits_table(limits):
        ways = row["raise with"]
        ways = ways if ways == "fixed" else ", ".join(f"`{w}`" for w in ways.split(", "))
        lines.append(f"| `{row['limit']}` | {row['default']} | {row['bounds']} | {ways} |")
    return "\n".join(lines) + "\n"


def limits_table(limits: Iterable[Limit] = LIMITS) -> list[dict[str, str]]:
    """Rows for the documentation: name, default, what it bounds, how to raise it."""
    return [
        {
            "limit": lim.name,
            "default": "half the machine's RAM" if lim is MAX_MEMORY else lim.describe(),
            "bounds": lim.what,
            "raise with": ", ".join(x for x in (lim.flag, lim.env) if x) or "fixed",
        }
        for lim in limits
    ]
