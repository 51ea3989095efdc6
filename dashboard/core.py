"""Dashboard logic that needs no Streamlit: cached runs, safe input, levers, URL state.

Kept apart from the pages so it can be tested directly and so every page shares one
cache: a run is identified by the resolved scenario and the seed (``Scenario.key``),
so reruns of a page, other pages and other browser sessions reuse it.
"""

from __future__ import annotations

import base64
import binascii
import copy
import io
import json
import logging
import math
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

import sim
from sim import kpis as _kpis
from sim import levers as _levers
from sim import mechanisms
from sim.accounts import FLOWS
from sim.limits import UPLOAD_MAX_BYTES, UPLOAD_MAX_NODES, LimitExceeded, check_memory
from sim.network import NetworkError
from sim.scenario import (
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    deep_merge,
    load_scenario,
    read_scenario_dict,
    shipped_scenarios,
    validate_scenario,
)
from sim.shocks import SHOCKS

# --------------------------------------------------------------------------- limits
MAX_CONSUMERS = 50_000  # interactive pages; the CLI has no such cap
MAX_DAYS = 3_650
MAX_SEED = 2**32 - 1
MAX_UPLOAD_BYTES = UPLOAD_MAX_BYTES.value()  # a scenario is a few KB (sim.limits)
CLASSROOM_MAX_CONSUMERS = 2_000  # the picture stays readable and smooth up to here
MAX_COMPARE_SCENARIOS = 6
MAX_COMPARE_SEEDS = 20
MAX_URL_CHARS = 6_000  # browsers and proxies start to cut URLs around 8 KB
MAX_UNPACKED_BYTES = 200_000

DEFAULT_SCENARIO = "subsidy_group_buying"

INPUT_ERRORS: tuple[type[Exception], ...] = (ScenarioError, NetworkError)


class InputError(ScenarioError):
    """Input the dashboard refuses (too large, unsafe); the message says what to do instead."""


def cli_hint(n: int | None = None) -> str:
    flag = f" --consumers {n}" if n else ""
    return f"download the scenario YAML and run `symbiosim run scenario.yaml{flag}` from a terminal"


# --------------------------------------------------------------------------- runs
@dataclass(frozen=True)
class RunSummary:
    """What the pages show of one run; the Mesa model itself is not kept (memory)."""

    scenario: Scenario
    seed: int
    key: str
    daily: pd.DataFrame
    kpis: dict[str, float]
    retention_curve: pd.Series
    cohorts: pd.DataFrame
    accounts: pd.DataFrame
    leaders: pd.DataFrame
    seconds: float
    retention_n: np.ndarray | None = None  # customers who reached each age (curve support)

    def retention_supported(self, min_share: float = 0.1, min_n: int = 50) -> pd.Series:
        """The retention curve where enough customers reached the age to estimate it; the
        tail rests on a handful of early customers and swings between 0 and 100%."""
        curve = self.retention_curve
        if self.retention_n is None:
            return curve.dropna()
        n = np.asarray(self.retention_n)[: len(curve)]
        need = max(min_n, min_share * float(n.max() if len(n) else 0))
        return curve[(n >= need) & curve.notna().to_numpy()]

    @property
    def name(self) -> str:
        return self.scenario.name


def simulate(scenario: Scenario, seed: int) -> RunSummary:
    """Run once and keep the tables the pages need (no cache; see :data:`RUNS`)."""
    t0 = time.perf_counter()
    result = sim.run(scenario, seed=seed)
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
    return RunSummary(
        scenario=result.scenario,
        seed=seed,
        key=scenario.key(seed),
        daily=result.daily,
        kpis=dict(result.kpis),
        retention_curve=result.retention_curve,
        cohorts=result.cohorts,
        accounts=result.accounts,
        leaders=leaders,
        seconds=time.perf_counter() - t0,
        retention_n=_retention_counts(model, len(result.retention_curve)),
    )


def _retention_counts(model: Any, length: int) -> np.ndarray | None:
    reached = getattr(getattr(model, "retention", None), "reached", None)
    return None if reached is None else np.asarray(reached, np.int64)[:length].copy()


