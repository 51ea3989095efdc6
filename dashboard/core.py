"""Dashboard logic that needs no Streamlit: safe input, page limits, levers, URL state.

Kept apart from the pages so it can be tested directly. Runs and comparisons live in
:mod:`sim.dashboard.runs`; what a control, a KPI or a money flow *is* comes from the
library's registries (``sim.levers``/``sim.mechanisms``, ``sim.kpis``, ``sim.shocks``,
``sim.accounts``), so a new mechanism's levers and KPIs appear here without edits. Bad input
raises the library's :class:`~sim.scenario.ScenarioError`, with a message naming the field.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import math
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from sim import levers as _levers
from sim import mechanisms
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
#: The small town the Classroom and the lever panel run in. The shipped scenarios are a
#: calibrated national launch market (2.4 households per 1,000 aware on day 0, leaders
#: signed up only where a fifth of the neighbours already order): a town of a thousand
#: households would stay almost empty for a year. Here one household in twenty knows the
#: platform on day 0 and every neighbourhood has its leader from the start.
TOWN: dict[str, object] = {"population.initial_aware": 0.05, "policy.leaders.recruit_at": 0.0}
TOWN_TEXT = (
    f"a town where {TOWN['population.initial_aware']:.0%} of households know the platform on "
    "day 0 and every neighbourhood has its leader"
)
MAX_COMPARE_SCENARIOS = 6
MAX_COMPARE_SEEDS = 20
MAX_URL_CHARS = 6_000  # browsers and proxies start to cut URLs around 8 KB
MAX_UNPACKED_BYTES = 200_000

DEFAULT_SCENARIO = "subsidy_group_buying"

INPUT_ERRORS: tuple[type[Exception], ...] = (ScenarioError, NetworkError)
#: Bad page input raises the library's ScenarioError; this name is that class (not a copy),
#: kept for callers that catch ``core.InputError``.
InputError = ScenarioError


def cli_hint(n: int | None = None, shipped_name: str | None = None) -> str:
    """Where to go instead: the command line, with a shipped scenario's name when there is
    one (pages without a scenario download say so), else the downloaded YAML."""
    flag = f" --consumers {n}" if n else ""
    if shipped_name:
        return f"run `symbiosim run {shipped_name}{flag}` from a terminal"
    return f"download the scenario YAML and run `symbiosim run scenario.yaml{flag}` from a terminal"


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
        raise ScenarioError(
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
    sc: Scenario,
    max_consumers: int = MAX_CONSUMERS,
    where: str = "this page",
    shipped_name: str | None = None,
) -> None:
    """Refuse what an interactive page should not run; the message points to the CLI."""
    n = sc.population.consumers
    if sc.network.kind == "file" or sc.network.path:
        raise ScenarioError(
            "network.kind: 'file' (a graph file on the server) is not available in the "
            f"dashboard; choose sbm, small_world, scale_free, erdos_renyi, complete or ring, "
            f"or {cli_hint()}"
        )
    if n > max_consumers:
        raise ScenarioError(
            f"population.consumers: at most {max_consumers:,} on {where} (got {n:,}); "
            f"for more, {cli_hint(n, shipped_name)}"
        )
    if sc.days > MAX_DAYS:
        raise ScenarioError(
            f"days: at most {MAX_DAYS:,} on {where} (got {sc.days:,}); for longer runs, "
            f"{cli_hint(None, shipped_name)}"
        )
    try:  # a dense network (huge mean degree) can need gigabytes even at 50,000 consumers
        check_memory(sc, where="network.mean_degree", advice="")
    except LimitExceeded as err:
        raise ScenarioError(str(err)) from None


def check_seed(value: Any, field_name: str = "seed") -> int:
    """A seed is a whole number 0..2³²-1, typed as digits; anything else (``1e30``, ``1.5``,
    ``-1``, ``seven``) gets a message naming the field, never a clamp or a silent rounding."""
    allowed = f"{field_name}: must be a whole number from 0 to {MAX_SEED:,}"
    if isinstance(value, np.integer | np.floating):
        value = value.item()
    if isinstance(value, str):
        text = value.strip().replace(",", "").replace("_", "")
        if not re.fullmatch(r"[0-9]+", text):
            raise ScenarioError(f"{allowed} (got {value!r})")
        value = int(text)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ScenarioError(f"{allowed} (got {value!r})")
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        raise ScenarioError(f"{allowed} (got {value!r})")
    seed = int(value)
    if not 0 <= seed <= MAX_SEED:
        raise ScenarioError(f"{allowed} (got {seed:,})")
    return seed


def parse_upload(data: bytes, filename: str = "scenario.yaml") -> Scenario:
    """Parse an uploaded scenario safely: the project's bounded YAML reader (size, depth,
    alias expansion, duplicate keys; :mod:`sim.safe_yaml`) with the upload's tighter limits,
    UTF-8, ``base`` only as a shipped scenario name, no server file paths."""
    from sim.safe_yaml import YamlError
    from sim.safe_yaml import load as load_yaml

    label = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:80] or "scenario"
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError(
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
        raise ScenarioError(str(err)) from None
    if raw is None or raw == {}:
        raise ScenarioError(f"upload: {label} is empty (no scenario fields)")
    if not isinstance(raw, dict):
        raise ScenarioError(f"upload: {label} must hold a mapping of scenario fields")
    base = raw.pop("base", None)
    if base is not None:
        name = str(base).removesuffix(".yaml") if isinstance(base, str) else None
        if name not in shipped():
            raise ScenarioError(
                f"base: must name a shipped scenario ({', '.join(shipped())}); "
                f"file paths are not accepted in uploads (got {base!r})"
            )
        raw = deep_merge(read_scenario_dict(SCENARIO_DIR / f"{name}.yaml"), raw)
    net = raw.get("network")
    if isinstance(net, dict) and (net.get("kind") == "file" or net.get("path")):
        raise ScenarioError(
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


# A control shows a value in the unit people read: a share as a percentage (35 for a 35%
# discount), money in yuan, durations in days. The scenario keeps the fraction.
def to_widget(lv: Lever, value: Any) -> Any:
    """A scenario value as the control shows it."""
    if lv.unit == "%" and isinstance(value, int | float) and not isinstance(value, bool):
        return round(100.0 * float(value), 9)
    return value


def from_widget(lv: Lever, value: Any) -> Any:
    """A control's value as the scenario stores it."""
    if lv.unit == "%" and isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value) / 100.0, 12)
    return value