class RunCache:
    """A thread-safe LRU of run summaries keyed by the resolved scenario and seed.

    One key is computed at most once even when two sessions (or the warm-up thread)
    ask for it at the same time; ``computed`` counts real simulations, which the
    tests use to prove that an unrelated widget recomputes nothing.
    """

    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._data: OrderedDict[str, RunSummary] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self.computed = 0
        self.hits = 0

    def __contains__(self, item: tuple[Scenario, int]) -> bool:
        sc, seed = item
        with self._lock:
            return sc.key(seed) in self._data

    def peek(self, scenario: Scenario, seed: int) -> RunSummary | None:
        """The cached run, or None (never computes)."""
        with self._lock:
            return self._data.get(scenario.key(seed))

    def get(self, scenario: Scenario, seed: int) -> RunSummary:
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
            summary = simulate(scenario, seed)
            with self._lock:
                self._data[key] = summary
                self.computed += 1
                while len(self._data) > self.max_entries:
                    self._data.popitem(last=False)
                self._key_locks.pop(key, None)
        return summary

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.computed = 0
            self.hits = 0


RUNS = RunCache()


def run_cached(scenario: Scenario, seed: int) -> RunSummary:
    return RUNS.get(scenario, seed)


_warmed = threading.Event()


def warm_up(scenarios: Iterable[Scenario] | None = None, seed: int = 0) -> None:
    """Compute the default Explore view in a background thread, once per server process,
    so the first visitor does not wait for it."""
    if _warmed.is_set():
        return
    _warmed.set()
    todo = (
        list(scenarios)
        if scenarios is not None
        else [
            load_shipped(DEFAULT_SCENARIO),
            baseline_reference(load_shipped(DEFAULT_SCENARIO)),
        ]
    )

    def work() -> None:
        try:
            for sc in todo:
                RUNS.get(sc, seed)
        except Exception:  # the page will run (and report) it again; never kill the server
            logging.getLogger(__name__).exception("dashboard warm-up run failed")

    threading.Thread(target=work, name="symbiosim-warm-up", daemon=True).start()


# --------------------------------------------------------------------------- scenarios
@lru_cache(maxsize=1)
def _shipped() -> tuple[tuple[str, str], ...]:
    return tuple(shipped_scenarios().items())


def shipped() -> dict[str, str]:
    """Shipped scenario names and descriptions (read once per process)."""
    return dict(_shipped())


@lru_cache(maxsize=32)
def _load_shipped(name: str) -> Scenario:
    return load_scenario(SCENARIO_DIR / f"{name}.yaml")


def load_shipped(name: str) -> Scenario:
    """A shipped scenario by name; anything else (a path, say) is refused."""
    names = shipped()
    if name not in names:
        raise InputError(
            f"scenario: unknown shipped scenario '{name}' (choose one of: {', '.join(names)})"
        )
    return _load_shipped(name)


def baseline_reference(sc: Scenario) -> Scenario:
    """The shipped no-program baseline in the same market: population, network, brands,
    behaviour, horizon, shocks and how KPIs are observed copied, so the difference is the
    program's effect."""
    data = load_shipped("baseline").to_dict()
    cur = sc.to_dict()
    for k in ("days", "population", "network", "brands", "behaviour", "shocks", "observation"):
        data[k] = copy.deepcopy(cur[k])
    data["name"] = "baseline"
    return validate_scenario(data)


def check_limits(
    sc: Scenario, max_consumers: int = MAX_CONSUMERS, where: str = "this page"
) -> None:
    """Refuse what an interactive page should not run; the message points to the CLI."""
    n = sc.population.consumers
    if sc.network.kind == "file" or sc.network.path:
        raise InputError(
            "network.kind: 'file' (a graph file on the server) is not available in the "
            f"dashboard; choose sbm, small_world, scale_free, erdos_renyi, complete or ring, "
            f"or {cli_hint()}"
        )
    if n > max_consumers:
        raise InputError(
            f"population.consumers: at most {max_consumers:,} on {where} (got {n:,}); "
            f"for more, {cli_hint(n)}"
        )
    if sc.days > MAX_DAYS:
        raise InputError(
            f"days: at most {MAX_DAYS:,} on {where} (got {sc.days:,}); for longer runs, "
            f"{cli_hint()}"
        )
    try:  # a dense network (huge mean degree) can need gigabytes even at 50,000 consumers
        check_memory(sc, where="network.mean_degree", advice="")
    except LimitExceeded as err:
        raise InputError(str(err)) from None


def check_seed(value: Any) -> int:
    """A seed is a whole number 0..2³²-1; anything else gets a message, not a clamp."""
    if isinstance(value, np.integer | np.floating):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"seed: must be a whole number from 0 to {MAX_SEED:,} (got {value!r})")
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        raise InputError(f"seed: must be a whole number from 0 to {MAX_SEED:,} (got {value!r})")
    seed = int(value)
    if not 0 <= seed <= MAX_SEED:
        raise InputError(f"seed: must be a whole number from 0 to {MAX_SEED:,} (got {seed:,})")
    return seed


def parse_upload(data: bytes, filename: str = "scenario.yaml") -> Scenario:
    """Parse an uploaded scenario safely: the project's bounded YAML reader (size, depth,
    alias expansion, duplicate keys; :mod:`sim.safe_yaml`) with the upload's tighter limits,
    UTF-8, ``base`` only as a shipped scenario name, no server file paths."""
    from sim.safe_yaml import YamlError
    from sim.safe_yaml import load as load_yaml

    label = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:80] or "scenario"
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"upload: {label} is {len(data) / 1000:,.0f} KB; the limit is "
            f"{MAX_UPLOAD_BYTES // 1000} KB (a scenario file is a few KB)"
        )
    try:
        raw = load_yaml(
            data,
            f"upload: {label}",
            max_bytes=MAX_UPLOAD_BYTES,
            max_nodes=UPLOAD_MAX_NODES.value(),
        )
    except YamlError as err:
        raise InputError(str(err)) from None
    if raw is None or raw == {}:
        raise InputError(f"upload: {label} is empty (no scenario fields)")
    if not isinstance(raw, dict):
        raise InputError(f"upload: {label} must hold a mapping of scenario fields")
    base = raw.pop("base", None)
    if base is not None:
        name = str(base).removesuffix(".yaml") if isinstance(base, str) else None
        if name not in shipped():
            raise InputError(
                f"base: must name a shipped scenario ({', '.join(shipped())}); "
                f"file paths are not accepted in uploads (got {base!r})"
            )
        raw = deep_merge(read_scenario_dict(SCENARIO_DIR / f"{name}.yaml"), raw)
    net = raw.get("network")
    if isinstance(net, dict) and (net.get("kind") == "file" or net.get("path")):
        raise InputError(
            "network.kind: graph files cannot be used from an upload (no server paths); "
            f"choose a generated network or {cli_hint()}"
        )
    # Size limits are checked when the scenario is run, so a too-large upload can still be
    # opened and scaled down with the controls.
    return validate_scenario(raw)


# --------------------------------------------------------------------------- levers
# The controls are the library's levers (sim.levers: the market's and each mechanism's), so a
# new mechanism's levers appear here without edits.
Lever = _levers.Lever
LEVERS: tuple[Lever, ...] = mechanisms.levers()
GROUPS: tuple[str, ...] = mechanisms.lever_groups()
LEVER_BY_PATH = {lv.path: lv for lv in LEVERS}
NETWORK_KINDS = LEVER_BY_PATH["network.kind"].options

BUDGET_PATH = "policy.group_buying.budget"
BUDGET_ON = BUDGET_PATH + ".limited"
DEFAULT_BUDGET = 100_000.0

SHOCK_KINDS = SHOCKS.names()
SHOCK_LABELS = {k.name: k.label for k in SHOCKS}
SHOCK_MAGNITUDE_HELP = {k.name: k.magnitude_help for k in SHOCKS}


field_description = _levers.field_description


def shock_key(kind: str, attr: str) -> str:
    return f"shocks.{kind}.{attr}"


@lru_cache(maxsize=8)
def _shipped_shock(kind: str) -> dict[str, Any]:
    data = read_scenario_dict(SCENARIO_DIR / "shocks" / f"{kind}.yaml")
    return dict(data["shocks"][0])