def widget_label(lv: Lever) -> str:
    """A control's label with its unit, e.g. "Group discount (depth), %"."""
    unit = {"%": "%", "yuan": "¥", "days": "days"}.get(lv.unit, "")
    return f"{lv.label} ({unit})" if unit and lv.kind in ("int", "float") else lv.label


def widget_format(lv: Lever) -> str | None:
    """The printf format of a numeric control: percent with the digits its step needs,
    yuan as whole yuan unless the step is finer (the ¥ is in the label: number inputs take
    no currency sign)."""
    step = float(lv.step or 0)
    if lv.unit == "%":
        pct = 100 * step
        digits = 0 if pct >= 1 or pct == 0 else (1 if pct >= 0.1 else 2)
        return f"%.{digits}f%%"
    if lv.unit == "yuan":
        return "%.0f" if step >= 1 or step == 0 else "%.2f"
    if lv.kind == "float":
        return "%.2f" if step >= 0.01 or step == 0 else "%.3f"
    return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def shock_key(kind: str, attr: str) -> str:
    return f"shocks.{kind}.{attr}"


@lru_cache(maxsize=8)
def _shipped_shock(kind: str) -> dict[str, Any]:
    data = read_scenario_dict(SCENARIO_DIR / "shocks" / f"{kind}.yaml")
    return dict(data["shocks"][0])