def default_shock(kind: str) -> dict[str, Any]:
    """The shipped shock file's settings: what a user gets on switching the shock on."""
    return {"kind": kind, "duration": None, "magnitude": 0.5, "brand": 0, **_shipped_shock(kind)}


def controls_from_scenario(sc: Scenario) -> dict[str, Any]:
    """Every control's value for a scenario (what the widgets show before any edit)."""
    data = sc.to_dict()
    out: dict[str, Any] = {}
    for lv in LEVERS:
        out[lv.path] = _get(data, lv.path)
    budget = sc.policy.group_buying.budget
    out[BUDGET_ON] = budget is not None
    out[BUDGET_PATH] = float(budget) if budget is not None else DEFAULT_BUDGET
    for kind in SHOCK_KINDS:
        first = next((s for s in sc.shocks if s.kind == kind), None)
        src = first.model_dump() if first else default_shock(kind)
        out[shock_key(kind, "on")] = first is not None
        out[shock_key(kind, "day")] = int(src["day"])
        out[shock_key(kind, "duration")] = int(src["duration"] or 0)
        out[shock_key(kind, "magnitude")] = float(src["magnitude"])
    return out


def _get(data: dict[str, Any], path: str) -> Any:
    cur: Any = data
    for part in path.split("."):
        cur = cur[part]
    return cur


def _shocks_from_controls(base: Scenario, controls: dict[str, Any]) -> list[dict[str, Any]]:
    """Edit the first shock of each kind in place, keep any further ones, append new kinds."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()

    def edited(kind: str, src: dict[str, Any]) -> dict[str, Any]:
        duration = controls[shock_key(kind, "duration")]
        return {
            **src,
            "kind": kind,
            "day": controls[shock_key(kind, "day")],
            "duration": None if duration == 0 else duration,
            "magnitude": controls[shock_key(kind, "magnitude")],
        }

    for s in base.shocks:
        src = s.model_dump()
        if s.kind in seen:
            out.append(src)
            continue
        seen.add(s.kind)
        if controls[shock_key(s.kind, "on")]:
            out.append(edited(s.kind, src))
    for kind in SHOCK_KINDS:
        if kind not in seen and controls[shock_key(kind, "on")]:
            out.append(edited(kind, default_shock(kind)))
    return out


def overrides_from_controls(base: Scenario, controls: dict[str, Any]) -> dict[str, Any]:
    """Dotted-path overrides for the controls that differ from the base scenario."""
    data = base.to_dict()
    over: dict[str, Any] = {}
    for lv in LEVERS:
        value = controls[lv.path]
        if value != _get(data, lv.path):
            over[lv.path] = value
    budget = controls[BUDGET_PATH] if controls[BUDGET_ON] else None
    if budget != base.policy.group_buying.budget:
        over[BUDGET_PATH] = budget
    shocks = _shocks_from_controls(base, controls)
    if shocks != [s.model_dump() for s in base.shocks]:
        over["shocks"] = shocks
    return over


def apply_overrides(base: Scenario, overrides: dict[str, Any]) -> Scenario:
    """The base with overrides, validated and within the page limits (raises InputError /
    ScenarioError with the field path)."""
    sc = base.with_overrides(overrides) if overrides else base
    check_limits(sc)
    return sc


def shock_warnings(sc: Scenario) -> list[str]:
    """Shocks that cannot show in this run (after the last day) — legal, but surprising."""
    return [
        f"shocks.{i}.day: the {s.kind.replace('_', ' ')} on day {s.day} falls after the last "
        f"simulated day ({sc.days - 1}), so it has no effect"
        for i, s in enumerate(sc.shocks)
        if s.day >= sc.days
    ]


# --------------------------------------------------------------------------- URL state
def pack(obj: Any) -> str:
    """JSON → zlib → URL-safe base64: a compact, copy-pasteable query-parameter value."""
    raw = json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).rstrip(b"=").decode()


def unpack(text: str, what: str = "url") -> Any:
    """Inverse of :func:`pack`, bounded in size; bad input raises InputError."""
    if len(text) > MAX_URL_CHARS:
        raise InputError(f"{what}: the encoded value is too long ({len(text):,} characters)")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        d = zlib.decompressobj()
        raw = d.decompress(data, MAX_UNPACKED_BYTES)
        if d.unconsumed_tail:
            raise InputError(f"{what}: the encoded value expands beyond the size limit")
        return json.loads(raw)
    except (binascii.Error, zlib.error, ValueError, UnicodeDecodeError) as err:
        if isinstance(err, InputError):
            raise
        raise InputError(
            f"{what}: the link is damaged (could not decode the scenario); "
            "open the dashboard without it and set the controls again"
        ) from None


def scenario_diff(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted-path changes turning ``a`` into ``b``; a mapping whose keys differ (segments)
    and any list (shocks) are replaced whole."""
    out: dict[str, Any] = {}
    for k, v in b.items():
        p = f"{prefix}{k}"
        old = a.get(k)
        if isinstance(old, dict) and isinstance(v, dict) and old.keys() == v.keys():
            out.update(scenario_diff(old, v, p + "."))
        elif k not in a or old != v:
            out[p] = v
    return out


@dataclass
class ExploreState:
    """What the Explore page's URL encodes: a base scenario (shipped or custom), the lever
    overrides, the seed and the reference for the KPI deltas."""

    base_name: str | None = DEFAULT_SCENARIO
    custom: dict[str, Any] | None = None  # diff of an uploaded scenario vs. the defaults
    overrides: dict[str, Any] = field(default_factory=dict)
    seed: int = 0
    ref: str = "baseline"

    def base(self) -> Scenario:
        if self.custom is not None:
            sc = Scenario().with_overrides(self.custom)
            if sc.network.kind == "file" or sc.network.path:
                check_limits(sc)  # refuses server paths with its message
            return sc
        return load_shipped(self.base_name or DEFAULT_SCENARIO)

    def to_params(self) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.custom is not None:
            params["custom"] = pack(self.custom)
        else:
            params["scenario"] = self.base_name or DEFAULT_SCENARIO
        if self.overrides:
            params["set"] = pack(self.overrides)
        if self.seed:
            params["seed"] = str(self.seed)
        if self.ref != "baseline":
            params["ref"] = self.ref
        return params

    @classmethod
    def from_params(cls, params: dict[str, str]) -> ExploreState:
        """Decode (and validate) a shared link; raises InputError naming the parameter."""
        state = cls()
        if "custom" in params:
            custom = unpack(params["custom"], "custom")
            if not isinstance(custom, dict):
                raise InputError("custom: the link does not hold a scenario")
            state.custom, state.base_name = custom, None
        elif "scenario" in params:
            state.base_name = params["scenario"]
        base = state.base()  # validates the name / the custom scenario
        if "set" in params:
            over = unpack(params["set"], "set")
            if not isinstance(over, dict) or not all(isinstance(k, str) for k in over):
                raise InputError("set: the link does not hold scenario overrides")
            apply_overrides(base, over)
            state.overrides = over
        if "seed" in params:
            try:
                state.seed = check_seed(int(params["seed"]))
            except ValueError:
                raise InputError(
                    f"seed: must be a whole number from 0 to {MAX_SEED:,} (got {params['seed']!r})"
                ) from None
        if "ref" in params:
            if params["ref"] not in REFERENCES:
                raise InputError(f"ref: must be one of {', '.join(REFERENCES)}")
            state.ref = params["ref"]
        return state


def custom_diff(sc: Scenario) -> dict[str, Any]:
    """An uploaded scenario as its changes to the defaults (short enough for a URL)."""
    return scenario_diff(Scenario().to_dict(), sc.to_dict())


REFERENCES = {
    "baseline": "Baseline: no program, same market and shocks",
    "loaded": "The scenario as loaded (before your changes)",
    "none": "No comparison",
}


# --------------------------------------------------------------------------- KPIs
@dataclass(frozen=True)
class KpiSpec:
    key: str
    label: str
    fmt: Callable[[float], str]
    delta_fmt: Callable[[float], str]
    help: str = ""
    higher_is_better: bool = True


def _pct(x: float) -> str:
    return "—" if not _finite(x) else f"{100 * x:.1f}%"


def _pp(x: float) -> str:
    return "—" if not _finite(x) else f"{100 * x:+.1f} pp"


def _ratio(x: float) -> str:
    return "—" if not _finite(x) else f"{x:.2f}".replace("-", "−")