def default_shock(kind: str) -> dict[str, Any]:
    """The shipped shock file's settings: what a user gets on switching the shock on."""
    return {"kind": kind, "duration": None, "magnitude": 0.5, "brand": 0, **_shipped_shock(kind)}


def is_control_path(path: str) -> bool:
    """Whether a dotted override is set by a control (a lever, the budget, the shocks)."""
    return path in LEVER_BY_PATH or path in (BUDGET_PATH, BUDGET_ON) or path == "shocks"


def extra_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """The overrides no control shows (``observation.cohort_end`` from a shared link, say):
    kept as they are, so a link never loses what it carried."""
    return {k: v for k, v in overrides.items() if not is_control_path(k)}


def controls_from_scenario(sc: Scenario) -> dict[str, Any]:
    """Every control's value for a scenario (what the widgets show before any edit, in the
    widgets' units: see :func:`to_widget`)."""
    data = sc.to_dict()
    out: dict[str, Any] = {}
    for lv in LEVERS:
        out[lv.path] = to_widget(lv, _get(data, lv.path))
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
        value = from_widget(lv, controls[lv.path])
        if not _same(value, _get(data, lv.path)):
            over[lv.path] = value
    budget = controls[BUDGET_PATH] if controls[BUDGET_ON] else None
    if budget != base.policy.group_buying.budget:
        over[BUDGET_PATH] = budget
    shocks = _shocks_from_controls(base, controls)
    if shocks != [s.model_dump() for s in base.shocks]:
        over["shocks"] = shocks
    return over


def apply_overrides(base: Scenario, overrides: dict[str, Any]) -> Scenario:
    """The base with overrides, validated and within the page limits (raises ScenarioError /
    ScenarioError with the field path)."""
    sc = base.with_overrides(overrides) if overrides else base
    check_limits(sc)
    return sc


EDITED_SUFFIX = "-edited"


def as_download(sc: Scenario, edited: bool) -> Scenario:
    """The scenario as it goes into a download: renamed ``<name>-edited`` (and said so in
    its description) when the levers changed it, so a file never passes an edited scenario
    off as the shipped one."""
    if not edited or sc.name.endswith(EDITED_SUFFIX):
        return sc
    note = f"Edited in the dashboard from “{sc.name}”."
    desc = f"{sc.description} {note}".strip() if sc.description else note
    return sc.with_overrides({"name": sc.name + EDITED_SUFFIX, "description": desc})


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
    """Inverse of :func:`pack`, bounded in size; bad input raises ScenarioError."""
    if len(text) > MAX_URL_CHARS:
        raise ScenarioError(f"{what}: the encoded value is too long ({len(text):,} characters)")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        d = zlib.decompressobj()
        raw = d.decompress(data, MAX_UNPACKED_BYTES)
        if d.unconsumed_tail:
            raise ScenarioError(f"{what}: the encoded value expands beyond the size limit")
        return json.loads(raw)
    except (binascii.Error, zlib.error, ValueError, UnicodeDecodeError) as err:
        if isinstance(err, ScenarioError):
            raise
        raise ScenarioError(
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
        """Decode (and validate) a shared link; raises ScenarioError naming the parameter."""
        state = cls()
        if "custom" in params:
            custom = unpack(params["custom"], "custom")
            if not isinstance(custom, dict):
                raise ScenarioError("custom: the link does not hold a scenario")
            state.custom, state.base_name = custom, None
        elif "scenario" in params:
            state.base_name = params["scenario"]
        base = state.base()  # validates the name / the custom scenario
        if "set" in params:
            over = unpack(params["set"], "set")
            if not isinstance(over, dict) or not all(isinstance(k, str) for k in over):
                raise ScenarioError("set: the link does not hold scenario overrides")
            apply_overrides(base, over)
            state.overrides = over
        if "seed" in params:
            state.seed = check_seed(params["seed"])
        if "ref" in params:
            if params["ref"] not in REFERENCES:
                raise ScenarioError(f"ref: must be one of {', '.join(REFERENCES)}")
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