def _dratio(x: float) -> str:
    return "—" if not _finite(x) else f"{x:+.2f}"


def _yuan(x: float) -> str:
    return "—" if not _finite(x) else f"{'' if x >= 0 else '−'}¥{abs(x):,.0f}"


def _dyuan(x: float) -> str:
    # deltas keep an ASCII sign: st.metric reads it to choose the arrow and colour
    return "—" if not _finite(x) else f"{'+' if x >= 0 else '-'}¥{abs(x):,.0f}"


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, int | float | np.number) and math.isfinite(float(x))


def _dcount(x: float) -> str:
    return "—" if not _finite(x) else f"{x:+,.0f}"


_DELTA_FORMATS: dict[str, Callable[[float], str]] = {
    "share": _pp,
    "yuan": _dyuan,
    "ratio": _dratio,
    "count": _dcount,
    "day": _dcount,
}


def kpi_spec(key: str) -> KpiSpec:
    """A KPI's card specification, from the library's KPI registry (sim.kpis)."""
    k = _kpis.kpi(key)
    return KpiSpec(
        k.name,
        k.label,
        k.format,
        _DELTA_FORMATS[k.unit],
        k.definition,
        k.higher_is_better is not False,
    )


CARD_KPIS: tuple[KpiSpec, ...] = tuple(kpi_spec(k) for k in _kpis.cards())
COMPARE_KPIS: tuple[str, ...] = _kpis.headline()


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    delta: str | None
    higher_is_better: bool
    help: str


def resilience_label(kind: str, day: int) -> str:
    return f"Resilience: {SHOCKS[kind].label.lower()} (day {day})"


def kpi_cards(run: RunSummary, ref: RunSummary | None) -> list[Card]:
    """The KPI cards with their differences to the reference run (None: no deltas)."""
    cards = []
    for spec in CARD_KPIS:
        v = run.kpis.get(spec.key, float("nan"))
        delta = None
        if ref is not None:
            r = ref.kpis.get(spec.key, float("nan"))
            delta = spec.delta_fmt(v - r) if _finite(v) and _finite(r) else "—"
        cards.append(Card(spec.label, spec.fmt(v), delta, spec.higher_is_better, spec.help))
    ref_res = _resilience_by_kind(ref) if ref is not None else {}
    for i, s in enumerate(run.scenario.shocks):
        v = run.kpis.get(f"resilience_{s.kind}_{i}", float("nan"))
        r = ref_res.get((s.kind, s.day))
        delta = None
        if ref is not None:
            delta = _pp(v - r) if _finite(v) and r is not None and _finite(r) else "—"
        cards.append(
            Card(
                resilience_label(s.kind, s.day),
                _pct(v),
                delta,
                True,
                "Active customers 60 days after the shock over those the day before "
                "(— when the run ends within 60 days of it).",
            )
        )
    if not run.scenario.shocks:
        cards.append(Card("Resilience", "no shocks", None, True, "Add a shock to measure it."))
    return cards


def _resilience_by_kind(run: RunSummary) -> dict[tuple[str, int], float]:
    return {
        (s.kind, s.day): run.kpis.get(f"resilience_{s.kind}_{i}", float("nan"))
        for i, s in enumerate(run.scenario.shocks)
    }


# --------------------------------------------------------------------------- money
_SPENT = ("consumers", "partners", "advertising")  # money leaving the market's firms
#: (daily column, label, who): from the library's registry of money flows (sim.accounts)
MONEY_FLOWS: tuple[tuple[str, str, str], ...] = tuple(
    (f.column, f.label, "pays" if f.payer == "consumers" or f.payee in _SPENT else "earns")
    for f in FLOWS
)


def money_long(daily: pd.DataFrame, window: int = 7) -> pd.DataFrame:
    """Daily money flows, smoothed, in long form (day, flow, who, yuan)."""
    cols = [c for c, _, _ in MONEY_FLOWS if c in daily.columns]
    sm = daily[cols].rolling(window, min_periods=1).mean()
    sm.index.name = "day"
    long = sm.reset_index().melt(id_vars="day", var_name="column", value_name="yuan")
    labels = {c: (lab, who) for c, lab, who in MONEY_FLOWS}
    long["flow"] = long["column"].map(lambda c: labels[c][0])
    long["who"] = long["column"].map(lambda c: labels[c][1])
    return long[["day", "flow", "who", "yuan"]]


def money_totals(run: RunSummary) -> pd.DataFrame:
    """Who paid and who earned over the whole run (yuan; payers negative)."""
    a = run.accounts.sum(numeric_only=True)
    rows = [
        ("Consumers", -a.get("consumer_paid", 0.0)),
        ("Platform subsidies", -a.get("subsidies", 0.0)),
        ("Platform rewards to partners", -a.get("rewards", 0.0)),
        ("Platform ads & win-back", -(a.get("ad_spend", 0.0) + a.get("winback_spend", 0.0))),
        ("Platform operator fees to leaders", -a.get("operator_fees", 0.0)),
        ("Brands (receipts)", a.get("brand_receipts", 0.0)),
        ("Platform commission", a.get("commissions", 0.0)),
        (
            "Leaders (commission + fees)",
            a.get("leader_commissions", 0.0) + a.get("operator_fees", 0.0),
        ),
        ("Partners (rewards)", a.get("rewards", 0.0)),
        ("Platform net", a.get("platform_net", 0.0)),
    ]
    df = pd.DataFrame(rows, columns=["party", "yuan"])
    df["role"] = np.where(df["yuan"] < 0, "pays", "earns")
    return df


# --------------------------------------------------------------------------- downloads
def daily_csv(run: RunSummary) -> bytes:
    return run.daily.to_csv().encode()


def daily_parquet(run: RunSummary) -> bytes:
    buf = io.BytesIO()
    run.daily.to_parquet(buf)
    return buf.getvalue()


def kpis_frame(run: RunSummary) -> pd.DataFrame:
    return pd.DataFrame(
        [{"scenario": run.name, "seed": run.seed, "scenario_key": run.key, **run.kpis}]
    )


def kpi_table(run: RunSummary) -> pd.DataFrame:
    """Every KPI of the run as text (one column, so mixed types display cleanly)."""
    rows = {k: (f"{v:,.4g}" if isinstance(v, float) else f"{v:,}") for k, v in run.kpis.items()}
    return pd.DataFrame({"value": rows})


def kpis_csv(run: RunSummary) -> bytes:
    return kpis_frame(run).to_csv(index=False).encode()


def kpis_parquet(run: RunSummary) -> bytes:
    buf = io.BytesIO()
    kpis_frame(run).to_parquet(buf, index=False)
    return buf.getvalue()


FIGURES = ("active", "retention", "cohorts", "money")


def figure_png(run: RunSummary, which: str) -> bytes:
    """A matplotlib figure of the run as PNG (the same figures the CLI writes)."""
    from sim import plots

    makers = {
        "active": lambda: plots.active_figure(run),  # type: ignore[arg-type]
        "retention": lambda: plots.retention_figure([run]),  # type: ignore[list-item]
        "cohorts": lambda: plots.cohort_figure(run),  # type: ignore[arg-type]
        "money": lambda: plots.money_figure(run),  # type: ignore[arg-type]
    }
    fig = makers[which]()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plots.plt.close(fig)
    return buf.getvalue()


# --------------------------------------------------------------------------- compare
def compare_runs(
    scenarios: list[Scenario],
    seeds: list[int],
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, list[RunSummary]]:
    """Every scenario over the same seeds (common random numbers), through the cache."""
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        scenarios = [
            s.with_overrides({"name": f"{s.name}#{i + 1}"}) for i, s in enumerate(scenarios)
        ]
    total, done = len(scenarios) * len(seeds), 0
    out: dict[str, list[RunSummary]] = {}
    for sc in scenarios:
        out[sc.name] = []
        for seed in seeds:
            out[sc.name].append(RUNS.get(sc, seed))
            done += 1
            if progress:
                progress(done, total, sc.name)
    return out


def compare_kpis(runs: dict[str, list[RunSummary]]) -> pd.DataFrame:
    """One row per (scenario, seed) with every KPI."""
    return pd.DataFrame(
        [{"scenario": name, "seed": r.seed, **r.kpis} for name, rs in runs.items() for r in rs]
    )


def compare_table(kpis: pd.DataFrame, names: list[str], keys: Iterable[str]) -> pd.DataFrame:
    """Mean and 95% CI half-width per KPI and scenario, plus the paired difference of
    each scenario to the first (same seeds, so the pairing removes common noise)."""
    from sim.compare import mean_ci  # imports scipy.stats: only when a comparison is shown

    rows = []
    ref = kpis[kpis["scenario"] == names[0]].set_index("seed")
    for key in keys:
        if key not in kpis.columns:
            continue
        for name in names:
            sub = kpis[kpis["scenario"] == name].set_index("seed")
            mean, ci = mean_ci(sub[key].tolist())
            row = {"kpi": key, "scenario": name, "mean": mean, "ci95": ci}
            if name != names[0]:
                common = sub.index.intersection(ref.index)
                d = (sub.loc[common, key] - ref.loc[common, key]).tolist()
                row["diff_vs_first"], row["diff_ci95"] = mean_ci(d)
            else:
                row["diff_vs_first"], row["diff_ci95"] = 0.0, float("nan")
            rows.append(row)
    return pd.DataFrame(rows)


def band(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% t-interval across the columns (seeds) of a day × seed frame."""
    from scipy import stats

    n = frame.shape[1]
    mean = frame.mean(axis=1)
    if n > 1:
        half = stats.t.ppf(0.975, n - 1) * frame.std(axis=1, ddof=1) / np.sqrt(n)
    else:
        half = pd.Series(0.0, index=frame.index)
    return pd.DataFrame({"day": frame.index, "mean": mean, "lo": mean - half, "hi": mean + half})


def series_bands(runs: dict[str, list[RunSummary]], column: str = "active") -> pd.DataFrame:
    """Per scenario and day: mean over seeds with a 95% band (long form)."""
    parts = []
    for name, rs in runs.items():
        frame = pd.DataFrame({r.seed: r.daily[column].to_numpy() for r in rs})
        b = band(frame)
        b["scenario"] = name
        parts.append(b)
    return pd.concat(parts, ignore_index=True)


def diff_band(
    runs: dict[str, list[RunSummary]], first: str, other: str, column: str = "active"
) -> pd.DataFrame:
    """``other − first`` per day, paired by seed, with a 95% band."""
    a = {r.seed: r.daily[column].to_numpy() for r in runs[first]}
    b = {r.seed: r.daily[column].to_numpy() for r in runs[other]}
    seeds = [s for s in a if s in b]
    days = min(min(len(a[s]) for s in seeds), min(len(b[s]) for s in seeds))
    frame = pd.DataFrame({s: b[s][:days] - a[s][:days] for s in seeds})
    out = band(frame)
    out["pair"] = f"{other} − {first}"
    return out


def retention_bands(runs: dict[str, list[RunSummary]], max_age: int = 365) -> pd.DataFrame:
    parts = []
    for name, rs in runs.items():
        frame = pd.DataFrame({r.seed: r.retention_supported() for r in rs})
        frame = frame.iloc[: max_age + 1]
        b = band(frame)
        b["scenario"] = name
        parts.append(b.rename(columns={"day": "age"}))
    return pd.concat(parts, ignore_index=True).dropna(subset=["mean"])


def compare_format(mean: float, ci: float) -> str:
    """``mean ± ci`` with sensible digits (shares as %, money and counts as integers)."""
    if not _finite(mean):
        return "—"
    digits = 3 if abs(mean) < 10 else 0
    text = f"{mean:,.{digits}f}"
    if _finite(ci):
        text += f" ± {ci:,.{digits}f}"
    return text


def comparison_png(runs: dict[str, list[RunSummary]]) -> bytes:
    """The CLI's comparison figure (active customers, mean and 95% band) as PNG."""
    from sim import plots

    active = {
        name: pd.DataFrame({r.seed: r.daily["active"].to_numpy() for r in rs})
        for name, rs in runs.items()
    }
    shocks = {name: rs[0].scenario.shocks for name, rs in runs.items()}
    fig = plots.comparison_figure(active, shocks)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plots.plt.close(fig)
    return buf.getvalue()
